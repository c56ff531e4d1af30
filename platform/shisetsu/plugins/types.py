"""Values that cross the plugin boundary.

Plain frozen dataclasses with no Flask or SQLAlchemy in them, so a policy plugin can be
written and tested without the application, and a hook can never mutate the caller's
state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Violation:
    """One reason the system says "no", with a stable code and text in both languages.

    ``code`` is a snake_case identifier that clients and tests match on (it never
    changes once shipped); ``field`` names the input the reason is about, if any.
    """

    code: str
    ja: str
    en: str
    field: str | None = None

    def message(self, locale: str = "ja") -> str:
        """Return the message for ``locale`` (``en``/``en_US``…); Japanese otherwise."""
        return self.en if locale.lower().startswith("en") else self.ja

    def to_dict(self) -> dict[str, Any]:
        """Serialise for the API: ``{"code", "message": {"ja", "en"}, "field"}``."""
        return {"code": self.code, "message": {"ja": self.ja, "en": self.en}, "field": self.field}


@dataclass(frozen=True)
class GroupFacts:
    """What eligibility rules may look at for a registered group (docs/domain.md).

    Only counts and declarations: member names and birth dates are never recorded.
    ``representative_is_adult`` is the representative's declaration of being 18 or
    older (``None`` = not declared), checked against ID at the counter.
    ``representative_other_categories`` lists the categories in which the same account
    already represents another group.
    """

    category: str
    member_count: int
    resident_count: int
    representative_is_resident: bool
    representative_is_adult: bool | None = None
    representative_other_categories: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        """Reject negative counts: they are input errors, not policy questions."""
        if self.member_count < 0 or self.resident_count < 0:
            raise ValueError("member_count and resident_count must not be negative")
