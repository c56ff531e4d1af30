"""Operational observability: error reporting and structured request logs."""
