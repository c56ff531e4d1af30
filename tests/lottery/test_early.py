"""Acting ahead of the lottery calendar, on both databases: a reason is required, Genkikan
asks a second staff member to approve (never the one who asked), a request lapses at the
published time, and the timeline (who by role, why, actual vs published times) is in the
bundle, which the verifier checks for form."""

from __future__ import annotations

import copy
import json
import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.lottery import early, engine, results
from shisetsu.lottery.bundle import bundle_bytes
from shisetsu.lottery.models import LotteryEarlyRequest, LotteryRound
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.auth import make_staff
from tests.support.lottery import CLOSE, DRAW, at, enter, group, lottery_slot_ids, open_round, step

GENKIKAN, REGASU = "genkikan", "regasu"


def _entered_round(app: Flask, tenant: str) -> int:
    rid = open_round(app, tenant)
    (s1,) = lottery_slot_ids(app, tenant, rid, 1)
    for _ in range(2):
        enter(app, tenant, rid, group(app, tenant)[1], [[s1]])
    return rid


def _staff(app: Flask, tenant: str, role: str = "handler") -> early.Actor:
    return early.Actor(role, make_staff(app, tenant, role).id)


def _request(
    app: Flask,
    tenant: str,
    rid: int,
    action: str,
    reason: str | None,
    actor: early.Actor,
    hours: float = 5,
) -> int:
    with tenant_session(app, tenant) as session:
        rnd = session.get_one(LotteryRound, rid)
        req = early.request_early(
            session, current_runtime(), rnd, action, reason, actor, now=at(hours)
        )
        session.commit()
        return req.id


def _state(app: Flask, tenant: str, rid: int) -> str:
    with tenant_session(app, tenant) as session:
        return session.get_one(LotteryRound, rid).state


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (None, "reason_required"),
        ("   ", "reason_required"),
        ("あ" * 301, "reason_too_long"),
        ("停電\x07のため", "reason_control"),
        ("停電\nのため", "reason_control"),
    ],
)
def test_a_reason_is_required_and_clean(any_app: Flask, reason: str | None, code: str) -> None:
    rid = _entered_round(any_app, REGASU)
    with pytest.raises(early.EarlyRefused) as refused:
        _request(any_app, REGASU, rid, "close", reason, _staff(any_app, REGASU))
    assert refused.value.code == code
    assert _state(any_app, REGASU, rid) == "open"
    with tenant_session(any_app, REGASU) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LotteryEarlyRequest)) == 0


def test_without_approval_rule_early_draw_acts_at_once(any_app: Flask) -> None:
    rid = _entered_round(any_app, REGASU)
    actor = _staff(any_app, REGASU)
    req_id = _request(any_app, REGASU, rid, "draw", "  会場の都合で早めます  ", actor)
    assert _state(any_app, REGASU, rid) == "drawn"
    with tenant_session(any_app, REGASU) as session:
        req = session.get_one(LotteryEarlyRequest, req_id)
        assert (req.state, req.reason, req.requested_role) == (
            "done",
            "会場の都合で早めます",
            "handler",
        )
        assert req.acted_at == at(5) and req.pending_round is None
        rnd = session.get_one(LotteryRound, rid)
        assert rnd.closed_at == at(5) and rnd.drawn_at == at(5)


def test_not_early_is_refused(any_app: Flask) -> None:
    rid = _entered_round(any_app, REGASU)
    with pytest.raises(early.EarlyRefused) as refused:
        _request(any_app, REGASU, rid, "close", "理由", _staff(any_app, REGASU), hours=49)
    assert refused.value.code == "not_early"


def test_approval_flow_self_approval_refused(any_app: Flask) -> None:
    rid = _entered_round(any_app, GENKIKAN)
    asker, other = _staff(any_app, GENKIKAN), _staff(any_app, GENKIKAN, "responsible")
    req_id = _request(any_app, GENKIKAN, rid, "draw", "館内工事のため前倒し", asker)
    assert _state(any_app, GENKIKAN, rid) == "open"  # waits for a second person
    with pytest.raises(early.EarlyRefused) as twice:
        _request(any_app, GENKIKAN, rid, "close", "もう一度", other)
    assert twice.value.code == "already_pending"
    with tenant_session(any_app, GENKIKAN) as session:
        rnd = session.get_one(LotteryRound, rid)
        req = session.get_one(LotteryEarlyRequest, req_id)
        with pytest.raises(early.EarlyRefused) as own:
            early.approve(session, current_runtime(), rnd, req, asker, now=at(6))
        assert own.value.code == "self_approval"
        session.rollback()
    assert _state(any_app, GENKIKAN, rid) == "open"
    with tenant_session(any_app, GENKIKAN) as session:
        rnd = session.get_one(LotteryRound, rid)
        req = session.get_one(LotteryEarlyRequest, req_id)
        early.approve(session, current_runtime(), rnd, req, other, now=at(7))
        session.commit()
    with tenant_session(any_app, GENKIKAN) as session:
        req = session.get_one(LotteryEarlyRequest, req_id)
        assert (req.state, req.decided_role, req.decided_by_id) == (
            "done",
            "responsible",
            other.staff_id,
        )
        assert session.get_one(LotteryRound, rid).drawn_at == at(7)


def test_decline_then_ask_again(any_app: Flask) -> None:
    rid = _entered_round(any_app, GENKIKAN)
    asker, other = _staff(any_app, GENKIKAN), _staff(any_app, GENKIKAN)
    first = _request(any_app, GENKIKAN, rid, "close", "理由", asker)
    with tenant_session(any_app, GENKIKAN) as session:
        early.decline(session, session.get_one(LotteryEarlyRequest, first), other, now=at(6))
        session.commit()
    second = _request(any_app, GENKIKAN, rid, "close", "別の理由", other, hours=8)
    with tenant_session(any_app, GENKIKAN) as session:
        assert session.get_one(LotteryEarlyRequest, first).state == "declined"
        assert session.get_one(LotteryEarlyRequest, second).state == "pending"


def test_request_lapses_at_the_published_time(any_app: Flask) -> None:
    rid = _entered_round(any_app, GENKIKAN)
    asker, other = _staff(any_app, GENKIKAN), _staff(any_app, GENKIKAN)
    req_id = _request(any_app, GENKIKAN, rid, "close", "理由", asker)
    with tenant_session(any_app, GENKIKAN) as session:
        rnd = session.get_one(LotteryRound, rid)
        req = session.get_one(LotteryEarlyRequest, req_id)
        assert early.effective_state(req, CLOSE) == "lapsed"
        with pytest.raises(early.EarlyRefused) as late:
            early.approve(session, current_runtime(), rnd, req, other, now=CLOSE)
        assert late.value.code == "lapsed"
        session.rollback()
    done = step(any_app, GENKIKAN, CLOSE)
    assert done["early_lapsed"] == 1 and done["closed"]
    with tenant_session(any_app, GENKIKAN) as session:
        req = session.get_one(LotteryEarlyRequest, req_id)
        assert (req.state, req.pending_round, req.acted_at) == ("lapsed", None, None)
        assert session.get_one(LotteryRound, rid).closed_at == CLOSE  # on time, not early


def test_two_approvers_at_once_act_once(any_app: Flask) -> None:
    rid = _entered_round(any_app, GENKIKAN)
    req_id = _request(any_app, GENKIKAN, rid, "close", "理由", _staff(any_app, GENKIKAN))
    approvers = [_staff(any_app, GENKIKAN) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor: early.Actor) -> None:
        with any_app.app_context(), tenant_session(any_app, GENKIKAN) as session:
            rnd = session.get_one(LotteryRound, rid)
            req = session.get_one(LotteryEarlyRequest, req_id)
            barrier.wait(timeout=10)
            try:
                early.approve(session, current_runtime(), rnd, req, actor, now=at(6))
                session.commit()
                outcomes.append("done")
            except early.EarlyRefused as refused:
                session.rollback()
                outcomes.append(refused.code)
            except sa.exc.OperationalError:  # SQLite: the second writer waits, then gives up
                session.rollback()
                outcomes.append("busy")

    threads = [threading.Thread(target=approve, args=(a,)) for a in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive()
    assert outcomes.count("done") == 1, outcomes
    with tenant_session(any_app, GENKIKAN) as session:
        req = session.get_one(LotteryEarlyRequest, req_id)
        assert req.state == "done" and req.decided_by_id in {a.staff_id for a in approvers}


def _bundle(app: Flask, tenant: str, rid: int) -> dict:  # type: ignore[type-arg]
    with tenant_session(app, tenant) as session:
        data = results.make_public_bundle(session, tenant, session.get_one(LotteryRound, rid))
        assert data is not None
        return json.loads(bundle_bytes(data))  # type: ignore[no-any-return]


def test_timeline_in_bundle_and_verifier(any_app: Flask) -> None:
    rid = _entered_round(any_app, REGASU)
    _request(any_app, REGASU, rid, "draw", "台風接近のため", _staff(any_app, REGASU, "responsible"))
    data = _bundle(any_app, REGASU, rid)
    steps = {row["step"]: row for row in data["timeline"]}
    assert list(steps) == ["open", "close", "draw"]
    assert steps["open"]["early"] is False and steps["open"]["reason"] is None
    for name in ("close", "draw"):
        row = steps[name]
        assert row["early"] is True and row["by"] == "responsible" and row["approved_by"] is None
        assert row["reason"] == "台風接近のため"
        assert row["actual"] == at(5).isoformat() < row["scheduled"]
    assert engine.verify(data) == (True, [])

    broken = copy.deepcopy(data)
    broken["timeline"][2]["early"] = False
    ok, problems = engine.verify(broken)
    assert not ok
    assert "timeline[2].early: does not match the published and actual times" in problems
    broken = copy.deepcopy(data)
    broken["timeline"][1]["actual"] = "yesterday"
    broken["timeline"][0]["reason"] = "bad\x00"
    ok, problems = engine.verify(broken)
    assert {p.split(":")[0] for p in problems} == {"timeline[1].actual", "timeline[0].reason"}
    broken = copy.deepcopy(data)
    broken["timeline"].reverse()
    assert any("out of order" in p for p in engine.verify(broken)[1])
    # the timeline is outside the hashes: the draw itself still reproduces without it
    del broken["timeline"]
    assert engine.verify(broken) == (True, [])


def test_on_time_round_has_no_early_step(any_app: Flask) -> None:
    rid = _entered_round(any_app, GENKIKAN)
    step(any_app, GENKIKAN, CLOSE)
    step(any_app, GENKIKAN, DRAW)
    data = _bundle(any_app, GENKIKAN, rid)
    assert [row["early"] for row in data["timeline"]] == [False, False, False]
    assert data["timeline"][2]["actual"] == DRAW.isoformat()
    assert engine.verify(data) == (True, [])


def test_a_lapsed_request_does_not_block_the_next(any_app: Flask) -> None:
    rid = _entered_round(any_app, GENKIKAN)
    first = _request(any_app, GENKIKAN, rid, "close", "理由", _staff(any_app, GENKIKAN))
    # No tick ran at the close time; asking to draw early afterwards still works.
    later = _request(
        any_app, GENKIKAN, rid, "draw", "次の理由", _staff(any_app, GENKIKAN), hours=49
    )
    with tenant_session(any_app, GENKIKAN) as session:
        assert session.get_one(LotteryEarlyRequest, first).state == "lapsed"
        assert session.get_one(LotteryEarlyRequest, later).state == "pending"


def test_cli_close_early_needs_a_reason_and_records_the_system(any_app: Flask) -> None:
    rid = _entered_round(any_app, GENKIKAN)
    runner = any_app.test_cli_runner()
    base = ["lottery", "close", "--tenant", GENKIKAN, "--round", str(rid)]
    refused = runner.invoke(args=base)
    assert refused.exit_code != 0 and "--reason" in refused.output
    assert _state(any_app, GENKIKAN, rid) == "open"
    done = runner.invoke(args=[*base, "--reason", "システム保守のため"])
    assert done.exit_code == 0, done.output
    assert _state(any_app, GENKIKAN, rid) == "closed"  # the operator needs no second approval
    with tenant_session(any_app, GENKIKAN) as session:
        (req,) = session.scalars(sa.select(LotteryEarlyRequest)).all()
        assert (req.state, req.requested_role, req.requested_by_id) == ("done", "system", None)
