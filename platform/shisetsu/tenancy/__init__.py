"""Tenancy: the tenant registry, per-tenant schemas/files, configuration and binding."""
