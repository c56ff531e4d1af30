"""A signed-in staff member's or auditor's own credentials: recovery codes and password.

Shared by the manager console and the ward console (each declares its own thin views).
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from shisetsu import audit
from shisetsu.accounts.forms import PASSWORD_MESSAGES
from shisetsu.auth import second_factor as factor
from shisetsu.auth.personnel import change_own_password
from shisetsu.auth.principals import STAFF, principal_for
from shisetsu.auth.sessions import sign_in, sign_out, sign_out_everywhere
from shisetsu.auth.tokens import revoke_all_tokens
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.signin.flow import SignInFlow, no_store
from shisetsu.signin.forms import CodeForm, ConfirmForm, PasswordForm


def recovery_codes_page(flow: SignInFlow) -> ResponseReturnValue:
    """How many recovery codes are left; ten new ones after a current TOTP code."""
    record = current_user.record
    form = CodeForm()
    if form.validate_on_submit():
        codes = factor.regenerate_recovery_codes(record, form.code.data or "", utcnow())
        if codes is not None:
            audit.record(db.session(), audit.UPDATE, flow.kind, record.id, detail="recovery codes")
            db.session.commit()
            home = url_for(flow.endpoint("home"))
            return no_store(flow.render("signin/recovery_codes.html", codes=codes, next=home))
        form.code.errors.append(_("That code is not correct."))
    remaining = factor.remaining_recovery_codes(record)
    return flow.render("signin/security.html", form=form, remaining=remaining)


def password_page(flow: SignInFlow) -> ResponseReturnValue:
    """Replace the (initial) password; this session continues, every other one ends.

    Rate-limited per IP by the views (the per-account login limit keys on a login field).
    """
    record = current_user.record
    form = PasswordForm()
    if form.validate_on_submit():
        problems = change_own_password(record, form.current.data or "", form.password.data or "")
        if not problems:
            if flow.kind == STAFF:  # auditors hold no API tokens
                revoke_all_tokens(db.session(), STAFF, record.id, utcnow())
            audit.record(
                db.session(), audit.UPDATE, flow.kind, record.id, detail="password changed"
            )
            db.session.commit()
            sign_in(principal_for(flow.kind, record))
            flash(_("Your password is changed. Other sessions were signed out."), "info")
            return redirect(url_for(flow.endpoint("home")))
        field = form.current if problems == ["wrong_current"] else form.password
        field.errors.extend(
            str(PASSWORD_MESSAGES.get(p, PASSWORD_MESSAGES["too_short"])) for p in problems
        )
    return flow.render("signin/password.html", form=form)


def sign_out_everywhere_page(flow: SignInFlow) -> ResponseReturnValue:
    """Confirm, then end every session of the signed-in person on every device."""
    form = ConfirmForm()
    if form.validate_on_submit():
        record = current_user.record
        sign_out_everywhere(record)
        audit.record(
            db.session(), audit.UPDATE, flow.kind, record.id, detail="signed out everywhere"
        )
        db.session.commit()
        sign_out()
        flash(_("You are signed out on every device."), "info")
        return redirect(url_for(flow.endpoint("login")))
    return flow.render(
        "signin/sign_out_everywhere.html",
        form=form,
        layout="signin/_layout.html",
        action=url_for(flow.endpoint("sign_out_everywhere")),
        back=url_for(flow.endpoint("home")),
    )
