# mypy: disable-error-code="empty-body"
"""Hook specifications: the questions a tenant's policy plugins answer.

Every hook is called with keyword arguments; an implementation declares only the
arguments it uses. Plugins are instantiated per tenant with validated parameters
(see ``host``), so no hook takes ``params``: an implementation reads ``self.params``.
Each spec needs a one-line docstring (``tests/core/test_plugins.py`` enforces it). Specs
have docstring-only bodies, hence the ``empty-body`` pragma above.
"""

from __future__ import annotations

import datetime as dt

import pluggy

from shisetsu.plugins.booking import (
    BookingRequest,
    FeeBreakdown,
    GroupBookingFacts,
    PaymentTerms,
    ReductionChoice,
    RefundFacts,
    RefundRule,
    RoomFacts,
)
from shisetsu.plugins.lottery import DrawAnswer, DrawRequest, LotteryPolicy, RoundSchedule
from shisetsu.plugins.types import GroupFacts, Violation

hookspec = pluggy.HookspecMarker("shisetsu")
hookimpl = pluggy.HookimplMarker("shisetsu")


@hookspec
def check_group_eligibility(group: GroupFacts) -> list[Violation]:
    """Return why ``group`` cannot be registered (all plugins' lists are concatenated)."""


@hookspec
def check_booking(
    request: BookingRequest, room: RoomFacts, group: GroupBookingFacts
) -> list[Violation]:
    """Return why ``request`` for ``room`` by ``group`` cannot be booked (horizon, caps…)."""


@hookspec(firstresult=True)
def booking_opens_on(date: dt.date, category: str | None) -> dt.date | None:
    """The first day a group of ``category`` may book ``date`` (the horizon), None: no limit.

    ``category`` None asks for the earliest opening over every category (a visitor who
    has not signed in sees when booking opens at all).
    """


@hookspec(firstresult=True)
def compute_fee(
    request: BookingRequest, room: RoomFacts, group: GroupBookingFacts
) -> FeeBreakdown | None:
    """Return the itemised fee of ``request``, or None if this plugin has no rate for it."""


@hookspec
def fee_reductions() -> list[ReductionChoice]:
    """Return the fee reductions (減免) staff may grant at the counter (lists are joined)."""


@hookspec(firstresult=True)
def payment_terms(
    request: BookingRequest, room: RoomFacts, group: GroupBookingFacts, fee: FeeBreakdown
) -> PaymentTerms | None:
    """Return the payment deadline (and reminder start) of a booking with ``fee``."""


@hookspec(firstresult=True)
def refund_ratio(booking: RefundFacts, when: dt.datetime) -> RefundRule | None:
    """Return the refund rule (a whole percentage) for cancelling ``booking`` at ``when``."""


@hookspec
def lottery_policy() -> LotteryPolicy | None:
    """Return the lottery ``PolicySpec`` (name, params) to freeze into a round at opening."""


@hookspec(firstresult=True)
def draw_lottery(draw_input: DrawRequest) -> DrawAnswer | None:
    """Return the ``DrawResult`` of ``draw_input`` if its policy is this plugin's, else None."""


@hookspec(firstresult=True)
def lottery_calendar(month: dt.date) -> RoundSchedule | None:
    """Return the lottery round schedule (application, draw, confirmation) for ``month``."""
