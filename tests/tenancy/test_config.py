"""tenant.toml: the shipped files load, broken files fail with file/key/reason, rules."""

from __future__ import annotations

import datetime
import pathlib

import jpholiday
import pytest

from shisetsu.tenancy.config import (
    AnnualRange,
    ClosedDays,
    LocalizedText,
    NthWeekday,
    TenantConfigError,
    is_closed_by_rule,
    is_holiday_rates,
    load_tenant_config,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]

BASE = """\
slug = "demo"
name = { ja = "デモ", en = "Demo" }
operator = { ja = "運営者", en = "Operator" }

[[group_categories]]
code = "registered"
name = { ja = "登録団体", en = "Registered group" }
resident = true

[slot_schemes.standard]
weekday = [
    { code = "am", name = { ja = "午前", en = "Morning" }, start = "09:00", end = "12:00" },
    { code = "pm", name = { ja = "午後", en = "Afternoon" }, start = "13:00", end = "17:00" },
]
full_day = [{ code = "full", name = { ja = "全日", en = "Full day" }, slots = ["am", "pm"] }]

[[facilities]]
code = "hall"
name = { ja = "会館", en = "Hall" }
kind = "community"

[[facilities.rooms]]
code = "room-a"
name = { ja = "会議室A", en = "Room A" }
capacity = 30
slot_scheme = "standard"

[[facilities.rooms]]
code = "room-b"
name = { ja = "会議室B", en = "Room B" }
capacity = 20
slot_scheme = "standard"
"""


def write(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = tmp_path / "tenant.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("slug", ["regasu", "genkikan"])
def test_shipped_tenant_files_load(slug):
    cfg = load_tenant_config(ROOT / "tenants" / slug / "tenant.toml")
    assert cfg.slug == slug
    assert cfg.sample and cfg.sample_note is not None
    assert cfg.plugin(f"{slug}_groups") is not None
    for facility in cfg.facilities:
        for room in facility.rooms:
            assert cfg.scheme_of(room).weekday


def test_regasu_verified_values():
    cfg = load_tenant_config(ROOT / "tenants/regasu/tenant.toml")
    assert len(cfg.facilities) == 8
    hall = cfg.room("history-museum", "auditorium")
    assert hall is not None and not hall.sample
    assert (hall.capacity, hall.area_m2) == (120, 168.0)
    scheme = cfg.scheme_of(hall)
    assert [(s.start, s.end) for s in scheme.weekday] == [
        (datetime.time(9, 30), datetime.time(12, 30)),
        (datetime.time(13, 0), datetime.time(17, 0)),
    ]
    assert scheme.full_day[0].slots == ["am", "pm"]
    hourly = cfg.slot_schemes["hourly"].weekday
    assert [s.code for s in hourly] == [f"h{h:02d}" for h in range(9, 22)]
    resident = cfg.category("resident")
    assert resident is not None and resident.resident
    plugin = cfg.plugin("regasu_groups")
    assert plugin is not None and plugin.params["children_min_members"] == 10


def test_base_fixture_is_valid(tmp_path):
    cfg = load_tenant_config(write(tmp_path, BASE))
    assert cfg.facility("hall") is not None
    assert cfg.facility("nope") is None
    assert cfg.room("hall", "room-z") is None
    assert cfg.timezone == "Asia/Tokyo"
    assert cfg.registration.validity_months == 24
    assert cfg.closed_days_for("hall") == cfg.closed_days


BROKEN = [
    # (id, old text, new text, expected key, fragment of the reason)
    ("missing-en", ', en = "Demo" }', " }", "name.en", "Field required"),
    (
        "capacity-0",
        "capacity = 20",
        "capacity = 0",
        "facilities[0].rooms[1].capacity",
        "greater than 0",
    ),
    (
        "unknown-scheme",
        'capacity = 20\nslot_scheme = "standard"',
        'capacity = 20\nslot_scheme = "evening"',
        "facilities[0].rooms[1].slot_scheme",
        "unknown slot scheme 'evening'",
    ),
    ("bad-slug", 'slug = "demo"', 'slug = "Demo-1"', "slug", "should match pattern"),
    (
        "top-level-typo",
        'slug = "demo"',
        'slug = "demo"\ntimezon = "Asia/Tokyo"',
        "timezon",
        "did you mean 'timezone'",
    ),
    (
        "nested-typo",
        "capacity = 30",
        "capacty = 30",
        "facilities[0].rooms[0].capacty",
        "did you mean 'capacity'",
    ),
    ("syntax", "capacity = 30", "capacity = = 30", "(syntax)", "line 25"),
    (
        "end-before-start",
        'start = "13:00", end = "17:00"',
        'start = "13:00", end = "12:30"',
        "slot_schemes.standard.weekday[1].end",
        "end 12:30 must be after start 13:00",
    ),
    (
        "overlap",
        'start = "13:00"',
        'start = "11:00"',
        "slot_schemes.standard.weekday[1].start",
        "overlaps slot 'am'",
    ),
    (
        "full-day-unknown-slot",
        'slots = ["am", "pm"]',
        'slots = ["am", "eve"]',
        "slot_schemes.standard.full_day[0].slots[1]",
        "unknown slot 'eve'",
    ),
    (
        "duplicate-room",
        'code = "room-b"',
        'code = "room-a"',
        "facilities[0].rooms[1].code",
        "duplicate room code 'room-a'",
    ),
    ("bad-time", '"09:00"', '"9 o\'clock"', "slot_schemes.standard.weekday[0].start", "valid time"),
    (
        "bad-month-day",
        'slug = "demo"',
        'slug = "demo"\nclosed_days = { date_ranges = [{ start = "02-30", end = "03-01" }] }',
        "closed_days.date_ranges[0].start",
        "not a real MM-DD date",
    ),
    (
        "bad-timezone",
        'slug = "demo"',
        'slug = "demo"\ntimezone = "Asia/Shinjuku"',
        "timezone",
        "unknown time zone",
    ),
    (
        "sample-without-note",
        'slug = "demo"',
        'slug = "demo"\nsample = true',
        "sample_note",
        "required when sample = true",
    ),
    ("no-rooms", "", "", "facilities[0].rooms", "Field required"),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_broken_files_name_the_key(tmp_path, old, new, key, reason):
    if old:
        assert old in BASE
        text = BASE.replace(old, new, 1)
    else:  # drop every room of the facility
        text = BASE.split("[[facilities.rooms]]")[0]
    path = write(tmp_path, text)
    with pytest.raises(TenantConfigError) as info:
        load_tenant_config(path)
    err = info.value
    assert (err.file, err.key) == (str(path), key)
    assert reason in err.reason
    assert str(err) == f"{path}: {key}: {err.reason}"


def test_duplicate_facility_code(tmp_path):
    extra = BASE.split("[[facilities]]")[1]
    path = write(tmp_path, BASE + "\n[[facilities]]" + extra)
    with pytest.raises(TenantConfigError, match=r"facilities\[1\]\.code: duplicate facility"):
        load_tenant_config(path)


def test_unreadable_file(tmp_path):
    with pytest.raises(TenantConfigError) as info:
        load_tenant_config(tmp_path / "missing.toml")
    assert info.value.key == "(file)"
    assert "No such file" in info.value.reason


def test_localized_text_falls_back_to_japanese():
    text = LocalizedText(ja="講堂", en="Auditorium")
    assert text.get("en") == "Auditorium"
    assert text.get("en_US") == "Auditorium"
    assert text.get("ja") == "講堂"
    assert text.get("fr") == "講堂"


# --- closed days and holiday rates -----------------------------------------------------

RULES = ClosedDays(
    nth_weekdays=[NthWeekday(n=4, weekday="mon")],
    date_ranges=[AnnualRange(start="12-29", end="01-03")],
)
D = datetime.date


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        (D(2026, 1, 26), True),  # 4th Monday of January 2026, not a holiday
        (D(2026, 1, 27), False),
        (D(2026, 1, 19), False),  # 3rd Monday
        (D(2026, 2, 23), False),  # 4th Monday but 天皇誕生日 ...
        (D(2026, 2, 24), True),  # ... so the Tuesday is closed instead
        (D(2025, 12, 28), False),
        (D(2025, 12, 29), True),
        (D(2026, 1, 1), True),
        (D(2026, 1, 3), True),
        (D(2026, 1, 4), False),
    ],
)
def test_closed_day_rules(day, closed):
    assert is_closed_by_rule(RULES, day) is closed


def fourth_mondays_that_are_holidays() -> list[datetime.date]:
    """Every 4th Monday in 2024–2030 that jpholiday calls a holiday."""
    found = []
    for year in range(2024, 2031):
        for month in range(1, 13):
            day = NthWeekday(n=4, weekday="mon", next_day_if_holiday=False).date_in(year, month)
            if day is not None and jpholiday.is_holiday(day):
                found.append(day)
    return found


def test_holiday_monday_shifts_to_next_day():
    cases = fourth_mondays_that_are_holidays()
    assert cases, "expected at least one 4th Monday on a national holiday"
    for monday in cases:
        tuesday = monday + datetime.timedelta(days=1)
        assert not jpholiday.is_holiday(tuesday)
        assert not is_closed_by_rule(RULES, monday)
        assert is_closed_by_rule(RULES, tuesday)


def test_no_shift_when_disabled():
    rules = ClosedDays(nth_weekdays=[NthWeekday(n=4, weekday="mon", next_day_if_holiday=False)])
    assert is_closed_by_rule(rules, D(2026, 2, 23))
    assert not is_closed_by_rule(rules, D(2026, 2, 24))


def test_fifth_weekday_only_in_months_that_have_one():
    rule = NthWeekday(n=5, weekday="fri")
    assert rule.date_in(2026, 1) == D(2026, 1, 30)
    assert rule.date_in(2026, 2) is None


def test_national_holidays_closed():
    rules = ClosedDays(national_holidays_closed=True)
    assert is_closed_by_rule(rules, D(2026, 2, 23))
    assert not is_closed_by_rule(rules, D(2026, 2, 24))
    assert not is_closed_by_rule(ClosedDays(), D(2026, 2, 23))


@pytest.mark.parametrize(
    ("day", "holiday_rates"),
    [
        (D(2026, 1, 10), True),  # Saturday
        (D(2026, 1, 11), True),  # Sunday
        (D(2026, 2, 23), True),  # Monday, 天皇誕生日
        (D(2026, 1, 27), False),  # plain Tuesday
    ],
)
def test_is_holiday_rates(day, holiday_rates):
    assert is_holiday_rates(day) is holiday_rates


FULL_DAY = (
    'full_day = [{ code = "full", name = { ja = "全日", en = "Full day" }, '
    'slots = ["am", "pm"] }]\n'
)
HOLIDAY = (
    'holiday = [{ code = "day", name = { ja = "終日", en = "All day" }, '
    'start = "09:00", end = "17:00" }]\n'
)


def test_full_day_must_exist_on_holidays_too(tmp_path):
    path = write(tmp_path, BASE.replace(FULL_DAY, HOLIDAY + FULL_DAY))
    with pytest.raises(TenantConfigError) as info:
        load_tenant_config(path)
    assert info.value.key == "slot_schemes.standard.full_day[0].slots[0]"
    assert "not in holiday" in info.value.reason


def test_holiday_slots_are_used_on_weekends_and_holidays(tmp_path):
    cfg = load_tenant_config(write(tmp_path, BASE.replace(FULL_DAY, HOLIDAY)))
    scheme = cfg.slot_schemes["standard"]
    assert [s.code for s in scheme.slots_for(D(2026, 1, 27))] == ["am", "pm"]  # Tuesday
    assert [s.code for s in scheme.slots_for(D(2026, 1, 10))] == ["day"]  # Saturday
    assert [s.code for s in scheme.slots_for(D(2026, 2, 23))] == ["day"]  # 天皇誕生日


@pytest.mark.parametrize("value", ["1-05", "13-01", "12-32", "1229"])
def test_month_day_must_be_mm_dd(value):
    with pytest.raises(ValueError):
        AnnualRange(start=value, end="01-03")


def test_wrapping_and_plain_ranges():
    plain = AnnualRange(start="08-13", end="08-16")
    assert plain.contains(D(2026, 8, 13)) and not plain.contains(D(2026, 8, 17))
    wrap = AnnualRange(start="12-29", end="01-03")
    assert wrap.contains(D(2026, 12, 31)) and not wrap.contains(D(2026, 6, 1))


PURPOSES = """
[[purposes]]
code = "meeting"
name = { ja = "会議", en = "Meetings" }
rooms = ["hall/room-a"]
kinds = ["community"]
"""


def test_purposes_name_their_rooms(tmp_path):
    config = load_tenant_config(write(tmp_path, BASE + PURPOSES))
    (purpose,) = config.purposes
    assert (purpose.code, purpose.rooms, purpose.kinds) == (
        "meeting",
        ["hall/room-a"],
        ["community"],
    )


def test_a_purpose_naming_an_unknown_room_is_refused(tmp_path):
    path = write(tmp_path, BASE + PURPOSES.replace("hall/room-a", "hall/room-z"))
    with pytest.raises(
        TenantConfigError, match=r"purposes\[0\]\.rooms\[0\]: unknown room 'hall/room-z'"
    ):
        load_tenant_config(path)


def test_facility_details_and_photos(tmp_path):
    details = (
        'address = "東京都新宿区架空町1-1（架空）"\n'
        'hours = { ja = "9時〜17時", en = "9:00–17:00" }\n'
        'photos = [{ src = "/static/hall.jpg", alt = { ja = "会館", en = "The hall" } }]\n'
    )
    text = BASE.replace('kind = "community"\n', 'kind = "community"\n' + details, 1)
    facility = load_tenant_config(write(tmp_path, text)).facilities[0]
    assert facility.hours is not None and facility.hours.en == "9:00–17:00"
    assert facility.photos[0].src == "/static/hall.jpg"
    bad = text.replace("/static/hall.jpg", "https://example.jp/hall.jpg")
    with pytest.raises(TenantConfigError, match=r"facilities\[0\]\.photos\[0\]\.src"):
        load_tenant_config(write(tmp_path, bad))
