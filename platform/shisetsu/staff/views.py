"""The designated manager console (``/<tenant>/manage``): sign-in, home, staff management.

Thin views: the sign-in steps are the shared :class:`SignInFlow`, staff changes are in
:mod:`shisetsu.staff.operations`.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shisetsu.audit.operations import request_actor
from shisetsu.auth.access import ANY_STAFF, STAFF_MANAGEMENT, access, permits
from shisetsu.auth.personnel import PersonnelError
from shisetsu.auth.principals import STAFF
from shisetsu.dates import local_time
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.people.models import Staff
from shisetsu.people.roles import ROLE_LABELS
from shisetsu.signin.credential_views import (
    password_page,
    recovery_codes_page,
    sign_out_everywhere_page,
)
from shisetsu.signin.flow import SignInFlow, no_store, second_factor_limits
from shisetsu.staff import operations as ops
from shisetsu.staff.forms import ROLE_DUTIES, AddStaffForm, ConfirmForm, RoleForm

bp = Blueprint("staff", __name__, url_prefix="/<tenant>/manage")

# Pages of the console home, linked when the module that builds them is installed and the
# signed-in role passes the page's own @access rules.
CONSOLE_PAGES = (
    ("groups_manage.pending", _l("Pending group applications")),
    ("groups_manage.index", _l("Registered groups")),
    ("slots_manage.index", _l("Rooms, closures and official holds")),
    ("board.show", _l("Booking board")),
    ("booking_manage.day", _l("Bookings of the day")),
    ("booking_manage.counter", _l("Counter booking")),
    ("booking_manage.daily", _l("Daily processing list")),
    ("lottery_manage.dashboard", _l("Lottery rounds")),
    ("exports.index", _l("Exports and handover ledger")),
    ("retention_manage.index", _l("Personal data and deletion certificates")),
    ("staff.staff_list", _l("Staff and roles")),
    ("audit.findings", _l("Access log findings")),
    ("audit.incidents", _l("Incidents")),
    ("staff.security", _l("Two-step sign-in and recovery codes")),
    ("staff.password", _l("Change your password")),
    ("staff.sign_out_everywhere", _l("Sign out everywhere")),
)
# Which form field shows a refused change (PersonnelError.code → field).
FIELD_OF_ERROR = {
    "invalid_login": "login",
    "login_taken": "login",
    "missing_name": "display_name",
    "invalid_email": "email",
    "invalid_role": "role",
}


@bp.context_processor
def _console_context() -> dict[str, object]:
    return {"tenant": g.tenant}


def _issuer() -> str:
    return f"Shisetsu {g.tenant.name_en}"


FLOW = SignInFlow(
    kind=STAFF,
    blueprint="staff",
    find=lambda login: ops.find_active_staff(db.session(), login),
    issuer=_issuer,
    heading=_l("Manager console sign-in"),
)


FLOW.register_routes(bp)


@bp.route("/security", methods=["GET", "POST"])
@access(*ANY_STAFF)
@second_factor_limits
def security() -> ResponseReturnValue:
    """The signed-in staff member's recovery codes."""
    return recovery_codes_page(FLOW)


@bp.route("/password", methods=["GET", "POST"])
@access(*ANY_STAFF)
@second_factor_limits
def password() -> ResponseReturnValue:
    """The signed-in staff member's own password (replaces the initial one)."""
    return password_page(FLOW)


@bp.route("/sign-out-everywhere", methods=["GET", "POST"])
@access(*ANY_STAFF)
def sign_out_everywhere() -> ResponseReturnValue:
    """End every session of the signed-in staff member, on every device (after a confirmation)."""
    return sign_out_everywhere_page(FLOW)


@bp.get("/")
@access(*ANY_STAFF)
def home() -> str:
    """Console home: who is signed in, their role and the pages their role may open."""
    return render_template(
        "staff/manage/home.html",
        me=current_user.record,
        role_labels=ROLE_LABELS,
        role_duties=ROLE_DUTIES,
        links=_console_links(),
    )


def _console_links() -> list[tuple[str, str]]:
    """(url, label) of each console page that exists and the signed-in role may open."""
    links = []
    for endpoint, label in CONSOLE_PAGES:
        view = current_app.view_functions.get(endpoint)
        rules = getattr(view, "access", None)
        if rules and permits(rules, current_user.kind, current_user.role):
            links.append((url_for(endpoint), str(label)))
    return links


@bp.get("/staff/")
@access(*STAFF_MANAGEMENT)
def staff_list() -> str:
    """Every staff member with their role (the roster reported to the ward)."""
    session = db.session()
    active, removed = ops.list_staff(session), ops.list_staff(session, removed=True)
    return render_template(
        "staff/manage/list.html",
        active=active,
        removed=removed,
        names={s.id: s.display_name for s in (*active, *removed)},
        role_labels=ROLE_LABELS,
        me=current_user.record,
        local_time=local_time,
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@access(*STAFF_MANAGEMENT)
def add_staff() -> ResponseReturnValue:
    """Add a staff member and show their initial password once."""
    form = AddStaffForm()
    if form.validate_on_submit():
        try:
            staff, initial = ops.create_staff(
                db.session(),
                login=form.login.data or "",
                display_name=form.display_name.data or "",
                email=form.email.data,
                role=form.role.data or "",
                by=request_actor(),
            )
        except PersonnelError as exc:
            db.session.rollback()
            field = FIELD_OF_ERROR.get(exc.code, "login")
            getattr(form, field).errors.append(str(exc.message))
        else:
            db.session.commit()
            body = render_template(
                "staff/manage/added.html", staff=staff, password=initial, role_labels=ROLE_LABELS
            )
            return no_store(body)
    return render_template(
        "staff/manage/add.html", form=form, role_labels=ROLE_LABELS, role_duties=ROLE_DUTIES
    )


@bp.post("/staff/<int:staff_id>/role")
@access(*STAFF_MANAGEMENT)
def change_role(staff_id: int) -> ResponseReturnValue:
    """Give a staff member another role (takes effect on their next request)."""
    target = _active_or_404(staff_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = ops.change_role(
            db.session(),
            actor=current_user.record,
            target=target,
            role=form.role.data or "",
            by=request_actor(),
        )
    except PersonnelError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        if changed:
            label = ROLE_LABELS[target.role]
            flash(_("%(name)s is now: %(role)s.", name=target.display_name, role=label), "info")
    return redirect(url_for(".staff_list"))


@bp.route("/staff/<int:staff_id>/remove", methods=["GET", "POST"])
@access(*STAFF_MANAGEMENT)
def remove(staff_id: int) -> ResponseReturnValue:
    """Confirm, then remove a staff member: their sessions end immediately."""
    target = _active_or_404(staff_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            ops.remove_staff(
                db.session(),
                actor=current_user.record,
                target=target,
                now=utcnow(),
                by=request_actor(),
            )
        except PersonnelError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(
                _("%(name)s was removed; their sessions have ended.", name=target.display_name),
                "info",
            )
        return redirect(url_for(".staff_list"))
    return render_template(
        "staff/manage/remove.html", target=target, form=form, role_labels=ROLE_LABELS
    )


@bp.route("/staff/<int:staff_id>/reset", methods=["GET", "POST"])
@access(*STAFF_MANAGEMENT)
def reset(staff_id: int) -> ResponseReturnValue:
    """Confirm, then give a member who lost their phone a new password and TOTP enrolment."""
    target = _active_or_404(staff_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            initial = ops.reset_staff_sign_in(
                db.session(),
                actor=current_user.record,
                target=target,
                now=utcnow(),
                by=request_actor(),
            )
        except PersonnelError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return redirect(url_for(".staff_list"))
        db.session.commit()
        body = render_template(
            "staff/manage/added.html",
            staff=target,
            password=initial,
            role_labels=ROLE_LABELS,
            reset=True,
        )
        return no_store(body)
    return render_template(
        "staff/manage/reset.html", target=target, form=form, role_labels=ROLE_LABELS
    )


def _active_or_404(staff_id: int) -> Staff:
    """An active staff member of this tenant; anything else (another tenant's id) is a 404."""
    target = ops.get_active_staff(db.session(), staff_id)
    if target is None:
        abort(404)
    return target
