"""What people read about findings: rule names, severities and one sentence per finding."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shisetsu.audit.forms import ACTION_CHOICES, RECORD_CHOICES
from shisetsu.audit.models import Finding
from shisetsu.people.roles import ROLE_LABELS

RULE_LABELS: dict[str, LazyString] = {
    "bulk_view": _l("Bulk viewing of personal data"),
    "off_hours": _l("Personal data viewed outside opening hours"),
    "export": _l("Export of personal data"),
    "login_failures": _l("Repeated refused sign-ins"),
    "dormant": _l("Dormant staff account used"),
    "removed": _l("Activity of a removed staff account"),
    "permissions": _l("Change of permissions"),
    "search_volume": _l("Unusually many searches of personal data"),
}
SEVERITY_LABELS: dict[str, LazyString] = {
    "low": _l("low"),
    "medium": _l("medium"),
    "high": _l("high"),
}


def rule_label(rule: str) -> str:
    """The rule's name, or its code for a rule this version does not know."""
    return str(RULE_LABELS.get(rule, rule))


def severity_label(severity: str) -> str:
    return str(SEVERITY_LABELS.get(severity, severity))


def describe(finding: Finding) -> str:
    """One sentence saying what was found (figures only; the log has the entries)."""
    data = finding.data or {}
    actor = data.get("actor") or finding.subject
    if finding.rule == "bulk_view":
        return _(
            "%(actor)s opened %(records)s different personal records in one day "
            "(more than %(threshold)s).",
            actor=actor,
            records=data.get("records", finding.count),
            threshold=data.get("threshold", "?"),
        )
    if finding.rule == "off_hours":
        return _(
            "Personal data opened by %(actor)s outside %(start)s:00–%(end)s:00: %(count)s, "
            "between %(first)s and %(last)s.",
            actor=actor,
            count=finding.count,
            first=data.get("first", "?"),
            last=data.get("last", "?"),
            start=data.get("start_hour", "?"),
            end=data.get("end_hour", "?"),
        )
    if finding.rule == "export":
        return _(
            "Exports of personal data by %(actor)s: %(count)s.", actor=actor, count=finding.count
        )
    if finding.rule == "login_failures":
        who = data.get("login") or data.get("ip") or finding.subject
        return _(
            "Refused sign-ins for %(who)s: %(count)s (threshold %(threshold)s).",
            count=finding.count,
            who=who,
            threshold=data.get("threshold", "?"),
        )
    if finding.rule == "dormant":
        return _(
            "%(actor)s used an account that had not been used for %(days)s days.",
            actor=actor,
            days=data.get("idle_days", "?"),
        )
    if finding.rule == "removed":
        return _(
            "Actions under the account of %(actor)s after its removal: %(count)s.",
            actor=actor,
            count=finding.count,
        )
    if finding.rule == "permissions":
        return _(
            "Permission changes made by %(actor)s: %(count)s.", actor=actor, count=finding.count
        )
    if finding.rule == "search_volume":
        return _(
            "%(actor)s searched personal data %(count)s times in one day, %(phone)s of them "
            "by phone number (threshold %(threshold)s).",
            actor=actor,
            count=finding.count,
            phone=data.get("by_phone", "?"),
            threshold=data.get("threshold", "?"),
        )
    return _("Log entries matched: %(count)s.", count=finding.count)


ACTOR_KIND_LABELS: dict[str, LazyString] = {
    "resident": _l("Resident"),
    "staff": _l("Staff"),
    "auditor": _l("Ward auditor"),
    "system": _l("System"),
    "anonymous": _l("Not signed in"),
}


def log_actor(kind: str, role: str | None) -> str:
    """Who acted, in words: the kind and (for staff) the role, e.g. "Staff, Handler"."""
    words = str(ACTOR_KIND_LABELS.get(kind, kind))
    if role and role != kind:
        words = _("%(kind)s, %(role)s", kind=words, role=ROLE_LABELS.get(role, role))
    return words


def log_action(action: str) -> str:
    """The logged action in words (the search form's choices), or its code if unknown."""
    labels = {choice.value: choice.label for choice in ACTION_CHOICES if choice.value}
    return str(labels.get(action, action))


def log_record(record_type: str | None, record_id: str | None) -> str:
    """What an entry is about, in words, with its number: "Group 12", "Access log"."""
    if not record_type:
        return "—"
    labels = {choice.value: choice.label for choice in RECORD_CHOICES if choice.value}
    words = str(labels.get(record_type, record_type))
    return f"{words} {record_id}" if record_id else words


# The log keeps each entry's detail as written (it is hashed); these give people the words.
# A detail that is neither listed nor matches a pattern is shown as written.
DETAIL_LABELS: dict[str, LazyString] = {
    "bad_credentials": _l("wrong login or password"),
    "locked": _l("account locked after repeated failures"),
    "wrong_code": _l("wrong one-time code"),
    "otp_required": _l("one-time code missing"),
    "unverified": _l("e-mail address not verified yet"),
    "totp": _l("with a one-time code"),
    "recovery": _l("with a recovery code"),
    "totp enrolled": _l("one-time codes set up"),
    "api token": _l("for an API token"),
    "pdf": _l("as a PDF"),
    "permit pdf": _l("the permit as a PDF"),
    "search": _l("a search"),
    "approved": _l("registration approved"),
    "application": _l("application made"),
    "withdrawn": _l("registration withdrawn"),
    "signup": _l("account created"),
    "email verified": _l("e-mail address verified"),
    "password reset": _l("password reset by mail"),
    "password changed": _l("password changed"),
    "signed out everywhere": _l("signed out on every device"),
    "language": _l("language changed"),
    "deletion requested": _l("deletion of the account requested"),
    "recovery codes": _l("new recovery codes made"),
    "removed": _l("removed from the roster"),
    "sign-in reset": _l("sign-in reset (new initial password)"),
    "retention purge": _l("erased at the end of its retention period"),
}


def _pattern(regex: str) -> re.Pattern[str]:
    return re.compile(rf"^{regex}$")


DETAIL_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        _pattern(r"added as (?P<role>\w+)"),
        lambda m: _("appointed as %(role)s", role=ROLE_LABELS.get(m["role"], m["role"])),
    ),
    (
        _pattern(r"role (?P<old>\w+) → (?P<new>\w+)"),
        lambda m: _(
            "role changed from %(old)s to %(new)s",
            old=ROLE_LABELS.get(m["old"], m["old"]),
            new=ROLE_LABELS.get(m["new"], m["new"]),
        ),
    ),
    (
        _pattern(
            r"(?P<by>name|phone|number), (?P<chars>\d+) chars, (?P<n>\d+) results, q (?P<q>\w+)"
        ),
        lambda m: _(
            "search by %(by)s (%(chars)s characters, fingerprint %(q)s): %(n)s results",
            by=str(SEARCH_BY_LABELS.get(m["by"], m["by"])),
            chars=m["chars"],
            q=m["q"],
            n=m["n"],
        ),
    ),
    (
        _pattern(r"list, (?P<n>\d+) rows"),
        lambda m: _("a list of %(n)s rows", n=m["n"]),
    ),
    (
        _pattern(r"page (?P<n>\d+)"),
        lambda m: _("page %(n)s", n=m["n"]),
    ),
    (
        _pattern(r"(?P<n>\d+) findings"),
        lambda m: _("%(n)s findings", n=m["n"]),
    ),
    (
        _pattern(r"older than (?P<n>\d+) days"),
        lambda m: _("older than %(n)s days", n=m["n"]),
    ),
    (
        _pattern(r"(?P<n>\d+) records, printed, ledger (?P<ledger>\d+)"),
        lambda m: _(
            "%(n)s records printed (ledger entry %(ledger)s)", n=m["n"], ledger=m["ledger"]
        ),
    ),
    (
        _pattern(r"(?P<n>\d+) rows, (?P<format>\w+), encrypted zip, ledger (?P<ledger>\d+)"),
        lambda m: _(
            "%(n)s rows as %(format)s in an encrypted archive (ledger entry %(ledger)s)",
            n=m["n"],
            format=m["format"].upper(),
            ledger=m["ledger"],
        ),
    ),
]
SEARCH_BY_LABELS: dict[str, LazyString] = {
    "name": _l("name"),
    "phone": _l("phone number"),
    "number": _l("number"),
}


def log_detail(detail: str | None) -> str:
    """An entry's detail in the reader's words where it is one the code writes."""
    if not detail:
        return "—"
    if detail in DETAIL_LABELS:
        return str(DETAIL_LABELS[detail])
    for pattern, words in DETAIL_PATTERNS:
        match = pattern.match(detail)
        if match:
            return words(match)
    return detail
