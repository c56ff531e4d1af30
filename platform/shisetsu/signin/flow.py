"""The two-step sign-in shared by staff and ward auditors: password, then TOTP.

After the password the session holds only a *pending* marker (``2fa_pending``: kind,
tenant, id, session version, expiry). It is not a Flask-Login user, so it opens no page;
only the second factor (or a completed enrolment) calls ``sign_in``, which starts a fresh
session. At first sign-in and after a reset the pending person first replaces the
single-use initial password, then enrols TOTP. Each blueprint declares its own thin views
and calls one :class:`SignInFlow`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from shisetsu import audit
from shisetsu.accounts.forms import PASSWORD_MESSAGES
from shisetsu.auth import second_factor as factor
from shisetsu.auth.access import PUBLIC, access
from shisetsu.auth.limits import login_limits
from shisetsu.auth.lockout import Attempt, Outcome, UnknownCounter, authenticate
from shisetsu.auth.personnel import choose_first_password
from shisetsu.auth.principals import MODELS, STAFF, is_usable, principal_for, unknown_model
from shisetsu.auth.sessions import sign_in, sign_out
from shisetsu.auth.tokens import revoke_all_tokens
from shisetsu.dates import local_time
from shisetsu.db import utcnow
from shisetsu.extensions import db, limiter
from shisetsu.signin.forms import CodeForm, FirstPasswordForm, LoginForm

PENDING_KEY = "2fa_pending"
PENDING_WRONG_CODES = 5  # then the password must be entered again

F = TypeVar("F", bound=Callable[..., Any])


def second_factor_limits(view: F) -> F:
    """Per-IP limit on code POSTs (the per-account guard is the lockout counter)."""
    rate = limiter.limit(
        lambda: str(current_app.config.get("LOGIN_RATE_LIMIT_PER_IP", "30/minute;300/hour")),
        methods=["POST"],
        scope="second-factor-ip",
    )
    return cast(F, rate(view))


def locked_message(until: datetime) -> str:
    """The lockout message with the automatic unlock time."""
    return _(
        "This account is locked after repeated failed attempts. It unlocks automatically at "
        "%(time)s (Japan time).",
        time=local_time(until),
    )


def no_store(body: str) -> Response:
    """A page with secrets on it (TOTP secret, recovery codes): never cached."""
    response = current_app.make_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class SignInFlow:
    """Sign-in, TOTP enrolment, verification, sign-out and recovery codes for one kind."""

    kind: str  # principals.STAFF or principals.AUDITOR
    blueprint: str  # its endpoints: login, enrol, verify, logout, home, security, password
    find: Callable[[str], Any | None]  # the active record with this login, if any
    issuer: Callable[[], str]  # shown in the authenticator app
    heading: LazyString

    def endpoint(self, name: str) -> str:
        return f"{self.blueprint}.{name}"

    def register_routes(self, bp: Blueprint) -> None:
        """Add the public sign-in steps (login, enrol, verify, logout) to ``bp``."""
        steps = (
            ("/login", "login", ["GET", "POST"], login_limits, self.login),
            (
                "/first-password",
                "first_password",
                ["GET", "POST"],
                second_factor_limits,
                self.first_password,
            ),
            ("/enrol", "enrol", ["GET", "POST"], second_factor_limits, self.enrol),
            ("/verify", "verify", ["GET", "POST"], second_factor_limits, self.verify),
            ("/logout", "logout", ["POST"], None, self.logout),
        )
        for rule, name, methods, limit, step in steps:
            view = access(PUBLIC)(_as_view(name, step, bp.import_name))
            bp.add_url_rule(rule, name, limit(view) if limit else view, methods=methods)

    # -- views -------------------------------------------------------------------------

    def login(self) -> ResponseReturnValue:
        """Step one: login and password."""
        if current_user.is_authenticated and current_user.kind == self.kind:
            return redirect(url_for(self.endpoint("home")))
        form = LoginForm()
        if form.validate_on_submit():
            now = utcnow()
            typed = form.login.data or ""
            record = self.find(typed)
            unknown = UnknownCounter(db.session(), unknown_model(self.kind), typed)
            attempt = authenticate(record, form.password.data or "", now, unknown=unknown)
            audit.record_password_step(
                db.session(), self.kind, record, form.login.data, attempt.outcome.value
            )
            db.session.commit()
            if attempt.outcome is Outcome.OK:
                self._begin(record, request.args.get("next"))
                return redirect(url_for(self.endpoint(self._next_step(record))))
            form.form_errors.append(self._refusal(attempt))
        return self.render("signin/login.html", form=form)

    def first_password(self) -> ResponseReturnValue:
        """At first sign-in (and after a reset): replace the initial password with one's own.

        The initial password was chosen by the system and seen by whoever handed it over,
        so it opens this step only; the session starts after TOTP as always.
        """
        record, now = self._pending(), utcnow()
        refused = self._refuse_pending(record, now)
        if refused is not None:
            return refused
        assert record is not None  # _refuse_pending answered otherwise
        if not record.password_must_change:
            return redirect(url_for(self.endpoint(self._next_step(record))))
        form = FirstPasswordForm()
        if form.validate_on_submit():
            problems = choose_first_password(record, form.password.data or "")
            if not problems:
                if self.kind == STAFF:  # auditors hold no API tokens
                    revoke_all_tokens(db.session(), STAFF, record.id, now)
                audit.record(
                    db.session(), audit.UPDATE, self.kind, record.id, detail="initial password"
                )
                db.session.commit()
                data = dict(session.get(PENDING_KEY) or {})
                data["version"] = record.session_version
                session[PENDING_KEY] = data
                return redirect(url_for(self.endpoint(self._next_step(record))))
            db.session.rollback()
            form.password.errors.extend(
                str(PASSWORD_MESSAGES.get(p, PASSWORD_MESSAGES["too_guessable"])) for p in problems
            )
        return self.render("signin/first_password.html", form=form)

    def enrol(self) -> ResponseReturnValue:
        """Step two at first sign-in: scan the QR code, confirm a code, get recovery codes."""
        record, now = self._pending(), utcnow()
        refused = self._refuse_pending(record, now)
        if refused is not None:
            return refused
        assert record is not None  # _refuse_pending answered otherwise
        if record.password_must_change:
            return redirect(url_for(self.endpoint("first_password")))
        if factor.is_enrolled(record):
            return redirect(url_for(self.endpoint("verify")))
        secret = factor.enrolment_secret(record)
        db.session.commit()
        form = CodeForm()
        if form.validate_on_submit():
            codes = factor.complete_enrolment(record, form.code.data or "", now)
            if codes is not None:
                factor.note_success(record)
                audit.record_login(db.session(), self.kind, record, detail="totp enrolled")
                db.session.commit()
                target = self._finish(record)
                return no_store(self.render("signin/recovery_codes.html", codes=codes, next=target))
            refused = self._wrong_code(record, now)
            if refused is not None:
                return refused
            form.code.errors.append(
                _("That code is not correct. Check the time on your phone and try again.")
            )
        qr = Markup(factor.enrolment_qr(secret, self._account_name(record), self.issuer()))  # noqa: S704 (our own SVG)
        grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        return no_store(self.render("signin/enrol.html", form=form, qr=qr, secret=grouped))

    def verify(self) -> ResponseReturnValue:
        """Step two: a code from the authenticator app, or one recovery code."""
        record, now = self._pending(), utcnow()
        refused = self._refuse_pending(record, now)
        if refused is not None:
            return refused
        assert record is not None  # _refuse_pending answered otherwise
        if record.password_must_change or not factor.is_enrolled(record):
            return redirect(url_for(self.endpoint(self._next_step(record))))
        form = CodeForm()
        if form.validate_on_submit():
            how = factor.check_code(record, form.code.data or "", now)
            if how is not None:
                factor.note_success(record)
                remaining = factor.remaining_recovery_codes(record)
                audit.record_login(db.session(), self.kind, record, detail=how)
                db.session.commit()
                target = self._finish(record)
                if how == factor.RECOVERY:
                    flash(
                        _(
                            "You signed in with a recovery code; %(count)s remain. Make new "
                            "ones before they run out.",
                            count=remaining,
                        ),
                        "info",
                    )
                return redirect(target)
            refused = self._wrong_code(record, now)
            if refused is not None:
                return refused
            form.code.errors.append(_("That code is not correct."))
        return self.render("signin/verify.html", form=form)

    def logout(self) -> ResponseReturnValue:
        """End the session (POST only, from the user menu)."""
        sign_out()
        flash(_("You have signed out."), "info")
        return redirect(url_for(self.endpoint("login")))

    # -- the pending state -------------------------------------------------------------

    @staticmethod
    def _next_step(record: Any) -> str:
        """The first sign-in step ``record`` still has to take: own password, TOTP, code."""
        if record.password_must_change:
            return "first_password"
        return "verify" if factor.is_enrolled(record) else "enrol"

    def _tenant(self) -> str:
        return "" if self.kind == "auditor" else str(g.get("tenant_slug", ""))

    def _begin(self, record: Any, next_url: str | None) -> None:
        minutes = int(current_app.config.get("TWO_FACTOR_PENDING_MINUTES", 10))
        session[PENDING_KEY] = {
            "kind": self.kind,
            "tenant": self._tenant(),
            "id": record.id,
            "version": record.session_version,
            "expires": int(time.time()) + minutes * 60,
            "next": self._safe_next(next_url),
            "wrong": 0,
        }

    def _pending(self) -> Any | None:
        data = session.get(PENDING_KEY)
        if not isinstance(data, dict) or data.get("kind") != self.kind:
            return None
        if data.get("tenant") != self._tenant() or int(data.get("expires", 0)) < time.time():
            session.pop(PENDING_KEY, None)
            return None
        record: Any = db.session.get(MODELS[self.kind], int(data.get("id", 0)))
        if (
            record is None
            or record.session_version != data.get("version")
            or not is_usable(self.kind, record)
        ):
            session.pop(PENDING_KEY, None)
            return None
        return record

    def _finish(self, record: Any) -> str:
        """Sign in for real (a fresh session; the pending marker goes with the old one)."""
        target = session.get(PENDING_KEY, {}).get("next") or url_for(self.endpoint("home"))
        sign_in(principal_for(self.kind, record))
        return str(target)

    def _wrong_code(self, record: Any, now: datetime) -> ResponseReturnValue | None:
        """Count a wrong code; after too many, back to the password (or locked)."""
        locked_until = factor.note_failure(record, now)
        audit.record_login_failure(db.session(), self.kind, record, reason="wrong_code")
        db.session.commit()
        data = dict(session.get(PENDING_KEY) or {})
        data["wrong"] = int(data.get("wrong", 0)) + 1
        session[PENDING_KEY] = data
        if locked_until is None and data["wrong"] < PENDING_WRONG_CODES:
            return None
        session.pop(PENDING_KEY, None)
        if locked_until is not None:
            flash(locked_message(locked_until), "error")
        else:
            flash(_("Too many wrong codes. Please sign in again."), "error")
        return redirect(url_for(self.endpoint("login")))

    def _refuse_pending(self, record: Any | None, now: datetime) -> ResponseReturnValue | None:
        """Back to the password when nothing is pending or the account is locked."""
        if record is None:
            flash(_("Your sign-in has expired. Please sign in again."), "info")
            return redirect(url_for(self.endpoint("login")))
        until = self._locked_until(record, now)
        if until is None:
            return None
        session.pop(PENDING_KEY, None)
        flash(locked_message(until), "error")
        return redirect(url_for(self.endpoint("login")))

    # -- small helpers -----------------------------------------------------------------

    def _refusal(self, attempt: Attempt) -> str:
        if attempt.outcome is Outcome.LOCKED and attempt.locked_until is not None:
            return locked_message(attempt.locked_until)
        return _("The login or password is not correct.")

    @staticmethod
    def _locked_until(record: Any, now: datetime) -> datetime | None:
        until = record.locked_until
        if until is None:
            return None
        until = until if until.tzinfo else until.replace(tzinfo=UTC)
        return until if until > now else None

    def _safe_next(self, target: str | None) -> str | None:
        """Only a page of this console may be the destination after sign-in."""
        home = url_for(self.endpoint("home"))
        if target and target.startswith(home) and "//" not in target and "\\" not in target:
            return target
        return None

    def _account_name(self, record: Any) -> str:
        return f"{record.login}@{self._tenant()}" if self._tenant() else str(record.login)

    def render(self, template: str, **context: Any) -> str:
        return render_template(template, flow=self, tenant=g.get("tenant"), **context)


def _as_view(
    name: str, step: Callable[[], ResponseReturnValue], module: str
) -> Callable[[], ResponseReturnValue]:
    """A plain view for a bound step, named after its blueprint's module and endpoint.

    Flask-Limiter keys its limits on module and name, so staff and ward sign-in keep
    separate counters.
    """

    def view() -> ResponseReturnValue:
        return step()

    view.__name__ = view.__qualname__ = name
    view.__module__ = module
    view.__doc__ = step.__doc__
    return view
