"""The one way an operation says no: :class:`Refusal`, with a stable code and violations.

Domain operations raise a subclass when a rule or a state refuses what was asked; views
turn it into a page or a JSON error (see :func:`shisetsu.attempts.attempt`). Nothing here
imports Flask or the database, so every layer may raise it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shisetsu.plugins.types import Violation


class Refusal(Exception):
    """A domain refusal: ``code`` (stable, snake_case) and ``violations`` (possibly none).

    Subclasses set a default ``code``; a state refusal passes its own (e.g. ``not_pending``).
    The exception's text is ``message`` if given, else the violations' codes, else the code.
    """

    code: str = "refused"

    def __init__(
        self,
        code: str | None = None,
        violations: Sequence[Violation] = (),
        *,
        message: str | None = None,
    ) -> None:
        self.code = code or type(self).code
        self.violations: list[Violation] = list(violations)
        super().__init__(message or ", ".join(v.code for v in self.violations) or self.code)
