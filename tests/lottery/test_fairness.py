"""Fairness of the lottery (chi-square over seeded draws) and its invariants (hypothesis).

The property tests also compare every draw with a deliberately naive reference
implementation written from the algorithm as documented in ``engine``'s docstring, so
the documentation an auditor reads and the optimised code cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shisetsu.lottery.engine import (
    Choice,
    DrawInput,
    Entry,
    commitment,
    draw,
    entries_hash,
    make_bundle,
    verify,
)

DRAWS = 2000
P_THRESHOLD = 0.001


def chi_square(observed: list[int], expected: list[float]) -> float:
    return sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))


def chi2_sf(x: float, df: int) -> float:
    """P(X ≥ x) for a chi-square variable with integer ``df`` (closed forms, stdlib only)."""
    half = x / 2
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, df // 2):
            term *= half / i
            total += term
        return math.exp(-half) * total
    total = math.erfc(math.sqrt(half))
    term = math.sqrt(half) * math.exp(-half) * 2 / math.sqrt(math.pi)
    for i in range(1, (df + 1) // 2):
        total += term
        term *= half / (i + 0.5)
    return total


@pytest.mark.parametrize(
    ("x", "df"), [(10.828, 1), (13.816, 2), (16.266, 3), (22.458, 6), (24.322, 7)]
)
def test_chi2_sf_matches_the_tables(x, df):
    # Critical values at p = 0.001 from the standard chi-square table.
    assert chi2_sf(x, df) == pytest.approx(0.001, rel=1e-3)


def seeds(label: str, n: int = DRAWS) -> list[bytes]:
    """Deterministic seeds: the test is reproducible, yet the seeds are unrelated."""
    return [hashlib.sha256(f"{label}-{i}".encode()).digest() for i in range(n)]


def winners(entries: list[Entry], policy: str, params: dict[str, int], label: str) -> Counter[str]:
    """Who won slot "s" over ``DRAWS`` seeded draws."""
    won: Counter[str] = Counter()
    for seed in seeds(label):
        result = draw(DrawInput("fair", seed, policy, params, entries))
        won[result.allocation["s"]] += 1
    return won


@pytest.mark.parametrize("k", [3, 7])
def test_equal_entrants_win_equally_often(k):
    entries = [Entry(f"g{i}", "resident", [Choice(1, ("s",))]) for i in range(k)]
    won = winners(entries, "rank_order", {"win_cap_per_group": 2}, f"uniform-{k}")
    observed = [won[f"g{i}"] for i in range(k)]
    stat = chi_square(observed, [DRAWS / k] * k)
    assert chi2_sf(stat, k - 1) > P_THRESHOLD, (observed, stat)


def test_drawn_positions_are_uniform():
    """ "Drawn 4th of 7" is meaningful: each place is equally likely for a given group."""
    k = 7
    entries = [Entry(f"g{i}", "resident", [Choice(1, ("s",))]) for i in range(k)]
    places: Counter[int] = Counter()
    for seed in seeds("places"):
        result = draw(DrawInput("fair", seed, "rank_order", {"win_cap_per_group": 1}, entries))
        places[result.outcomes[("g0", 1)].position] += 1
    observed = [places[p] for p in range(1, k + 1)]
    assert chi2_sf(chi_square(observed, [DRAWS / k] * k), k - 1) > P_THRESHOLD, observed


WEIGHTED = {"win_cap_per_group": 2, "lookback_rounds": 3, "weight_per_loss": 1, "max_weight": 4}


@pytest.mark.parametrize(
    ("losses", "weights"),
    [
        ([1, 0], [2, 1]),  # one loss: weight 2, twice as likely as weight 1
        ([0, 1, 2], [1, 2, 3]),
        ([9, 0], [4, 1]),  # capped at max_weight
    ],
)
def test_history_weight_is_proportional(losses, weights):
    entries = [
        Entry(f"g{i}", "resident", [Choice(1, ("s",))], losses=n) for i, n in enumerate(losses)
    ]
    won = winners(entries, "history_weighted", WEIGHTED, f"weighted-{losses}")
    observed = [won[f"g{i}"] for i in range(len(losses))]
    expected = [DRAWS * w / sum(weights) for w in weights]
    stat = chi_square(observed, expected)
    assert chi2_sf(stat, len(losses) - 1) > P_THRESHOLD, (observed, expected)


def test_history_weighted_without_losses_is_rank_order():
    entries = [Entry(f"g{i}", "resident", [Choice(1, ("s",)), Choice(2, ("t",))]) for i in range(5)]
    for seed in seeds("same", 20):
        plain = draw(DrawInput("r", seed, "rank_order", {"win_cap_per_group": 2}, entries))
        weighted = draw(DrawInput("r", seed, "history_weighted", WEIGHTED, entries))
        assert plain.allocation == weighted.allocation
        assert plain.rows == weighted.rows


# --- the naive reference implementation ----------------------------------------------------


def reference(draw_input: DrawInput) -> tuple[dict[str, str], dict[tuple[str, int], tuple]]:
    """The algorithm of ``engine``'s docstring, written as plainly as possible."""
    params = draw_input.params
    choices = []  # (group, rank, frozenset(slots), priority)
    for entry in draw_input.entries:
        weight = 1
        if draw_input.policy == "history_weighted":
            weight = min(1 + entry.losses * params["weight_per_loss"], params["max_weight"])
        for choice in entry.choices:
            slots = sorted(choice.slots)
            tickets = []
            for j in range(weight):
                msg = "\x00".join(
                    [
                        "shisetsu-lottery/1",
                        draw_input.round_id,
                        str(choice.rank),
                        entry.group,
                        "\x1f".join(slots),
                        str(j),
                    ]
                )
                digest = hashlib.blake2b(msg.encode(), key=draw_input.seed, digest_size=16)
                tickets.append(int.from_bytes(digest.digest(), "big"))
            choices.append((entry.group, choice.rank, frozenset(slots), max(tickets)))

    allocation: dict[str, str] = {}
    won_at: dict[str, int] = {}
    wins: Counter[str] = Counter()
    outcomes = {}
    for rank in sorted({c[1] for c in choices}):
        same_rank = [c for c in choices if c[1] == rank]
        # Highest priority first; equal priorities by group id.
        order = sorted(same_rank, key=lambda c: (-c[3], c[0]))
        for place, (group, _, slots, _) in enumerate(order):
            sharing = [c for c in order if c[2] & slots]
            position = 1 + sum(1 for c in order[:place] if c[2] & slots)
            entrants = len({c[0] for c in choices if c[2] & slots})
            if wins[group] >= params["win_cap_per_group"]:
                status = "skipped_cap"
            elif any(won_at.get(s, rank) < rank for s in slots):
                status = "skipped_taken"
            elif any(s in won_at for s in slots):
                status = "lost"
            else:
                status = "won"
                wins[group] += 1
                for s in slots:
                    won_at[s] = rank
                    allocation[s] = group
            outcomes[(group, rank)] = (status, entrants, position, len(sharing))
    return allocation, outcomes


# --- property tests ----------------------------------------------------------------------------

SLOT_POOL = [f"r{room}-d{day}-{code}" for room in (1, 2) for day in (1, 2) for code in "apn"]


@st.composite
def draw_inputs(draw_: st.DrawFn) -> DrawInput:
    """Random rounds: a few groups fighting over a few slots, with sets and ranks."""
    pool = draw_(st.lists(st.sampled_from(SLOT_POOL), min_size=1, max_size=8, unique=True))
    entries = []
    for g in range(draw_(st.integers(0, 10))):
        slots = draw_(st.permutations(pool))
        n_choices = draw_(st.integers(0, min(5, len(slots))))
        ranks = sorted(draw_(st.sets(st.integers(1, 9), min_size=n_choices, max_size=n_choices)))
        choices = []
        for rank in ranks:
            if not slots:
                break
            size = draw_(st.integers(1, min(3, len(slots))))
            choices.append(Choice(rank, tuple(slots[:size])))
            slots = slots[size:]
        losses = draw_(st.integers(0, 5))
        entries.append(Entry(f"g{g}", draw_(st.sampled_from(["a", "b"])), choices, losses))
    policy = draw_(st.sampled_from(["rank_order", "history_weighted"]))
    params = {"win_cap_per_group": draw_(st.integers(1, 3))}
    if policy == "history_weighted":
        params |= {
            "lookback_rounds": 3,
            "weight_per_loss": draw_(st.integers(0, 2)),
            "max_weight": draw_(st.integers(1, 4)),
        }
    seed = draw_(st.binary(min_size=32, max_size=32))
    return DrawInput("prop", seed, policy, params, entries)


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(draw_inputs())
def test_invariants_and_reference(draw_input):
    result = draw(draw_input)
    cap = draw_input.params["win_cap_per_group"]
    chosen = {(e.group, c.rank): c for e in draw_input.entries for c in e.choices}
    # Every choice has exactly one outcome.
    assert set(result.outcomes) == set(chosen)
    assert len(result.rows) == len(chosen)
    won_slots: list[str] = []
    for (group, rank), o in result.outcomes.items():
        slots = chosen[(group, rank)].slots
        assert 1 <= o.position <= o.of <= o.entrants
        if o.status == "won":
            # A won set has all its slots, allocated to its group.
            assert all(result.allocation[s] == group for s in slots)
            won_slots.extend(slots)
        else:
            # A lost or skipped choice holds none of its slots.
            assert all(result.allocation.get(s) != group for s in slots)
    # No slot allocated twice; nothing allocated that was not won.
    assert len(won_slots) == len(set(won_slots)) == len(result.allocation)
    wins = Counter(g for (g, _), o in result.outcomes.items() if o.status == "won")
    assert max(wins.values(), default=0) <= cap
    allocation, outcomes = reference(draw_input)
    assert result.allocation == allocation
    assert {key: tuple(o) for key, o in result.outcomes.items()} == outcomes


def bundle_for(draw_input: DrawInput) -> dict:
    result = draw(draw_input)
    bundle = make_bundle(
        draw_input,
        result,
        commitment=commitment(draw_input.seed),
        entries_hash=entries_hash(draw_input),
        tenant="t",
    )
    return json.loads(json.dumps(bundle))


@PROPERTY
@given(draw_inputs(), st.data())
def test_bundles_verify_and_tampering_is_named(draw_input, data):
    bundle = bundle_for(draw_input)
    assert verify(bundle) == (True, [])

    tampered = json.loads(json.dumps(bundle))
    flip = data.draw(st.integers(0, 63))
    digit = "0" if tampered["seed"][flip] != "0" else "1"
    tampered["seed"] = tampered["seed"][:flip] + digit + tampered["seed"][flip + 1 :]
    ok, problems = verify(tampered)
    assert not ok and any(p.startswith("seed:") for p in problems)

    if bundle["input"]["entries"]:
        tampered = json.loads(json.dumps(bundle))
        entries = tampered["input"]["entries"]
        i = data.draw(st.integers(0, len(entries) - 1))
        field = data.draw(st.sampled_from(["category", "losses", "choices"]))
        if field == "category":
            entries[i][1] += "x"
        elif field == "losses":
            entries[i][2] += 1
        else:
            entries[i][3].append([99, ["elsewhere"]])
        ok, problems = verify(tampered)
        assert not ok and any(p.startswith("entries_hash:") for p in problems)

    if bundle["result"]["outcomes"]:
        tampered = json.loads(json.dumps(bundle))
        rows = tampered["result"]["outcomes"]
        row = rows[data.draw(st.integers(0, len(rows) - 1))]
        column = data.draw(st.integers(2, 5))
        if column == 2:
            row[2] = "lost" if row[2] != "lost" else "won"
        else:
            row[column] += 1
        ok, problems = verify(tampered)
        assert not ok and any(p.startswith("result") for p in problems)
