"""Mail reaches a real SMTP server (aiosmtpd in this process), readable and exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.db import utcnow
from shisetsu.i18n import current_locale
from shisetsu.notify import compose, queue_mail, relay_outbox
from shisetsu.notify.message import message_id
from shisetsu.notify.models import OutboxMessage
from shisetsu.notify.relay import RelayResult
from shisetsu.notify.transport import SmtpSettings
from shisetsu.notify.views import init_app as init_dev_mail
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.mail import SmtpSink

SUBJECT = "【レガス】施設予約が確定しました / Booking confirmed"
BODY = (
    "山田 太郎 様\n\n"
    "新宿文化センター 第2練習室のご予約が確定しました。\n"
    "日時: 2026年12月1日(火) 9:00〜12:00\n\n"
    "Your booking at Shinjuku Bunka Center, practice room 2, is confirmed.\n"
)


def queue(app: Flask, key: str, *, to: str = "taro@example.jp", slug: str = "regasu") -> None:
    with tenant_session(app, slug) as session:
        queue_mail(
            session,
            key=key,
            to=to,
            subject=SUBJECT,
            body=BODY,
            kind="booking_confirmed",
            locale=None,
        )
        session.commit()


def outbox(app: Flask, slug: str = "regasu") -> list[OutboxMessage]:
    with tenant_session(app, slug) as session:
        return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


def test_japanese_mail_arrives_intact(sqlite_app: Flask, sink: SmtpSink) -> None:
    sqlite_app.config["SMTP_URL"] = sink.url
    queue(sqlite_app, "booking:42:confirmed")

    [received] = sink.received
    assert received.mail_from == "no-reply@shisetsu.invalid"
    assert received.rcpt_tos == ("taro@example.jp",)
    assert received.data.isascii()  # 7-bit on the wire: encoded words and base64
    message = received.parsed()
    assert message["Subject"] == SUBJECT
    assert message["To"] == "taro@example.jp"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == BODY  # text is CRLF on the wire
    assert message["Message-ID"] == "<regasu.booking=3A42=3Aconfirmed@shisetsu.invalid>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"]
    [row] = outbox(sqlite_app)
    assert (row.state, row.delivered_via, row.attempts) == ("sent", "smtp", 1)


def test_message_ids_are_stable_distinct_and_parseable() -> None:
    first = message_id("booking:42/確定", "regasu", "example.jp")
    assert first == message_id("booking:42/確定", "regasu", "example.jp")
    assert first != message_id("booking:42/確定", "genkikan", "example.jp")
    assert first != message_id("booking:42.確定", "regasu", "example.jp")
    assert first.isascii() and " " not in first
    assert first == "<regasu.booking=3A42=2F=E7=A2=BA=E5=AE=9A@example.jp>"


def test_smtp_down_then_back_delivers_exactly_once(sqlite_app: Flask) -> None:
    server = SmtpSink()  # its port refuses connections until started
    sqlite_app.config["SMTP_URL"] = server.url
    queue(sqlite_app, "booking:42:confirmed")  # commit, then an in-process relay that fails

    [row] = outbox(sqlite_app)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.last_error and "ConnectionRefusedError" in row.last_error

    server.start()
    try:
        with tenant_session(sqlite_app, "regasu") as session:
            due = utcnow() + timedelta(minutes=2)
            assert relay_outbox(session, now=due) == RelayResult(sent=1)
            assert relay_outbox(session, now=due + timedelta(days=1)) == RelayResult()
        assert len(server.received) == 1
        assert server.message_ids() == ["<regasu.booking=3A42=3Aconfirmed@shisetsu.invalid>"]
    finally:
        server.stop()
    [row] = outbox(sqlite_app)
    assert (row.state, row.attempts) == ("sent", 2)


def test_refused_recipient_is_given_up_and_the_rest_still_go(sqlite_app: Flask) -> None:
    with SmtpSink(refuse=frozenset({"nobody@example.jp"})) as server:
        sqlite_app.config.update(SMTP_URL=server.url, REDIS_URL="redis://127.0.0.1:1/0")
        queue(sqlite_app, "booking:1:confirmed", to="nobody@example.jp")
        queue(sqlite_app, "booking:2:confirmed", to="hanako@example.jp")
        with tenant_session(sqlite_app, "regasu") as session:
            assert relay_outbox(session) == RelayResult(sent=1, failed=1)
        assert [r.rcpt_tos for r in server.received] == [("hanako@example.jp",)]
    refused, delivered = outbox(sqlite_app)
    assert (refused.state, refused.attempts, refused.next_attempt_at) == ("failed", 1, None)
    assert refused.last_error and "550" in refused.last_error
    assert delivered.state == "sent"


def test_compose_writes_both_languages_when_the_locale_is_unknown(sqlite_app: Flask) -> None:
    def render() -> tuple[str, str]:
        texts = {"ja": ("予約確定", "ご予約が確定しました。"), "en": ("Booked", "You are booked.")}
        return texts[current_locale()]

    with sqlite_app.app_context():
        both = compose(render, None)
        english = compose(render, "en")
    assert both.locale is None
    assert both.subject == "予約確定 / Booked"
    assert both.body.index("ご予約が確定しました。") < both.body.index("You are booked.")
    assert (english.subject, english.body, english.locale) == ("Booked", "You are booked.\n", "en")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.jp", SmtpSettings("mail.example.jp", 25)),
        (
            "smtp://user%40x:p%3Ass@mail.example.jp:587?starttls=1",
            SmtpSettings("mail.example.jp", 587, "user@x", "p:ss", starttls=True),
        ),
        ("smtps://u:p@mail.example.jp", SmtpSettings("mail.example.jp", 465, "u", "p", tls=True)),
    ],
)
def test_smtp_url_forms(url: str, expected: SmtpSettings) -> None:
    assert SmtpSettings.from_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example.jp", "smtp://", "mail.example.jp:25"])
def test_smtp_url_mistakes_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="SMTP_URL"):
        SmtpSettings.from_url(url)


def test_dev_mail_viewer_shows_local_mail(sqlite_app: Flask) -> None:
    sqlite_app.config["SMTP_URL"] = ""
    init_dev_mail(sqlite_app)
    queue(sqlite_app, "booking:42:confirmed")
    assert outbox(sqlite_app)[0].delivered_via == "local"

    page = sqlite_app.test_client().get("/_dev/mail")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "【レガス】施設予約が確定しました" in html
    assert "taro@example.jp" in html
    assert "新宿文化センター" in html


def test_dev_mail_viewer_is_never_registered_in_production() -> None:
    app = Flask("production-like")
    app.config["ENV_NAME"] = "production"
    init_dev_mail(app)
    assert "dev_mail" not in app.blueprints


def test_mail_test_command_sends_through_smtp(sqlite_app: Flask, sink: SmtpSink) -> None:
    sqlite_app.config["SMTP_URL"] = sink.url
    result = sqlite_app.test_cli_runner().invoke(
        args=["mail", "test", "--tenant", "regasu", "--to", "kanri@example.jp"]
    )
    assert result.exit_code == 0, result.output
    assert "sent via smtp" in result.output
    [received] = sink.received
    assert received.rcpt_tos == ("kanri@example.jp",)
