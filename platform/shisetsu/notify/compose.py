"""Mail text in the recipient's language, or Japanese then English when it is unknown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import force_locale

LANGUAGES = ("ja", "en")
SEPARATOR = "\n\n" + "-" * 40 + "\n\n"


@dataclass(frozen=True)
class MailContent:
    """Subject and plain-text body ready for :func:`~shisetsu.notify.queue_mail`."""

    subject: str
    body: str
    locale: str | None


def compose(render: Callable[[], tuple[str, str]], locale: str | None) -> MailContent:
    """Call ``render() -> (subject, body)`` under the recipient's locale.

    ``render`` uses ``gettext`` / ``render_template`` as a view would. With ``locale`` None
    (unknown) it is called for Japanese and for English and the two are joined.
    """
    if locale in LANGUAGES:
        with force_locale(locale):
            subject, body = render()
        return MailContent(subject, body.rstrip() + "\n", locale)
    texts = {}
    for language in LANGUAGES:
        with force_locale(language):
            texts[language] = render()
    (subject_ja, body_ja), (subject_en, body_en) = texts["ja"], texts["en"]
    subject = subject_ja if subject_ja == subject_en else f"{subject_ja} / {subject_en}"
    return MailContent(subject, body_ja.rstrip() + SEPARATOR + body_en.rstrip() + "\n", None)
