"""Every group route × every kind of user: allowed, or 403 / a sign-in redirect as designed.

Residents use ``/<tenant>/groups`` (their own groups only); 取扱責任者 and 取扱者 review at
``/<tenant>/manage/groups``; 窓口 counter staff may look groups up but not review them.
A new route without a row here fails :func:`test_the_table_covers_every_group_route`.
"""

from __future__ import annotations

import pytest
from flask import Flask

from shisetsu.auth.access import PUBLIC
from tests.fixtures.auth import make_resident, make_staff, sign_in_as
from tests.support.groups import make_group

ANON, OWNER, COUNTER, HANDLER, RESPONSIBLE = (
    "anonymous",
    "owner",
    "counter",
    "handler",
    "responsible",
)
ROLES = (ANON, OWNER, COUNTER, HANDLER, RESPONSIBLE)
SIGN_IN = 302  # anonymous users are sent to the right sign-in page
STAFF_ONLY = {ANON: SIGN_IN, OWNER: 403}
RESIDENT_ONLY = {ANON: SIGN_IN, COUNTER: 403, HANDLER: 403, RESPONSIBLE: 403}

# (endpoint, method, path, form, expected status per role)
TABLE: list[tuple[str, str, str, dict[str, str], dict[str, int]]] = [
    ("groups.index", "GET", "/genkikan/groups/", {}, {**RESIDENT_ONLY, OWNER: 200}),
    ("groups.apply", "GET", "/genkikan/groups/apply", {}, {**RESIDENT_ONLY, OWNER: 200}),
    ("groups.apply", "POST", "/genkikan/groups/apply", {}, {**RESIDENT_ONLY, OWNER: 422}),
    ("groups.detail", "GET", "/genkikan/groups/{id}", {}, {**RESIDENT_ONLY, OWNER: 200}),
    # Renewal is not open for a pending group: back to its page.
    ("groups.renew", "GET", "/genkikan/groups/{id}/renew", {}, {**RESIDENT_ONLY, OWNER: 302}),
    ("groups.renew", "POST", "/genkikan/groups/{id}/renew", {}, {**RESIDENT_ONLY, OWNER: 302}),
    # The confirmation step before a withdrawal (it cannot be undone).
    ("groups.withdraw", "GET", "/genkikan/groups/{id}/withdraw", {}, {**RESIDENT_ONLY, OWNER: 200}),
    (
        "groups.withdraw",
        "POST",
        "/genkikan/groups/{id}/withdraw",
        {},
        {**RESIDENT_ONLY, OWNER: 302},
    ),
    (
        "groups_manage.index",
        "GET",
        "/genkikan/manage/groups/",
        {},
        {**STAFF_ONLY, COUNTER: 200, HANDLER: 200, RESPONSIBLE: 200},
    ),
    (
        "groups_manage.pending",
        "GET",
        "/genkikan/manage/groups/pending",
        {},
        {**STAFF_ONLY, COUNTER: 200, HANDLER: 200, RESPONSIBLE: 200},
    ),
    (
        "groups_manage.detail",
        "GET",
        "/genkikan/manage/groups/{id}",
        {},
        {**STAFF_ONLY, COUNTER: 200, HANDLER: 200, RESPONSIBLE: 200},
    ),
    (
        "groups_manage.verify",
        "POST",
        "/genkikan/manage/groups/{id}/verify",
        {"verified_member_count": "6", "verified_resident_count": "4"},
        {**STAFF_ONLY, COUNTER: 403, HANDLER: 302, RESPONSIBLE: 302},
    ),
    (
        "groups_manage.approve",
        "POST",
        "/genkikan/manage/groups/{id}/approve",
        {},
        {**STAFF_ONLY, COUNTER: 403, HANDLER: 302, RESPONSIBLE: 302},
    ),
    (
        "groups_manage.reject",
        "POST",
        "/genkikan/manage/groups/{id}/reject",
        {"reason": "名簿が確認できませんでした。"},
        {**STAFF_ONLY, COUNTER: 403, HANDLER: 302, RESPONSIBLE: 302},
    ),
    (
        "groups_manage.message",
        "POST",
        "/genkikan/manage/groups/{id}/messages",
        {"body": "書類の原本を窓口でご提示ください。"},
        {**STAFF_ONLY, COUNTER: 403, HANDLER: 302, RESPONSIBLE: 302},
    ),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_route(any_app: Flask, role: str) -> None:
    owner = make_resident(any_app, "genkikan")
    client = any_app.test_client()
    if role == OWNER:
        sign_in_as(client, any_app, owner)
    elif role != ANON:
        sign_in_as(client, any_app, make_staff(any_app, "genkikan", role))
    for endpoint, method, path, form, expected in TABLE:
        group_id = make_group(any_app, "genkikan", owner.id)  # fresh: some routes change it
        url = path.format(id=group_id)
        response = client.open(url, method=method, data=form)
        assert response.status_code == expected[role], f"{role} {method} {url} ({endpoint})"
        if response.status_code == SIGN_IN and role == ANON:
            login = "/genkikan/manage/login" if "manage" in path else "/genkikan/account/login"
            assert login in response.headers["Location"]


def test_the_table_covers_every_group_route(app: Flask) -> None:
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("groups", "groups_manage")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert routes == {(endpoint, method) for endpoint, method, *_ in TABLE}
    for endpoint, _ in routes:
        rules = app.view_functions[endpoint].access
        assert rules and PUBLIC not in rules, endpoint
