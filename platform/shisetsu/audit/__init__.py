"""The ward's privacy duties in the code: the access log, its analysis, and incidents.

Call :func:`record` wherever personal data is viewed, exported, changed or deleted, and on
every sign-in and permission change::

    from shisetsu import audit

    audit.record(session, audit.UPDATE, "group", group.id, detail="approved")
    audit.record_view(db.session(), "group", group.id)  # read-only views: commits
    audit.record_search(db.session(), "group", query, "phone", len(found))  # commits

The entry goes into the log of the tenant the session is bound to (the platform's log for
an unbound session: auditor sign-ins and auditor accounts). Never put the personal data
itself into ``detail``: the log says *who touched which record*, not what it contains.

Exports and deletions of personal data (each one is a finding the ward reviews)::

    audit.record(session, audit.EXPORT, "groups", None, detail="42 rows, csv",
                 purpose=form.purpose.data)          # commit with the ledger row
    audit.record(session, audit.DELETE, "group", group.id, detail="retention purge")

An auditor reading a tenant from a ward page (a request bound to no tenant) logs in that
tenant's log with ``audit.record_for_tenant(app, slug, audit.VIEW, "group", 12)``, or
reads through :func:`shisetsu.ward.console.read_tenant`, which logs for it.
"""

from shisetsu.audit.operations import (
    CREATE,
    DELETE,
    EXPORT,
    INCIDENT,
    LOGIN_FAILURE,
    LOGIN_SUCCESS,
    PERMISSION_CHANGE,
    PRINT,
    RESTORE,
    SEARCH,
    UPDATE,
    VIEW,
    Actor,
    record,
    record_for_tenant,
    record_login,
    record_login_failure,
    record_password_step,
    record_search,
    record_sign_in,
    record_view,
)

__all__ = [
    "CREATE",
    "DELETE",
    "EXPORT",
    "INCIDENT",
    "LOGIN_FAILURE",
    "LOGIN_SUCCESS",
    "PERMISSION_CHANGE",
    "PRINT",
    "RESTORE",
    "SEARCH",
    "UPDATE",
    "VIEW",
    "Actor",
    "record",
    "record_for_tenant",
    "record_login",
    "record_login_failure",
    "record_password_step",
    "record_search",
    "record_sign_in",
    "record_view",
]
