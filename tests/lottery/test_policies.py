"""The lottery policy plugins and the application glue around the engine."""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from shisetsu.lottery.bundle import (
    LotteryPolicyError,
    bundle_bytes,
    frozen_policy,
    group_pseudonym,
    preview,
    run_draw,
)
from shisetsu.lottery.engine import (
    PARAM_BOUNDS,
    POLICY_PARAMS,
    Choice,
    DrawInput,
    Entry,
    PolicySpec,
    commitment,
    draw,
    entries_hash,
    make_bundle,
    verify,
)
from shisetsu.plugins import (
    PluginConfigError,
    available_plugins,
    build_plugin_manager,
    hookspecs,
)
from shisetsu_history_weighted import HistoryWeightedPolicy
from shisetsu_rank_order import RankOrderPolicy

pytestmark = pytest.mark.dates

POLICIES = {"rank_order": RankOrderPolicy, "history_weighted": HistoryWeightedPolicy}
SEED = bytes(range(32))


@dataclass
class Spec:
    """Stands in for a tenant.toml ``[[plugins]]`` entry."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


def entries() -> list[Entry]:
    return [
        Entry(f"g{i}", "resident", [Choice(1, ("a",)), Choice(2, ("b", "c"))], losses=i % 2)
        for i in range(6)
    ]


def round_input(pm, seed=SEED) -> DrawInput:
    spec = frozen_policy(pm)
    return DrawInput("regasu/2026-06", seed, spec.name, spec.params, entries())


def test_entry_points_discover_the_policies():
    found = available_plugins()
    for name, cls in POLICIES.items():
        assert found.get(name) is cls
        assert cls.name == name


@pytest.mark.parametrize("cls", POLICIES.values(), ids=POLICIES.keys())
def test_hookimpls_match_documented_hookspecs(cls):
    for name in ("lottery_policy", "draw_lottery"):
        spec = getattr(hookspecs, name)
        assert (spec.__doc__ or "").strip()
        impl = getattr(cls, name)
        assert hasattr(impl, "shisetsu_impl")
        params = set(inspect.signature(impl).parameters) - {"self"}
        assert params <= set(inspect.signature(spec).parameters)


@pytest.mark.parametrize("name", POLICIES)
def test_default_params_are_what_the_engine_expects(name):
    spec = frozen_policy(build_plugin_manager([Spec(name)]))
    assert spec == PolicySpec(name, spec.params)
    assert tuple(sorted(spec.params)) == tuple(sorted(POLICY_PARAMS[name]))
    assert spec.params["win_cap_per_group"] == 2


def test_tenant_params_are_frozen_into_the_round():
    pm = build_plugin_manager([Spec("history_weighted", {"win_cap_per_group": 3, "max_weight": 2})])
    assert frozen_policy(pm).params == {
        "win_cap_per_group": 3,
        "lookback_rounds": 3,
        "weight_per_loss": 1,
        "max_weight": 2,
    }


@pytest.mark.parametrize("name", POLICIES)
def test_param_bounds_agree_with_the_engine(name):
    """A value the plugin accepts must never be refused by the engine at draw time."""
    for param in POLICY_PARAMS[name]:
        low, high = PARAM_BOUNDS[param]
        for ok in (low, high):
            build_plugin_manager([Spec(name, {param: ok})])
        for bad in (low - 1, high + 1, str(low), float(low), True):
            with pytest.raises(PluginConfigError) as info:
                build_plugin_manager([Spec(name, {param: bad})])
            assert info.value.key == f"plugins[0].params.{param}"


def test_unknown_param_is_refused():
    with pytest.raises(PluginConfigError) as info:
        build_plugin_manager([Spec("rank_order", {"max_weight": 3})])
    assert info.value.key == "plugins[0].params.max_weight"


@pytest.mark.parametrize("name", POLICIES)
def test_run_draw_goes_through_the_plugin_to_the_engine(name):
    pm = build_plugin_manager([Spec(name)])
    draw_input = round_input(pm)
    result = run_draw(pm, draw_input)
    assert result.to_json() == draw(draw_input).to_json()
    assert result.policy == name


def test_frozen_params_win_over_todays_configuration():
    """A round drawn after the tenant changed its parameters uses the frozen ones."""
    before = build_plugin_manager([Spec("rank_order", {"win_cap_per_group": 1})])
    draw_input = round_input(before)
    after = build_plugin_manager([Spec("rank_order", {"win_cap_per_group": 5})])
    assert run_draw(after, draw_input).to_json() == draw(draw_input).to_json()


def test_a_round_of_another_policy_is_not_drawn():
    draw_input = round_input(build_plugin_manager([Spec("history_weighted")]))
    pm = build_plugin_manager([Spec("rank_order")])
    assert pm.hook.draw_lottery(draw_input=draw_input) is None
    with pytest.raises(LotteryPolicyError, match="history_weighted"):
        run_draw(pm, draw_input)


def test_exactly_one_policy_must_be_enabled():
    with pytest.raises(LotteryPolicyError, match="none"):
        frozen_policy(build_plugin_manager([Spec("genkikan_groups")]))
    both = build_plugin_manager([Spec("rank_order"), Spec("history_weighted")])
    with pytest.raises(LotteryPolicyError, match="history_weighted, rank_order"):
        frozen_policy(both)


def test_preview_never_uses_the_committed_seed():
    pm = build_plugin_manager([Spec("rank_order")])
    draw_input = round_input(pm)
    real = draw(draw_input)
    previews = {preview(draw_input).commitment for _ in range(3)}
    assert real.commitment not in previews
    assert len(previews) == 3
    chosen = bytes(32)
    assert preview(draw_input, seed=chosen).commitment == commitment(chosen)


def test_group_pseudonyms():
    key = bytes(32)
    a = group_pseudonym(key, "regasu/2026-06", 17)
    assert a == group_pseudonym(key, "regasu/2026-06", 17)
    assert a.startswith("g") and len(a) == 21 and a.isalnum()
    assert a != group_pseudonym(key, "regasu/2026-06", 18)
    assert a != group_pseudonym(key, "regasu/2026-07", 17)
    assert a != group_pseudonym(b"\x01" * 32, "regasu/2026-06", 17)


def test_downloaded_bundle_bytes_verify():
    pm = build_plugin_manager([Spec("history_weighted")])
    draw_input = round_input(pm)
    result = run_draw(pm, draw_input)
    bundle = make_bundle(
        draw_input,
        result,
        commitment=commitment(draw_input.seed),
        entries_hash=entries_hash(draw_input),
        tenant="regasu",
    )
    data = bundle_bytes(bundle)
    assert data.endswith(b"\n")
    assert verify(json.loads(data)) == (True, [])
