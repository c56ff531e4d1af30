"""Application glue for the lottery engine: policies, pseudonyms, previews, bundles.

The engine (:mod:`shisetsu.lottery.engine`) is pure and standalone; this module is what
the round jobs and pages call around it. The life of a round, in engine terms:

1. **Open** — ``spec = frozen_policy(pm)``; ``seed = new_seed()``; store the seed
   (secret), ``commitment(seed)`` (published), ``spec.name``/``spec.params`` and a
   fresh ``pseudonym_key = new_seed()`` (secret, never published) with the round.
2. **Close** — build a :class:`DrawInput` whose entries use
   ``group_pseudonym(pseudonym_key, round_id, group.id)`` as group ids (slot sets such as
   全日 expanded to their slot ids; history_weighted: ``losses`` counted now), and
   publish ``entries_hash(draw_input)``. From here the input is frozen.
3. **Draw** — ``result = run_draw(pm, draw_input)``; store ``result.to_json()`` and
   reveal the seed. The draw is pure: re-running it after a crash gives the same result.
4. **Publish** — ``make_bundle(draw_input, result, commitment=…, entries_hash=…,
   tenant=…)`` as stored at open and close; serve it with :func:`bundle_bytes`.

A staff preview uses :func:`preview`, which never sees the committed seed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import pluggy

from shisetsu.lottery.engine import DrawInput, DrawResult, PolicySpec, draw, new_seed


class LotteryPolicyError(Exception):
    """The tenant's plugins do not name exactly one lottery policy, or none can draw."""


def frozen_policy(pm: pluggy.PluginManager) -> PolicySpec:
    """The tenant's lottery policy and parameters, to store with a round at opening.

    Exactly one enabled plugin must answer ``lottery_policy``: with two, which one
    decides would depend on plugin order, so that is refused.
    """
    answers: list[PolicySpec] = [a for a in pm.hook.lottery_policy() if a is not None]
    if len(answers) != 1:
        names = ", ".join(sorted(a.name for a in answers)) or "none"
        raise LotteryPolicyError(f"exactly one lottery policy plugin must be enabled ({names})")
    return answers[0]


def run_draw(pm: pluggy.PluginManager, draw_input: DrawInput) -> DrawResult:
    """Draw a frozen round through the tenant's plugins.

    The input carries the policy and parameters frozen at opening; the plugin for that
    policy computes the draw (with the engine). Raises :class:`LotteryPolicyError` if no
    enabled plugin handles the round's policy.
    """
    result: DrawResult | None = pm.hook.draw_lottery(draw_input=draw_input)
    if result is None:
        raise LotteryPolicyError(f"no enabled plugin draws policy {draw_input.policy!r}")
    return result


def preview(draw_input: DrawInput, seed: bytes | None = None) -> DrawResult:
    """A dry run for staff: the same draw with a throwaway seed (or ``seed``, if given).

    Never pass the round's committed seed: a preview made with it would reveal the
    result before the draw. The engine is called directly, so nothing is published.
    """
    return draw(dataclasses.replace(draw_input, seed=seed if seed is not None else new_seed()))


def group_pseudonym(key: bytes, round_id: str, group_id: object) -> str:
    """The opaque id a group has in one round's draw, bundle and published result.

    ``key`` is a per-round secret kept with the round and never published. It must not
    be the seed: the seed is revealed at the draw, and group ids are few and guessable,
    so anyone could then map pseudonyms back to groups. A fresh key per round also keeps
    a group's entries in different months unlinkable. The group is told its own
    pseudonym, so it can find its entries in the bundle.
    """
    message = f"{round_id}\x00{group_id}".encode()
    return "g" + hashlib.blake2b(message, key=key, digest_size=10).hexdigest()


def bundle_bytes(bundle: dict[str, Any]) -> bytes:
    """A bundle as the file people download: UTF-8 JSON, sorted keys, one line."""
    text = json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode("utf-8")
