"""Genkikan registered-group eligibility [ordinance 第20条第1項; docs/domain.md].

A registered group has at least ``min_members`` members (5), more than half of them
ward residents (過半数: 3 of 5 or 4 of 6; exactly half is not enough), and a
representative who lives in the ward. Every broken rule is reported, not just the first,
so the applicant can fix the form in one go.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shisetsu.plugins import GroupFacts, Violation, hookimpl


class GenkikanGroupEligibility:
    """The Genkikan registration rules, parameterised per tenant."""

    class Params(BaseModel):
        """Parameters from ``tenant.toml``; strict, since TOML values are typed."""

        model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

        min_members: int = Field(default=5, ge=1)

    def __init__(self, params: Params | None = None) -> None:
        self.params = params if params is not None else self.Params()

    @hookimpl
    def check_group_eligibility(self, group: GroupFacts) -> list[Violation]:
        """Return every Genkikan rule ``group`` breaks."""
        members, residents = group.member_count, group.resident_count
        minimum = self.params.min_members
        violations: list[Violation] = []
        if members < minimum:
            violations.append(
                Violation(
                    code="too_few_members",
                    ja=f"会員数が{minimum}名以上必要です（現在{members}名）。",
                    en=(
                        f"A registered group needs at least {minimum} members "
                        f"(you entered {members})."
                    ),
                    field="member_count",
                )
            )
        if residents > members:
            violations.append(
                Violation(
                    code="residents_exceed_members",
                    ja=(
                        f"区内在住の会員数（{residents}名）が会員数（{members}名）を超えています。"
                    ),
                    en=(
                        f"The number of members living in the ward ({residents}) cannot "
                        f"exceed the number of members ({members})."
                    ),
                    field="resident_count",
                )
            )
        elif residents * 2 <= members:
            needed = members // 2 + 1
            violations.append(
                Violation(
                    code="residents_not_majority",
                    ja=(
                        f"会員の過半数が区内在住である必要があります"
                        f"（{members}名中{needed}名以上、現在{residents}名）。"
                    ),
                    en=(
                        f"More than half of the members must live in the ward: at least "
                        f"{needed} of {members} (you entered {residents})."
                    ),
                    field="resident_count",
                )
            )
        if not group.representative_is_resident:
            violations.append(
                Violation(
                    code="representative_not_resident",
                    ja="代表者は区内在住の方である必要があります。",
                    en="The group's representative must live in the ward.",
                    field="representative_is_resident",
                )
            )
        return violations
