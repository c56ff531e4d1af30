"""Printed documents: the permit (使用承認書) and the daily processing list, as PDF.

Rendered from Jinja templates (``booking/print/*.html``) with an A4 print stylesheet and
Japanese fonts (IPAex / Noto CJK from the system), then turned into PDF by WeasyPrint.
The permit is in the reader's language: Japanese dated in the Japanese era (令和8年2月1日),
as the ward's forms are, or English with ISO dates.
"""

from __future__ import annotations

import datetime as dt

from flask import render_template
from flask_babel import force_locale

from shisetsu.booking.display import describe_slots, local_date, payment_deadline, room_name, yen
from shisetsu.booking.exports import DailyList
from shisetsu.booking.models import Booking
from shisetsu.dates import format_day, format_deadline, format_wareki
from shisetsu.printing import PrintMark, render_pdf
from shisetsu.tenancy.config import TenantConfig
from shisetsu.tenancy.models import Tenant


def permit_pdf(
    config: TenantConfig,
    tenant: Tenant,
    booking: Booking,
    mark: PrintMark | None = None,
    lang: str = "ja",
) -> bytes:
    """The 使用承認書 of ``booking`` in ``lang`` (Japanese dates in the era, English ones
    ISO); staff prints carry ``mark`` at the foot."""
    japanese = lang != "en"
    lang = "ja" if japanese else "en"

    def day(value: dt.date, *, weekday: bool = True) -> str:
        return format_wareki(value, weekday=weekday) if japanese else format_day(value, lang)

    with force_locale(lang):
        due = payment_deadline(config, booking.payment_due)
        html = render_template(
            "booking/print/permit.html",
            config=config,
            tenant=tenant,
            booking=booking,
            lang=lang,
            room=room_name(booking, lang),
            slots=describe_slots(config, booking, lang),
            issued=day(local_date(booking.created_at, config), weekday=False),
            use_date=day(booking.date),
            due=format_deadline(due, lang, config.timezone, wareki=japanese) if due else None,
            paid_on=(
                day(local_date(booking.paid_at, config), weekday=False) if booking.paid_at else None
            ),
            yen=lambda amount: yen(amount, lang),
            mark=mark,
        )
    return render_pdf(html)


def daily_pdf(
    config: TenantConfig,
    tenant: Tenant,
    daily: DailyList,
    lang: str,
    mark: PrintMark | None = None,
) -> bytes:
    """The daily processing list (日別処理状況リスト) in the reader's language; a print
    carries ``mark`` at the foot of every page."""
    html = render_template(
        "booking/print/daily.html",
        config=config,
        tenant=tenant,
        daily=daily,
        lang=lang,
        day_text=format_wareki(daily.day) if lang == "ja" else format_day(daily.day, lang),
        describe=lambda b: describe_slots(config, b, lang),
        room=lambda b: room_name(b, lang),
        yen=lambda amount: yen(amount, lang),
        mark=mark,
    )
    return render_pdf(html)
