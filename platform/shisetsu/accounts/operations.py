"""Resident accounts: sign-up, email verification, sign-in, password reset and change.

No request objects here: views parse forms and call these functions, then commit. Mail is
queued in the caller's transaction (``accounts.mail``), so it leaves only if the change
is committed. Links in mail are built by the caller through ``link(token) -> URL``.

Mailed tokens are random; the database keeps only their sha256 (``AccountToken``), each is
single-use and expires (verification after ``EMAIL_TOKEN_HOURS``, password reset after
``PASSWORD_RESET_MINUTES``).
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from shisetsu.accounts import mail
from shisetsu.auth.lockout import Attempt, Outcome, UnknownCounter, authenticate
from shisetsu.auth.passwords import hash_password, password_problems, verify_password
from shisetsu.auth.principals import RESIDENT, is_usable
from shisetsu.auth.tokens import revoke_all_tokens, token_digest
from shisetsu.people.models import Account, AccountToken, UnknownLogin
from shisetsu.refusals import Refusal
from shisetsu.tenancy.models import Tenant

VERIFY, RESET = "verify", "reset"
Link = Callable[[str], str]


class SignupRefused(Refusal):
    """The login id or email cannot be used (taken here, in either column)."""

    code = "signup_refused"

    def __init__(self, login: str) -> None:
        super().__init__(message=login)


class PasswordRefused(Refusal):
    """A new password breaks the rules, or the current password was wrong."""

    code = "password_refused"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(message=", ".join(problems))
        self.problems = problems


class TokenState(enum.Enum):
    """What a mailed link turned out to be."""

    VALID = "valid"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


class TokenProblem(Refusal):
    """A mailed token that cannot be used (unknown, used or expired)."""

    def __init__(self, state: TokenState) -> None:
        super().__init__(state.value)
        self.state = state


@dataclass(frozen=True)
class SignIn:
    """Result of a resident's sign-in attempt."""

    outcome: Outcome
    account: Account | None = None
    locked_until: datetime | None = None
    unverified: bool = False

    @property
    def ok(self) -> bool:
        """Credentials were right and the account may sign in now."""
        return self.outcome is Outcome.OK and not self.unverified


def normalize(value: str) -> str:
    """Logins and emails compare case-insensitively; both are stored lower-case."""
    return value.strip().lower()


def find_by_login(session: Session, login_or_email: str) -> Account | None:
    """The account whose login id (first) or email address is ``login_or_email``."""
    value = normalize(login_or_email)
    if not value:
        return None
    found = session.scalar(sa.select(Account).where(Account.login == value))
    return found or session.scalar(sa.select(Account).where(Account.email == value))


def is_taken(session: Session, value: str) -> bool:
    """Whether ``value`` is already somebody's login id or email (either column).

    Checking both columns keeps ``find_by_login`` unambiguous: no login id can be another
    account's email address.
    """
    query = sa.select(Account.id).where(sa.or_(Account.login == value, Account.email == value))
    return session.scalar(query.limit(1)) is not None


def signup(
    session: Session,
    tenant: Tenant,
    *,
    login: str | None,
    email: str,
    password: str,
    locale: str,
    now: datetime,
    link: Link,
) -> Account:
    """Create an unverified account and mail its verification link.

    Raises :class:`SignupRefused` when the login id or email is taken and
    :class:`PasswordRefused` when the password breaks the rules.
    """
    email = normalize(email)
    login = normalize(login or "") or email
    problems = password_problems(password, login=login, personal=[email])
    if problems:
        raise PasswordRefused(problems)
    if any(is_taken(session, v) for v in {login, email}):
        raise SignupRefused(login)
    account = Account(
        login=login,
        email=email,
        locale=locale if locale in ("ja", "en") else "ja",
        password_hash=hash_password(password),
        failed_logins=0,
        session_version=1,
        status="active",
        created_at=now,
    )
    session.add(account)
    session.flush()
    send_verification(session, tenant, account, now=now, link=link)
    return account


def send_verification(
    session: Session, tenant: Tenant, account: Account, *, now: datetime, link: Link
) -> None:
    """Issue a verification token for ``account`` and queue its mail (from ``tenant``)."""
    hours = current_app.config.get("EMAIL_TOKEN_HOURS", 24)
    row, token = issue_mail_token(session, account, VERIFY, now + timedelta(hours=hours))
    mail.verification(
        session, tenant, account, token_id=row.id, url=link(token), expires_at=row.expires_at
    )


def resend_verification(
    session: Session, tenant: Tenant, login_or_email: str, *, now: datetime, link: Link
) -> None:
    """Mail a fresh verification link if such an account awaits one (silent otherwise)."""
    account = find_by_login(session, login_or_email)
    if account is not None and account.email_verified_at is None and is_usable(RESIDENT, account):
        send_verification(session, tenant, account, now=now, link=link)


def issue_mail_token(
    session: Session, account: Account, purpose: str, expires_at: datetime
) -> tuple[AccountToken, str]:
    """Store the digest of a new random token; returns (row, the token to mail)."""
    token = secrets.token_urlsafe(32)
    row = AccountToken(
        account_id=account.id,
        purpose=purpose,
        token_hash=token_digest(token),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row, token


def check_token(
    session: Session, token: str, purpose: str, now: datetime
) -> tuple[TokenState, AccountToken | None]:
    """Look a mailed token up without using it."""
    row = session.scalar(
        sa.select(AccountToken).where(
            AccountToken.token_hash == token_digest(token), AccountToken.purpose == purpose
        )
    )
    if row is None:
        return TokenState.UNKNOWN, None
    if row.used_at is not None:
        return TokenState.USED, row
    if _aware(row.expires_at) <= now:
        return TokenState.EXPIRED, row
    return TokenState.VALID, row


def _use_token(session: Session, token: str, purpose: str, now: datetime) -> Account:
    state, row = check_token(session, token, purpose, now)
    account = session.get(Account, row.account_id) if row is not None else None
    if state is not TokenState.VALID or row is None:
        raise TokenProblem(state)
    if account is None or not is_usable(RESIDENT, account):
        raise TokenProblem(TokenState.UNKNOWN)
    # Conditional: of concurrent uses of one token exactly one finds it unused.
    used = session.execute(
        sa.update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(used, "rowcount", 0) != 1:
        raise TokenProblem(TokenState.USED)
    return account


def verify_email(session: Session, token: str, *, now: datetime) -> Account:
    """Mark the account's email verified; the token is used up. Raises TokenProblem."""
    account = _use_token(session, token, VERIFY, now)
    if account.email_verified_at is None:
        account.email_verified_at = now
    return account


def sign_in(session: Session, login_or_email: str, password: str, *, now: datetime) -> SignIn:
    """Check credentials with lockout (caller commits, also after a failure)."""
    account = find_by_login(session, login_or_email)
    unknown = UnknownCounter(session, UnknownLogin, login_or_email)
    attempt: Attempt = authenticate(account, password, now, unknown=unknown)
    if attempt.outcome is Outcome.LOCKED:
        return SignIn(Outcome.LOCKED, account, attempt.locked_until)
    if attempt.outcome is not Outcome.OK or account is None:
        return SignIn(Outcome.BAD_CREDENTIALS)
    if not is_usable(RESIDENT, account):
        return SignIn(Outcome.BAD_CREDENTIALS)
    return SignIn(Outcome.OK, account, unverified=account.email_verified_at is None)


def start_reset(
    session: Session, tenant: Tenant, login_or_email: str, *, now: datetime, link: Link
) -> None:
    """Mail a password-reset link if the account exists; silent otherwise (no probing)."""
    account = find_by_login(session, login_or_email)
    if account is None or not is_usable(RESIDENT, account):
        return
    minutes = current_app.config.get("PASSWORD_RESET_MINUTES", 60)
    row, token = issue_mail_token(session, account, RESET, now + timedelta(minutes=minutes))
    mail.password_reset(
        session, tenant, account, token_id=row.id, url=link(token), expires_at=row.expires_at
    )


def complete_reset(
    session: Session, tenant: Tenant, token: str, new_password: str, *, now: datetime
) -> Account:
    """Set a new password from a reset link; ends every session of the account.

    Following the link proves the mailbox is the holder's, so an unverified address counts
    as verified afterwards, and any lockout is lifted. Raises TokenProblem or PasswordRefused
    (then the caller rolls back, and the token stays unused).
    """
    account = _use_token(session, token, RESET, now)
    _check_new_password(account, new_password)
    _set_password(session, tenant, account, new_password, now)
    account.failed_logins = 0
    account.locked_until = None
    if account.email_verified_at is None:
        account.email_verified_at = now
    # Any other reset link mailed earlier is void now.
    session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.account_id == account.id,
            AccountToken.purpose == RESET,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return account


def change_password(
    session: Session,
    tenant: Tenant,
    account: Account,
    current: str,
    new_password: str,
    *,
    now: datetime,
) -> None:
    """Change a password knowing the current one; ends every other session."""
    ok, _ = verify_password(account.password_hash, current)
    if not ok:
        raise PasswordRefused(["wrong_current"])
    _check_new_password(account, new_password)
    _set_password(session, tenant, account, new_password, now)


def set_locale(account: Account, locale: str) -> None:
    """The language of mail to this resident (and of the pages after sign-in)."""
    if locale in ("ja", "en"):
        account.locale = locale


def _check_new_password(account: Account, password: str) -> None:
    problems = password_problems(password, login=account.login, personal=[account.email])
    if problems:
        raise PasswordRefused(problems)


def _set_password(
    session: Session, tenant: Tenant, account: Account, password: str, now: datetime
) -> None:
    account.password_hash = hash_password(password)
    account.session_version = (account.session_version or 1) + 1
    revoke_all_tokens(session, RESIDENT, account.id, now)
    mail.password_changed(session, tenant, account, version=account.session_version, when=now)


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
