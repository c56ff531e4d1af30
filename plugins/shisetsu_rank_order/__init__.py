"""The ``rank_order`` lottery policy, the default (docs/domain.md).

All 1st choices are drawn first, then all 2nd choices, and so on; a contested slot goes
to one of its entrants picked uniformly at random from the round's seed; a group wins at
most ``win_cap_per_group`` choices; a set of slots (全日) wins only if all its slots are
still free. The draw itself is :func:`shisetsu.lottery.engine.draw`, the same code the
ward's standalone verifier runs, so this plugin only names the policy, validates its
parameters and answers for rounds frozen with it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shisetsu.lottery.engine import (
    PARAM_BOUNDS,
    RANK_ORDER,
    DrawInput,
    DrawResult,
    PolicySpec,
    draw,
)
from shisetsu.plugins import hookimpl

_CAP_MIN, _CAP_MAX = PARAM_BOUNDS["win_cap_per_group"]


class RankOrderPolicy:
    """Draw choices rank by rank, uniformly among a slot's entrants."""

    name = RANK_ORDER

    class Params(BaseModel):
        """Parameters from ``tenant.toml``; strict, since TOML values are typed."""

        model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

        win_cap_per_group: int = Field(default=2, ge=_CAP_MIN, le=_CAP_MAX)

    def __init__(self, params: Params | None = None) -> None:
        self.params = params if params is not None else self.Params()

    @hookimpl
    def lottery_policy(self) -> PolicySpec:
        """This tenant's policy and parameters, to freeze into a round when it opens."""
        return PolicySpec(self.name, self.params.model_dump())

    @hookimpl
    def draw_lottery(self, draw_input: DrawInput) -> DrawResult | None:
        """Draw a round frozen with this policy (its frozen parameters, not today's)."""
        if draw_input.policy != self.name:
            return None
        return draw(draw_input)
