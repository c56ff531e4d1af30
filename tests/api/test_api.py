"""The JSON API skeleton and its one error format (both databases)."""

from __future__ import annotations

from flask import Flask, abort
from flask.testing import FlaskClient

from tests.support.api import assert_error


def test_tenants(client: FlaskClient) -> None:
    response = client.get("/api/v1/tenants")
    assert response.status_code == 200
    assert response.get_json() == [
        {
            "slug": "regasu",
            "name": {
                "ja": "レガス（新宿未来創造財団）",
                "en": "Regasu (Shinjuku Mirai Sozo Foundation)",
            },
        },
        {"slug": "genkikan", "name": {"ja": "新宿区立元気館", "en": "Shinjuku City Genkikan"}},
    ]


def test_facilities_with_rooms(client: FlaskClient) -> None:
    response = client.get("/api/v1/genkikan/facilities")
    assert response.status_code == 200
    (facility,) = response.get_json()
    assert facility["code"] == "genkikan"
    assert facility["name"] == {"ja": "元気館", "en": "Genkikan"}
    assert facility["address"] == "東京都新宿区架空町1-2-3（架空の住所）"
    assert facility["phone"] == "03-0000-0100"
    assert facility["hours"] == {
        "ja": "9:00〜21:30（受付は17:00まで）（見本）",
        "en": "9:00–21:30; the counter is open until 17:00 (sample)",
    }
    assert facility["closed_note"] == {"ja": None, "en": None}
    assert facility["photos"] == []
    assert facility["page"] == f"/genkikan/facilities/{facility['id']}"
    rooms = {room["code"]: room for room in facility["rooms"]}
    assert list(rooms) == ["multipurpose", "meeting-a", "meeting-b", "washitsu", "kitchen"]
    assert rooms["kitchen"] == {
        "id": rooms["kitchen"]["id"],
        "code": "kitchen",
        "name": {"ja": "調理室", "en": "Cooking Room"},
        "capacity": 24,
        "area_m2": None,
        "equipment": ["調理台", "ガスコンロ"],
        "slot_scheme": "standard",
        "sample": True,
    }


def test_unknown_tenant_is_a_json_404(client: FlaskClient) -> None:
    for path in ("/api/v1/nope/facilities", "/api/v1/Genkikan/facilities", "/api/v1/nothing"):
        assert_error(client.get(path), 404, "not_found")


def test_wrong_method_is_a_json_405_with_allow(client: FlaskClient) -> None:
    response = client.post("/api/v1/tenants")
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert_error(client.delete("/api/v1/genkikan/facilities"), 405, "method_not_allowed")


def test_a_bad_request_is_a_json_400(any_app: Flask) -> None:
    @any_app.get("/api/v1/bad")
    def bad() -> str:
        abort(400)

    assert_error(any_app.test_client().get("/api/v1/bad"), 400, "bad_request")


def test_an_unexpected_error_is_a_json_500(any_app: Flask) -> None:
    any_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production

    @any_app.get("/api/v1/boom")
    def boom() -> str:
        raise RuntimeError("secret internals: password=hunter2")

    response = any_app.test_client().get("/api/v1/boom")
    assert_error(response, 500, "internal_error")
    assert "hunter2" not in response.get_data(as_text=True)


def test_openapi_document(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Shisetsu API"
    assert {"/api/v1/tenants", "/api/v1/{tenant}/facilities"} <= set(spec["paths"])
    facilities = spec["paths"]["/api/v1/{tenant}/facilities"]
    assert facilities["parameters"][0]["name"] == "tenant"
    assert "404" in facilities["get"]["responses"]
    assert set(spec["components"]["schemas"]["Error"]["properties"]) == {"error"}
    facility = spec["components"]["schemas"]["Facility"]
    assert {"phone", "access", "hours", "closed_note", "photos", "page"} <= set(
        facility["properties"]
    )
    assert facility["properties"]["page"]["description"] == "Path of the facility's public page"
