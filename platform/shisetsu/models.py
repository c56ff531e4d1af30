"""The one place that imports every model module, so metadata is complete.

Alembic's env scripts and the test suite call :func:`import_all_models`; listing the
modules explicitly keeps registration visible instead of walking directories.
"""

import importlib

MODEL_MODULES = (
    "shisetsu.tenancy.models",
    "shisetsu.jobs.models",
    "shisetsu.facilities.models",
    "shisetsu.notify.models",
    "shisetsu.people.models",
    "shisetsu.groups.models",
    "shisetsu.slots.models",
    "shisetsu.booking.models",
    "shisetsu.audit.models",
    "shisetsu.lottery.models",
    "shisetsu.exports.models",
    "shisetsu.retention.models",
    "shisetsu.backup.models",
    "shisetsu.closures.models",
)


def import_all_models() -> None:
    """Import each model module once (cheap after the first call)."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
