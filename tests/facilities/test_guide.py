"""The public facility page (address, access, hours, closed days, rooms, fees) and the staff
page that edits its texts: before sign-in, both languages, bad input, another tenant's id."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa
from flask import Flask
from pydantic import ValidationError

from shisetsu.audit.models import AccessLog
from shisetsu.facilities.models import Facility
from shisetsu.provisioning import operations as provisioning
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.config import LocalizedText, Photo
from tests.fixtures.auth import make_staff, sign_in_as
from tests.support.groups import text

TAG = re.compile(r"<[^>]+>")


def facility_id(app: Flask, tenant: str, code: str) -> int:
    with tenant_session(app, tenant) as session:
        found = session.scalar(sa.select(Facility.id).where(Facility.code == code))
        assert found is not None
        return int(found)


def words(page: str) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(html.unescape(TAG.sub(" ", page)).split())


def fee_rows(page: str, room_heading: str) -> list[list[str]]:
    """The cells of the fee table under the room's heading, row by row (text only)."""
    section = page.split(f">{room_heading}</h3>", 1)[1].split("</table>", 1)[0]
    body = section.split("<tbody>", 1)[1]
    return [
        [words(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_facility_page_before_sign_in_in_japanese(any_app: Flask) -> None:
    fid = facility_id(any_app, "regasu", "history-museum")
    page = any_app.test_client().get(f"/regasu/facilities/{fid}")
    assert page.status_code == 200
    body = text(page)
    shown = words(body)
    assert "新宿区架空町2-2-2（架空の住所）" in shown
    assert "03-0000-0202" in shown
    assert "架空線「見本駅」から徒歩10分（見本）" in shown
    assert "9:30〜17:00（見本）" in shown
    assert "毎月第4月曜日（祝日にあたるときは翌日）。" in shown
    assert "毎年12月29日から1月3日まで。" in shown
    # The auditorium's verified table: children's groups pay half (a column of their own).
    assert fee_rows(body, "講堂") == [
        ["午前 9:30–12:30", "2,000円", "3,000円", "1,000円", "1,500円"],
        ["午後 13:00–17:00", "4,000円", "6,000円", "2,000円", "3,000円"],
        ["全日", "6,000円", "9,000円", "3,000円", "4,500円"],
    ]
    assert "区民団体・区外団体: 平日" in shown and "小中学生団体: 土日祝" in shown
    assert "減免：障害者手帳をお持ちの区民（スポーツ施設）: 100%減額" in shown
    assert "{" not in shown  # no policy JSON, no codes


def test_facility_page_in_english_and_home_links_it(any_app: Flask) -> None:
    fid = facility_id(any_app, "genkikan", "genkikan")
    client = any_app.test_client()
    client.set_cookie("lang", "en")
    home = text(client.get("/genkikan/"))
    assert f'href="/genkikan/facilities/{fid}"' in home
    assert 'href="/genkikan/lottery/"' in home and 'href="/genkikan/availability/day"' in home
    shown = words(text(client.get(f"/genkikan/facilities/{fid}")))
    assert "5 minutes' walk from Mihon Station on the fictional line (sample)" in shown
    assert "The 4th Monday of every month (the next day when that is a national holiday)." in shown
    assert "Every year from 12/29 to 1/3." in shown
    assert "Every group category pays the same." in shown
    assert "These fees are samples until the operator confirms them." in shown


def test_room_page_names_the_slots_of_a_full_day_set(any_app: Flask) -> None:
    client = any_app.test_client()
    with tenant_session(any_app, "genkikan") as session:
        room = session.scalar(sa.select(Facility).where(Facility.code == "genkikan")).rooms[0]
        rid, fid = room.id, room.facility_id
    shown = words(text(client.get(f"/genkikan/rooms/{rid}")))
    assert "一括で予約: 午前、午後、夜間" in shown
    assert "am, pm" not in shown
    assert f"/genkikan/facilities/{fid}#fees-{rid}" in text(client.get(f"/genkikan/rooms/{rid}"))


def test_another_tenants_facility_id_is_404(any_app: Flask) -> None:
    with tenant_session(any_app, "genkikan") as session:
        biggest = session.scalar(sa.select(sa.func.max(Facility.id)))
    regasu_only = facility_id(any_app, "regasu", "edogawa-ground")
    assert biggest is not None and regasu_only > biggest
    client = any_app.test_client()
    assert client.get(f"/regasu/facilities/{regasu_only}").status_code == 200
    assert client.get(f"/genkikan/facilities/{regasu_only}").status_code == 404
    assert client.get("/genkikan/facilities/0").status_code == 404
    assert client.get("/genkikan/facilities/99999999999999999999").status_code == 404
    staff = make_staff(any_app, "genkikan")
    sign_in_as(client, any_app, staff)
    assert client.get(f"/genkikan/manage/facilities/{regasu_only}/details").status_code == 404


def test_staff_edit_the_texts_and_the_change_is_logged(any_app: Flask) -> None:
    fid = facility_id(any_app, "genkikan", "genkikan")
    client = any_app.test_client()
    staff = make_staff(any_app, "genkikan")
    sign_in_as(client, any_app, staff)
    form = text(client.get(f"/genkikan/manage/facilities/{fid}/details"))
    assert 'value="東京都新宿区架空町1-2-3（架空の住所）"' in form
    data = {
        "address": "東京都新宿区架空町9-9-9（架空の住所）",
        "phone": "03-0000-0999",
        "access_ja": "見本バス「架空前」下車すぐ",
        "access_en": "",
        "hours_ja": "9:00〜21:30",
        "hours_en": "9:00–21:30",
        "closed_note_ja": "",
        "closed_note_en": "",
    }
    bad = client.post(f"/genkikan/manage/facilities/{fid}/details", data={**data, "phone": "call"})
    assert bad.status_code == 400
    assert "数字、ハイフン、かっこで書いてください。" in text(bad)
    with tenant_session(any_app, "genkikan") as session:
        assert session.get(Facility, fid).address == "東京都新宿区架空町1-2-3（架空の住所）"
    saved = client.post(f"/genkikan/manage/facilities/{fid}/details", data=data)
    assert saved.status_code == 303
    with tenant_session(any_app, "genkikan") as session:
        facility = session.get(Facility, fid)
        assert facility.address == "東京都新宿区架空町9-9-9（架空の住所）"
        assert (facility.access_ja, facility.access_en) == ("見本バス「架空前」下車すぐ", None)
        entry = session.scalars(
            sa.select(AccessLog).where(AccessLog.record_type == "facility").order_by(AccessLog.id)
        ).all()[-1]
        assert (entry.action, entry.record_id, entry.actor_id) == ("update", str(fid), staff.id)
        assert entry.detail == "address, phone, access_ja, access_en, hours_ja, hours_en"
    public = any_app.test_client()
    public.set_cookie("lang", "en")
    # Only the Japanese access was kept: English readers see it rather than nothing.
    assert "見本バス「架空前」下車すぐ" in words(text(public.get(f"/genkikan/facilities/{fid}")))
    # A sync fills only empty fields: the staff's address stays.
    tenant = next(t for t in provisioning.list_tenants(any_app) if t.slug == "genkikan")
    provisioning.sync_tenant(any_app, tenant)
    with tenant_session(any_app, "genkikan") as session:
        facility = session.get(Facility, fid)
        assert facility.address == "東京都新宿区架空町9-9-9（架空の住所）"
        assert (
            facility.access_en
            == "5 minutes' walk from Mihon Station on the fictional line (sample)"
        )


def test_residents_and_visitors_cannot_edit(any_app: Flask) -> None:
    fid = facility_id(any_app, "genkikan", "genkikan")
    response = any_app.test_client().get(f"/genkikan/manage/facilities/{fid}/details")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_photos_come_from_the_site_with_alternative_text(any_app: Flask) -> None:
    fid = facility_id(any_app, "genkikan", "genkikan")
    with tenant_session(any_app, "genkikan") as session:
        facility = session.get(Facility, fid)
        facility.photos = [
            {"src": "/static/photos/genkikan.jpg", "alt_ja": "元気館の外観", "alt_en": "Genkikan"}
        ]
        session.commit()
    page = text(any_app.test_client().get(f"/genkikan/facilities/{fid}"))
    assert '<img src="/static/photos/genkikan.jpg" alt="元気館の外観" loading="lazy">' in page


def test_a_photo_from_elsewhere_is_refused_in_tenant_toml() -> None:
    for src in (
        "https://example.jp/a.jpg",
        "/static/../secret",
        "/static/a/../../app.py",
        "javascript:alert(1)",
    ):
        try:
            Photo(src=src, alt=LocalizedText(ja="写真", en="Photo"))
        except ValidationError:
            continue
        raise AssertionError(f"{src} was accepted")
    assert Photo(src="/static/a.jpg", alt=LocalizedText(ja="写真", en="Photo")).src
