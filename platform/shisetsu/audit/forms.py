"""Forms of the audit pages: reporting an incident, reviewing a finding, searching the log."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from shisetsu.audit.incidents import IncidentReport
from shisetsu.dates import TOKYO
from shisetsu.forms_text import FlaskForm


def required() -> InputRequired:
    """A required field, with our own (translated) message."""
    return InputRequired(message=_l("This item is required."))


class IncidentForm(FlaskForm):
    """An incident: what happened, when, which data (no names or addresses here)."""

    summary = StringField(
        _l("What happened"),
        description=_l("One line, for example: a member list was lost at the counter."),
        validators=[required(), Length(max=200)],
    )
    occurred_on = DateField(_l("Date it happened"), validators=[required()])
    occurred_time = TimeField(
        _l("Time it happened (Japan time)"),
        description=_l("Leave empty if the time is not known."),
        validators=[Optional()],
    )
    data_affected = TextAreaField(
        _l("Personal data affected"),
        description=_l(
            "Which items (for example: representatives' names and phone numbers) and of whom. "
            "Do not write the personal data itself."
        ),
        validators=[required(), Length(max=2000)],
    )
    people_affected = IntegerField(
        _l("Number of people affected"),
        description=_l("Leave empty if not yet known."),
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
    description = TextAreaField(
        _l("What was done, and what happens next"),
        validators=[Optional(), Length(max=4000)],
    )

    def report(self) -> IncidentReport:
        """The validated form as a report (the time is read as Japan time)."""
        assert self.occurred_on.data is not None
        moment = datetime.combine(
            self.occurred_on.data, self.occurred_time.data or datetime.min.time(), TOKYO
        )
        return IncidentReport(
            summary=self.summary.data or "",
            occurred_at=moment,
            data_affected=self.data_affected.data or "",
            people_affected=self.people_affected.data,
            description=self.description.data,
        )


class ReviewForm(FlaskForm):
    """The ward's review of a finding."""

    comment = TextAreaField(
        _l("Review comment"),
        description=_l("What the ward checked or asked the operator to do."),
        validators=[required(), Length(max=2000)],
    )


ACTION_CHOICES = [
    SelectChoice("", _l("Any action")),
    SelectChoice("view", _l("View")),
    SelectChoice("export", _l("Export")),
    SelectChoice("search", _l("Search")),
    SelectChoice("print", _l("Print")),
    SelectChoice("create", _l("Create")),
    SelectChoice("update", _l("Change")),
    SelectChoice("delete", _l("Delete")),
    SelectChoice("login_success", _l("Sign-in")),
    SelectChoice("login_failure", _l("Refused sign-in")),
    SelectChoice("permission_change", _l("Permission change")),
    SelectChoice("incident_report", _l("Incident report")),
    SelectChoice("analysis", _l("Log analysis")),
    SelectChoice("review", _l("Ward review")),
    SelectChoice("restore", _l("Restore from a backup")),
    SelectChoice("network_reduced", _l("Network data reduced")),
]


# What an entry is about (``record_type``), in words. The access log keeps the code; people
# read these. A type missing here would be shown as its code, so the suite checks that
# every type the code writes is listed.
RECORD_CHOICES = [
    SelectChoice("", _l("Any record")),
    SelectChoice("account", _l("Resident account")),
    SelectChoice("group", _l("Group")),
    SelectChoice("groups", _l("List of groups")),
    SelectChoice("group_message", _l("Message to a group")),
    SelectChoice("booking", _l("Booking record")),
    SelectChoice("bookings", _l("List of bookings")),
    SelectChoice("daily", _l("Daily processing list")),
    SelectChoice("daily_list", _l("Daily processing list (page)")),
    SelectChoice("booking_board", _l("Booking board")),
    SelectChoice("closure", _l("Closure of a room")),
    SelectChoice("facility", _l("Facility details")),
    SelectChoice("staff", _l("Staff")),
    SelectChoice("staff_roster", _l("Staff roster")),
    SelectChoice("auditor", _l("Ward auditor")),
    SelectChoice("usage", _l("Usage")),
    SelectChoice("lottery_rounds", _l("Lottery rounds")),
    SelectChoice("access_log", _l("Access log")),
    SelectChoice("finding", _l("Log analysis finding")),
    SelectChoice("audit_finding", _l("Log analysis finding (ward)")),
    SelectChoice("audit_findings", _l("Log analysis findings")),
    SelectChoice("incident", _l("Incident report")),
    SelectChoice("incidents", _l("List of incident reports")),
    SelectChoice("personal_data_inventory", _l("Personal data inventory")),
    SelectChoice("deletion_certificate", _l("Deletion certificate")),
    SelectChoice("export_ledger", _l("Export ledger")),
    SelectChoice("backup", _l("Backup")),
    SelectChoice("tenant", _l("The operator's whole data")),
]


class LogSearchForm(FlaskForm):
    """Searching one access log (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Login of the person"), validators=[Optional(), Length(max=80)])
    action = SelectField(_l("Action"), choices=ACTION_CHOICES, default="", validate_choice=True)
    record_type = SelectField(
        _l("Record type"), choices=RECORD_CHOICES, default="", validate_choice=True
    )
    record_id = StringField(_l("Record number"), validators=[Optional(), Length(max=64)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
