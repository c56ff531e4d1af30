"""Exports of personal data: encrypted archives, one-time downloads and the handover ledger.

:mod:`.content` builds each kind of document (groups, bookings, daily list; CSV or PDF);
:mod:`.operations` encrypts it, writes the ``export_ledger`` row (date, handler, content,
record count: the ward's 管理簿, DOMAIN §6) and the access-log EXPORT entry in the same
transaction; :mod:`.reveal` carries the password to the page that shows it once;
:mod:`.views` are the managers' pages (the auditors' ledger is in :mod:`shisetsu.ward`).
"""
