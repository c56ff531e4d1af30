"""Facilities and rooms of a tenant, seeded from its tenant.toml."""
