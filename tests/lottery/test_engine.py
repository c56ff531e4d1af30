"""The lottery engine: canonical hashes, determinism, rules, bundles and the verifier CLI.

Fairness and the hypothesis property tests are in ``test_lottery_fairness.py``; the
policy plugins in ``test_lottery_policies.py``.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import json
import os
import random
import subprocess
import sys
from copy import deepcopy
from pathlib import Path

import pytest

from shisetsu.lottery import engine
from shisetsu.lottery.engine import (
    Choice,
    DrawInput,
    DrawResult,
    Entry,
    InvalidInput,
    canonical_input,
    commitment,
    draw,
    entries_hash,
    make_bundle,
    validate_input,
    verify,
)

ENGINE_PY = Path(engine.__file__).resolve()
SEED = hashlib.sha256(b"test seed").digest()
RANK = {"win_cap_per_group": 2}
WEIGHTED = {"win_cap_per_group": 2, "lookback_rounds": 3, "weight_per_loss": 1, "max_weight": 4}


def make(entries, *, seed=SEED, policy="rank_order", params=None, round_id="r-2026-06"):
    """A draw input; ``params`` default to the policy's usual ones."""
    if params is None:
        params = RANK if policy == "rank_order" else WEIGHTED
    return DrawInput(round_id, seed, policy, params, entries)


def single(group, *slots_by_rank, category="resident", losses=0):
    """An entry whose choice of rank i+1 is ``slots_by_rank[i]`` (a str or a tuple)."""
    choices = [
        Choice(rank, (s,) if isinstance(s, str) else tuple(s))
        for rank, s in enumerate(slots_by_rank, start=1)
    ]
    return Entry(group, category, choices, losses)


def contested(n_groups=12, n_slots=4, seed=SEED, policy="rank_order"):
    """A busy little round: every group wants the same few slots, some as a set."""
    rng = random.Random(7)
    entries = []
    slots = [f"1-2026060{d}-am" for d in range(1, n_slots + 1)]
    for g in range(n_groups):
        picks = rng.sample(slots, 3)
        entries.append(
            single(f"g{g:02d}", picks[0], (picks[1], picks[2]), losses=g % 3),
        )
    return make(entries, seed=seed, policy=policy)


def bundle_of(draw_input, result=None):
    result = result or draw(draw_input)
    return make_bundle(
        draw_input,
        result,
        commitment=commitment(draw_input.seed),
        entries_hash=entries_hash(draw_input),
        tenant="regasu",
    )


# --- commitment and hashes ---------------------------------------------------------------


def test_commitment_is_sha256_of_the_seed():
    assert commitment(SEED) == hashlib.sha256(SEED).hexdigest()
    assert len(engine.new_seed()) == 32
    assert engine.new_seed() != engine.new_seed()


def test_entries_hash_ignores_the_order_things_were_listed_in():
    a = contested()
    entries = list(a.entries)
    random.Random(1).shuffle(entries)
    # Choices listed backwards, slots of a set reversed.
    shuffled = [
        Entry(
            e.group, e.category, [Choice(c.rank, c.slots[::-1]) for c in e.choices[::-1]], e.losses
        )
        for e in entries
    ]
    b = make(shuffled)
    assert entries_hash(a) == entries_hash(b)
    assert draw(a).to_json() == draw(b).to_json()


def test_entries_hash_covers_the_input_but_not_the_seed():
    base = contested()
    h = entries_hash(base)
    assert entries_hash(make(list(base.entries), seed=b"\x01" * 32)) == h
    first = base.entries[0]
    changed = {
        "one slot": Entry(
            first.group, first.category, [Choice(1, ("9-20260601-pm",)), *first.choices[1:]]
        ),
        "one rank": Entry(
            first.group, first.category, [Choice(3, first.choices[0].slots), first.choices[1]]
        ),
        "category": Entry(first.group, "nonresident", first.choices, first.losses),
        "losses": Entry(first.group, first.category, first.choices, first.losses + 1),
        "group": Entry("g99", first.category, first.choices, first.losses),
    }
    for what, entry in changed.items():
        assert entries_hash(make([entry, *base.entries[1:]])) != h, what
    assert entries_hash(make(list(base.entries[1:]))) != h, "entry dropped"
    assert entries_hash(make(list(base.entries), params={"win_cap_per_group": 3})) != h
    assert entries_hash(make(list(base.entries), round_id="r-2026-07")) != h


def test_canonical_input_shape():
    data = canonical_input(make([single("g2", "s1"), single("g1", ("b", "a"), "c")]))
    assert data == {
        "round_id": "r-2026-06",
        "policy": "rank_order",
        "params": {"win_cap_per_group": 2},
        "entries": [
            ("g1", "resident", 0, ((1, ("a", "b")), (2, ("c",)))),
            ("g2", "resident", 0, ((1, ("s1",)),)),
        ],
    }
    assert engine.canonical_json(data) == (
        b'{"entries":[["g1","resident",0,[[1,["a","b"]],[2,["c"]]]],'
        b'["g2","resident",0,[[1,["s1"]]]]],"params":{"win_cap_per_group":2},'
        b'"policy":"rank_order","round_id":"r-2026-06"}'
    )


# --- determinism ------------------------------------------------------------------------------


def test_same_input_gives_byte_identical_results():
    first = draw(contested()).to_json()
    # Other draws in between leave no state behind.
    draw(contested(seed=b"\x02" * 32))
    assert draw(contested()).to_json() == first


def test_different_seed_changes_the_result():
    results = {draw(contested(seed=bytes([i]) * 32)).result_hash for i in range(5)}
    assert len(results) == 5
    allocations = {
        json.dumps(draw(contested(seed=bytes([i]) * 32)).allocation, sort_keys=True)
        for i in range(5)
    }
    assert len(allocations) > 1


_CHILD = """
import hashlib, json, random, sys
import importlib.util
spec = importlib.util.spec_from_file_location("lottery_engine", sys.argv[1])
engine = importlib.util.module_from_spec(spec)
sys.modules["lottery_engine"] = engine
spec.loader.exec_module(engine)
bundle = json.loads(sys.stdin.read())
seed = bytes.fromhex(bundle["seed"])
data = bundle["input"]
entries = [
    engine.Entry(g, c, [engine.Choice(r, tuple(s)) for r, s in choices], losses)
    for g, c, losses, choices in data["entries"]
]
random.shuffle(entries)  # a different order in a different process
inp = engine.DrawInput(data["round_id"], seed, data["policy"], data["params"], entries)
sys.stdout.write(engine.draw(inp).to_json())
"""


@pytest.mark.parametrize("hashseed", ["0", "4242"])
@pytest.mark.parametrize("policy", ["rank_order", "history_weighted"])
def test_same_result_in_another_process(hashseed, policy):
    draw_input = contested(policy=policy)
    expected = draw(draw_input).to_json()
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ENGINE_PY)],
        input=json.dumps(bundle_of(draw_input)),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert out.stdout == expected


def test_golden_result_pins_the_algorithm():
    """If this fails the algorithm changed: old bundles would no longer verify.

    Change ``ENGINE`` (the version in every ticket and result) before changing this.
    """
    result = draw(contested(policy="history_weighted"))
    assert engine.ENGINE == "shisetsu-lottery/1"
    assert result.result_hash == GOLDEN_HASH
    assert result.allocation == GOLDEN_ALLOCATION


GOLDEN_HASH = "a2234b6c30f475b0a83f04847eec236d9e18ac445679df7c6daabc62c2402f46"
GOLDEN_ALLOCATION = {
    "1-20260601-am": "g11",
    "1-20260602-am": "g07",
    "1-20260603-am": "g02",
    "1-20260604-am": "g04",
}


def test_ticket_follows_the_documented_formula():
    """Two entrants, one slot: the higher documented ticket wins."""
    entries = [single("g1", "s"), single("g2", "s")]
    draw_input = make(entries)

    def ticket(group):
        msg = f"shisetsu-lottery/1\x00r-2026-06\x001\x00{group}\x00s\x000".encode()
        return int.from_bytes(hashlib.blake2b(msg, key=SEED, digest_size=16).digest(), "big")

    winner = max(["g1", "g2"], key=ticket)
    assert draw(draw_input).allocation == {"s": winner}


def test_draw_is_pure():
    draw_input = contested()
    before = deepcopy(draw_input)
    gc_was = gc.isenabled()
    first = draw(draw_input)
    assert draw_input == before
    assert gc.isenabled() == gc_was
    # The DB layer re-runs a draw interrupted by a crash: it must get the same answer.
    assert draw(draw_input) == first
    assert draw(draw_input).to_json() == first.to_json()


# --- the rules ----------------------------------------------------------------------------


def outcome(result, group, rank):
    return result.outcomes[(group, rank)]


def test_uncontested_choices_win():
    result = draw(make([single("g1", "a", "b"), single("g2", "c")]))
    assert result.allocation == {"a": "g1", "b": "g1", "c": "g2"}
    assert {o.status for o in result.outcomes.values()} == {"won"}
    assert outcome(result, "g1", 1) == engine.Outcome("won", 1, 1, 1)


def test_win_cap_skips_later_choices():
    result = draw(make([single("g1", "a", "b", "c")], params={"win_cap_per_group": 2}))
    assert [outcome(result, "g1", r).status for r in (1, 2, 3)] == ["won", "won", "skipped_cap"]
    assert "c" not in result.allocation


def test_slot_won_at_an_earlier_rank_is_skipped_not_lost():
    result = draw(make([single("g1", "a"), single("g2", "b", "a")]))
    assert outcome(result, "g2", 2).status == "skipped_taken"
    assert outcome(result, "g2", 2).entrants == 2
    assert outcome(result, "g2", 2).of == 1  # alone among 2nd choices on "a"


def test_set_is_won_whole_or_not_at_all():
    # g1 takes "pm" with a 1st choice; g2's 1st-choice set am+pm is broken.
    result = draw(make([single("g1", "pm"), single("g2", ("am", "pm")), single("g3", "am")]))
    # g2 and g1 are both 1st choices: whoever is drawn first decides.
    g1, g2, g3 = (outcome(result, g, 1) for g in ("g1", "g2", "g3"))
    assert g2.of == 3 and g1.of == 2 and g3.of == 2
    assert g2.entrants == 3
    if g2.status == "won":
        assert result.allocation == {"am": "g2", "pm": "g2"}
        assert g1.status == g3.status == "lost"
    else:
        assert g2.status == "lost"
        assert "g2" not in result.allocation.values()


def test_broken_set_at_a_later_rank():
    result = draw(make([single("g1", "pm"), single("g2", "x", ("am", "pm"))]))
    assert outcome(result, "g2", 2).status == "skipped_taken"
    assert "am" not in result.allocation


def test_one_contested_slot_one_winner_and_positions():
    entries = [single(f"g{i}", "a") for i in range(7)]
    result = draw(make(entries))
    outcomes = [outcome(result, f"g{i}", 1) for i in range(7)]
    assert sorted(o.position for o in outcomes) == list(range(1, 8))
    assert all(o.of == 7 and o.entrants == 7 for o in outcomes)
    winner = next(o for o in outcomes if o.status == "won")
    assert winner.position == 1
    assert sum(o.status == "lost" for o in outcomes) == 6


def test_for_group_and_rows():
    result = draw(make([single("g2", "a", "b"), single("g1", "a")]))
    assert set(result.for_group("g2")) == {1, 2}
    assert [row[:2] for row in result.rows] == [("g1", 1), ("g2", 1), ("g2", 2)]


def test_empty_round():
    result = draw(make([]))
    assert result.allocation == {} and result.rows == ()
    assert verify(bundle_of(make([])))[0]


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "params", "expected"),
    [
        ([single("g1", "a"), single("g1", "b")], RANK, "more than one entry"),
        ([single("g1", "a", "a")], RANK, "more than one choice"),
        ([single("g1", ("a", "b"), "b")], RANK, "more than one choice"),
        ([Entry("g1", "c", [Choice(1, ("a",)), Choice(1, ("b",))])], RANK, "same rank"),
        ([Entry("g1", "c", [Choice(0, ("a",))])], RANK, "rank 0"),
        ([Entry("g1", "c", [Choice(True, ("a",))])], RANK, "rank True"),
        ([Entry("g1", "c", [Choice(1, ())])], RANK, "1 to 8 slots"),
        ([Entry("g1", "c", [Choice(1, ("a", "a"))])], RANK, "twice"),
        ([Entry("g1", "c", [Choice(1, "ab")])], RANK, "must list its slots"),
        ([single("g\x00", "a")], RANK, "control characters"),
        ([single("", "a")], RANK, "empty"),
        ([single("g1", "a\ud800")], RANK, "surrogates"),
        ([single("g1", "a", losses=-1)], RANK, "losses"),
        ([single("g1", "a", category="")], RANK, "category"),
        ([], {}, "params.win_cap_per_group: missing"),
        ([], {"win_cap_per_group": 0}, "between 1"),
        ([], {"win_cap_per_group": 2.0}, "integer"),
        ([], {"win_cap_per_group": 2, "max_weight": 3}, "not a parameter"),
    ],
)
def test_invalid_input_is_refused_with_reasons(entries, params, expected):
    with pytest.raises(InvalidInput) as info:
        draw(make(entries, params=params))
    assert any(expected in p for p in info.value.problems), info.value.problems
    assert validate_input(make(entries, params=params))


def test_invalid_seed_and_policy():
    assert validate_input(make([], seed=b"short")) == ["seed: must be 32 bytes"]
    with pytest.raises(InvalidInput, match="seed"):
        draw(make([], seed=b"short"))
    with pytest.raises(InvalidInput, match="policy"):
        draw(make([], policy="coin_flip", params={}))
    assert validate_input(contested()) == []


def test_seed_is_not_in_the_repr():
    assert SEED.hex() not in repr(contested())
    assert repr(SEED) not in repr(contested())


# --- results and bundles --------------------------------------------------------------------


def test_result_json_round_trip():
    result = draw(contested())
    data = json.loads(result.to_json())
    assert data["result_hash"] == result.result_hash
    again = DrawResult.from_dict(data)
    assert again == result
    assert again.to_json() == result.to_json()
    data["allocation"]["1-20260601-am"] = "g99"
    with pytest.raises(ValueError, match="result_hash"):
        DrawResult.from_dict(data)


def test_bundle_verifies_after_a_json_round_trip():
    for policy in ("rank_order", "history_weighted"):
        bundle = json.loads(json.dumps(bundle_of(contested(policy=policy))))
        assert verify(bundle) == (True, [])
        assert bundle["legend"] == engine.LEGEND


def test_verify_checks_the_published_values():
    draw_input = contested()
    bundle = bundle_of(draw_input)
    ok, problems = verify(
        bundle, commitment=commitment(draw_input.seed), entries_hash=entries_hash(draw_input)
    )
    assert ok and problems == []
    ok, problems = verify(bundle, commitment="0" * 64)
    assert not ok and problems[0].startswith("commitment:")
    ok, problems = verify(bundle, entries_hash="0" * 64)
    assert not ok and problems[0].startswith("entries_hash:")


def problems_after(mutate, draw_input=None):
    bundle = json.loads(json.dumps(bundle_of(draw_input or contested())))
    mutate(bundle)
    ok, problems = verify(bundle)
    assert not ok
    return problems


def test_tampering_is_named():
    def seed(b):
        b["seed"] = hashlib.sha256(b"another").hexdigest()

    def entry(b):
        b["input"]["entries"][0][1] = "nonresident"

    def added(b):
        b["input"]["entries"].append(["g99", "resident", 0, [[1, ["1-20260601-am"]]]])

    def allocation(b):
        slot = next(iter(b["result"]["allocation"]))
        b["result"]["allocation"][slot] = "g99"

    def status(b):
        b["result"]["outcomes"][0][2] = "won" if b["result"]["outcomes"][0][2] != "won" else "lost"

    def result_hash(b):
        b["result_hash"] = "0" * 64

    assert any(p.startswith("seed:") for p in problems_after(seed))
    assert any(p.startswith("entries_hash:") for p in problems_after(entry))
    assert any(p.startswith("entries_hash:") for p in problems_after(added))
    assert any(p.startswith("result.allocation:") for p in problems_after(allocation))
    assert any(p.startswith("result.outcomes:") for p in problems_after(status))
    assert any(p.startswith("result_hash:") for p in problems_after(result_hash))


@pytest.mark.parametrize("value", [1.0, True])
def test_a_result_equal_in_python_but_not_in_json_is_refused(value):
    """``1 == 1.0 == True`` in Python, but they hash differently: the result must not pass."""

    def retype(b):
        row = next(r for r in b["result"]["outcomes"] if r[4] == 1)
        row[4] = value
        b["result_hash"] = hashlib.sha256(engine.canonical_json(b["result"])).hexdigest()

    assert any(p.startswith("result_hash:") for p in problems_after(retype))


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("seed"), "seed"),
        (lambda b: b.update(format="v0"), "format"),
        (lambda b: b.update(seed="xyz"), "seed"),
        (lambda b: b.update(input=[]), "input"),
        (lambda b: b["input"]["entries"].append("junk"), "input"),
        (lambda b: b["input"].update(round_id="other"), "round_id"),
        (lambda b: b.update(result=[]), "result"),
    ],
)
def test_malformed_bundles(mutate, field):
    problems = problems_after(mutate)
    assert any(p.startswith(field) for p in problems), problems


def test_verify_rejects_a_non_object():
    assert verify([]) == (False, ["bundle: not a JSON object"])  # type: ignore[arg-type]


# --- the engine as a standalone script -------------------------------------------------------


def test_engine_imports_only_the_standard_library():
    tree = ast.parse(ENGINE_PY.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}, modules


def run_cli(*args, stdin=None):
    # -I: isolated (no environment, no user site); -S: no site-packages at all.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(ENGINE_PY), *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd="/",
    )


def test_cli_verifies_a_bundle(tmp_path):
    draw_input = contested(policy="history_weighted")
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle_of(draw_input), ensure_ascii=False), encoding="utf-8")
    out = run_cli(str(path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("OK")
    assert commitment(draw_input.seed) in out.stdout
    published = [
        "--commitment",
        commitment(draw_input.seed),
        "--entries-hash",
        entries_hash(draw_input),
    ]
    assert run_cli(str(path), *published).returncode == 0
    assert run_cli("-", stdin=path.read_text(encoding="utf-8")).returncode == 0


def test_cli_fails_on_a_tampered_bundle(tmp_path):
    bundle = json.loads(json.dumps(bundle_of(contested())))
    bundle["result"]["outcomes"][0][4] += 1
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    out = run_cli(str(path))
    assert out.returncode == 1
    assert out.stdout.startswith("FAILED")
    assert "result.outcomes" in out.stdout
    assert run_cli(str(path), "--commitment", "0" * 64).returncode == 1


def test_cli_refuses_unreadable_or_ambiguous_files(tmp_path):
    assert run_cli(str(tmp_path / "missing.json")).returncode == 2
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert run_cli(str(tmp_path / "bad.json")).returncode == 2
    (tmp_path / "dup.json").write_text('{"seed": "a", "seed": "b"}', encoding="utf-8")
    out = run_cli(str(tmp_path / "dup.json"))
    assert out.returncode == 2 and "duplicate" in out.stderr
    (tmp_path / "nan.json").write_text('{"seed": NaN}', encoding="utf-8")
    assert run_cli(str(tmp_path / "nan.json")).returncode == 2
