"""Tenant configuration: the ``tenants/<slug>/tenant.toml`` format and its validation.

Each operator (Regasu, Genkikan, ...) describes its facilities, rooms, slot divisions,
group categories, closed days and enabled plugins in one TOML file. Everything here is
checked at load time so that a typo in that file stops the app with a message naming the
file and the key (``tenants/genkikan/tenant.toml: facilities[0].rooms[1].capacity: ...``)
instead of surfacing later as a wrong booking grid.
"""

from __future__ import annotations

import datetime
import difflib
import itertools
import pathlib
import tomllib
import types
import typing
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, NoReturn

import jpholiday
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

SLUG_PATTERN = r"^[a-z][a-z0-9_]{1,30}$"
"""Tenant slugs become schema and role names (docs/architecture.md), hence the narrow alphabet."""

NonEmpty = Annotated[str, Field(min_length=1)]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
UrlCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
MonthDay = Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = typing.get_args(Weekday)


class TenantConfigError(Exception):
    """A tenant file is unreadable or invalid; ``str()`` names the file, key and reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file = file
        self.key = key
        self.reason = reason


def _fail(path: str, message: str) -> NoReturn:
    """Raise a validation error whose key is refined by ``path`` (relative to the model)."""
    raise PydanticCustomError("tenant_config", message, {"path": path})


def _duplicates(codes: Iterable[str]) -> list[int]:
    """Indexes of codes that already appeared earlier in ``codes``."""
    seen: set[str] = set()
    dupes = []
    for i, code in enumerate(codes):
        if code in seen:
            dupes.append(i)
        seen.add(code)
    return dupes


class _Model(BaseModel):
    """Base: immutable, and unknown keys are errors so typos in the TOML are caught."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalizedText(_Model):
    """A user-facing text in Japanese (the default) and English."""

    ja: NonEmpty
    en: NonEmpty

    def get(self, locale: str) -> str:
        """The text for ``locale`` ("en", "en_US", ...); Japanese for anything else."""
        return self.en if locale.lower().startswith("en") else self.ja


class GroupCategory(_Model):
    """A registered-group category (区民団体, 区外団体, 登録団体, ...)."""

    code: Code
    name: LocalizedText
    resident: bool


class Registration(_Model):
    """How long a group registration lasts and when renewal opens."""

    validity_months: int = Field(default=24, gt=0)
    renewal_opens_months_before: int = Field(default=2, ge=0)

    @model_validator(mode="after")
    def _renewal_within_validity(self) -> Registration:
        if self.renewal_opens_months_before >= self.validity_months:
            _fail("renewal_opens_months_before", "must be less than validity_months")
        return self


class SlotDef(_Model):
    """One slot division (区分) of a day: local wall-clock ``start``..``end``."""

    code: Code
    name: LocalizedText
    start: datetime.time
    end: datetime.time

    @model_validator(mode="after")
    def _valid_range(self) -> SlotDef:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            _fail("start", "use a local wall-clock time without a UTC offset")
        if self.end <= self.start:
            _fail("end", f"end {self.end:%H:%M} must be after start {self.start:%H:%M}")
        return self


class FullDaySet(_Model):
    """A set of slots booked, won or lost together (全日)."""

    code: Code
    name: LocalizedText
    slots: list[Code] = Field(min_length=1)


def _check_slot_list(slots: list[SlotDef], field: str) -> None:
    """Codes unique and time ranges disjoint within one day's slot list."""
    for i in _duplicates(s.code for s in slots):
        _fail(f"{field}[{i}].code", f"duplicate slot code '{slots[i].code}'")
    ordered = sorted(enumerate(slots), key=lambda pair: pair[1].start)
    for (_, prev), (i, cur) in itertools.pairwise(ordered):
        if cur.start < prev.end:
            _fail(f"{field}[{i}].start", f"slot '{cur.code}' overlaps slot '{prev.code}'")


class SlotScheme(_Model):
    """The slot divisions of a room: weekdays, and weekends/national holidays."""

    weekday: list[SlotDef] = Field(min_length=1)
    holiday: list[SlotDef] | None = Field(default=None, min_length=1)
    """None: weekends and national holidays use the weekday slots."""
    full_day: list[FullDaySet] = []

    @model_validator(mode="after")
    def _consistent(self) -> SlotScheme:
        _check_slot_list(self.weekday, "weekday")
        if self.holiday is not None:
            _check_slot_list(self.holiday, "holiday")
        slot_codes = {s.code for s in self.weekday} | {s.code for s in self.holiday or []}
        for i in _duplicates(f.code for f in self.full_day):
            _fail(f"full_day[{i}].code", f"duplicate full-day code '{self.full_day[i].code}'")
        for i, full in enumerate(self.full_day):
            if full.code in slot_codes:
                _fail(f"full_day[{i}].code", f"'{full.code}' is already a slot code")
            for j in _duplicates(full.slots):
                _fail(f"full_day[{i}].slots[{j}]", f"slot '{full.slots[j]}' listed twice")
            for field, slots in (("weekday", self.weekday), ("holiday", self.holiday)):
                if slots is None:
                    continue
                known = [s.code for s in slots]
                for j, code in enumerate(full.slots):
                    if code not in known:
                        _fail(
                            f"full_day[{i}].slots[{j}]",
                            f"unknown slot '{code}' (not in {field}: {', '.join(known)})",
                        )
        return self

    def slots_for(self, day: datetime.date) -> list[SlotDef]:
        """The slots offered on ``day`` (the holiday list on weekends and holidays)."""
        if self.holiday is not None and is_holiday_rates(day):
            return self.holiday
        return self.weekday


class Room(_Model):
    """A bookable room, hall, court or ground of a facility."""

    code: UrlCode
    name: LocalizedText
    capacity: int = Field(gt=0)
    area_m2: float | None = Field(default=None, gt=0)
    equipment: list[NonEmpty] = []
    slot_scheme: Code
    sample: bool = False
    """True while name/capacity are samples the operator replaces."""


class NthWeekday(_Model):
    """A monthly closed day such as "4th Monday (the next day if that is a holiday)"."""

    n: int = Field(ge=1, le=5)
    weekday: Weekday
    next_day_if_holiday: bool = True

    def date_in(self, year: int, month: int) -> datetime.date | None:
        """The closed date this rule gives in ``year``/``month`` (may fall in the next month)."""
        first = datetime.date(year, month, 1)
        offset = (WEEKDAYS.index(self.weekday) - first.weekday()) % 7
        day = first + datetime.timedelta(days=offset + 7 * (self.n - 1))
        if day.month != month:
            return None  # no 5th such weekday this month
        while self.next_day_if_holiday and jpholiday.is_holiday(day):
            day += datetime.timedelta(days=1)
        return day


class AnnualRange(_Model):
    """Closed every year from ``start`` to ``end`` ("MM-DD", inclusive; may wrap the year)."""

    start: MonthDay
    end: MonthDay

    @field_validator("start", "end")
    @classmethod
    def _real_date(cls, value: str) -> str:
        try:
            datetime.date.fromisoformat(f"2000-{value}")  # a leap year: 02-29 is real
        except ValueError:
            raise PydanticCustomError(
                "month_day", "'{value}' is not a real MM-DD date", {"value": value}
            ) from None
        return value

    def contains(self, day: datetime.date) -> bool:
        """True when ``day`` falls in this range."""
        md = f"{day.month:02d}-{day.day:02d}"
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end


class ClosedDays(_Model):
    """Recurring closed days (休館日); ad-hoc closures are data, not configuration."""

    nth_weekdays: list[NthWeekday] = []
    date_ranges: list[AnnualRange] = []
    national_holidays_closed: bool = False


class Photo(_Model):
    """A picture of a facility, served by the site itself (``/static/…``: the pages' content
    security policy loads images from this origin only), with its alternative text."""

    src: Annotated[str, Field(pattern=r"^/static/[A-Za-z0-9_-][A-Za-z0-9_./-]*$", max_length=300)]
    alt: LocalizedText

    @field_validator("src")
    @classmethod
    def _no_parent(cls, value: str) -> str:
        if ".." in value.split("/"):
            raise PydanticCustomError("photo_src", "'{value}' leaves /static/", {"value": value})
        return value


class Purpose(_Model):
    """A purpose or sport (利用目的・種目) residents search by, and the rooms that suit it.

    ``rooms`` names rooms as ``"facility/room"``; ``kinds`` whole facility kinds
    (``sports``); a room suits the purpose when either names it.
    """

    code: Code
    name: LocalizedText
    kinds: list[Code] = []
    rooms: list[str] = []


class Facility(_Model):
    """A facility (館) with its rooms and what the public page says about it."""

    code: UrlCode
    name: LocalizedText
    kind: Code
    """e.g. "culture", "learning", "sports", "community"."""
    address: str | None = None
    access: LocalizedText | None = None
    """How to get there (stations, buses)."""
    hours: LocalizedText | None = None
    """Opening hours in words (the slots themselves come from the slot schemes)."""
    closed_note: LocalizedText | None = None
    """Anything about closed days the rules below do not say."""
    phone: Annotated[str, Field(max_length=40)] | None = None
    photos: list[Photo] = []
    closed_days: ClosedDays | None = None
    """None: the tenant's closed days apply."""
    rooms: list[Room] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_rooms(self) -> Facility:
        for i in _duplicates(r.code for r in self.rooms):
            _fail(f"rooms[{i}].code", f"duplicate room code '{self.rooms[i].code}'")
        return self

    def room(self, code: str) -> Room | None:
        """The room with ``code``, or None."""
        return next((r for r in self.rooms if r.code == code), None)


class PluginSpec(_Model):
    """An enabled plugin; ``params`` are validated by the plugin itself."""

    name: Code
    params: dict[str, Any] = {}


class Retention(_Model):
    """How long personal data is kept (the ward's deletion duty, docs/domain.md)."""

    personal_data_months_after_expiry: int = Field(default=12, ge=0)
    pending_application_months: int = Field(default=6, ge=1)
    """An application nobody decided on is erased this many months after it was made."""
    backup_days: int = Field(default=35, ge=1)
    """Backup files older than this many days are deleted (the ledger keeps their row)."""
    access_log_network_days: int = Field(default=90, ge=1)
    """Access-log entries older than this lose the client's address and browser (reduced)."""


class TenantConfig(_Model):
    """One tenant's ``tenant.toml``."""

    slug: Annotated[str, Field(pattern=SLUG_PATTERN)]
    name: LocalizedText
    operator: LocalizedText
    sample: bool = False
    """True when values are samples the operator replaces; ``sample_note`` says so."""
    sample_note: LocalizedText | None = None
    timezone: str = "Asia/Tokyo"
    group_categories: list[GroupCategory] = Field(min_length=1)
    registration: Registration = Registration()
    slot_schemes: dict[Code, SlotScheme] = Field(min_length=1)
    facilities: list[Facility] = Field(min_length=1)
    purposes: list[Purpose] = []
    """利用目的・種目 offered in the search, in this order."""
    closed_days: ClosedDays = ClosedDays()
    counter_closes: datetime.time = datetime.time(17, 0)
    """When the counter stops taking payments: a payment deadline's last moment that day."""
    plugins: list[PluginSpec] = []
    retention: Retention = Retention()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError(
                "timezone", "unknown time zone '{value}'", {"value": value}
            ) from None
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> TenantConfig:
        if self.sample and self.sample_note is None:
            _fail("sample_note", "required when sample = true (tell users what is a sample)")
        for i in _duplicates(c.code for c in self.group_categories):
            _fail(f"group_categories[{i}].code", "duplicate category code")
        for i in _duplicates(f.code for f in self.facilities):
            _fail(f"facilities[{i}].code", f"duplicate facility code '{self.facilities[i].code}'")
        for i in _duplicates(p.name for p in self.plugins):
            _fail(f"plugins[{i}].name", f"plugin '{self.plugins[i].name}' enabled twice")
        for i, facility in enumerate(self.facilities):
            for j, room in enumerate(facility.rooms):
                if room.slot_scheme not in self.slot_schemes:
                    known = ", ".join(sorted(self.slot_schemes))
                    _fail(
                        f"facilities[{i}].rooms[{j}].slot_scheme",
                        f"unknown slot scheme '{room.slot_scheme}' (known: {known})",
                    )
        for i in _duplicates(p.code for p in self.purposes):
            _fail(f"purposes[{i}].code", f"duplicate purpose code '{self.purposes[i].code}'")
        for i, purpose in enumerate(self.purposes):
            for j, key in enumerate(purpose.rooms):
                facility_code, _, room_code = key.partition("/")
                if self.room(facility_code, room_code) is None:
                    _fail(f"purposes[{i}].rooms[{j}]", f"unknown room '{key}' (facility/room)")
        return self

    def facility(self, code: str) -> Facility | None:
        """The facility with ``code``, or None."""
        return next((f for f in self.facilities if f.code == code), None)

    def room(self, facility_code: str, room_code: str) -> Room | None:
        """The room ``room_code`` of facility ``facility_code``, or None."""
        facility = self.facility(facility_code)
        return facility.room(room_code) if facility else None

    def category(self, code: str) -> GroupCategory | None:
        """The group category with ``code``, or None."""
        return next((c for c in self.group_categories if c.code == code), None)

    def plugin(self, name: str) -> PluginSpec | None:
        """The enabled plugin called ``name``, or None."""
        return next((p for p in self.plugins if p.name == name), None)

    def scheme_of(self, room: Room) -> SlotScheme:
        """The slot scheme a room uses (always present after validation)."""
        return self.slot_schemes[room.slot_scheme]

    def closed_days_for(self, facility_code: str) -> ClosedDays:
        """A facility's own closed days if it has them, else the tenant's."""
        facility = self.facility(facility_code)
        if facility is not None and facility.closed_days is not None:
            return facility.closed_days
        return self.closed_days


def is_holiday_rates(day: datetime.date) -> bool:
    """True on Saturdays, Sundays and national holidays (weekend/holiday slots and fees)."""
    return day.weekday() >= 5 or bool(jpholiday.is_holiday(day))


def is_closed_by_rule(cfg: ClosedDays, day: datetime.date) -> bool:
    """True when the recurring rules in ``cfg`` close the facility on ``day``."""
    if cfg.national_holidays_closed and jpholiday.is_holiday(day):
        return True
    if any(r.contains(day) for r in cfg.date_ranges):
        return True
    # A rule's shifted date can spill into the next month (5th Monday + holiday).
    prev_month = day.replace(day=1) - datetime.timedelta(days=1)
    months = ((day.year, day.month), (prev_month.year, prev_month.month))
    return any(rule.date_in(y, m) == day for rule in cfg.nth_weekdays for y, m in months)


# --- loading -------------------------------------------------------------------------


def _key(loc: Iterable[int | str]) -> str:
    """``("facilities", 0, "rooms", 1, "capacity")`` -> ``facilities[0].rooms[1].capacity``."""
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    return key


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class found at ``loc``, walking through lists, dicts and optionals."""
    tp: Any = TenantConfig
    try:
        for step in (*loc, None):
            while typing.get_origin(tp) in (Annotated, typing.Union, types.UnionType):
                tp = next(a for a in typing.get_args(tp) if a is not type(None))
            if step is None:
                break
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                tp = tp.model_fields[str(step)].annotation
            else:  # a list index or a dict key
                tp = typing.get_args(tp)[-1]
    except (KeyError, IndexError, StopIteration):
        return None
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unknown_key_reason(loc: tuple[int | str, ...]) -> str:
    """A readable reason for an unknown key, suggesting the closest allowed one."""
    model = _model_at(loc[:-1])
    if model is None:
        return "unknown key"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    if close:
        return f"unknown key (did you mean '{close[0]}'?)"
    return f"unknown key (allowed: {', '.join(allowed)})"


def validate_tenant_data(data: Mapping[str, Any], file: str = "<data>") -> TenantConfig:
    """Validate already-parsed TOML data; errors become :class:`TenantConfigError`."""
    try:
        return TenantConfig.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # A typo gives "unknown key" plus "Field required"; the unknown key explains both.
        err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        loc = tuple(err["loc"])
        path = (err.get("ctx") or {}).get("path")
        key = ".".join(part for part in (_key(loc), path) if part)
        if err["type"] == "extra_forbidden":
            reason = _unknown_key_reason(loc)
        else:
            reason = str(err["msg"]).removeprefix("Value error, ")
        raise TenantConfigError(file, key or "(root)", reason) from None


def load_tenant_config(path: pathlib.Path) -> TenantConfig:
    """Read and validate a ``tenant.toml``; every problem is a :class:`TenantConfigError`."""
    file = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise TenantConfigError(file, "(file)", exc.strerror or str(exc)) from None
    except UnicodeDecodeError as exc:
        raise TenantConfigError(file, "(file)", f"not UTF-8: {exc.reason}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TenantConfigError(file, "(syntax)", str(exc)) from None
    return validate_tenant_data(data, file)
