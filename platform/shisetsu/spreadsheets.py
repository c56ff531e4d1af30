"""The one CSV writer: cells a spreadsheet would evaluate are neutralised, numbers stay numbers.

Excel and LibreOffice run a cell starting with ``=``, ``+``, ``-`` or ``@`` (also tab, CR and
their full-width forms, which Japanese input methods produce) as a formula, so a group name
``=HYPERLINK(…)`` would act in the reader's spreadsheet. Such text cells get a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

ENCODINGS = {"utf-8": "utf-8-sig", "cp932": "cp932"}
# Characters Windows' Shift_JIS spells differently (the "wave dash problem").
CP932_FIXES = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 WAVE DASH → ～
        "\u2212": "\uff0d",  # − MINUS SIGN → －
        "\u2014": "\u2015",  # — EM DASH → ―
        "\u2016": "\u2225",  # ‖ → ∥
        "\u00a2": "\uffe0",
        "\u00a3": "\uffe1",
        "\u00ac": "\uffe2",
        "\u2013": "-",  # – EN DASH (slot times) → -
    }
)
# What a spreadsheet takes as the start of a formula (ASCII and full-width forms).
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")

Cell = str | int | Decimal | None


def safe_cell(value: Cell) -> str:
    """``value`` as CSV text; a text cell a spreadsheet would evaluate gets a leading ``'``.

    Integers and decimals (also a text that is just a signed number, such as a refund of
    ``-500``) stay as they are, so sums still work.
    """
    if value is None:
        return ""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text and text[0] in FORMULA_STARTS and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def to_csv(rows: Iterable[Sequence[Cell]], encoding: str) -> bytes:
    """CSV bytes: ``utf-8`` (with a BOM) or ``cp932`` (unmappable characters become ?)."""
    codec = ENCODINGS[encoding]
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [safe_cell(cell) for cell in row] for row in rows
    )
    text = buffer.getvalue()
    if codec == "cp932":
        return text.translate(CP932_FIXES).encode("cp932", errors="replace")
    return text.encode(codec)
