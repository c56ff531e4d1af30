"""``shisetsu tenants …`` and ``shisetsu demo seed`` as an operator runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from shisetsu.provisioning import operations as provisioning
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.engines import tenant_sqlite_path
from tests.fixtures.apps import make_app

GENKIKAN_TOML = Path(__file__).resolve().parents[2] / "tenants" / "genkikan" / "tenant.toml"

Cli = Callable[..., Result]


@pytest.fixture
def cli(app: Flask) -> Cli:
    """Run a CLI command on the SQLite app: ``cli("tenants", "list")``."""
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


@pytest.fixture
def write_toml(tmp_path: Path) -> Callable[..., Path]:
    """A tmp tenant.toml: Genkikan's under ``slug``, with text replacements applied."""

    def write(slug: str, *replacements: tuple[str, str]) -> Path:
        text = GENKIKAN_TOML.read_text("utf-8").replace('slug = "genkikan"', f'slug = "{slug}"')
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new, 1)
        path = tmp_path / slug / "tenant.toml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, "utf-8")
        return path

    return write


def slugs(app: Flask) -> list[str]:
    return [t.slug for t in provisioning.list_tenants(app)]


def test_list_json_is_one_document(cli: Cli) -> None:
    result = cli("tenants", "list", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["slug"] for r in rows] == ["regasu", "genkikan"]
    assert rows[1]["name"] == {"ja": "新宿区立元気館", "en": "Shinjuku City Genkikan"}
    assert rows[0]["status"] == "active"


def test_list_as_text(cli: Cli) -> None:
    result = cli("tenants", "list")
    assert result.exit_code == 0
    assert "genkikan" in result.output
    assert "新宿区立元気館 / Shinjuku City Genkikan" in result.output


def test_list_on_a_fresh_instance_says_what_to_do(tmp_path: Path) -> None:
    result = make_app(tmp_path).test_cli_runner().invoke(args=["tenants", "list"])
    assert result.exit_code == 0
    assert "shisetsu tenants create" in result.output


def test_create_from_a_config_file(app: Flask, cli: Cli, write_toml: Callable[..., Path]) -> None:
    result = cli("tenants", "create", "kumin_a", "--config", str(write_toml("kumin_a")))
    assert result.exit_code == 0, result.output
    assert "created tenant kumin_a" in result.output
    assert slugs(app) == ["regasu", "genkikan", "kumin_a"]
    with tenant_session(app, "kumin_a") as session:
        assert session.scalar(sa.text("SELECT count(*) FROM rooms")) == 5


BROKEN = {
    "capacity-zero": ("capacity = 60", "capacity = 0", "facilities[0].rooms[0].capacity", "0"),
    "toml-syntax": ("capacity = 60", "capacity = = 60", "(syntax)", "Invalid value"),
    "unknown-plugin": (
        'name = "genkikan_groups"',
        'name = "no_such_plugin"',
        "plugins[0].name",
        "unknown plugin 'no_such_plugin'",
    ),
    "typo": ("kind = ", "knd = ", "facilities[0].knd", "did you mean 'kind'"),
    "unknown-table": ("[registration]", "[extra]\nx = 1\n[registration]", "extra", "unknown"),
}


@pytest.mark.parametrize(("old", "new", "key", "reason"), BROKEN.values(), ids=BROKEN.keys())
def test_create_from_a_broken_file_explains_without_a_traceback(
    app: Flask,
    cli: Cli,
    write_toml: Callable[..., Path],
    old: str,
    new: str,
    key: str,
    reason: str,
) -> None:
    path = write_toml("kumin_a", (old, new))
    result = cli("tenants", "create", "kumin_a", "--config", str(path))
    assert result.exit_code != 0
    assert f"Error: {path}: {key}: " in result.output
    assert reason in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # click's clean exit, not a crash
    assert slugs(app) == ["regasu", "genkikan"]
    assert not tenant_sqlite_path(app, "kumin_a").exists()


def test_create_from_a_missing_file(cli: Cli, tmp_path: Path) -> None:
    result = cli("tenants", "create", "kumin_a", "--config", str(tmp_path / "none.toml"))
    assert result.exit_code != 0
    assert "none.toml: (file): No such file or directory" in result.output


def test_create_refuses_a_slug_that_differs_from_the_file(
    cli: Cli, write_toml: Callable[..., Path]
) -> None:
    result = cli("tenants", "create", "kumin_b", "--config", str(write_toml("kumin_a")))
    assert result.exit_code != 0
    assert "slug: is 'kumin_a', expected 'kumin_b'" in result.output


def test_create_refuses_a_duplicate(cli: Cli) -> None:
    result = cli("tenants", "create", "genkikan")
    assert result.exit_code != 0
    assert "Error: tenant 'genkikan' already exists" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("slug", ["Bad-Slug", "x", "api"])
def test_create_refuses_an_invalid_slug(app: Flask, cli: Cli, slug: str) -> None:
    result = cli("tenants", "create", slug)
    assert result.exit_code != 0
    assert f"Error: invalid tenant slug {slug!r}" in result.output
    assert slugs(app) == ["regasu", "genkikan"]


def test_migrate_prints_a_summary_and_is_idempotent(cli: Cli) -> None:
    for _ in range(2):
        result = cli("tenants", "migrate")
        assert result.exit_code == 0, result.output
        assert "platform and 2 tenant(s) at the newest revision" in result.output


def test_migrate_one_tenant(cli: Cli) -> None:
    result = cli("tenants", "migrate", "--tenant", "genkikan")
    assert result.exit_code == 0
    assert "platform and 1 tenant(s)" in result.output


def test_migrate_unknown_tenant_fails(cli: Cli) -> None:
    result = cli("tenants", "migrate", "--tenant", "nope")
    assert result.exit_code != 0
    assert "unknown tenant 'nope'" in result.output


def test_sync_applies_an_edited_file(app: Flask, cli: Cli, write_toml: Callable[..., Path]) -> None:
    path = write_toml("kumin_a")
    assert cli("tenants", "create", "kumin_a", "--config", str(path)).exit_code == 0
    edited = (
        path.read_text("utf-8")
        .replace('{ ja = "元気館", en = "Genkikan" }', '{ ja = "新元気館", en = "New Genkikan" }')
        # 会議室B leaves the file, 音楽室 (a new code) takes its place
        .replace('code = "meeting-b"', 'code = "music"')
        .replace('"genkikan/meeting-b"', '"genkikan/music"')  # the purpose that names it
        .replace(
            '{ ja = "会議室B", en = "Meeting Room B" }', '{ ja = "音楽室", en = "Music Room" }'
        )
    )
    assert "新元気館" in edited and "meeting-b" not in edited
    path.write_text(edited, "utf-8")

    result = cli("tenants", "sync", "kumin_a")
    assert result.exit_code == 0, result.output
    assert "kumin_a: 1 added, 1 updated, 1 retired" in result.output

    with tenant_session(app, "kumin_a") as session:
        rooms: dict[str, int] = dict(
            session.execute(sa.text("SELECT code, active FROM rooms")).all()
        )
        facility = session.scalar(sa.text("SELECT name_ja FROM facilities"))
    assert facility == "新元気館"
    assert rooms["music"] == 1
    assert rooms["meeting-b"] == 0  # kept for old bookings, but inactive
    page = app.test_client().get("/kumin_a/").get_data(as_text=True)
    assert "音楽室" in page
    assert "会議室B" not in page
    api = app.test_client().get("/api/v1/kumin_a/facilities").get_json()
    assert "meeting-b" not in {r["code"] for r in api[0]["rooms"]}


def test_sync_rejects_a_broken_file_and_changes_nothing(
    app: Flask, cli: Cli, write_toml: Callable[..., Path]
) -> None:
    path = write_toml("kumin_a")
    assert cli("tenants", "create", "kumin_a", "--config", str(path)).exit_code == 0
    path.write_text(path.read_text("utf-8").replace("capacity = 60", "capacity = -1"), "utf-8")
    result = cli("tenants", "sync", "kumin_a")
    assert result.exit_code != 0
    assert f"{path}: facilities[0].rooms[0].capacity: " in result.output
    assert "Traceback" not in result.output
    with tenant_session(app, "kumin_a") as session:
        assert session.scalar(sa.text("SELECT max(capacity) FROM rooms")) == 60


def test_sync_unknown_tenant_fails(cli: Cli) -> None:
    result = cli("tenants", "sync", "nope")
    assert result.exit_code != 0
    assert "unknown tenant 'nope'" in result.output


def test_demo_seed_is_idempotent(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    runner = app.test_cli_runner()

    def counts() -> dict[str, tuple[int, int]]:
        found = {}
        for slug in slugs(app):
            with tenant_session(app, slug) as session:
                found[slug] = (
                    session.scalar(sa.text("SELECT count(*) FROM facilities")),
                    session.scalar(sa.text("SELECT count(*) FROM rooms")),
                )
        return found

    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "regasu: created" in first.output
    after_first = counts()
    assert after_first == {"regasu": (8, 19), "genkikan": (1, 5)}

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert "regasu: created" not in second.output
    assert counts() == after_first


@pytest.mark.postgres
def test_list_and_migrate_on_postgres(pg_app: Flask) -> None:
    runner = pg_app.test_cli_runner()
    rows = json.loads(runner.invoke(args=["tenants", "list", "--json"]).output)
    assert {r["slug"]: r["schema"] for r in rows} == {
        "regasu": "tenant_regasu",
        "genkikan": "tenant_genkikan",
    }
    for _ in range(2):
        result = runner.invoke(args=["tenants", "migrate"])
        assert result.exit_code == 0, result.output
        assert "platform and 2 tenant(s) at the newest revision" in result.output
    assert "already exists" in runner.invoke(args=["tenants", "create", "regasu"]).output
