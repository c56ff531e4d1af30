"""Tenant provisioning: create a tenant (schema or file, role, grants), migrate the platform
and the tenants, sync facilities from each tenant's configuration, and their command line.

Above the domains (it grants on audit tables and syncs facilities), so ``tenancy`` itself
needs none of them."""
