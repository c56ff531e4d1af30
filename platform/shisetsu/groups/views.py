"""Resident pages at ``/<tenant>/groups``: my groups, apply (仮登録), renew, withdraw.

Thin: parse the form, ask :mod:`shisetsu.groups.operations`, render. Another resident's
group id is a 404, never a 403 that would confirm it exists.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from shisetsu import audit
from shisetsu.auth.access import RESIDENT, access
from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.groups import operations as ops
from shisetsu.groups.forms import ApplicationForm, ConfirmForm
from shisetsu.groups.labels import STATE_MESSAGES, Refusals, category_label, status_label
from shisetsu.groups.models import APPROVED, PENDING, Group
from shisetsu.i18n import current_locale
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("groups", __name__, url_prefix="/<tenant>/groups")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"status_label": status_label, "category_label": category_label}


def _own_or_404(group_id: int) -> Group:
    group = ops.own_group(db.session(), current_user.id, group_id)
    if group is None:
        abort(404)
    return group


@bp.get("/")
@access(RESIDENT)
def index() -> str:
    """My groups: status, validity, and a renewal link when renewal is open."""
    config = current_runtime().config
    today = local_today(config)
    groups = ops.groups_of(db.session(), current_user.id)
    renewable = {
        group.id
        for group in groups
        if ops.renewal_open(db.session(), group, config.registration, today)
    }
    return render_template(
        "groups/index.html",
        tenant=g.tenant,
        tenant_config=config,
        groups=groups,
        renewable=renewable,
    )


@bp.route("/apply", methods=["GET", "POST"])
@access(RESIDENT)
def apply() -> ResponseReturnValue:
    """Apply to register a group (仮登録); staff approve it after checking documents."""
    return _application_page(renews=None)


@bp.route("/<int:group_id>/renew", methods=["GET", "POST"])
@access(RESIDENT)
def renew(group_id: int) -> ResponseReturnValue:
    """Apply to renew a registration that ends soon (a new application, reviewed again)."""
    group = _own_or_404(group_id)
    config = current_runtime().config
    if not ops.renewal_open(db.session(), group, config.registration, local_today(config)):
        flash(str(STATE_MESSAGES["renewal_closed"]), "error")
        return redirect(url_for(".detail", group_id=group.id))
    return _application_page(renews=group)


def _application_page(renews: Group | None) -> ResponseReturnValue:
    runtime = current_runtime()
    session = db.session()
    form = ApplicationForm(runtime.config, current_locale())
    if renews is not None:
        if not form.is_submitted():
            form.fill(ops.Application.from_group(renews))
        form.category.data = renews.category  # a renewal keeps its category
    if not form.is_submitted():
        return _render_form(form, Refusals(), renews)
    valid = form.validate()
    violations = []
    if form.facts_ready():
        violations = ops.check_application(
            session,
            runtime.config,
            runtime.plugins,
            account_id=current_user.id,
            application=form.application(),
            today=local_today(runtime.config),
            renews=renews,
        )
    if valid and not violations:
        try:
            group = ops.submit_application(
                session,
                runtime.config,
                runtime.plugins,
                account_id=current_user.id,
                application=form.application(),
                now=utcnow(),
                renews=renews,
            )
        except ops.Ineligible as exc:  # something changed since the check just above
            violations = exc.violations
        except ops.GroupStateError as exc:  # the renewal closed meanwhile
            flash(str(STATE_MESSAGES[exc.code]), "error")
            return redirect(url_for(".index"))
        else:
            audit.record(session, audit.CREATE, "group", group.id, detail="application")
            session.commit()
            flash(
                _(
                    "Your application was received. Please bring the member list and an ID "
                    "document to the counter; staff will then complete the registration."
                ),
                "success",
            )
            return redirect(url_for(".detail", group_id=group.id))
    refusals = Refusals.sort(violations, (f.name for f in form))
    return _render_form(form, refusals, renews, status=422)


def _render_form(
    form: ApplicationForm, refusals: Refusals, renews: Group | None, status: int = 200
) -> tuple[str, int]:
    config = current_runtime().config
    page = render_template(
        "groups/apply.html",
        tenant=g.tenant,
        tenant_config=config,
        form=form,
        refusals=refusals,
        renews=renews,
        category=config.category(renews.category) if renews is not None else None,
    )
    return page, status


@bp.get("/<int:group_id>")
@access(RESIDENT)
def detail(group_id: int) -> str:
    """One of my groups, with what staff decided."""
    group = _own_or_404(group_id)
    audit.record_view(db.session(), "group", group.id)
    config = current_runtime().config
    today = local_today(config)
    return render_template(
        "groups/detail.html",
        tenant=g.tenant,
        tenant_config=config,
        group=group,
        category=config.category(group.category),
        renewal_open=ops.renewal_open(db.session(), group, config.registration, today),
        renewal_opens=ops.renewal_opens_on(group, config.registration),
        successor=ops.successor_of(db.session(), group),
        can_book=ops.can_book(group, today),
    )


@bp.route("/<int:group_id>/withdraw", methods=["GET", "POST"])
@access(RESIDENT)
def withdraw(group_id: int) -> ResponseReturnValue:
    """Withdraw an application or end a registration early (GET: the confirmation step,
    since it cannot be undone)."""
    group = _own_or_404(group_id)
    if request.method == "GET":
        if group.status not in (PENDING, APPROVED):
            return redirect(url_for(".detail", group_id=group.id))
        return render_template(
            "groups/withdraw.html", tenant=g.tenant, group=group, withdraw_form=ConfirmForm()
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        ops.withdraw(db.session(), group, utcnow())
    except ops.GroupStateError as exc:
        flash(str(STATE_MESSAGES[exc.code]), "error")
    else:
        audit.record(db.session(), audit.UPDATE, "group", group.id, detail="withdrawn")
        db.session.commit()
        flash(_("The group was withdrawn."), "success")
    return redirect(url_for(".detail", group_id=group.id))
