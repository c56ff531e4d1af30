"""What every printed document shares: the Japanese-era date, HTML to PDF, the PDF response.

Permits and daily lists (booking), deletion certificates (retention) and exported daily
lists (exports) are Jinja templates with an A4 print stylesheet and Japanese fonts (IPAex /
Noto CJK from the system), turned into PDF by WeasyPrint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Response

from shisetsu import dates


@dataclass(frozen=True)
class PrintMark:
    """What a printed page of personal data carries at its foot: who printed it, when, its
    ledger number, and what to do with the paper afterwards (``disposal``, already in words)."""

    printed_by: str
    printed_at: str
    ledger_id: int
    disposal: str


def wareki(day: dt.date, *, weekday: bool = False) -> str:
    """``令和8年2月1日`` (元年 for the first year), optionally with ``(日)``."""
    return dates.format_wareki(day, weekday=weekday)


def render_pdf(html: str) -> bytes:
    """A PDF of ``html`` (WeasyPrint; imported here so pages that never print stay light)."""
    import weasyprint

    return bytes(weasyprint.HTML(string=html).write_pdf())


def pdf_response(body: bytes, filename: str, *, inline: bool = True) -> Response:
    """A PDF download that is not cached (it may carry a group's name)."""
    disposition = "inline" if inline else "attachment"
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
