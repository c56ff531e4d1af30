"""Mail to a group's applicant, written to the outbox in the decision's transaction.

Mail about a group goes to its contact person (連絡担当者) at ``contact_email``, the
address the ward approved for it (:func:`group_address`); the account's own address is
for signing in and mail about the account only. Each mail is in the applicant's language
(their account's ``locale``; both languages when it is unknown) and keyed by the event it
reports, so reporting it twice mails once. The text is built with ``gettext`` here (not in
a template) so the catalogues pick it up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask_babel import gettext
from sqlalchemy.orm import Session

from shisetsu.dates import format_day
from shisetsu.groups.models import APPROVED, Group
from shisetsu.groups.operations import renewal_opens_on
from shisetsu.i18n import current_locale
from shisetsu.notify import compose, queue_mail
from shisetsu.tenancy.config import TenantConfig

LANGUAGES = ("ja", "en")


def applicant_locale(group: Group) -> str | None:
    """The applicant's language, or None (both languages) when it is not one we serve."""
    locale = group.account.locale
    return locale if locale in LANGUAGES else None


def group_address(group: Group) -> str:
    """Where mail about ``group`` goes: its contact person's approved e-mail address."""
    return group.contact_email


def _send(
    session: Session,
    config: TenantConfig,
    group: Group,
    *,
    key: str,
    kind: str,
    render: Callable[[], list[str]],
) -> bool:
    def subject_and_body() -> tuple[str, str]:
        subject, *paragraphs = render()
        footer = gettext(
            "%(tenant)s — this mail was sent automatically; replies are not read.",
            tenant=config.name.get(current_locale()),
        )
        greeting = gettext("Dear %(name)s,", name=group.representative_name)
        return subject, "\n\n".join([greeting, *paragraphs, footer])

    content = compose(subject_and_body, applicant_locale(group))
    return queue_mail(
        session,
        key=key,
        to=group_address(group),
        subject=content.subject,
        body=content.body,
        kind=kind,
        locale=content.locale,
    )


def _day(value: dt.date | None) -> str:
    """A date in the reader's language (``2026年2月1日(日)`` / ``2026-02-01 (Sun)``)."""
    return format_day(value, current_locale()) if value is not None else ""


def _category(config: TenantConfig, group: Group) -> str:
    category = config.category(group.category)
    return category.name.get(current_locale()) if category is not None else group.category


def queue_decision(session: Session, config: TenantConfig, group: Group) -> bool:
    """Tell the applicant staff approved or rejected ``group`` (one mail per decision)."""
    approved = group.status == APPROVED

    def render_approved() -> list[str]:
        opens = renewal_opens_on(group, config.registration)
        lines = [
            gettext("Your group registration was approved: %(group)s", group=group.name),
            gettext(
                'The group "%(group)s" (%(category)s) is now registered.',
                group=group.name,
                category=_category(config, group),
            ),
            gettext(
                "Valid from %(start)s until %(end)s.",
                start=_day(group.valid_from),
                end=_day(group.valid_until),
            ),
            gettext("The group can book rooms and enter the monthly lottery."),
        ]
        if opens is not None:
            lines.append(
                gettext(
                    "You can apply to renew this registration from %(date)s.",
                    date=_day(opens),
                )
            )
        return lines

    def render_rejected() -> list[str]:
        return [
            gettext("Your group registration was not approved: %(group)s", group=group.name),
            gettext(
                'Your application to register the group "%(group)s" (%(category)s) was not '
                "approved.",
                group=group.name,
                category=_category(config, group),
            ),
            gettext("Reason for the rejection") + ":\n" + (group.rejection_reason or ""),
            gettext("You may apply again once the reason no longer applies."),
        ]

    return _send(
        session,
        config,
        group,
        key=f"group:{group.id}:decision",
        kind="group_approved" if approved else "group_rejected",
        render=render_approved if approved else render_rejected,
    )


def queue_expiry_notice(session: Session, config: TenantConfig, group: Group) -> bool:
    """Tell the applicant ``group``'s registration ends soon (once per registration)."""

    def render() -> list[str]:
        return [
            gettext("Your group registration ends soon: %(group)s", group=group.name),
            gettext(
                'The registration of the group "%(group)s" ends on %(date)s. After that day '
                "the group can no longer book rooms or enter the lottery.",
                group=group.name,
                date=_day(group.valid_until),
            ),
            gettext(
                'To keep the registration, apply to renew it under "My groups" on the '
                "reservation site."
            ),
        ]

    return _send(
        session,
        config,
        group,
        key=f"group:{group.id}:expiry-notice",
        kind="group_expiry_notice",
        render=render,
    )
