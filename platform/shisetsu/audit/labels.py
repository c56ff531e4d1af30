"""What people read about findings: rule names, severities and one sentence per finding."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shisetsu.audit.forms import ACTION_CHOICES
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
