#!/usr/bin/env python3
"""Shisetsu lottery engine: a deterministic, verifiable draw, and its own verifier.

This one file is both the draw the application runs and the script the ward (or anyone)
runs to check a published draw::

    python3 engine.py bundle.json        # exit 0 only when the draw is reproduced exactly

It uses the Python standard library only (Python ≥ 3.11) and imports nothing from the
application, so an auditor needs this file and the round's verification bundle, nothing
else. ``docs/lottery-verification.md`` walks through the procedure.

The draw is a pure function of four things, all of them published:

* the **seed** — 32 random bytes chosen when the round opens; only its SHA-256
  (:func:`commitment`) is published then, the seed itself at draw time;
* the **entries** as frozen when applications close — their :func:`entries_hash` is
  published at close, so no entry can be added, dropped or edited later unnoticed;
* the **policy** (``rank_order`` or ``history_weighted``) and its integer **parameters**,
  which the entries hash covers too.

Canonical input (what :func:`entries_hash` hashes; the seed is not part of it)::

    {"entries": [[group, category, losses, [[rank, [slot, ...]], ...]], ...],
     "params": {name: integer, ...}, "policy": "...", "round_id": "..."}

with entries sorted by group, choices by rank and the slots of a set by id, serialised as
JSON with sorted keys, no whitespace, UTF-8 (:func:`canonical_json`), then SHA-256.

Algorithm (version ``shisetsu-lottery/1``):

1. Every choice gets a *ticket*: ``BLAKE2b(msg, key=seed, digest_size=16)`` where ``msg``
   is the UTF-8 of ``"shisetsu-lottery/1" NUL round_id NUL rank NUL group NUL slots NUL j``
   (``slots`` sorted and joined with U+001F, ``rank`` and ``j`` in decimal, ``j = 0``).
   Ids may not contain control characters, so the message is unambiguous.
2. A choice's *priority* is its ticket read as a 128-bit big-endian number.
   ``history_weighted`` gives a group the weight ``w = min(1 + losses × weight_per_loss,
   max_weight)`` and its priority is the best of ``w`` tickets (``j = 0 … w-1``). The
   maximum of ``w`` independent uniform numbers is distributed exactly like the
   Efraimidis–Spirakis key ``u^(1/w)``, so this is a weighted random order (a group of
   weight 2 is drawn before a group of weight 1 two times out of three), computed with
   integer comparisons only. Equal priorities (probability ≈ 2⁻¹²⁸) go by group id.
3. Ranks are processed in ascending order (all 1st choices, then all 2nd choices …).
   Within a rank, choices are walked from the highest priority down, and each gets one
   status, checked in this order:

   * ``skipped_cap`` — its group has already won ``win_cap_per_group`` choices;
   * ``skipped_taken`` — one of its slots was allocated at an earlier rank (a set of
     slots, e.g. 全日, is won whole or not at all, so a partly taken set is skipped);
   * ``lost`` — one of its slots went to a higher-priority choice of the same rank;
   * ``won`` — all its slots are allocated to its group.

   For one contested slot the highest priority among its k entrants wins: each wins
   with probability 1/k under ``rank_order``.
4. Each choice's outcome also says how many groups entered any of its slots (all ranks)
   and its place among the same-rank choices sharing a slot with it ("your 1st choice had
   7 entries; you were drawn 4th of 7").

Canonical result (what ``result_hash`` hashes)::

    {"allocation": {slot: group, ...}, "commitment": "...", "engine": "shisetsu-lottery/1",
     "entries_hash": "...", "outcomes": [[group, rank, status, entrants, position, of], ...],
     "policy": "...", "round_id": "..."}

with outcomes sorted by group, then rank. Nothing depends on dictionary order, hash
randomisation, the ``random`` module, floats or the Python version: the same draw gives
the same bytes everywhere.

Group ids are opaque to the engine. The application passes per-round pseudonyms (see
``shisetsu.lottery.bundle.group_pseudonym``), so inputs, results and bundles carry no
names and a published bundle is anonymous as it is.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import re
import secrets
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from itertools import chain, combinations, repeat
from operator import itemgetter
from typing import Any, NamedTuple

ENGINE = "shisetsu-lottery/1"
"""Algorithm version: part of every ticket message and of every result."""

BUNDLE_FORMAT = "shisetsu-lottery-bundle/1"
"""The ``format`` field of a verification bundle."""

SEED_BYTES = 32

RANK_ORDER = "rank_order"
HISTORY_WEIGHTED = "history_weighted"

POLICY_PARAMS: Mapping[str, tuple[str, ...]] = {
    RANK_ORDER: ("win_cap_per_group",),
    HISTORY_WEIGHTED: ("win_cap_per_group", "lookback_rounds", "weight_per_loss", "max_weight"),
}
"""The parameters each policy takes: all required, all integers, no others."""

PARAM_BOUNDS: Mapping[str, tuple[int, int]] = {
    "win_cap_per_group": (1, 1_000_000),
    "lookback_rounds": (0, 120),
    "weight_per_loss": (0, 1_000),
    # Each unit of weight costs one hash per choice, so weights stay small.
    "max_weight": (1, 64),
}
"""Inclusive bounds of each parameter. ``lookback_rounds`` is recorded, not used by the
draw: the application counts each group's ``losses`` over that many rounds beforehand."""

WON = "won"
LOST = "lost"
SKIPPED_CAP = "skipped_cap"
SKIPPED_TAKEN = "skipped_taken"
STATUSES = (WON, LOST, SKIPPED_CAP, SKIPPED_TAKEN)

MAX_ID_LENGTH = 200
MAX_RANK = 1_000
MAX_SET_SLOTS = 8  # a set's bookkeeping grows as 2^slots
MAX_PROBLEMS = 20

LEGEND = {
    "input.entries": "[group, category, losses, [[rank, [slot, ...]], ...]]",
    "result.outcomes": "[group, rank, status, entrants, position, of]",
}
"""How to read the arrays of a bundle (carried in it for a human reader; not hashed)."""

_US = "\x1f"  # joins the slots of a set in a ticket message
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_HEX64 = re.compile(r"[0-9a-f]{64}")


class InvalidInput(ValueError):
    """The draw input breaks a rule; ``problems`` lists every reason (up to a limit)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


# --- input and output values ------------------------------------------------------------


class Choice(NamedTuple):
    """One ranked choice: a slot, or a set of slots won or lost together (全日).

    ``rank`` is 1 for a 1st choice; ``slots`` are slot ids (their order does not matter).
    """

    rank: int
    slots: Sequence[str]


class Entry(NamedTuple):
    """One group's entry in a round: its ranked choices.

    ``group`` is an opaque id (a per-round pseudonym, never a name); ``category`` is the
    group's category code, kept for statistics; ``losses`` is how many of the last
    ``lookback_rounds`` rounds the group lost, frozen into the input so that a
    ``history_weighted`` draw can be verified from the bundle alone (ignored otherwise).
    A group may enter a slot in one choice only; ranks are distinct positive integers.
    """

    group: str
    category: str
    choices: Sequence[Choice]
    losses: int = 0


@dataclass(frozen=True)
class DrawInput:
    """Everything a draw depends on. The seed is secret until the draw: never logged."""

    round_id: str
    seed: bytes = field(repr=False)
    policy: str
    params: Mapping[str, int]
    entries: Sequence[Entry]


class PolicySpec(NamedTuple):
    """A policy name and its parameters, frozen into a round when it opens."""

    name: str
    params: dict[str, int]


class Outcome(NamedTuple):
    """What happened to one choice.

    ``status`` is one of :data:`STATUSES`; ``entrants`` is how many groups entered any
    slot of the choice (all ranks, the group itself included); ``position`` of ``of`` is
    the choice's place in the draw order among the same-rank choices that share a slot
    with it (itself included): "drawn 4th of 7".
    """

    status: str
    entrants: int
    position: int
    of: int


OutcomeRow = tuple[str, int, str, int, int, int]
"""``(group, rank, status, entrants, position, of)``: one choice's line of a result."""


@dataclass(frozen=True)
class DrawResult:
    """The result of a draw: who got which slot, and an outcome for every choice.

    ``allocation`` maps each won slot to its group; ``rows`` holds one
    :data:`OutcomeRow` per choice, sorted by group then rank (:attr:`outcomes` is the
    same as a mapping). ``commitment`` and ``entries_hash`` bind the result to the seed
    and the input it was drawn from. :meth:`to_json` is canonical: the same draw gives
    the same bytes on every machine, and :attr:`result_hash` is the SHA-256 of
    :meth:`body`'s canonical JSON.
    """

    round_id: str
    policy: str
    commitment: str
    entries_hash: str
    allocation: Mapping[str, str]
    rows: tuple[OutcomeRow, ...]

    @cached_property
    def outcomes(self) -> dict[tuple[str, int], Outcome]:
        """``(group, rank)`` → :class:`Outcome`, for every choice of every entry."""
        return {(row[0], row[1]): Outcome(*row[2:]) for row in self.rows}

    def for_group(self, group: str) -> dict[int, Outcome]:
        """The outcomes of ``group``'s choices, by rank."""
        return {row[1]: Outcome(*row[2:]) for row in self.rows if row[0] == group}

    def body(self) -> dict[str, Any]:
        """The result as JSON-able data (what :attr:`result_hash` is computed over)."""
        return {
            "engine": ENGINE,
            "round_id": self.round_id,
            "policy": self.policy,
            "commitment": self.commitment,
            "entries_hash": self.entries_hash,
            "allocation": dict(self.allocation),
            "outcomes": self.rows,
        }

    @cached_property
    def result_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`body`."""
        return sha256_hex(canonical_json(self.body()))

    def to_json(self) -> str:
        """Canonical JSON of :meth:`body` plus ``result_hash``: byte-identical everywhere."""
        body = self.body()
        body["result_hash"] = self.result_hash
        return canonical_json(body).decode("utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrawResult:
        """Rebuild a result from :meth:`body`, or from parsed :meth:`to_json` output.

        Raises :class:`ValueError` if the data is not a result of this engine version or
        its ``result_hash`` (when present) does not match.
        """
        if not isinstance(data, Mapping) or data.get("engine") != ENGINE:
            raise ValueError(f"not a {ENGINE} result")
        try:
            rows = tuple(
                (g, r, s, e, p, o) for g, r, s, e, p, o in data["outcomes"] if s in STATUSES
            )
            if len(rows) != len(data["outcomes"]):
                raise ValueError("unknown outcome status")
            result = cls(
                round_id=data["round_id"],
                policy=data["policy"],
                commitment=data["commitment"],
                entries_hash=data["entries_hash"],
                allocation=dict(data["allocation"]),
                rows=rows,
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed result: {exc!r}") from exc
        stated = data.get("result_hash")
        if stated is not None and stated != result.result_hash:
            raise ValueError("result_hash does not match the result")
        return result


# --- hashing ------------------------------------------------------------------------------


def new_seed() -> bytes:
    """A fresh seed: 32 bytes from the operating system's CSPRNG."""
    return secrets.token_bytes(SEED_BYTES)


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def commitment(seed: bytes) -> str:
    """The seed's public commitment, published when the round opens: SHA-256 (hex)."""
    return sha256_hex(seed)


def canonical_json(data: Any) -> bytes:
    """Canonical JSON: keys sorted, no whitespace, UTF-8, non-ASCII left unescaped."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def canonical_input(draw_input: DrawInput) -> dict[str, Any]:
    """The input without its seed, in canonical form (see the module docstring).

    Entries are sorted by group, choices by rank, the slots of a set by id, so the order
    in which the application listed them does not matter. Raises :class:`InvalidInput`.
    """
    with _gc_paused():
        return _canonicalise(
            draw_input.round_id, draw_input.policy, draw_input.params, draw_input.entries
        )


def entries_hash(draw_input: DrawInput) -> str:
    """SHA-256 (hex) of the canonical input, published when applications close.

    It covers the round id, policy, parameters and every entry, but not the seed, so it
    can be published before the seed is revealed. Raises :class:`InvalidInput`.
    """
    return sha256_hex(canonical_json(canonical_input(draw_input)))


def validate_input(draw_input: DrawInput) -> list[str]:
    """Every reason ``draw_input`` cannot be drawn (empty when it can)."""
    problems = _seed_problems(draw_input.seed)
    try:
        canonical_input(draw_input)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    return problems


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a draw builds its tables.

    A large draw holds about a million small tuples, lists and sets at once and creates
    no reference cycles; CPython's collector would rescan them over and over (a 3–4×
    slowdown) for nothing. Reference counting still frees memory as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- validation and canonical form ------------------------------------------------------


class _Problems(list[str]):
    """A problem list that stops growing at :data:`MAX_PROBLEMS`."""

    def add(self, message: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(message)
        elif len(self) == MAX_PROBLEMS:
            self.append("(further problems not listed)")


def _id_problem(value: Any) -> str | None:
    """Why ``value`` is not a usable id (round, group, category or slot), or None."""
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    if not value:
        return "must not be empty"
    if len(value) > MAX_ID_LENGTH:
        return f"must be at most {MAX_ID_LENGTH} characters"
    if _FORBIDDEN.search(value):
        return "must not contain control characters or lone surrogates"
    return None


def _seed_problems(seed: Any) -> list[str]:
    if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
        return [f"seed: must be {SEED_BYTES} bytes"]
    return []


def _canonical_params(policy: Any, params: Any, problems: _Problems) -> dict[str, int]:
    if not isinstance(policy, str) or policy not in POLICY_PARAMS:
        problems.add(f"policy: {policy!r} is not one of {', '.join(POLICY_PARAMS)}")
        return {}
    if not isinstance(params, Mapping):
        problems.add("params: must be a mapping of names to integers")
        return {}
    wanted = POLICY_PARAMS[policy]
    out: dict[str, int] = {}
    for name in wanted:
        if name not in params:
            problems.add(f"params.{name}: missing (policy {policy} needs {', '.join(wanted)})")
            continue
        value = params[name]
        low, high = PARAM_BOUNDS[name]
        if type(value) is not int:
            problems.add(f"params.{name}: must be an integer")
        elif not low <= value <= high:
            problems.add(f"params.{name}: must be between {low} and {high}")
        else:
            out[name] = value
    for name in params:
        if name not in wanted:
            problems.add(f"params.{name}: not a parameter of policy {policy}")
    return out


_CanonEntry = tuple[str, str, int, tuple[tuple[int, tuple[str, ...]], ...]]


def _canonicalise(
    round_id: Any, policy: Any, params: Any, entries: Iterable[Any]
) -> dict[str, Any]:
    """Validate an input (seed aside) and return its canonical form, or raise.

    ``entries`` yields ``(group, category, choices, losses)`` — :class:`Entry` values or
    tuples — where ``choices`` yields ``(rank, slots)`` pairs.
    """
    problems = _Problems()
    reason = _id_problem(round_id)
    if reason:
        problems.add(f"round_id: {reason}")
    cparams = _canonical_params(policy, params, problems)
    centries = _canonical_entries(entries, problems)
    if problems:
        raise InvalidInput(problems)
    return {"round_id": round_id, "policy": policy, "params": cparams, "entries": centries}


def _canonical_entries(entries: Iterable[Any], problems: _Problems) -> list[_CanonEntry]:
    """Check every entry and choice; return entries sorted by group, choices by rank."""
    groups: set[str] = set()
    good_ids: set[str] = set()  # slot ids already checked (they repeat a lot)
    out: list[_CanonEntry] = []
    for i, (group, category, choices, losses) in enumerate(entries):
        where = f"entries[{i}]"
        reason = _id_problem(group)
        if reason:
            problems.add(f"{where}.group: {reason}")
        elif group in groups:
            problems.add(f"{where}.group: group {group!r} has more than one entry")
        else:
            groups.add(group)
            where = f"entry of group {group!r}"
        reason = _id_problem(category)
        if reason:
            problems.add(f"{where}.category: {reason}")
        if type(losses) is not int or losses < 0:
            problems.add(f"{where}.losses: must be a non-negative integer")
        cchoices = _canonical_choices(where, choices, good_ids, problems)
        out.append((group, category, losses, cchoices))
    if not problems:
        out.sort(key=_first)
    return out


def _canonical_choices(
    where: str, choices: Iterable[Any], good_ids: set[str], problems: _Problems
) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Check one entry's choices; return them sorted by rank, each set's slots sorted.

    ``good_ids`` caches slot ids already found valid. One-slot choices, nearly all of
    them, take the short path.
    """
    entered: set[str] = set()
    out: list[Any] = []  # (rank, slots) pairs: tuples or canonical Choice values
    for choice in choices:
        rank, slots = choice
        if type(rank) is not int or not 0 < rank <= MAX_RANK:
            problems.add(f"{where}: choice rank {rank!r} is not an integer from 1 to {MAX_RANK}")
            continue
        if type(slots) is not tuple:
            if not isinstance(slots, list):
                problems.add(f"{where}: choice {rank} must list its slots")
                continue
            slots = tuple(slots)
        if len(slots) == 1:
            slot = slots[0]
            if type(slot) is not str or slot not in good_ids:
                reason = _id_problem(slot)
                if reason:
                    problems.add(f"{where}: choice {rank} slot id {reason}")
                    continue
                good_ids.add(slot)
            if slot in entered:
                problems.add(f"{where}: slot {slot!r} is entered in more than one choice")
            entered.add(slot)
        else:
            checked = _checked_set(where, rank, slots, good_ids, problems)
            if checked is None:
                continue
            slots = checked
            if not entered.isdisjoint(slots):
                again = min(entered.intersection(slots))
                problems.add(f"{where}: slot {again!r} is entered in more than one choice")
            entered.update(slots)
        # A Choice already in canonical form is kept: no copy of half a million pairs.
        out.append(choice if type(choice) is Choice and choice[1] is slots else (rank, slots))
    out.sort(key=_first)
    if len({rank for rank, _ in out}) != len(out):
        problems.add(f"{where}: two choices have the same rank")
    return tuple(out)


def _checked_set(
    where: str, rank: int, slots: tuple[Any, ...], good_ids: set[str], problems: _Problems
) -> tuple[str, ...] | None:
    """A choice's slots, sorted, if they form a valid set (or are empty: None)."""
    if not slots or len(slots) > MAX_SET_SLOTS:
        problems.add(f"{where}: choice {rank} must list 1 to {MAX_SET_SLOTS} slots")
        return None
    for slot in slots:
        if type(slot) is not str or slot not in good_ids:
            reason = _id_problem(slot)
            if reason:
                problems.add(f"{where}: choice {rank} slot id {reason}")
                return None
            good_ids.add(slot)
    if len(set(slots)) != len(slots):
        problems.add(f"{where}: choice {rank} lists a slot twice")
        return None
    ordered = tuple(sorted(slots))
    return slots if ordered == slots else ordered


_first = itemgetter(0)


# --- the draw -------------------------------------------------------------------------------


def draw(draw_input: DrawInput) -> DrawResult:
    """Draw the round. Pure: the same input always gives the same result.

    Raises :class:`InvalidInput` listing every problem if the input breaks a rule.
    """
    problems = _seed_problems(draw_input.seed)
    if problems:
        raise InvalidInput(problems)
    with _gc_paused():
        return _draw(canonical_input(draw_input), draw_input.seed)


def _draw(canon: Mapping[str, Any], seed: bytes, input_hash: str | None = None) -> DrawResult:
    """Draw from a validated canonical input (the algorithm in the module docstring).

    ``input_hash`` is the input's entries hash when the caller has computed it already.
    """
    if input_hash is None:
        input_hash = sha256_hex(canonical_json(canon))
    table = _Table(canon, seed)
    cap = canon["params"]["win_cap_per_group"]
    # A stable sort of the canonical (group) order: equal priorities go by group id.
    orders = [
        (rank, sorted(table.by_rank[rank], key=table.priority.__getitem__, reverse=True))
        for rank in sorted(table.by_rank)
    ]
    del table.priority, table.by_rank  # not needed any more: free them before the walk
    for rank, order in orders:
        _walk(table, rank, order, cap)
    return DrawResult(
        round_id=canon["round_id"],
        policy=canon["policy"],
        commitment=commitment(seed),
        entries_hash=input_hash,
        allocation=table.allocation(),
        rows=table.rows(),
    )


_CODE = {status: code for code, status in enumerate(STATUSES)}
_WON, _LOST, _SKIPPED_CAP, _SKIPPED_TAKEN = (_CODE[s] for s in STATUSES)


class _Set(NamedTuple):
    """A set of slots (as slot numbers, ascending) and its subsets of two or more slots.

    ``even``/``odd`` hold the subsets with an even/odd number of slots: the terms of the
    inclusion–exclusion that counts sets sharing several slots with this one only once.
    """

    members: tuple[int, ...]
    even: tuple[tuple[int, ...], ...]
    odd: tuple[tuple[int, ...], ...]


class _Table:
    """The draw's working state: one row per choice, as parallel arrays.

    Choices are numbered ``k`` in canonical order (group, then rank), groups ``g`` in
    canonical order, slots ``s`` in id order. Columns are built with bulk operations and
    hold small integers in typed arrays rather than objects: a large round has half a
    million choices, and walking them in random (draw) order is dominated by memory
    access, which compact arrays keep cheap.
    """

    def __init__(self, canon: Mapping[str, Any], seed: bytes) -> None:
        entries: list[_CanonEntry] = canon["entries"]
        self.groups = [entry[0] for entry in entries]
        flat = [slots for entry in entries for _rank, slots in entry[3]]
        self.c_rank = [rank for entry in entries for rank, _slots in entry[3]]
        self.c_group = array(
            "i", chain.from_iterable(repeat(g, len(entry[3])) for g, entry in enumerate(entries))
        )
        self.slots = sorted(set(chain.from_iterable(flat)))
        index = {slot: s for s, slot in enumerate(self.slots)}
        # The slot of a one-slot choice; -1 for a set, whose slots are in c_set.
        self.c_slot = array("i", [index[slots[0]] if len(slots) == 1 else -1 for slots in flat])
        self._sets: dict[tuple[int, ...], _Set] = {}
        # Canonical sets are sorted by id and slot numbers follow id order, so the mapped
        # numbers are ascending already; equal sets share one _Set (looked up by ids).
        by_ids: dict[tuple[str, ...], _Set] = {}
        self.c_set: dict[int, _Set] = {}
        for k, slots in enumerate(flat):
            if len(slots) > 1:
                found = by_ids.get(slots)
                if found is None:
                    found = by_ids[slots] = self._set(tuple(map(index.__getitem__, slots)))
                self.c_set[k] = found
        self.priority = _priorities(canon, seed)
        self.by_rank: dict[int, list[int]] = {}
        for k, rank in enumerate(self.c_rank):
            same_rank = self.by_rank.get(rank)
            if same_rank is None:
                self.by_rank[rank] = [k]
            else:
                same_rank.append(k)
        n = len(flat)
        self.status = bytearray(b"\xff") * n  # 0xff: not decided (never left so)
        self.position: list[int] = [0] * n
        self.of: list[int] = [0] * n
        self.wins = array("i", [0]) * len(self.groups)
        self.won_at = array("i", [0]) * len(self.slots)  # rank that won the slot, 0 = free
        self.owner = array("i", [0]) * len(self.slots)

    def _set(self, members: tuple[int, ...]) -> _Set:
        """The :class:`_Set` of these slots, shared by every choice naming them."""
        found = self._sets.get(members)
        if found is None:
            even = [c for j in range(2, len(members) + 1, 2) for c in combinations(members, j)]
            odd = [c for j in range(3, len(members) + 1, 2) for c in combinations(members, j)]
            found = self._sets[members] = _Set(members, tuple(even), tuple(odd))
        return found

    def allocation(self) -> dict[str, str]:
        """Won slot id -> group id."""
        groups, owner, won_at = self.groups, self.owner, self.won_at
        return {slot: groups[owner[s]] for s, slot in enumerate(self.slots) if won_at[s]}

    def entrants(self) -> list[int]:
        """For each choice, how many groups entered any of its slots, at any rank."""
        # A group enters a slot at most once (validated): for one slot, count choices.
        c_group, c_slot, c_set = self.c_group, self.c_slot, self.c_set
        per_slot = Counter(
            chain(c_slot, chain.from_iterable(members for members, _e, _o in c_set.values()))
        )
        # Sets have slot -1 here and get their count below.
        out = list(map(per_slot.__getitem__, c_slot))
        if not c_set:
            return out
        groups_of: dict[int, set[int]] = {s: set() for members in self._sets for s in members}
        for g, s in zip(c_group, c_slot, strict=True):
            found = groups_of.get(s)
            if found is not None:
                found.add(g)
        for k, (members, _even, _odd) in c_set.items():
            for s in members:
                groups_of[s].add(c_group[k])
        per_set = {
            members: len(set().union(*map(groups_of.__getitem__, members)))
            for members in self._sets
        }
        for k, (members, _even, _odd) in c_set.items():
            out[k] = per_set[members]
        return out

    def rows(self) -> tuple[OutcomeRow, ...]:
        """The outcome rows, once every rank has been walked."""
        return tuple(
            zip(
                map(self.groups.__getitem__, self.c_group),
                self.c_rank,
                map(STATUSES.__getitem__, self.status),
                self.entrants(),
                self.position,
                self.of,
                strict=True,
            )
        )


def _priorities(canon: Mapping[str, Any], seed: bytes) -> list[bytes]:
    """Each choice's priority, in canonical order: its ticket, or its best of ``w``.

    Tickets are 16-byte digests; comparing them as bytes is comparing them as big-endian
    integers, so they are never converted.
    """
    params: Mapping[str, int] = canon["params"]
    weighted = canon["policy"] == HISTORY_WEIGHTED
    base = hashlib.blake2b(key=seed, digest_size=16)
    base.update(f"{ENGINE}\x00{canon['round_id']}\x00".encode())
    copy = base.copy
    # The rest of a message is "rank NUL group NUL slots NUL j", built from bytes pieces
    # encoded once each: ranks and slot sets repeat across many choices.
    rank_bytes: dict[int, bytes] = {}
    slot_bytes: dict[tuple[str, ...], bytes] = {}
    out: list[bytes] = []
    add = out.append
    for group, _category, losses, choices in canon["entries"]:
        group_part = group.encode() + b"\x00"
        weight = 1
        if weighted:
            weight = min(1 + losses * params["weight_per_loss"], params["max_weight"])
        for rank, slots in choices:
            rank_part = rank_bytes.get(rank)
            if rank_part is None:
                rank_part = rank_bytes[rank] = f"{rank}\x00".encode()
            slots_part = slot_bytes.get(slots)
            if slots_part is None:
                slots_part = slot_bytes[slots] = f"{_US.join(slots)}\x00".encode()
            prefix = rank_part + group_part + slots_part
            h = copy()
            h.update(prefix + b"0")
            best = h.digest()
            for j in range(1, weight):
                h = copy()
                h.update(prefix + str(j).encode())
                best = max(best, h.digest())
            add(best)
    return out


def _walk(table: _Table, rank: int, order: list[int], cap: int) -> None:
    """Decide one rank's choices in draw order, and note each one's place.

    One-slot choices, the vast majority, take a fast path. A choice's place counts the
    same-rank choices before it that share a slot with it. Summing per-slot counts would
    count a set sharing m slots with a set m times; the per-subset counts of
    ``shared`` correct that by inclusion–exclusion (see :class:`_Set`).
    """
    c_group, c_slot, c_set = table.c_group, table.c_slot, table.c_set
    status, position, of = table.status, table.position, table.of
    wins, won_at, owner = table.wins, table.won_at, table.owner
    seen = array("i", [0]) * len(table.slots)  # slot -> same-rank choices so far
    shared: defaultdict[tuple[int, ...], int] = defaultdict(int)  # slots -> sets holding them
    sets: list[int] = []
    for k in order:
        g = c_group[k]
        won = wins[g]
        s = c_slot[k]
        if s >= 0:
            n = seen[s] + 1
            seen[s] = n
            position[k] = n
            if won >= cap:
                status[k] = _SKIPPED_CAP
            else:
                taken = won_at[s]
                if not taken:
                    status[k] = _WON
                    wins[g] = won + 1
                    won_at[s] = rank
                    owner[s] = g
                else:
                    status[k] = _SKIPPED_TAKEN if taken < rank else _LOST
            continue
        members, even, odd = c_set[k]
        if odd:  # three or more slots
            position[k] = (
                1
                + sum(map(seen.__getitem__, members))
                - sum(map(shared.__getitem__, even))
                + sum(map(shared.__getitem__, odd))
            )
            for s in members:
                seen[s] += 1
            for subset in even:
                shared[subset] += 1
            for subset in odd:
                shared[subset] += 1
        else:  # two slots, the common case: the pair is the only subset
            a, b = members
            pairs = shared[members]
            position[k] = seen[a] + seen[b] - pairs + 1
            seen[a] += 1
            seen[b] += 1
            shared[members] = pairs + 1
        sets.append(k)
        if won >= cap:
            status[k] = _SKIPPED_CAP
        elif not any(map(won_at.__getitem__, members)):
            status[k] = _WON
            wins[g] = won + 1
            for s in members:
                won_at[s] = rank
                owner[s] = g
        else:
            earliest = min(filter(None, map(won_at.__getitem__, members)))
            status[k] = _SKIPPED_TAKEN if earliest < rank else _LOST
    for k in order:
        s = c_slot[k]
        if s >= 0:
            of[k] = seen[s]
    for k in sets:
        members, even, odd = c_set[k]
        of[k] = (
            sum(map(seen.__getitem__, members))
            - sum(map(shared.__getitem__, even))
            + sum(map(shared.__getitem__, odd))
        )


# --- bundles and verification ---------------------------------------------------------


def make_bundle(
    draw_input: DrawInput,
    result: DrawResult,
    *,
    commitment: str,
    entries_hash: str,
    tenant: str,
) -> dict[str, Any]:
    """The verification bundle of a drawn round, as JSON-able data.

    ``commitment`` and ``entries_hash`` are the values *as published* (at open and at
    close), not recomputed here, so :func:`verify` checks the published values against
    the revealed seed and the entries. ``tenant`` is a label. The bundle holds only
    what the engine saw, whose group ids are already pseudonyms.
    """
    return {
        "format": BUNDLE_FORMAT,
        "tenant": tenant,
        "round_id": draw_input.round_id,
        "commitment": commitment,
        "seed": draw_input.seed.hex(),
        "entries_hash": entries_hash,
        "input": canonical_input(draw_input),
        "result": result.body(),
        "result_hash": result.result_hash,
        "legend": LEGEND,
    }


_BUNDLE_KEYS = (
    "format",
    "tenant",
    "round_id",
    "commitment",
    "seed",
    "entries_hash",
    "input",
    "result",
    "result_hash",
)


def verify(
    bundle: Mapping[str, Any],
    *,
    commitment: str | None = None,
    entries_hash: str | None = None,
) -> tuple[bool, list[str]]:
    """Re-check a verification bundle; ``(True, [])`` only if everything matches.

    Checks that SHA-256 of the revealed seed is the published commitment, that the
    entries hash to the published entries hash, that the stated result hashes to the
    stated result hash, and that drawing again reproduces exactly that result. Pass the
    values published on the round's page as ``commitment``/``entries_hash`` to check the
    bundle carries them. Each problem starts with the name of the field it is about.
    """
    if not isinstance(bundle, Mapping):
        return False, ["bundle: not a JSON object"]
    missing = [key for key in _BUNDLE_KEYS if key not in bundle]
    if missing:
        return False, [f"{key}: missing from the bundle" for key in missing]
    if bundle["format"] != BUNDLE_FORMAT:
        return False, [f"format: {bundle['format']!r} is not {BUNDLE_FORMAT!r}"]
    with _gc_paused():
        problems = _published_problems(bundle, commitment, entries_hash)
        if "timeline" in bundle:
            problems.extend(timeline_problems(bundle["timeline"]))
        seed = _checked_seed(bundle, problems)
        checked = _checked_input(bundle, problems)
        stated = bundle["result"]
        if not isinstance(stated, Mapping):
            problems.append("result: not a JSON object")
            return False, problems
        stated_hash = sha256_hex(canonical_json(stated))
        if stated_hash != bundle["result_hash"]:
            problems.append(
                f"result_hash: the result in the bundle hashes to {stated_hash}, not to the "
                f"stated result hash {bundle['result_hash']}"
            )
        if seed is not None and checked is not None:
            redrawn = _draw(checked[0], seed, checked[1])
            # Equal JSON values of the same types encode to the same bytes, so an
            # identical result needs no second encoding; a different one is hashed and
            # compared field by field to say what differs.
            redrawn_hash = stated_hash if _same_result(redrawn, stated) else redrawn.result_hash
            if redrawn_hash != stated_hash:
                drawn = json.loads(canonical_json(redrawn.body()))
                problems.extend(_differences(drawn, stated))
            if redrawn_hash != bundle["result_hash"]:
                problems.append(
                    f"result_hash: drawing again gives {redrawn_hash}, not the "
                    f"stated {bundle['result_hash']}"
                )
    return not problems, problems


TIMELINE_STEPS = ("open", "close", "draw", "first_come")
_TIMELINE_KEYS = {"step", "scheduled", "actual", "early", "by", "approved_by", "reason"}


def _instant(value: Any) -> datetime | None:
    """An ISO 8601 time with its offset, or None if ``value`` is not one."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _text_problem(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or _FORBIDDEN.search(value):
        return f"{name}: must be null or text without control characters"
    return None


def timeline_problems(rows: Any) -> list[str]:
    """Whether a bundle's ``timeline`` is well formed (it is not covered by the hashes).

    Each row is ``{step, scheduled, actual, early, by, approved_by, reason}``: steps known,
    each once and in order; times ISO 8601 with an offset (``actual`` null if not yet);
    actual times never going backwards; ``early`` exactly when the step happened before
    its published time; who and why only on an early step.
    """
    if not isinstance(rows, list):
        return ["timeline: must be a list"]
    problems: list[str] = []
    seen: list[int] = []
    last: datetime | None = None
    for i, row in enumerate(rows):
        where = f"timeline[{i}]"
        if not isinstance(row, Mapping) or set(row) != _TIMELINE_KEYS:
            problems.append(
                f"{where}: must be an object with exactly {', '.join(sorted(_TIMELINE_KEYS))}"
            )
            continue
        if row["step"] not in TIMELINE_STEPS:
            problems.append(
                f"{where}.step: {row['step']!r} is not one of {', '.join(TIMELINE_STEPS)}"
            )
            continue
        order = TIMELINE_STEPS.index(row["step"])
        if seen and order <= seen[-1]:
            problems.append(f"{where}.step: {row['step']!r} is repeated or out of order")
        seen.append(order)
        scheduled, actual = _instant(row["scheduled"]), _instant(row["actual"])
        if scheduled is None:
            problems.append(f"{where}.scheduled: must be an ISO 8601 time with its offset")
        if row["actual"] is not None and actual is None:
            problems.append(f"{where}.actual: must be null or an ISO 8601 time with its offset")
        if actual is not None:
            if last is not None and actual < last:
                problems.append(f"{where}.actual: earlier than the step before it")
            last = actual
        if not isinstance(row["early"], bool):
            problems.append(f"{where}.early: must be true or false")
        elif scheduled is None or (row["actual"] is not None and actual is None):
            pass  # already reported: the times themselves are malformed
        elif row["early"] != (actual is not None and actual < scheduled):
            problems.append(f"{where}.early: does not match the published and actual times")
        for name in ("by", "approved_by", "reason"):
            problem = _text_problem(f"{where}.{name}", row[name])
            if problem:
                problems.append(problem)
            elif row[name] is not None and row["early"] is not True:
                problems.append(f"{where}.{name}: only an early step says who and why")
    return problems


def _same_result(drawn: DrawResult, stated: Mapping[str, Any]) -> bool:
    """Whether ``stated`` is exactly ``drawn.body()`` as JSON: same values, same types.

    Python's ``==`` takes ``1 == 1.0 == True``; JSON does not, so the outcome rows
    (strings and integers only) have their value types checked too.
    """
    body = drawn.body()
    if set(stated) != set(body) or any(
        stated[key] != body[key] or type(stated[key]) is not str
        for key in body
        if key not in ("allocation", "outcomes")
    ):
        return False
    rows = stated["outcomes"]
    # Strings equal only strings, so the allocation (str -> str) needs no type check.
    return (
        isinstance(rows, list | tuple)
        and stated["allocation"] == body["allocation"]
        and all(isinstance(row, list | tuple) for row in rows)
        and tuple(map(tuple, rows)) == drawn.rows
        and set(map(type, chain.from_iterable(rows))) <= {str, int}
    )


def _published_problems(
    bundle: Mapping[str, Any], commitment: str | None, entries_hash: str | None
) -> list[str]:
    """Compare the bundle's commitment and entries hash with the published values."""
    problems: list[str] = []
    if commitment is not None and bundle["commitment"] != commitment:
        problems.append(
            f"commitment: the bundle's commitment {bundle['commitment']} is not the "
            f"published one {commitment}"
        )
    if entries_hash is not None and bundle["entries_hash"] != entries_hash:
        problems.append(
            f"entries_hash: the bundle's entries hash {bundle['entries_hash']} is not the "
            f"published one {entries_hash}"
        )
    return problems


def _checked_seed(bundle: Mapping[str, Any], problems: list[str]) -> bytes | None:
    """The revealed seed, if it is well formed; a problem if it misses the commitment."""
    value = bundle["seed"]
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        problems.append(f"seed: must be {SEED_BYTES * 2} lowercase hex digits")
        return None
    seed = bytes.fromhex(value)
    if sha256_hex(seed) != bundle["commitment"]:
        problems.append(
            f"seed: its SHA-256 is {sha256_hex(seed)}, not the commitment "
            f"{bundle['commitment']} published when the round opened"
        )
    return seed


def _checked_input(
    bundle: Mapping[str, Any], problems: list[str]
) -> tuple[dict[str, Any], str] | None:
    """The canonical form of the bundle's input and its hash, checked against the
    bundle's entries hash."""
    data = bundle["input"]
    keys = {"round_id", "policy", "params", "entries"}
    if not isinstance(data, Mapping) or set(data) != keys:
        problems.append(f"input: must be an object with exactly {', '.join(sorted(keys))}")
        return None
    if not isinstance(data["entries"], list | tuple):
        problems.append("input.entries: must be a list")
        return None
    shape: list[str] = []
    raw = _raw_entries(data["entries"], shape)
    try:
        canon = _canonicalise(data["round_id"], data["policy"], data["params"], raw)
    except InvalidInput as exc:
        problems.extend(f"input: {p}" for p in shape + exc.problems)
        return None
    if shape:
        problems.extend(f"input: {p}" for p in shape)
        return None
    if canon["round_id"] != bundle["round_id"]:
        problems.append(
            f"round_id: the bundle is for {bundle['round_id']!r} but its input for "
            f"{canon['round_id']!r}"
        )
    actual = sha256_hex(canonical_json(canon))
    if actual != bundle["entries_hash"]:
        problems.append(
            f"entries_hash: the entries in the bundle hash to {actual}, not to the entries "
            f"hash {bundle['entries_hash']} published at close (an entry was added, removed "
            "or changed)"
        )
    return canon, actual


def _raw_entries(entries: Sequence[Any], shape: list[str]) -> Iterator[tuple[Any, Any, Any, Any]]:
    """``(group, category, choices, losses)`` from a bundle's JSON entries.

    Entries that are not ``[group, category, losses, [[rank, [slot, ...]], ...]]`` are
    reported in ``shape`` and skipped.
    """
    for i, entry in enumerate(entries):
        # Lists when read from JSON; tuples when straight from make_bundle.
        if not isinstance(entry, list | tuple) or len(entry) != 4:
            shape.append(f"entries[{i}]: must be [group, category, losses, choices]")
            continue
        choices = entry[3]
        if not isinstance(choices, list | tuple) or not all(
            isinstance(c, list | tuple) and len(c) == 2 for c in choices
        ):
            shape.append(f"entries[{i}]: each choice must be [rank, [slot, ...]]")
            continue
        yield entry[0], entry[1], choices, entry[2]


def _differences(drawn: Mapping[str, Any], stated: Mapping[str, Any]) -> list[str]:
    """Name what differs between the re-drawn result and the bundle's result."""
    out: list[str] = []
    for key in sorted(set(drawn) | set(stated), key=str):
        mine, theirs = drawn.get(key), stated.get(key)
        if mine == theirs:
            continue
        if key == "allocation" and isinstance(mine, dict) and isinstance(theirs, dict):
            slots = sorted(set(mine) | set(theirs), key=str)
            diff = [s for s in slots if mine.get(s) != theirs.get(s)]
            shown = "; ".join(
                f"{s}: drawn {mine.get(s)!r}, stated {theirs.get(s)!r}" for s in diff[:5]
            )
            out.append(f"result.allocation: {len(diff)} slot(s) differ — {shown}")
        elif key == "outcomes" and isinstance(mine, list) and isinstance(theirs, list):
            out.append(_outcome_differences(mine, theirs))
        else:
            out.append(f"result.{key}: drawing again gives {mine!r}, the bundle states {theirs!r}")
    return out or ["result: differs from drawing again"]


def _outcome_differences(mine: list[Any], theirs: list[Any]) -> str:
    def key(row: Any) -> str:
        if isinstance(row, list) and len(row) >= 2:
            return f"group {row[0]!r} rank {row[1]!r}"
        return repr(row)

    mine_by = {key(row): row for row in mine}
    theirs_by = {key(row): row for row in theirs}
    diff = [k for k in sorted(set(mine_by) | set(theirs_by)) if mine_by.get(k) != theirs_by.get(k)]
    shown = "; ".join(
        f"{k}: drawn {mine_by.get(k)!r}, stated {theirs_by.get(k)!r}" for k in diff[:3]
    )
    return f"result.outcomes: {len(diff) or 'the order of'} outcome(s) differ — {shown}"


# --- command line ------------------------------------------------------------------------


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object hook: a key given twice makes the bundle ambiguous, so refuse it."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a bundle")


def load_bundle(path: str) -> Any:
    """Read a bundle file strictly: UTF-8 JSON, no duplicate keys, no NaN/Infinity."""
    if path == "-":
        text = sys.stdin.read()
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


def main(argv: Sequence[str] | None = None) -> int:
    """Verify a bundle file: print OK or the problems; exit 0 only if identical."""
    parser = argparse.ArgumentParser(
        prog="engine.py",
        description="Verify a Shisetsu lottery bundle by drawing the round again.",
    )
    parser.add_argument("bundle", help="the round's verification bundle (JSON), or - for stdin")
    parser.add_argument("--commitment", help="the commitment published when the round opened")
    parser.add_argument("--entries-hash", help="the entries hash published at close")
    args = parser.parse_args(argv)
    try:
        bundle = load_bundle(args.bundle)
    except (OSError, ValueError) as exc:
        print(f"ERROR: cannot read {args.bundle}: {exc}", file=sys.stderr)
        return 2
    ok, problems = verify(bundle, commitment=args.commitment, entries_hash=args.entries_hash)
    if not ok:
        print("FAILED: the bundle does not reproduce")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    data = bundle["input"]
    choices = sum(len(entry[3]) for entry in data["entries"])
    print(f"OK: the draw reproduces exactly ({ENGINE})")
    print(f"  tenant        {bundle['tenant']}")
    print(f"  round         {bundle['round_id']}")
    print(f"  policy        {data['policy']} {json.dumps(data['params'], sort_keys=True)}")
    print(f"  entries       {len(data['entries'])} groups, {choices} choices")
    print(f"  allocated     {len(bundle['result']['allocation'])} slots")
    print(f"  commitment    {bundle['commitment']}")
    print(f"  entries_hash  {bundle['entries_hash']}")
    print(f"  result_hash   {bundle['result_hash']}")
    print("Compare commitment and entries_hash with the values published for the round.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
