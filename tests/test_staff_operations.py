"""Staff operations without the web layer, the staff CLI and the database's tenant wall."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.auth.personnel import PersonnelError
from shisetsu.auth.tokens import issue_token
from shisetsu.db import utcnow
from shisetsu.people.models import ApiToken, Staff
from shisetsu.staff import operations as ops
from shisetsu.tenancy.binding import tenant_session
from tests.test_staff_support import PASSWORD, make_staff, staff_row, unique


def _get(session: sa.orm.Session, person_id: int) -> Staff:
    staff = session.get(Staff, person_id)
    assert staff is not None
    return staff


def test_the_last_responsible_person_cannot_be_removed_or_demoted(sqlite_app: Flask) -> None:
    # A fresh SQLite copy: this tenant has no other staff.
    boss = make_staff(sqlite_app, "genkikan")
    handler = make_staff(sqlite_app, "genkikan", role="handler")
    with tenant_session(sqlite_app, "genkikan") as session:
        actor, target = _get(session, handler.id), _get(session, boss.id)
        with pytest.raises(PersonnelError) as removed:
            ops.remove_staff(session, actor=actor, target=target, now=utcnow())
        assert removed.value.code == "last_responsible"
        with pytest.raises(PersonnelError) as demoted:
            ops.change_role(session, actor=actor, target=target, role="handler")
        assert demoted.value.code == "last_responsible"
        session.rollback()
    assert staff_row(sqlite_app, boss).active

    second = make_staff(sqlite_app, "genkikan")
    with tenant_session(sqlite_app, "genkikan") as session:
        first, other = _get(session, boss.id), _get(session, second.id)
        ops.remove_staff(session, actor=other, target=first, now=utcnow())
        session.commit()
        with pytest.raises(PersonnelError) as last:
            ops.remove_staff(session, actor=_get(session, handler.id), target=other, now=utcnow())
        assert last.value.code == "last_responsible"


def test_create_staff_checks_its_input(any_app: Flask) -> None:
    login = unique()
    with tenant_session(any_app, "regasu") as session:
        staff, initial = ops.create_staff(
            session, login=f"  {login.upper()} ", display_name=" A ", email=None, role="counter"
        )
        assert staff.login == login and staff.display_name == "A"
        assert staff.totp_secret is None and staff.totp_enrolled_at is None
        assert initial not in staff.password_hash
        for kwargs, code in (
            ({"login": login}, "login_taken"),
            ({"login": "a"}, "invalid_login"),
            ({"login": "has space"}, "invalid_login"),
            ({"login": unique(), "role": "boss"}, "invalid_role"),
            ({"login": unique(), "display_name": "  "}, "missing_name"),
            ({"login": unique(), "email": "not-an-address"}, "invalid_email"),
        ):
            args = {"display_name": "X", "email": None, "role": "counter", **kwargs}
            with pytest.raises(PersonnelError) as refused:
                ops.create_staff(session, **args)  # type: ignore[arg-type]
            assert refused.value.code == code
        session.rollback()


def test_create_staff_with_a_known_password_and_secret_for_the_demo(any_app: Flask) -> None:
    with tenant_session(any_app, "regasu") as session:
        staff, initial = ops.create_staff(
            session,
            login=unique(),
            display_name="Demo",
            email="demo@example.jp",
            role="responsible",
            password=PASSWORD,
            totp_secret="JBSWY3DPEHPK3PXP",
        )
        assert initial == PASSWORD
        assert staff.totp_secret == "JBSWY3DPEHPK3PXP" and staff.totp_enrolled_at is not None
        session.rollback()


def test_removal_revokes_api_tokens(any_app: Flask) -> None:
    boss = make_staff(any_app)
    member = make_staff(any_app, role="counter")
    with tenant_session(any_app, "regasu") as session:
        issue_token(session, "staff", member.id, utcnow())
        ops.remove_staff(
            session, actor=_get(session, boss.id), target=_get(session, member.id), now=utcnow()
        )
        session.commit()
        rows = session.scalars(
            sa.select(ApiToken).where(
                ApiToken.principal_kind == "staff", ApiToken.principal_id == member.id
            )
        ).all()
        assert rows and all(r.revoked_at is not None for r in rows)


def test_staff_cli_adds_the_first_responsible_person(any_app: Flask) -> None:
    login = unique()
    runner = any_app.test_cli_runner()
    result = runner.invoke(
        args=["staff", "add", login, "--tenant", "genkikan", "--name", "First Boss"]
    )
    assert result.exit_code == 0, result.output
    assert f"created responsible {login}" in result.output
    assert "initial password (shown once): " in result.output

    again = runner.invoke(args=["staff", "add", login, "--tenant", "genkikan", "--name", "X"])
    assert again.exit_code != 0
    assert "already in use" in again.output and "Traceback" not in again.output
    unknown = runner.invoke(args=["staff", "add", login, "--tenant", "nowhere", "--name", "X"])
    assert unknown.exit_code != 0 and "unknown tenant" in unknown.output


@pytest.mark.postgres
def test_a_session_bound_to_regasu_cannot_read_genkikan_staff(pg_app: Flask) -> None:
    make_staff(pg_app, "genkikan")
    with tenant_session(pg_app, "regasu") as session:
        assert session.scalar(sa.text("SELECT count(*) FROM staff")) is not None  # its own
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            session.execute(sa.text("SELECT login FROM tenant_genkikan.staff"))
        session.rollback()
