"""Applying to register a group (仮登録) through the form, on both databases (docs/domain.md).

The eligibility boundary table runs through HTTP: every violation the tenant's plugins
report is on the page at once, next to its field and in the error summary, in the
applicant's language; an ineligible application is not stored.
"""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.plugins import GroupFacts
from shisetsu_genkikan_groups import GenkikanGroupEligibility
from shisetsu_regasu_groups import RegasuGroupEligibility
from tests.support.groups import (
    apply,
    groups_of,
    new_group_id,
    signed_in_resident,
    signed_in_staff,
    text,
)


def expected_messages(tenant: str, **facts: object) -> dict[str, tuple[str, str, str | None]]:
    """code → (ja, en, field) as the tenant's plugin words it for these facts."""
    plugin = GenkikanGroupEligibility() if tenant == "genkikan" else RegasuGroupEligibility()
    found = plugin.check_group_eligibility(group=GroupFacts(**facts))  # type: ignore[arg-type]
    return {v.code: (v.ja, v.en, v.field) for v in found}


def error_of(page: str, field: str) -> str:
    """The text of the error paragraph tied to ``field`` (empty if there is none)."""
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def summary(page: str) -> str:
    found = re.search(r'<div class="error-summary" role="alert".*?</div>', page, re.S)
    assert found, "no error summary"
    return html.unescape(found.group(0))


GENKIKAN_CASES = [
    pytest.param(4, 4, "yes", {"too_few_members"}, id="4-members"),
    pytest.param(5, 5, "yes", set(), id="5-members"),
    pytest.param(6, 6, "yes", set(), id="6-members"),
    pytest.param(5, 2, "yes", {"residents_not_majority"}, id="2-of-5-residents"),
    pytest.param(5, 3, "yes", set(), id="3-of-5-residents"),
    pytest.param(6, 3, "yes", {"residents_not_majority"}, id="3-of-6-exactly-half"),
    pytest.param(6, 4, "yes", set(), id="4-of-6-residents"),
    pytest.param(5, 5, "no", {"representative_not_resident"}, id="non-resident-representative"),
    pytest.param(
        4,
        2,
        "no",
        {"too_few_members", "residents_not_majority", "representative_not_resident"},
        id="everything-at-once",
    ),
]


@pytest.mark.parametrize(("members", "residents", "rep_resident", "codes"), GENKIKAN_CASES)
def test_genkikan_eligibility_through_the_form(
    client: FlaskClient,
    any_app: Flask,
    members: int,
    residents: int,
    rep_resident: str,
    codes: set[str],
) -> None:
    resident = signed_in_resident(client, any_app, "genkikan")
    response = apply(
        client,
        "genkikan",
        member_count=str(members),
        resident_count=str(residents),
        representative_is_resident=rep_resident,
    )
    stored = groups_of(any_app, "genkikan", resident.id)
    if not codes:
        group_id = new_group_id(response)
        assert [(g["id"], g["status"]) for g in stored] == [(group_id, "pending")]
        return
    assert response.status_code == 422
    assert stored == [], "an ineligible application must not be stored"
    page = text(response)
    expected = expected_messages(
        "genkikan",
        category="registered",
        member_count=members,
        resident_count=residents,
        representative_is_resident=rep_resident == "yes",
    )
    assert set(expected) == codes
    for ja, en, field in expected.values():
        assert ja in error_of(page, str(field)), f"{field}: {ja}"
        assert ja in summary(page)
        assert f'href="#{field}' in summary(page)
        assert en not in html.unescape(page)


REGASU_CASES = [
    pytest.param("resident", 1, 1, "yes", "yes", set(), id="one-person-group"),
    pytest.param("resident", 5, 5, "yes", "no", {"representative_not_adult"}, id="17-year-old"),
    pytest.param(
        "resident", 5, 5, "yes", None, {"representative_not_adult"}, id="age-not-declared"
    ),
    pytest.param(
        "resident", 5, 5, "no", "yes", {"representative_not_resident"}, id="resident-group-away"
    ),
    pytest.param("nonresident", 5, 0, "no", "yes", set(), id="non-resident-group"),
    pytest.param("children", 9, 9, "yes", "yes", {"too_few_children"}, id="children-9"),
    pytest.param("children", 10, 10, "yes", "yes", set(), id="children-10"),
]


@pytest.mark.parametrize(
    ("category", "members", "residents", "rep_resident", "adult", "codes"), REGASU_CASES
)
def test_regasu_eligibility_through_the_form(
    client: FlaskClient,
    any_app: Flask,
    category: str,
    members: int,
    residents: int,
    rep_resident: str,
    adult: str | None,
    codes: set[str],
) -> None:
    resident = signed_in_resident(client, any_app, "regasu")
    response = apply(
        client,
        "regasu",
        category=category,
        member_count=str(members),
        resident_count=str(residents),
        representative_is_resident=rep_resident,
        representative_is_adult=adult,
    )
    stored = groups_of(any_app, "regasu", resident.id)
    if not codes:
        new_group_id(response)
        assert [(g["category"], g["status"]) for g in stored] == [(category, "pending")]
        assert stored[0]["representative_is_adult"] is (adult == "yes")
        return
    assert response.status_code == 422
    assert stored == []
    page = text(response)
    expected = expected_messages(
        "regasu",
        category=category,
        member_count=members,
        resident_count=residents,
        representative_is_resident=rep_resident == "yes",
        representative_is_adult=None if adult is None else adult == "yes",
    )
    assert set(expected) == codes
    for ja, _en, field in expected.values():
        assert ja in error_of(page, str(field))
        assert ja in summary(page)


def test_one_group_per_category_at_regasu(client: FlaskClient, any_app: Flask) -> None:
    resident = signed_in_resident(client, any_app, "regasu")
    new_group_id(apply(client, "regasu", name="第一クラブ", category="resident"))

    second = apply(client, "regasu", name="第二クラブ", category="resident")
    assert second.status_code == 422
    page = text(second)
    assert "同じ区分の団体の代表者としてすでに登録されています。" in error_of(page, "category")
    assert [g["name"] for g in groups_of(any_app, "regasu", resident.id)] == ["第一クラブ"]

    new_group_id(apply(client, "regasu", name="区外クラブ", category="nonresident"))
    names = [g["name"] for g in groups_of(any_app, "regasu", resident.id)]
    assert names == ["第一クラブ", "区外クラブ"]


def test_a_withdrawn_group_frees_its_category(client: FlaskClient, any_app: Flask) -> None:
    signed_in_resident(client, any_app, "regasu")
    first = new_group_id(apply(client, "regasu", category="resident"))
    assert client.post(f"/regasu/groups/{first}/withdraw").status_code == 302
    new_group_id(apply(client, "regasu", category="resident"))


def test_messages_follow_the_language_cookie(client: FlaskClient, any_app: Flask) -> None:
    client.set_cookie("lang", "en")
    resident = signed_in_resident(client, any_app, "genkikan", locale="en")
    response = apply(
        client, "genkikan", member_count="6", resident_count="3", representative_is_resident="no"
    )
    assert response.status_code == 422
    page = text(response)
    assert '<html lang="en">' in page
    assert (
        "More than half of the members must live in the ward: at least 4 of 6 (you entered 3)."
        in error_of(page, "resident_count")
    )
    assert "The group's representative must live in the ward." in error_of(
        page, "representative_is_resident"
    )
    assert "過半数" not in page
    assert groups_of(any_app, "genkikan", resident.id) == []


def test_form_errors_and_rule_violations_show_together(client: FlaskClient, any_app: Flask) -> None:
    resident = signed_in_resident(client, any_app, "genkikan")
    response = apply(
        client,
        "genkikan",
        name="",
        member_count="4",
        representative_phone_home="",
        representative_phone_mobile="",
        contact_email="not-an-address",
    )
    assert response.status_code == 422
    box = summary(text(response))
    for anchor in ("name", "member_count", "representative_phone_home", "contact_email"):
        assert f'href="#{anchor}"' in box, anchor
    assert "会員数が5名以上必要です（現在4名）。" in box
    assert groups_of(any_app, "genkikan", resident.id) == []


def test_fields_are_labelled_grouped_and_autocompleted(client: FlaskClient, any_app: Flask) -> None:
    signed_in_resident(client, any_app, "genkikan")
    response = client.get("/genkikan/groups/apply")
    assert response.status_code == 200
    page = text(response)
    assert page.count("<fieldset") >= 4  # group, representative, contact, yes/no questions
    for name, autocomplete in [
        ("representative_name", "name"),
        ("representative_address", "street-address"),
        ("representative_phone_home", "home tel"),
        ("representative_phone_mobile", "mobile tel"),
        ("contact_name", "section-contact name"),
        ("contact_email", "section-contact email"),
    ]:
        assert f'<label for="{name}">' in page
        tag = re.search(rf'<input [^>]*id="{name}"[^>]*>', page)
        assert tag and f'autocomplete="{autocomplete}"' in tag.group(0), name
    assert '<select id="category" name="category"' in page


def test_the_privacy_notice_must_be_accepted(client: FlaskClient, any_app: Flask) -> None:
    resident = signed_in_resident(client, any_app, "genkikan")
    page = text(client.get("/genkikan/groups/apply"))
    notice = re.search(r'<section class="privacy-notice".*?</section>', page, re.S)
    assert notice, "the privacy notice is shown with the form"
    for heading in ("利用目的", "記録する項目", "保存期間"):  # Japanese by default
        assert heading in notice.group(0), heading
    assert "12" in notice.group(0)  # retention months from tenant.toml
    assert 'type="checkbox"' in page and 'name="privacy_accepted"' in page

    refused = apply(client, "genkikan", privacy_accepted=None)
    assert refused.status_code == 422
    assert error_of(text(refused), "privacy_accepted")
    assert 'href="#privacy_accepted"' in summary(text(refused))
    assert groups_of(any_app, "genkikan", resident.id) == []

    new_group_id(apply(client, "genkikan"))
    (stored,) = groups_of(any_app, "genkikan", resident.id)
    assert stored["privacy_accepted_at"] is not None


def test_only_the_approved_personal_items_are_stored(client: FlaskClient, any_app: Flask) -> None:
    resident = signed_in_resident(client, any_app, "genkikan")
    new_group_id(
        apply(
            client,
            "genkikan",
            representative_phone_home="０３－１２３４－５６７８",  # full-width input
            birth_date="2008-04-01",  # not a field: ignored
        )
    )
    (stored,) = groups_of(any_app, "genkikan", resident.id)
    assert stored["representative_phone_home"] == "03-1234-5678"
    assert stored["representative_phone_mobile"] is None
    assert not any("birth" in column or "member_name" in column for column in stored)


def test_a_resident_sees_only_their_own_groups(client: FlaskClient, any_app: Flask) -> None:
    signed_in_resident(client, any_app, "genkikan")
    group_id = new_group_id(apply(client, "genkikan", name="見えてはいけないクラブ"))
    assert client.get(f"/genkikan/groups/{group_id}").status_code == 200

    other = any_app.test_client()
    signed_in_resident(other, any_app, "genkikan")
    assert other.get(f"/genkikan/groups/{group_id}").status_code == 404
    assert other.post(f"/genkikan/groups/{group_id}/withdraw").status_code == 404
    assert other.get(f"/genkikan/groups/{group_id}/renew").status_code == 404
    assert "見えてはいけないクラブ" not in text(other.get("/genkikan/groups/"))


def test_group_pages_are_for_signed_in_residents(client: FlaskClient, any_app: Flask) -> None:
    response = client.get("/genkikan/groups/apply")
    assert response.status_code == 302
    assert "/genkikan/account/login" in response.headers["Location"]

    staff = any_app.test_client()
    signed_in_staff(staff, any_app, "genkikan")
    assert staff.get("/genkikan/groups/").status_code == 403


def test_my_groups_lists_status_and_validity(client: FlaskClient, any_app: Flask) -> None:
    signed_in_resident(client, any_app, "genkikan")
    group_id = new_group_id(apply(client, "genkikan", name="一覧クラブ"))
    page = text(client.get("/genkikan/groups/"))
    assert f'href="/genkikan/groups/{group_id}"' in page
    assert "一覧クラブ" in page
    detail = text(client.get(f"/genkikan/groups/{group_id}"))
    assert "新宿 花子" in detail and "contact@example.jp" in detail
