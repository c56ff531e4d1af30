"""Exports of personal data: encrypted archives, one-time downloads and the handover ledger.

Every export writes an ``export_ledger`` row (date, handler, content, record count: the
ward's 管理簿, DOMAIN §6) and an access-log EXPORT entry in the same transaction.
"""
