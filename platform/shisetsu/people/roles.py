"""The names people read for the staff roles (取扱責任者 / 取扱者 / 窓口)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# English msgids; the catalogues carry the Japanese terms.
ROLE_LABELS: dict[str, LazyString] = {
    "responsible": _l("Responsible person"),
    "handler": _l("Handler"),
    "counter": _l("Counter staff"),
}
