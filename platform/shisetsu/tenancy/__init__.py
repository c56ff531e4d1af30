"""Tenancy: the tenant registry, per-tenant schemas/files, binding and provisioning."""
