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
from shisetsu.auth.principals import principal_for
from shisetsu.auth.sessions import sign_in
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.signin.flow import SignInFlow, no_store
from shisetsu.signin.forms import CodeForm, PasswordForm


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
