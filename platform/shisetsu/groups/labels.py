"""Words shown for group states and refusals (English msgids; the catalogues translate)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from shisetsu.i18n import current_locale
from shisetsu.plugins import Violation
from shisetsu.tenancy.runtime import current_runtime

STATUS_LABELS: dict[str, LazyString] = {
    "pending": _l("Waiting for review"),
    "approved": _l("Registered"),
    "rejected": _l("Not approved"),
    "expired": _l("Expired"),
    "withdrawn": _l("Withdrawn"),
}

# GroupStateError.code → what the user is told.
STATE_MESSAGES: dict[str, LazyString] = {
    "not_pending": _l("This application has already been decided."),
    "not_verified": _l("Record the document check before approving."),
    "not_active": _l("This registration has already ended."),
    "renewal_closed": _l("Renewal is not open for this group."),
    "renewed_not_active": _l("The registration this renews has ended; it cannot be renewed."),
}


def status_label(status: str) -> str:
    """The label of a group status."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def category_label(code: str) -> str:
    """The name of the bound tenant's group category ``code`` in the current language."""
    category = current_runtime().config.category(code)
    return category.name.get(current_locale()) if category is not None else code


@dataclass
class Refusals:
    """Violations sorted by the form field they belong to (the rest are general)."""

    by_field: dict[str, list[Violation]] = field(default_factory=dict)
    general: list[Violation] = field(default_factory=list)

    @classmethod
    def sort(cls, violations: Iterable[Violation], fields: Iterable[str]) -> Refusals:
        known = set(fields)
        refusals = cls()
        for violation in violations:
            if violation.field in known:
                refusals.by_field.setdefault(violation.field, []).append(violation)
            else:
                refusals.general.append(violation)
        return refusals

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)
