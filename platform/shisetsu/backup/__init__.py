"""Encrypted per-tenant backups (issue 6 item 7): ``shisetsu backup`` / ``shisetsu restore``."""
