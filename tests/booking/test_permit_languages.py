"""The permit PDF is in the reader's language: Japanese (era dates) or English."""

from __future__ import annotations

import re

from flask import Flask

from tests.fixtures.auth import sign_in_as
from tests.support.booking import book, member, open_day, pdf_blobs, pdf_text_chars, slot


def _permit(app: Flask, lang: str) -> bytes:
    m = member(app, "regasu")
    day = open_day(app, "regasu", "history-museum")
    am = slot(app, "regasu", "history-museum", "auditorium", day, "am")
    booking_id = book(app, "regasu", m.group_id, [am], purpose="Lecture")
    client = app.test_client()
    client.set_cookie("lang", lang)
    sign_in_as(client, app, m.resident)
    response = client.get(f"/regasu/bookings/{booking_id}/permit.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    return response.data


def _titles(pdf: bytes) -> set[str]:
    """The document title and bookmark titles WeasyPrint writes (``<title>``, ``<h1>``)."""
    titles = set()
    for blob in pdf_blobs(pdf):
        for raw in re.findall(rb"/Title\s*(\((?:[^()\\]|\\.)*\)|<[0-9a-fA-F]+>)", blob):
            if raw.startswith(b"<"):
                titles.add(bytes.fromhex(raw[1:-1].decode()).decode("utf-16"))
            else:
                titles.add(raw[1:-1].decode("latin-1"))
    return titles


def test_the_permit_in_english(app: Flask) -> None:
    pdf = _permit(app, "en")
    titles = _titles(pdf)
    assert "Permit of use" in titles  # the heading
    assert any(re.fullmatch(r"Permit of use No\. \d{6}", t) for t in titles)  # the document
    chars = pdf_text_chars(pdf)
    assert set("PermitofusDaHNb") <= chars  # "Permit of use", "Date of use", "Hours", "No."
    assert not set("使用承認書令和記") & chars  # no Japanese form text, no era date


def test_the_permit_in_japanese(app: Flask) -> None:
    pdf = _permit(app, "ja")
    titles = _titles(pdf)
    assert "使用承認書" in titles
    assert any(re.fullmatch(r"使用承認書 第\d{6}号", t) for t in titles)
    assert set("使用承認書令和記納付") <= pdf_text_chars(pdf)
