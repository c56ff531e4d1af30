"""Resident account pages at ``/<tenant>/account/``: thin views over ``accounts.operations``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_datetime, gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from shisetsu import audit
from shisetsu.accounts import operations as ops
from shisetsu.accounts.forms import (
    PASSWORD_MESSAGES,
    ChangePasswordForm,
    ConfirmForm,
    LocaleForm,
    LoginForm,
    ResendForm,
    ResetForm,
    ResetRequestForm,
    SignupForm,
)
from shisetsu.accounts.jobs import TOKEN_MARK, reset_job
from shisetsu.auth.access import PUBLIC, access
from shisetsu.auth.limits import login_limits, signup_limits
from shisetsu.auth.lockout import Outcome
from shisetsu.auth.principals import RESIDENT, principal_for
from shisetsu.auth.sessions import sign_in, sign_out, sign_out_everywhere
from shisetsu.extensions import db
from shisetsu.i18n import LANG_COOKIE, current_locale
from shisetsu.jobs.deferred import enqueue_after_commit

bp = Blueprint("accounts", __name__, url_prefix="/<tenant>/account")

Page = str | tuple[str, int] | Response


def _now() -> datetime:
    return datetime.now(UTC)


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(f"accounts/{template}", tenant=g.tenant, **context), status


def _link(endpoint: str) -> ops.Link:
    return lambda token: url_for(endpoint, token=token, _external=True)


def _safe_next(target: str | None) -> str | None:
    """Only a path inside this tenant's pages (never off-site)."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(f"/{g.tenant_slug}/"):
        return None
    return target


def _remember_language(response: Response, code: str) -> Response:
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


def _chosen_language() -> str | None:
    """The language this browser chose with the switch (its cookie), if one we serve."""
    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in current_app.config["LANGUAGES"] else None


def _password_errors(problems: list[str]) -> list[str]:
    return [str(PASSWORD_MESSAGES.get(p, PASSWORD_MESSAGES["too_short"])) for p in problems]


def _token_problem(state: ops.TokenState, purpose: str) -> tuple[str, int]:
    status = 404 if state is ops.TokenState.UNKNOWN else 410
    return _render("token_problem.html", status, state=state.value, purpose=purpose)


@bp.route("/signup", methods=["GET", "POST"])
@access(PUBLIC)
@signup_limits
def signup() -> Page:
    """新規登録: create an account; it works once its email address is confirmed."""
    form = SignupForm()
    if request.method == "GET":
        form.locale.data = current_locale()
    if form.validate_on_submit():
        try:
            account = ops.signup(
                db.session(),
                g.tenant,
                login=form.login.data,
                email=form.email.data or "",
                password=form.password.data or "",
                locale=form.locale.data or "ja",
                now=_now(),
                link=_link(".verify"),
            )
            audit.record(db.session(), audit.CREATE, "account", account.id, detail="signup")
            db.session.commit()
        except ops.PasswordRefused as exc:
            form.password.errors = _password_errors(exc.problems)
        except (ops.SignupRefused, sa.exc.IntegrityError):
            form.form_errors.append(
                gettext(
                    "This login ID or email address cannot be used. If you already have an "
                    "account, sign in or set a new password."
                )
            )
        else:
            flash(
                gettext(
                    "We sent a confirmation link to %(email)s. Open it to finish registering.",
                    email=account.email,
                ),
                "info",
            )
            return redirect(url_for(".login"))
        db.session.rollback()
    return _render("signup.html", form=form)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def verify(token: str) -> Page:
    """メールアドレスの確認: the link from the sign-up mail (used once, on POST)."""
    form = ConfirmForm()
    if request.method == "GET" or not form.validate_on_submit():
        state, _row = ops.check_token(db.session(), token, ops.VERIFY, _now())
        if state is not ops.TokenState.VALID:
            return _token_problem(state, ops.VERIFY)
        return _render("verify.html", form=form)
    try:
        account = ops.verify_email(db.session(), token, now=_now())
    except ops.TokenProblem as exc:
        return _token_problem(exc.state, ops.VERIFY)
    audit.record(db.session(), audit.UPDATE, "account", account.id, detail="email verified")
    db.session.commit()
    flash(gettext("Your email address is confirmed. You can sign in now."), "info")
    return redirect(url_for(".login"))


@bp.post("/resend")
@access(PUBLIC)
@login_limits
def resend() -> Page:
    """Send the confirmation mail again; the answer never tells whether an account exists."""
    form = ResendForm()
    if form.validate_on_submit():
        ops.resend_verification(
            db.session(), g.tenant, form.login.data or "", now=_now(), link=_link(".verify")
        )
        db.session.commit()
    flash(
        gettext(
            "If an account with that login ID is waiting for confirmation, we sent a new "
            "confirmation link to its email address."
        ),
        "info",
    )
    return redirect(url_for(".login"))


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@login_limits
def login() -> Page:
    """ログイン: login ID or email and password, with lockout and rate limits."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return _render("login.html", form=form)
    result = ops.sign_in(db.session(), form.login.data or "", form.password.data or "", now=_now())
    audit.record_sign_in(
        db.session(),
        RESIDENT,
        result.account,
        ok=result.ok,
        reason="unverified" if result.unverified else result.outcome.value,
        typed=form.login.data,
    )
    db.session.commit()  # failures count towards the lockout
    if result.outcome is Outcome.LOCKED and result.locked_until is not None:
        form.form_errors.append(
            gettext(
                "This account is locked after repeated failed sign-ins. You can sign in "
                "again after %(time)s (Japan time).",
                time=format_datetime(result.locked_until, "yyyy-MM-dd HH:mm"),
            )
        )
    elif not result.ok and result.unverified:
        resend_form = ResendForm(login=form.login.data)
        return _render("login.html", form=form, unverified=True, resend_form=resend_form)
    elif not result.ok or result.account is None:
        form.form_errors.append(gettext("The login ID or password is not correct."))
    else:
        chosen = _chosen_language()
        if chosen is not None and chosen != result.account.locale:
            # The language picked before signing in wins, and becomes the stored preference
            # (the language of mail and PDFs).
            ops.set_locale(result.account, chosen)
            audit.record(
                db.session(), audit.UPDATE, "account", result.account.id, detail="language"
            )
            db.session.commit()
        sign_in(principal_for(RESIDENT, result.account))
        flash(gettext("You are signed in."), "info")
        target = _safe_next(form.next.data) or url_for("mypage.home")
        return _remember_language(redirect(target), result.account.locale)
    return _render("login.html", form=form)


@bp.post("/logout")
@access(PUBLIC)
def logout() -> Response:
    """ログアウト (POST only, with its CSRF token)."""
    sign_out()
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("facilities.home"))


@bp.route("/reset", methods=["GET", "POST"])
@access(PUBLIC)
@login_limits
def reset_request() -> Page:
    """パスワード再設定: mail a link; the answer is the same whether the account exists or not."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return _render("reset_request.html", form=form)
    # Queued: the answer must not take longer when the account exists.
    enqueue_after_commit(
        db.session(),
        reset_job,
        (form.login.data or "")[:254],
        url_for(".reset", token=TOKEN_MARK, _external=True),
        tenant=g.tenant.slug,
    )
    db.session.commit()
    flash(
        gettext(
            "If the email address or login ID belongs to an account, we sent a link to set a "
            "new password. The link works for %(minutes)s minutes.",
            minutes=current_app.config.get("PASSWORD_RESET_MINUTES", 60),
        ),
        "info",
    )
    return redirect(url_for(".login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def reset(token: str) -> Page:
    """Set a new password from a reset link; every session of the account ends."""
    form = ResetForm()
    state, _row = ops.check_token(db.session(), token, ops.RESET, _now())
    if state is not ops.TokenState.VALID:
        return _token_problem(state, ops.RESET)
    if form.validate_on_submit():
        try:
            account = ops.complete_reset(
                db.session(), g.tenant, token, form.password.data or "", now=_now()
            )
        except ops.TokenProblem as exc:
            db.session.rollback()
            return _token_problem(exc.state, ops.RESET)
        except ops.PasswordRefused as exc:
            db.session.rollback()
            form.password.errors = _password_errors(exc.problems)
        else:
            audit.record(db.session(), audit.UPDATE, "account", account.id, detail="password reset")
            db.session.commit()
            sign_out()
            flash(gettext("Your new password is set. Please sign in with it."), "info")
            return redirect(url_for(".login"))
    return _render("reset.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@access(RESIDENT)
def password() -> Page:
    """パスワード変更: other sessions end; this one continues."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        account = current_user.record
        try:
            ops.change_password(
                db.session(),
                g.tenant,
                account,
                form.current.data or "",
                form.password.data or "",
                now=_now(),
            )
        except ops.PasswordRefused as exc:
            db.session.rollback()
            target = form.current if exc.problems == ["wrong_current"] else form.password
            target.errors = _password_errors(exc.problems)
        else:
            audit.record(
                db.session(), audit.UPDATE, "account", account.id, detail="password changed"
            )
            db.session.commit()
            sign_in(principal_for(RESIDENT, account))
            flash(gettext("Your password is changed. Other sessions were signed out."), "info")
            return redirect(url_for("mypage.home"))
    return _render("password.html", form=form)


@bp.route("/sign-out-everywhere", methods=["GET", "POST"], endpoint="sign_out_everywhere")
@access(RESIDENT)
def sign_out_everywhere_page() -> Page:
    """Confirm, then end every session of this account on every device."""
    form = ConfirmForm()
    if form.validate_on_submit():
        account = current_user.record
        sign_out_everywhere(account)
        audit.record(
            db.session(), audit.UPDATE, "account", account.id, detail="signed out everywhere"
        )
        db.session.commit()
        sign_out()
        flash(gettext("You are signed out on every device."), "info")
        return redirect(url_for(".login"))
    page = render_template(
        "signin/sign_out_everywhere.html",
        tenant=g.tenant,
        form=form,
        layout="layouts/resident.html",
        action=url_for(".sign_out_everywhere"),
        back=url_for("mypage.home"),
    )
    return page, 200


@bp.post("/locale")
@access(RESIDENT)
def locale() -> Response:
    """The language of mail (and of these pages)."""
    form = LocaleForm()
    back = _local_path(request.form.get("next")) or url_for("mypage.home")
    if not form.validate_on_submit():
        return redirect(back)
    ops.set_locale(current_user.record, form.locale.data or "ja")
    audit.record(db.session(), audit.UPDATE, "account", current_user.id, detail="language")
    db.session.commit()
    flash(gettext("Your language setting is saved."), "info")
    return _remember_language(redirect(back), current_user.record.locale)


def _local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site (never another host), else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc or "\\" in target else target
