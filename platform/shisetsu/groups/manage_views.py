"""Staff pages at ``/<tenant>/manage/groups``: the review queue, all groups, 本登録.

Who may do what (docs/domain.md, Users and roles):

* 取扱責任者 and 取扱者 (``OPERATIONS``) review: they see the personal items, record the
  document check, approve and reject.
* 窓口 counter staff handle bookings and payments only. They may open the lists and a
  group's page to find a group at the counter (name, category, status, validity), but the
  personal items are not shown to them, and every review action answers 403.

A group id of another tenant is simply not in this tenant's schema: 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from shisetsu import audit
from shisetsu.attempts import attempt
from shisetsu.audit.operations import request_actor
from shisetsu.auth.access import ANY_STAFF, OPERATIONS, access, permits
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.groups import review
from shisetsu.groups.forms import ConfirmForm, MessageForm, RejectForm, VerifyForm
from shisetsu.groups.labels import (
    STATE_MESSAGES,
    STATUS_LABELS,
    Refusals,
    category_label,
    status_label,
)
from shisetsu.groups.messages import messages_for, post_message
from shisetsu.groups.models import MESSAGE_MAX, PENDING, STATUSES, Group, GroupMessage
from shisetsu.groups.operations import Ineligible
from shisetsu.plugins import Violation
from shisetsu.refusals import Refusal
from shisetsu.routing import page_number
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("groups_manage", __name__, url_prefix="/<tenant>/manage/groups")

PER_PAGE = 25
MESSAGES_SHOWN = 10


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "status_label": status_label,
        "category_label": category_label,
        "statuses": STATUSES,
        "status_labels": STATUS_LABELS,
    }


def _can_review() -> bool:
    return permits(frozenset(OPERATIONS), current_user.kind, current_user.role)


def _page_number() -> int:
    return page_number(request.args.get("page", type=int))


def _group_or_404(group_id: int, *, lock: bool = False) -> Group:
    session = db.session()
    group = review.locked_group(session, group_id) if lock else session.get(Group, group_id)
    if group is None:
        abort(404)
    return group


@bp.get("/")
@access(*ANY_STAFF)
def index() -> str:
    """Every group, filtered by status and name, newest first."""
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    query = (request.args.get("q") or "").strip()[:100] or None
    page = review.list_groups(
        db.session(), status=status, query=query, page=_page_number(), per_page=PER_PAGE
    )
    _record_list(page, query)
    return render_template(
        "groups/manage/index.html", tenant=g.tenant, page=page, status=status, query=query
    )


@bp.get("/pending")
@access(*ANY_STAFF)
def pending() -> str:
    """Applications waiting for the document check and a decision, oldest first."""
    page = review.list_groups(db.session(), status=PENDING, page=_page_number(), per_page=PER_PAGE)
    _record_list(page, None)
    return render_template("groups/manage/pending.html", tenant=g.tenant, page=page)


def _record_list(page: review.Page, query: str | None) -> None:
    """A list of groups is a view of them (names, categories, status): on the record, with
    the search's digest when the list was searched."""
    shown = len(page.items)
    if query:
        audit.record_search(db.session(), "group", query, "name", shown)
    else:
        audit.record_view(db.session(), "groups", None, detail=f"list, {shown} rows")


@bp.get("/<int:group_id>")
@access(*ANY_STAFF)
def detail(group_id: int) -> ResponseReturnValue:
    """One group; for reviewers, with the personal items and the review forms."""
    return _detail_page(_group_or_404(group_id))


def _detail_page(
    group: Group,
    *,
    verify_form: VerifyForm | None = None,
    reject_form: RejectForm | None = None,
    message_form: MessageForm | None = None,
    refusals: list[Violation] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    config = current_runtime().config
    if _can_review():  # the representative's and contact's personal items are on the page
        audit.record_view(db.session(), "group", group.id)
    if verify_form is None:
        verify_form = VerifyForm(formdata=None)
        verify_form.verified_member_count.data = group.verified_member_count or group.member_count
        verify_form.verified_resident_count.data = (
            group.verified_resident_count
            if group.verified_resident_count is not None
            else group.resident_count
        )
    page = render_template(
        "groups/manage/detail.html",
        tenant=g.tenant,
        group=group,
        category=config.category(group.category),
        can_review=_can_review(),
        verify_form=verify_form,
        approve_form=ConfirmForm(formdata=None),
        reject_form=reject_form or RejectForm(formdata=None),
        message_form=message_form or MessageForm(formdata=None),
        messages=messages_for(db.session(), [group.id], limit=MESSAGES_SHOWN),
        refusals=Refusals.sort(refusals or [], ()),
    )
    return page, status


@bp.post("/<int:group_id>/verify")
@access(*OPERATIONS)
def verify(group_id: int) -> ResponseReturnValue:
    """Record the document check: the counts on the member list, by whom, when."""
    group = _group_or_404(group_id, lock=True)
    form = VerifyForm()
    if not form.validate_on_submit():
        return _detail_page(group, verify_form=form, status=422)
    attempt(
        lambda: review.record_verification(
            db.session(),
            group,
            actor=request_actor(),
            member_count=form.verified_member_count.data,
            resident_count=form.verified_resident_count.data,
            now=utcnow(),
        ),
        done=_("The document check was recorded."),
        refused=_state_message,
    )
    return redirect(url_for(".detail", group_id=group.id))


@bp.post("/<int:group_id>/approve")
@access(*OPERATIONS)
def approve(group_id: int) -> ResponseReturnValue:
    """Approve (本登録), after the plugins agree with the verified counts."""
    group = _group_or_404(group_id, lock=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    runtime = current_runtime()
    approved = attempt(
        lambda: review.approve(
            db.session(),
            runtime.config,
            runtime.plugins,
            group,
            actor=request_actor(),
            now=utcnow(),
        ),
        done=_("The group was registered and the applicant was told by mail."),
        refused=_state_message,
    )
    if isinstance(approved, Ineligible):
        return _detail_page(_group_or_404(group_id), refusals=approved.violations, status=422)
    return redirect(url_for(".detail", group_id=group.id))


@bp.post("/<int:group_id>/reject")
@access(*OPERATIONS)
def reject(group_id: int) -> ResponseReturnValue:
    """Reject with a reason the applicant reads."""
    group = _group_or_404(group_id, lock=True)
    form = RejectForm()
    if not form.validate_on_submit():
        return _detail_page(group, reject_form=form, status=422)
    attempt(
        lambda: review.reject(
            db.session(),
            current_runtime().config,
            group,
            actor=request_actor(),
            reason=form.reason.data,
            now=utcnow(),
        ),
        done=_("The application was rejected and the applicant was told by mail."),
        refused=_state_message,
    )
    return redirect(url_for(".detail", group_id=group.id))


@bp.post("/<int:group_id>/messages")
@access(*OPERATIONS)
def message(group_id: int) -> ResponseReturnValue:
    """Write a message to the group; it appears on the group's My page."""
    group = _group_or_404(group_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _detail_page(group, message_form=form, status=422)

    def post() -> GroupMessage:
        written = post_message(
            db.session(), group, form.body.data or "", staff_id=current_user.id, now=utcnow()
        )
        audit.record(db.session(), audit.CREATE, "group_message", written.id, detail="posted")
        return written

    attempt(
        post,
        done=_("The message was posted; the group sees it on its My page."),
        refused=_("Write a message of at most %(count)s characters.", count=MESSAGE_MAX),
    )
    return redirect(url_for(".detail", group_id=group.id))


def _state_message(refusal: Refusal) -> str | None:
    """What a state refusal tells the reviewer; an ineligible group gets its page instead."""
    return None if isinstance(refusal, Ineligible) else str(STATE_MESSAGES[refusal.code])
