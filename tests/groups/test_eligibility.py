"""Group eligibility rules of the two built-in tenants, at their boundaries (docs/domain.md)."""

from __future__ import annotations

import pytest

from shisetsu.plugins import GroupFacts, Violation
from shisetsu_genkikan_groups import GenkikanGroupEligibility
from shisetsu_regasu_groups import RegasuGroupEligibility


def _assert_codes(violations: list[Violation], expected: set[str]) -> None:
    assert {v.code for v in violations} == expected
    assert len(violations) == len(expected), "a rule was reported twice"
    for v in violations:
        assert v.ja.strip()
        assert v.en.strip()
        assert v.message("ja") != v.message("en")


def genkikan(members, residents, rep_resident=True):
    return GroupFacts("registered", members, residents, representative_is_resident=rep_resident)


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        pytest.param(genkikan(4, 4), {"too_few_members"}, id="4-members"),
        pytest.param(genkikan(5, 5), set(), id="5-members"),
        pytest.param(genkikan(6, 6), set(), id="6-members"),
        pytest.param(genkikan(5, 2), {"residents_not_majority"}, id="2-of-5-residents"),
        pytest.param(genkikan(5, 3), set(), id="3-of-5-residents"),
        pytest.param(genkikan(6, 3), {"residents_not_majority"}, id="3-of-6-exactly-half"),
        pytest.param(genkikan(6, 4), set(), id="4-of-6-residents"),
        pytest.param(
            genkikan(5, 5, rep_resident=False),
            {"representative_not_resident"},
            id="non-resident-representative",
        ),
        pytest.param(
            genkikan(5, 6), {"residents_exceed_members"}, id="more-residents-than-members"
        ),
        pytest.param(
            genkikan(4, 2, rep_resident=False),
            {"too_few_members", "residents_not_majority", "representative_not_resident"},
            id="all-violations-together",
        ),
    ],
)
def test_genkikan(group, expected):
    _assert_codes(GenkikanGroupEligibility().check_group_eligibility(group=group), expected)


def test_genkikan_messages_mention_the_numbers():
    plugin = GenkikanGroupEligibility()
    (few,) = plugin.check_group_eligibility(group=genkikan(4, 4))
    assert few.ja == "会員数が5名以上必要です（現在4名）。"
    assert few.en == "A registered group needs at least 5 members (you entered 4)."
    (half,) = plugin.check_group_eligibility(group=genkikan(6, 3))
    assert "6" in half.ja and "4" in half.ja and "3" in half.ja
    assert "at least 4 of 6" in half.en


def test_genkikan_min_members_is_a_tenant_parameter():
    plugin = GenkikanGroupEligibility(GenkikanGroupEligibility.Params(min_members=3))
    _assert_codes(plugin.check_group_eligibility(group=genkikan(3, 2)), set())


def regasu(category="resident", members=1, adult=True, rep_resident=True, other=()):
    return GroupFacts(
        category,
        members,
        members if rep_resident else 0,
        representative_is_resident=rep_resident,
        representative_is_adult=adult,
        representative_other_categories=frozenset(other),
    )


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        pytest.param(regasu(adult=False), {"representative_not_adult"}, id="17-year-old"),
        pytest.param(regasu(adult=None), {"representative_not_adult"}, id="age-not-declared"),
        pytest.param(regasu(adult=True), set(), id="adult"),
        pytest.param(regasu("children", members=9), {"too_few_children"}, id="children-9"),
        pytest.param(regasu("children", members=10), set(), id="children-10"),
        pytest.param(
            regasu(other={"resident"}),
            {"already_represents_category"},
            id="second-group-same-category",
        ),
        pytest.param(
            regasu("non_resident", rep_resident=False, other={"resident"}),
            set(),
            id="second-group-other-category",
        ),
        pytest.param(regasu(members=1), set(), id="single-person-group"),
        pytest.param(
            regasu(rep_resident=False), {"representative_not_resident"}, id="resident-group"
        ),
        pytest.param(regasu("non_resident", rep_resident=False), set(), id="non-resident-group"),
        pytest.param(
            regasu("children", members=9, adult=False, other={"children"}),
            {"representative_not_adult", "too_few_children", "already_represents_category"},
            id="all-violations-together",
        ),
    ],
)
def test_regasu(group, expected):
    _assert_codes(RegasuGroupEligibility().check_group_eligibility(group=group), expected)


def test_regasu_parameters_change_the_answer():
    params = RegasuGroupEligibility.Params(children_min_members=8, children_category="kids")
    plugin = RegasuGroupEligibility(params)
    _assert_codes(plugin.check_group_eligibility(group=regasu("kids", members=8)), set())
    (v,) = plugin.check_group_eligibility(group=regasu("kids", members=7))
    assert v.code == "too_few_children"
    assert "8" in v.ja and "8" in v.en
