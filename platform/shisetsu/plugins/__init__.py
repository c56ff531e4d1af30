"""Per-tenant policy plugins: hook specifications, the host, and the values they share.

Import from here rather than from the submodules; see ``host`` for how a tenant's
``[[plugins]]`` list becomes a :class:`pluggy.PluginManager`.
"""

from shisetsu.plugins.hookspecs import hookimpl, hookspec
from shisetsu.plugins.host import (
    PLUGIN_GROUP,
    PluginConfigError,
    PluginSpecLike,
    available_plugins,
    build_plugin_manager,
    eligibility_violations,
)
from shisetsu.plugins.types import GroupFacts, Violation

__all__ = [
    "PLUGIN_GROUP",
    "GroupFacts",
    "PluginConfigError",
    "PluginSpecLike",
    "Violation",
    "available_plugins",
    "build_plugin_manager",
    "eligibility_violations",
    "hookimpl",
    "hookspec",
]
