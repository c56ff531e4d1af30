# mypy: disable-error-code="empty-body"
"""Hook specifications: the questions a tenant's policy plugins answer.

Every hook is called with keyword arguments; an implementation declares only the
arguments it uses. Plugins are instantiated per tenant with validated parameters
(see ``host``), so no hook takes ``params``: an implementation reads ``self.params``.
Each spec needs a one-line docstring (``tests/test_plugins.py`` enforces it). Specs
have docstring-only bodies, hence the ``empty-body`` pragma above.
"""

from __future__ import annotations

from typing import Any

import pluggy

from shisetsu.plugins.types import GroupFacts, Violation

hookspec = pluggy.HookspecMarker("shisetsu")
hookimpl = pluggy.HookimplMarker("shisetsu")


@hookspec
def check_group_eligibility(group: GroupFacts) -> list[Violation]:
    """Return why ``group`` cannot be registered (all plugins' lists are concatenated)."""


@hookspec
def check_booking(request: Any, room: Any, group: Any) -> list[Violation]:
    """Return why ``request`` for ``room`` by ``group`` cannot be booked (horizon, caps…)."""


@hookspec(firstresult=True)
def compute_fee(booking: Any) -> Any:
    """Return the fee breakdown for ``booking``; the first plugin that answers wins."""


@hookspec(firstresult=True)
def refund_ratio(booking: Any, when: Any) -> Any:
    """Return the refunded fraction (0..1) of ``booking``'s fee if cancelled at ``when``."""


@hookspec(firstresult=True)
def draw_lottery(round: Any, entries: Any, rng: Any) -> Any:
    """Return the allocation for lottery ``round``, deterministic given ``rng``."""


@hookspec(firstresult=True)
def lottery_calendar(month: Any) -> Any:
    """Return the lottery round schedule (application, draw, confirmation) for ``month``."""
