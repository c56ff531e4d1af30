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
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
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
    def canonical_body(self) -> bytes:
        """:func:`canonical_json` of :meth:`body` (computed once)."""
        return canonical_json(self.body())

    @cached_property
    def result_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`body`."""
        return sha256_hex(self.canonical_body)

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
        ranks: set[int] = set()
        entered: set[str] = set()
        cchoices: list[tuple[int, tuple[str, ...]]] = []
        for rank, slots in choices:
            if type(rank) is not int or rank < 1:
                problems.add(f"{where}: choice rank {rank!r} is not a positive integer")
                continue
            if rank in ranks:
                problems.add(f"{where}: two choices have rank {rank}")
            ranks.add(rank)
            if type(slots) is not tuple:
                if not isinstance(slots, list | tuple):
                    problems.add(f"{where}: choice {rank} must list its slots")
                    continue
                slots = tuple(slots)
            if not slots:
                problems.add(f"{where}: choice {rank} must list at least one slot")
                continue
            bad = False
            for slot in slots:
                if type(slot) is not str or slot not in good_ids:
                    reason = _id_problem(slot)
                    if reason:
                        problems.add(f"{where}: choice {rank} slot id {reason}")
                        bad = True
                        break
                    good_ids.add(slot)
            if bad:
                continue
            if len(slots) > 1:
                if len(set(slots)) != len(slots):
                    problems.add(f"{where}: choice {rank} lists a slot twice")
                slots = tuple(sorted(slots))
            if not entered.isdisjoint(slots):
                again = min(entered.intersection(slots))
                problems.add(f"{where}: slot {again!r} is entered in more than one choice")
            entered.update(slots)
            cchoices.append((rank, slots))
        cchoices.sort(key=_first)
        out.append((group, category, losses, tuple(cchoices)))
    if not problems:
        out.sort(key=_first)
    return out


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


def _draw(canon: Mapping[str, Any], seed: bytes) -> DrawResult:
    """Draw from a validated canonical input (the algorithm in the module docstring)."""
    table = _Table(canon, seed)
    cap = canon["params"]["win_cap_per_group"]
    allocation: dict[str, str] = {}
    allocated_at: dict[str, int] = {}  # slot -> the rank that won it
    wins: dict[str, int] = {}
    for rank in sorted(table.by_rank):
        # A stable sort of the canonical (group) order: equal priorities go by group id.
        order = sorted(table.by_rank[rank], key=table.priority.__getitem__, reverse=True)
        _walk(table, rank, order, cap, allocation, allocated_at, wins)
    return DrawResult(
        round_id=canon["round_id"],
        policy=canon["policy"],
        commitment=commitment(seed),
        entries_hash=sha256_hex(canonical_json(canon)),
        allocation=allocation,
        rows=table.rows(),
    )


class _Table:
    """One row per choice, in canonical order (group, then rank), as parallel lists.

    Columns rather than objects: a large round has half a million choices, and a few
    flat lists are both smaller and faster than as many objects.
    """

    def __init__(self, canon: Mapping[str, Any], seed: bytes) -> None:
        params: Mapping[str, int] = canon["params"]
        weighted = canon["policy"] == HISTORY_WEIGHTED
        base = hashlib.blake2b(key=seed, digest_size=16)
        base.update(f"{ENGINE}\x00{canon['round_id']}\x00".encode())
        copy = base.copy
        self.group: list[str] = []
        self.rank: list[int] = []
        self.slots: list[tuple[str, ...]] = []
        self.single: list[str | None] = []  # the slot of a one-slot choice, else None
        self.priority: list[bytes] = []
        self.by_rank: dict[int, list[int]] = {}
        self.groups_of: defaultdict[str, list[str]] = defaultdict(list)  # slot -> entrants
        k = 0
        for group, _category, losses, choices in canon["entries"]:
            weight = 1
            if weighted:
                weight = min(1 + losses * params["weight_per_loss"], params["max_weight"])
            for rank, slots in choices:
                prefix = f"{rank}\x00{group}\x00{_US.join(slots)}\x00"
                h = copy()
                h.update(f"{prefix}0".encode())
                best = h.digest()
                for j in range(1, weight):
                    h = copy()
                    h.update(f"{prefix}{j}".encode())
                    best = max(best, h.digest())
                self.group.append(group)
                self.rank.append(rank)
                self.slots.append(slots)
                self.priority.append(best)
                if len(slots) == 1:
                    self.single.append(slots[0])
                    self.groups_of[slots[0]].append(group)
                else:
                    self.single.append(None)
                    for slot in slots:
                        self.groups_of[slot].append(group)
                same_rank = self.by_rank.get(rank)
                if same_rank is None:
                    self.by_rank[rank] = [k]
                else:
                    same_rank.append(k)
                k += 1
        n = k
        self.status: list[str] = [""] * n
        self.position: list[int] = [0] * n
        self.of: list[int] = [0] * n
        # For a one-slot choice, the list of same-rank choices on its slot: its length
        # once the rank is walked is the choice's "of".
        self.sharing: list[Sized] = [()] * n

    def rows(self) -> tuple[OutcomeRow, ...]:
        """The outcome rows, once every rank has been walked."""
        groups_of = self.groups_of
        entrants: list[int] = []
        per_set: dict[tuple[str, ...], int] = {}  # many choices name the same set (全日)
        for slot, slots in zip(self.single, self.slots, strict=True):
            if slot is not None:
                entrants.append(len(groups_of[slot]))
            else:
                count = per_set.get(slots)
                if count is None:
                    count = per_set[slots] = len(set().union(*map(groups_of.__getitem__, slots)))
                entrants.append(count)
        of = [
            len(same) if slot is not None else count
            for slot, same, count in zip(self.single, self.sharing, self.of, strict=True)
        ]
        return tuple(
            zip(self.group, self.rank, self.status, entrants, self.position, of, strict=True)
        )


def _walk(
    table: _Table,
    rank: int,
    order: list[int],
    cap: int,
    allocation: dict[str, str],
    allocated_at: dict[str, int],
    wins: dict[str, int],
) -> None:
    """Decide one rank's choices in draw order, and note each one's place.

    One-slot choices, the vast majority, take a fast path; a set is won only if every
    one of its slots is free.
    """
    c_group, c_single, c_slots = table.group, table.single, table.slots
    status, position, sharing = table.status, table.position, table.sharing
    members: dict[str, list[int]] = {}  # slot -> places so far in this rank's draw order
    sets: list[tuple[int, list[list[int]]]] = []
    for place, k in enumerate(order):
        group = c_group[k]
        won = wins.get(group, 0)
        slot = c_single[k]
        if slot is not None:
            same = members.get(slot)
            if same is None:
                same = members[slot] = []
            position[k] = len(same) + 1
            sharing[k] = same
            same.append(place)
            if won >= cap:
                status[k] = SKIPPED_CAP
                continue
            taken = allocated_at.get(slot)
            if taken is None:
                status[k] = WON
                wins[group] = won + 1
                allocated_at[slot] = rank
                allocation[slot] = group
            else:
                status[k] = SKIPPED_TAKEN if taken < rank else LOST
            continue
        slots = c_slots[k]
        lists = [members.setdefault(s, []) for s in slots]
        # A set may share several slots with one other choice: count that choice once.
        position[k] = len(set().union(*lists)) + 1
        for same in lists:
            same.append(place)
        sets.append((k, lists))
        if won >= cap:
            status[k] = SKIPPED_CAP
            continue
        taken_at = [allocated_at.get(s) for s in slots]
        if all(t is None for t in taken_at):
            status[k] = WON
            wins[group] = won + 1
            for s in slots:
                allocated_at[s] = rank
                allocation[s] = group
        elif any(t is not None and t < rank for t in taken_at):
            status[k] = SKIPPED_TAKEN
        else:
            status[k] = LOST
    for k, lists in sets:
        table.of[k] = len(set().union(*lists))


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
        seed = _checked_seed(bundle, problems)
        canon = _checked_input(bundle, problems)
        stated = bundle["result"]
        if not isinstance(stated, Mapping):
            problems.append("result: not a JSON object")
            return False, problems
        stated_json = canonical_json(stated)
        stated_hash = sha256_hex(stated_json)
        if stated_hash != bundle["result_hash"]:
            problems.append(
                f"result_hash: the result in the bundle hashes to {stated_hash}, not to the "
                f"stated result hash {bundle['result_hash']}"
            )
        if seed is not None and canon is not None:
            redrawn = _draw(canon, seed)
            if redrawn.canonical_body != stated_json:
                problems.extend(_differences(json.loads(redrawn.canonical_body), stated))
            if redrawn.result_hash != bundle["result_hash"]:
                problems.append(
                    f"result_hash: drawing again gives {redrawn.result_hash}, not the "
                    f"stated {bundle['result_hash']}"
                )
    return not problems, problems


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


def _checked_input(bundle: Mapping[str, Any], problems: list[str]) -> dict[str, Any] | None:
    """The canonical form of the bundle's input, checked against its entries hash."""
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
    return canon


def _raw_entries(entries: list[Any], shape: list[str]) -> Iterator[tuple[Any, Any, Any, Any]]:
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
