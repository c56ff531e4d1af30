"""The per-tenant plugin host.

Each tenant's ``tenant.toml`` lists the plugins it enables and their parameters; this
module turns that list into one :class:`pluggy.PluginManager` per tenant. A plugin is a
class found through the ``shisetsu`` entry-point group; it may declare a nested pydantic
model ``Params`` (``extra="forbid"``), and is instantiated once per tenant with its
validated parameters, so two tenants can run the same policy with different numbers.
Nothing here runs at import time and there is no global manager.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Protocol

import pluggy
import pydantic

from shisetsu.plugins import hookspecs
from shisetsu.plugins.calendar_model import calendar_conflict
from shisetsu.plugins.types import GroupFacts, Violation

PLUGIN_GROUP = "shisetsu"


class PluginSpecLike(Protocol):
    """One ``[[plugins]]`` entry of a tenant's configuration."""

    @property
    def name(self) -> str: ...

    @property
    def params(self) -> Mapping[str, Any]: ...


class PluginConfigError(Exception):
    """A tenant's plugin configuration is wrong; ``key`` says where, ``reason`` why.

    ``key`` is a path into the configuration such as ``plugins[0].params.min_members``
    or ``plugins[1].name``, so the operator can find the line to fix.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


@functools.cache
def _installed_entry_points() -> dict[str, EntryPoint]:
    """The ``shisetsu`` entry points by name, read once per process.

    ``importlib.metadata.entry_points`` reads every installed distribution's metadata on
    each call (about 9 ms here); what is installed does not change while a process runs.
    The first of a duplicated name wins, as with a plain scan.
    """
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=PLUGIN_GROUP):
        found.setdefault(ep.name, ep)
    return found


def available_plugins() -> dict[str, type]:
    """Return every plugin class installed under the ``shisetsu`` entry-point group."""
    found: dict[str, type] = {}
    for ep in _installed_entry_points().values():
        obj = ep.load()
        if isinstance(obj, type):
            found[ep.name] = obj
    return found


def _load_plugin_class(name: str, key: str, registry: Mapping[str, type] | None) -> type:
    """Find one plugin class, loading only the entry point that is asked for."""
    cls: object = None
    if registry is not None:
        cls = registry.get(name)
    else:
        ep = _installed_entry_points().get(name)
        if ep is not None:
            try:
                cls = ep.load()
            except Exception as exc:  # a broken third-party package
                raise PluginConfigError(key, f"plugin {name!r} failed to load: {exc}") from exc
    if cls is None:
        raise PluginConfigError(key, f"unknown plugin {name!r}")
    if not isinstance(cls, type):
        raise PluginConfigError(key, f"plugin {name!r} is not a class")
    return cls


def _error_key(prefix: str, loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as ``prefix.a.b`` (``prefix`` alone if empty)."""
    return ".".join([prefix, *(str(part) for part in loc)])


def _instantiate(cls: type, params: Mapping[str, Any], key: str) -> object:
    """Validate ``params`` against ``cls.Params`` and build the tenant's instance."""
    model = getattr(cls, "Params", None)
    if model is None:
        if params:
            first = next(iter(params))
            raise PluginConfigError(f"{key}.{first}", "this plugin takes no parameters")
        return cls()
    if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
        raise PluginConfigError(key, f"{cls.__name__}.Params is not a pydantic model")
    try:
        validated = model.model_validate(dict(params))
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        raise PluginConfigError(_error_key(key, error["loc"]), error["msg"]) from exc
    return cls(validated)


def build_plugin_manager(
    specs: Sequence[PluginSpecLike],
    *,
    registry: Mapping[str, type] | None = None,
    categories: Sequence[str] = (),
) -> pluggy.PluginManager:
    """Build one tenant's plugin manager from its ``[[plugins]]`` list.

    ``registry`` maps names to plugin classes (tests pass their own); by default the
    entry-point group is consulted. Raises :class:`PluginConfigError` for an unknown or
    duplicated name, invalid parameters, a hook implementation with no matching spec, or
    a booking horizon of one of ``categories`` that runs ahead of the lottery calendar.
    """
    pm = pluggy.PluginManager(PLUGIN_GROUP)
    pm.add_hookspecs(hookspecs)
    for i, spec in enumerate(specs):
        name_key = f"plugins[{i}].name"
        if pm.has_plugin(spec.name):
            raise PluginConfigError(name_key, f"plugin {spec.name!r} is enabled twice")
        cls = _load_plugin_class(spec.name, name_key, registry)
        plugin = _instantiate(cls, spec.params, f"plugins[{i}].params")
        try:
            pm.register(plugin, name=spec.name)
            # Per plugin, so a misspelt hook name is blamed on the right entry.
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginConfigError(name_key, str(exc)) from exc
    conflict = calendar_conflict(pm, categories)
    if conflict is not None:
        raise PluginConfigError("plugins (booking_rules, lottery_calendar)", conflict)
    return pm


def eligibility_violations(pm: pluggy.PluginManager, group: GroupFacts) -> list[Violation]:
    """Ask every enabled plugin about ``group`` and return all their violations.

    pluggy calls the most recently registered plugin first; the lists are reversed so
    the violations come in the order the tenant's configuration lists the plugins.
    """
    results: list[list[Violation]] = pm.hook.check_group_eligibility(group=group)
    return list(itertools.chain.from_iterable(reversed(results)))
