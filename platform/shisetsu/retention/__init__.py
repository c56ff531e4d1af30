"""Retention and deletion (docs/domain.md): purge of personal data past the tenant's retention
period, deletion on a resident's request, and the deletion certificates (消去証明) both
produce, which the ward and the operator's managers can read and download as PDF.
"""
