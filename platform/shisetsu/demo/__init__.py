"""Synthetic demo data (never real personal data)."""
