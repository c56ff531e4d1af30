"""The plugin host: documented hookspecs, discovery, configuration errors, isolation."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pluggy
import pytest

from shisetsu.plugins import (
    GroupFacts,
    PluginConfigError,
    Violation,
    available_plugins,
    build_plugin_manager,
    eligibility_violations,
    hookimpl,
    hookspecs,
)
from shisetsu_genkikan_groups import GenkikanGroupEligibility
from shisetsu_regasu_groups import RegasuGroupEligibility

BUILT_IN = {
    "genkikan_groups": GenkikanGroupEligibility,
    "regasu_groups": RegasuGroupEligibility,
}


@dataclass
class Spec:
    """Stands in for a tenant.toml ``[[plugins]]`` entry."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _hookspec_names() -> dict[str, Any]:
    return {
        name: obj
        for name, obj in vars(hookspecs).items()
        if inspect.isfunction(obj) and hasattr(obj, "shisetsu_spec")
    }


def _hookimpls(cls: type) -> dict[str, Any]:
    return {
        name: obj
        for name, obj in vars(cls).items()
        if inspect.isfunction(obj) and hasattr(obj, "shisetsu_impl")
    }


def test_every_hookspec_has_a_docstring():
    specs = _hookspec_names()
    assert {"check_group_eligibility", "check_booking", "compute_fee"} <= specs.keys()
    undocumented = [name for name, fn in specs.items() if not (fn.__doc__ or "").strip()]
    assert undocumented == []


@pytest.mark.parametrize("cls", BUILT_IN.values(), ids=BUILT_IN.keys())
def test_builtin_hookimpls_name_existing_hookspecs(cls):
    impls = _hookimpls(cls)
    assert impls, f"{cls.__name__} implements no hook"
    specs = _hookspec_names()
    for name, fn in impls.items():
        specname = fn.shisetsu_impl.get("specname") or name
        assert specname in specs
        # Plugins declare only arguments the spec provides.
        spec_args = set(inspect.signature(specs[specname]).parameters)
        assert set(inspect.signature(fn).parameters) - {"self"} <= spec_args


def test_entry_points_discover_builtin_plugins():
    found = available_plugins()
    for name, cls in BUILT_IN.items():
        assert found.get(name) is cls


def test_build_from_entry_points_and_ask():
    pm = build_plugin_manager([Spec("genkikan_groups", {"min_members": 5})])
    assert isinstance(pm, pluggy.PluginManager)
    assert pm.has_plugin("genkikan_groups")
    group = GroupFacts("registered", 5, 3, representative_is_resident=True)
    assert eligibility_violations(pm, group) == []


def test_unknown_plugin_name():
    with pytest.raises(PluginConfigError) as info:
        build_plugin_manager([Spec("no_such_plugin")])
    assert info.value.key == "plugins[0].name"
    assert "no_such_plugin" in info.value.reason


def test_unknown_name_in_custom_registry_points_at_its_index():
    with pytest.raises(PluginConfigError) as info:
        build_plugin_manager([Spec("genkikan_groups"), Spec("regasu")], registry=BUILT_IN)
    assert info.value.key == "plugins[1].name"


@pytest.mark.parametrize("value", ["five", 4.5, True], ids=["str", "float", "bool"])
def test_bad_param_type(value):
    with pytest.raises(PluginConfigError) as info:
        build_plugin_manager([Spec("genkikan_groups", {"min_members": value})], registry=BUILT_IN)
    assert info.value.key == "plugins[0].params.min_members"
    assert info.value.reason


def test_extra_param_is_rejected():
    with pytest.raises(PluginConfigError) as info:
        build_plugin_manager([Spec("genkikan_groups", {"min_member": 5})], registry=BUILT_IN)
    assert info.value.key == "plugins[0].params.min_member"


def test_plugin_enabled_twice():
    with pytest.raises(PluginConfigError) as info:
        build_plugin_manager([Spec("genkikan_groups"), Spec("genkikan_groups")], registry=BUILT_IN)
    assert info.value.key == "plugins[1].name"


def test_misspelt_hook_fails_loudly():
    class Typo:
        @hookimpl
        def check_group_eligiblity(self, group):
            return []

    with pytest.raises(PluginConfigError) as info:
        build_plugin_manager([Spec("typo")], registry={"typo": Typo})
    assert info.value.key == "plugins[0].name"
    assert isinstance(info.value.__cause__, pluggy.PluginValidationError)


def test_plugin_without_params_rejects_params():
    class Bare:
        @hookimpl
        def check_group_eligibility(self):
            return [Violation("closed", "受付停止中です。", "Registration is closed.")]

    pm = build_plugin_manager([Spec("bare")], registry={"bare": Bare})
    assert [v.code for v in eligibility_violations(pm, GroupFacts("x", 1, 1, True))] == ["closed"]
    with pytest.raises(PluginConfigError) as info:
        build_plugin_manager([Spec("bare", {"x": 1})], registry={"bare": Bare})
    assert info.value.key == "plugins[0].params.x"


def test_tenants_get_independent_managers():
    strict = build_plugin_manager([Spec("genkikan_groups", {"min_members": 5})])
    lenient = build_plugin_manager([Spec("genkikan_groups", {"min_members": 3})])
    assert strict is not lenient
    group = GroupFacts("registered", 4, 3, representative_is_resident=True)
    assert [v.code for v in eligibility_violations(strict, group)] == ["too_few_members"]
    assert eligibility_violations(lenient, group) == []
    # The first tenant's answer did not change after the second was built.
    assert [v.code for v in eligibility_violations(strict, group)] == ["too_few_members"]


def test_violations_from_all_plugins_in_config_order():
    pm = build_plugin_manager([Spec("genkikan_groups"), Spec("regasu_groups")])
    group = GroupFacts("resident", 4, 3, representative_is_resident=True)
    codes = [v.code for v in eligibility_violations(pm, group)]
    assert codes == ["too_few_members", "representative_not_adult"]


def test_violation_messages_and_dict():
    v = Violation("too_few_members", "五名以上", "at least five", field="member_count")
    assert v.message("ja") == "五名以上"
    assert v.message("en") == "at least five"
    assert v.message("en_US") == "at least five"
    assert v.message("fr") == "五名以上"
    assert v.to_dict() == {
        "code": "too_few_members",
        "message": {"ja": "五名以上", "en": "at least five"},
        "field": "member_count",
    }


def test_group_facts_reject_negative_counts():
    with pytest.raises(ValueError, match="negative"):
        GroupFacts("registered", -1, 0, representative_is_resident=True)
