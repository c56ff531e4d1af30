"""The resident's own account deletion at ``/<tenant>/account/delete`` (thin views over
:mod:`shisetsu.retention.requests`).

Refused, with what to do first, while the resident represents a group that is applying
or registered, or holds a booking today or later. Otherwise the account closes at once
(signed out everywhere), a confirmation mail goes out, and the request job erases the data
once that mail has left (see :mod:`shisetsu.retention.requests`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from shisetsu.audit.operations import request_actor
from shisetsu.auth.access import PUBLIC, RESIDENT, access
from shisetsu.auth.passwords import verify_password
from shisetsu.auth.sessions import sign_out
from shisetsu.dates import local_today
from shisetsu.extensions import db
from shisetsu.retention import requests as ops
from shisetsu.retention.forms import DeleteAccountForm
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("retention_account", __name__, url_prefix="/<tenant>/account/delete")


def _page(form: DeleteAccountForm, status: int = 200) -> tuple[str, int]:
    account = current_user.record
    problems = ops.refusals(db.session(), account, local_today(current_runtime().config))
    page = render_template(
        "retention/delete.html", tenant=g.tenant, form=form, problems=problems, account=account
    )
    return page, status


@bp.get("/")
@access(RESIDENT)
def confirm() -> ResponseReturnValue:
    """What deletion means, what must happen first, and the form (password, confirmation)."""
    return _page(DeleteAccountForm(formdata=None))


@bp.post("/")
@access(RESIDENT)
def delete() -> ResponseReturnValue:
    """Close the account and queue its erasure; nothing changes when refused or invalid."""
    form = DeleteAccountForm()
    account = current_user.record
    today = local_today(current_runtime().config)
    if ops.refusals(db.session(), account, today):
        return _page(form, 409)
    if not form.validate_on_submit():
        return _page(form, 422)
    if not verify_password(account.password_hash, form.password.data or "")[0]:
        form.password.errors = [_("The password is not correct.")]
        return _page(form, 422)
    ops.request_deletion(
        db.session(), g.tenant, account, actor=request_actor(), now=datetime.now(UTC)
    )
    db.session.commit()
    sign_out()
    flash(_("Your account is closed. Your personal data will be erased within the hour."), "info")
    return redirect(url_for(".done"))


@bp.get("/done")
@access(PUBLIC)
def done() -> str:
    """Confirmation after the account was closed (the resident is signed out by now)."""
    return render_template("retention/deleted.html", tenant=g.tenant)
