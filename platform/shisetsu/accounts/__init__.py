"""Resident and staff accounts of a tenant (each in its tenant schema)."""
