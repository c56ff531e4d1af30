"""Regasu registered-group eligibility [regasu-shinjuku.or.jp; docs/domain.md].

A group may be a single person, but its representative must be 18 or older (declared
online, checked against ID at the counter); one person may not represent two groups in
the same category; a school-children group (小中学生団体) needs ``children_min_members``
people (10) including the representative; a resident group (区民団体) needs a
representative who lives in the ward. Every broken rule is reported.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shisetsu.plugins import GroupFacts, Violation, hookimpl


class RegasuGroupEligibility:
    """The Regasu registration rules, parameterised per tenant."""

    class Params(BaseModel):
        """Parameters from ``tenant.toml``; strict, since TOML values are typed."""

        model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

        adult_age: int = Field(default=18, ge=0)
        children_min_members: int = Field(default=10, ge=1)
        children_category: str = "children"
        resident_category: str = "resident"

    def __init__(self, params: Params | None = None) -> None:
        self.params = params if params is not None else self.Params()

    @hookimpl
    def check_group_eligibility(self, group: GroupFacts) -> list[Violation]:
        """Return every Regasu rule ``group`` breaks."""
        p = self.params
        violations: list[Violation] = []
        if group.representative_is_adult is None:
            violations.append(
                Violation(
                    code="representative_not_adult",
                    ja=f"代表者が{p.adult_age}歳以上であることを申告してください。",
                    en=f"Please confirm that the representative is {p.adult_age} or older.",
                    field="representative_is_adult",
                )
            )
        elif not group.representative_is_adult:
            violations.append(
                Violation(
                    code="representative_not_adult",
                    ja=f"代表者は{p.adult_age}歳以上の方である必要があります。",
                    en=f"The group's representative must be {p.adult_age} or older.",
                    field="representative_is_adult",
                )
            )
        if group.category == p.children_category and group.member_count < p.children_min_members:
            violations.append(
                Violation(
                    code="too_few_children",
                    ja=(
                        f"小中学生団体は代表者を含めて{p.children_min_members}名以上必要です"
                        f"（現在{group.member_count}名）。"
                    ),
                    en=(
                        f"A school-children group needs at least {p.children_min_members} "
                        f"people including the representative "
                        f"(you entered {group.member_count})."
                    ),
                    field="member_count",
                )
            )
        if group.category in group.representative_other_categories:
            violations.append(
                Violation(
                    code="already_represents_category",
                    ja=(
                        "同じ区分の団体の代表者としてすでに登録されています。"
                        "同じ区分で2つの団体を登録することはできません。"
                    ),
                    en=(
                        "You already represent a group in this category; one person "
                        "cannot register two groups in the same category."
                    ),
                    field="category",
                )
            )
        if group.category == p.resident_category and not group.representative_is_resident:
            violations.append(
                Violation(
                    code="representative_not_resident",
                    ja="区民団体の代表者は区内在住の方である必要があります。",
                    en="The representative of a resident group must live in the ward.",
                    field="representative_is_resident",
                )
            )
        return violations
