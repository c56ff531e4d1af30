"""The whole API, authenticated and stateful: schemathesis' state machine over the links.

The OpenAPI document links operations (issue a token → use it; list rounds → read, enter
and edit an entry; availability → book a slot → read the booking), so the state machine
chains real ids instead of guessing them. Every call carries a real token of the tenant in
its path — a resident's for residents' operations, a staff member's otherwise, a
throwaway one for signing out — unless a link already sent the token it just issued.

Checks: no 5xx, statuses, content types, bodies and headers as documented, valid input not
refused with a 400, and schemathesis' use-after-free and resource-availability checks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from typing import Any, ClassVar

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis.errors import Flaky
from schemathesis.core.failures import FailureGroup

from tests.fixtures.auth import PASSWORD
from tests.support.api import refused_by_the_request_check, resident_token, staff_token
from tests.support.booking import today
from tests.support.lottery import group, open_round

TENANTS = ("regasu", "genkikan")
RESIDENTS_ONLY = ("bookings", "/entries")
# As in test_schemathesis, plus 423: the run's wrong passwords lock its residents out.
# Valid data only: the narrowed enums below are the run's, not the API's (invalid input
# is test_schemathesis' job).
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "positive"},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2XX", "3XX", 401, 403, 404, 409, 422, 423, 429],
            }
        },
    }
)


def narrowed(app: Flask, logins: list[str]) -> dict[str, Any]:
    """The served document, with tenants and credentials the run can reach.

    A random slug is only ever a 404, random credentials only ever a 401 and random dates
    mostly a 422, which would leave every link unfollowed; one unknown slug, one wrong
    password and a day in the wrong order keep those paths.
    """
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for item in document["paths"].values():
        declared = [item.get("parameters", [])]
        declared += [op.get("parameters", []) for op in item.values() if isinstance(op, dict)]
        for parameter in (p for listed in declared for p in listed):
            if parameter["name"] == "tenant":
                parameter["schema"] = {"type": "string", "enum": [*TENANTS, "nosuch"]}
    days = [f"{today() + dt.timedelta(days=n):%Y-%m-%d}" for n in (21, 22)]
    for parameter in document["paths"]["/api/v1/{tenant}/availability"]["get"]["parameters"]:
        if parameter["name"] in ("from", "to"):
            parameter["schema"] = {"type": "string", "format": "date", "enum": days}
    body = document["paths"]["/api/v1/{tenant}/tokens"]["post"]["requestBody"]
    fields = document["components"]["schemas"][
        body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    ]["properties"]
    fields["login"] = {"type": "string", "enum": logins}
    fields["password"] = {"type": "string", "enum": [PASSWORD, "wrong password"]}
    fields["kind"] = {"type": "string", "enum": ["resident"]}
    return document


def state_machine(app: Flask) -> type[schemathesis.APIStateMachine]:
    """The schema's state machine, with a real token on every call that has none."""
    logins = []
    tokens: dict[tuple[str, str], str] = {}
    for slug in TENANTS:
        resident, _group_id = group(app, slug)
        logins.append(resident.login)
        open_round(app, slug)
        tokens[(slug, "resident")] = token_of(app, slug, resident.login)
        tokens[(slug, "staff")] = staff_token(app, slug)
    schema = schemathesis.openapi.from_dict(narrowed(app, logins), config=CONFIG)
    schema.app = app
    issued: set[str] = set()

    class Authenticated(schema.as_state_machine()):  # type: ignore[misc]
        failures: ClassVar[list[str]] = []
        answered: ClassVar[set[str]] = set()  # operations that answered with data

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            if refused_by_the_request_check(case, response):
                return  # the request check's 400, as tests/core/test_bad_input.py expects
            try:
                super().validate_response(response, case, **kwargs)
            except FailureGroup as found:  # kept, not raised: see run()
                self.failures.append(str(found))

        def before_call(self, case: schemathesis.Case) -> None:
            tenant = (case.path_parameters or {}).get("tenant")
            headers = dict(case.headers or {})
            if headers.get("Authorization", "")[7:] in issued or tenant not in TENANTS:
                return  # a link sends the token it was just issued
            if case.operation.method.upper() == "DELETE":
                token = resident_token(app, tenant)  # signing out spends a token of its own
            elif any(part in case.operation.path for part in RESIDENTS_ONLY):
                token = tokens[(tenant, "resident")]
            else:
                token = tokens[(tenant, "staff")]
            case.headers = {**headers, "Authorization": f"Bearer {token}"}

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            if response.status_code < 300:
                self.answered.add(case.operation.label)
            if (
                case.operation.label.startswith("POST")
                and case.operation.path.endswith("/tokens")
                and response.status_code == 201
            ):
                issued.add(response.json()["token"])

    return Authenticated


def token_of(app: Flask, slug: str, login: str) -> str:
    response = app.test_client().post(
        f"/api/v1/{slug}/tokens", json={"login": login, "password": PASSWORD}
    )
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["token"])


def run(app: Flask, examples: int, steps: int, minimum: int) -> None:
    """Run the machine (its time is printed); fails on any check's failure.

    The API keeps its state between scenarios (bookings made, tokens revoked, logins locked),
    so Hypothesis may find that replaying a scenario takes another path and stop with
    ``Flaky``. Like schemathesis' own runner, that ends the run without failing it; what
    the checks found is collected as it happens and asserted here.
    """
    # The wrong password of the narrowed document must not lock the run's residents out of
    # every later token (lockout itself is tests/auth's); the path stays, the count does not.
    app.config["LOCKOUT_THRESHOLD"] = 10**6
    machine = state_machine(app)
    started = time.monotonic()
    with contextlib.suppress(Flaky):
        machine.run(
            settings=settings(
                max_examples=examples,
                stateful_step_count=steps,
                derandomize=True,  # the same scenarios every run (make test-random varies them)
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
        )
    took = time.monotonic() - started
    print(f"answered: {sorted(machine.answered)}; {took:.1f} s")
    assert not machine.failures, "\n\n".join(machine.failures)
    # The tokens and links took the run past the 401s and 404s to the data. (Whether a
    # scenario also signs in with the right password depends on what earlier scenarios left
    # behind in the API, so the token issue itself is not required here: tests/api has it.)
    assert "GET /api/v1/{tenant}/lottery/rounds" in machine.answered
    assert len(machine.answered) >= minimum


def test_links_are_declared_between_operations(sqlite_app: Flask) -> None:
    document = sqlite_app.test_client().get("/api/v1/openapi.json").get_json()
    targets = {
        (operation["operationId"], status): sorted(
            link["operationId"] for link in response.get("links", {}).values()
        )
        for item in document["paths"].values()
        for method, operation in item.items()
        if method != "parameters"
        for status, response in operation["responses"].items()
    }
    assert targets[("createBooking", "201")] == ["getBooking", "listBookings"]
    assert targets[("createEntry", "201")] == ["createEntry", "listEntries"]
    assert set(targets[("createToken", "201")]) == {"getMe", "listBookings", "revokeToken"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_stateful_over_the_whole_api_sqlite(sqlite_app: Flask) -> None:
    run(sqlite_app, examples=30, steps=10, minimum=8)


@pytest.mark.postgres
def test_stateful_authenticated_postgres(pg_app: Flask) -> None:
    run(pg_app, examples=12, steps=8, minimum=5)
