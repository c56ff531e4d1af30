"""Every operation in the OpenAPI document, fuzzed with schemathesis (SQLite).

The schema is read from the running app, so each endpoint added later is covered here
without touching this file. ``call_and_validate`` runs schemathesis' default checks: no 5xx,
documented status codes and content types, bodies and headers matching their schemas, and
invalid input (negative mode) refused with a 4xx.

schemathesis' own ``from_fixture(...).parametrize()`` renames ``request.node._nodeid``,
which pytest 9.2 no longer has, so the operations are walked here with plain hypothesis,
mixing valid and invalid cases as schemathesis' default generation modes do.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok

from tests.support.api import refused_by_the_request_check

MAX_EXAMPLES = 25
TENANTS = ("regasu", "genkikan")


# The API (docs/architecture.md) answers a business-rule refusal of well-formed input (a
# period that is too long, a slot already taken) with 422 or 409, which no schema can
# express. Everything else schemathesis expects of valid input stays: a 400 here means the
# spec and the parser disagree, unless the value is one every request refuses (control,
# bidi or zero-width characters; a date outside 1900–2999).
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2XX", "3XX", 401, 403, 404, 409, 422, 429],
            }
        }
    }
)


@pytest.fixture
def api_schema(sqlite_app: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", sqlite_app, config=CONFIG)


def has_tenant(operation: schemathesis.APIOperation) -> bool:
    return any(p.name == "tenant" for p in operation.path_parameters)


def test_every_operation_conforms_to_the_schema(api_schema: schemathesis.BaseSchema) -> None:
    labels = []
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the spec must describe every operation
        operation = result.ok()
        labels.append(operation.label)
        # Random tenants only ever reach the 404; the real ones reach the data.
        tenants: list[dict[str, str]] = [{}] + [
            {"tenant": slug} for slug in TENANTS if has_tenant(operation)
        ]
        cases = st.one_of(
            [
                operation.as_strategy(generation_mode=mode, path_parameters=fixed)
                for mode in schemathesis.GenerationMode
                for fixed in tenants
            ]
        )

        @given(case=cases)
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def conforms(case: schemathesis.Case) -> None:
            response = case.call()
            if not refused_by_the_request_check(case, response):
                case.validate_response(response)

        conforms()
    assert {"GET /api/v1/tenants", "GET /api/v1/{tenant}/facilities"} <= set(labels)
