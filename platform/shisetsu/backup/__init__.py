"""Encrypted per-tenant backups: ``shisetsu backup`` / ``shisetsu restore``."""
