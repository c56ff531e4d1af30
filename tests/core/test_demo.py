"""`shisetsu demo seed`: idempotent, synthetic, and the printed sign-ins work."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa

from shisetsu.demo.accounts import DemoRefused, demo_password
from shisetsu.groups.models import APPROVED, Group
from shisetsu.lottery.models import LotteryEntry, LotteryRound
from shisetsu.people.models import Account, Staff
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.apps import make_app


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, str, str]:
    app = make_app(tmp_path_factory.mktemp("demo"))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    return app, first.output, second.output


def test_seed_is_idempotent(seeded: tuple) -> None:
    app, first, second = seeded
    for slug in ("regasu", "genkikan"):
        with tenant_session(app, slug) as session:
            # demo01-demo20, plus the synthetic lottery entrants demo21-demo32
            assert session.scalar(sa.select(sa.func.count()).select_from(Account)) == 32
            approved = sa.select(sa.func.count()).where(Group.status == APPROVED)
            assert session.scalar(approved) == 32
            entered = sa.select(sa.func.count()).select_from(LotteryEntry)
            assert session.scalar(entered) == 12
            rounds = session.scalars(sa.select(LotteryRound.state)).all()
            assert rounds == ["open"]
            logins = set(session.scalars(sa.select(Staff.login)))
            assert logins == {"demo-manager", "demo-counter"}
    # the same TOTP secrets are printed both times (nothing was re-created)
    secrets = re.findall(r"TOTP secret (\w+)", first)
    assert secrets and secrets == re.findall(r"TOTP secret (\w+)", second)


def test_demo_data_is_synthetic(seeded: tuple) -> None:
    app, _first, _second = seeded
    with tenant_session(app, "genkikan") as session:
        groups = list(session.scalars(sa.select(Group)))
    assert all(g.representative_address.endswith("（架空）") for g in groups)
    assert all(g.contact_email.endswith("@example.jp") for g in groups)
    assert all(g.representative_phone_home.startswith("03-0000-") for g in groups)


def test_printed_sign_ins_work(seeded: tuple) -> None:
    app, first, _second = seeded
    client = app.test_client()
    response = client.post(
        "/genkikan/account/login", data={"login": "demo01", "password": "shisetsu-demo-2026"}
    )
    assert response.status_code == 302
    assert client.get("/genkikan/groups/").status_code == 200

    secret = re.search(r"/genkikan/manage/\s+demo-manager\s+\w+\s+TOTP secret (\w+)", first)
    assert secret
    staff = app.test_client()
    response = staff.post(
        "/genkikan/manage/login", data={"login": "demo-manager", "password": "shisetsu-demo-2026"}
    )
    assert response.status_code == 302
    response = staff.post(
        "/genkikan/manage/verify", data={"code": pyotp.TOTP(secret.group(1)).now()}
    )
    assert response.status_code == 302
    assert staff.get("/genkikan/manage/staff/").status_code == 200


def test_demo_password_refused_in_production(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.config["ENV_NAME"] = "production"
    with pytest.raises(DemoRefused):
        demo_password(app)
