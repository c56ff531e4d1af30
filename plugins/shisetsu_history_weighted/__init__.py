"""The ``history_weighted`` lottery policy (docs/domain.md, The lottery calendar).

Like ``rank_order`` — rank by rank, per-group win cap, sets won whole — but a group that
lost in the last ``lookback_rounds`` rounds draws with more weight: ``w = min(1 + losses
× weight_per_loss, max_weight)``, and a group of weight 2 is ahead of a group of weight 1
two times out of three. The application counts each group's ``losses`` before the draw
and freezes them into the entries, so the published bundle alone reproduces the draw.
The draw itself is :func:`shisetsu.lottery.engine.draw`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shisetsu.lottery.engine import (
    HISTORY_WEIGHTED,
    PARAM_BOUNDS,
    DrawInput,
    DrawResult,
    PolicySpec,
    draw,
)
from shisetsu.plugins import hookimpl

_B = PARAM_BOUNDS


class HistoryWeightedPolicy:
    """Draw choices rank by rank, giving groups that lost recently more weight."""

    name = HISTORY_WEIGHTED

    class Params(BaseModel):
        """Parameters from ``tenant.toml``; strict, since TOML values are typed.

        ``lookback_rounds`` is how many earlier rounds count as "recent" when the
        application counts a group's losses; the engine records it with the round.
        """

        model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

        win_cap_per_group: int = Field(
            default=2, ge=_B["win_cap_per_group"][0], le=_B["win_cap_per_group"][1]
        )
        lookback_rounds: int = Field(
            default=3, ge=_B["lookback_rounds"][0], le=_B["lookback_rounds"][1]
        )
        weight_per_loss: int = Field(
            default=1, ge=_B["weight_per_loss"][0], le=_B["weight_per_loss"][1]
        )
        max_weight: int = Field(default=4, ge=_B["max_weight"][0], le=_B["max_weight"][1])

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
