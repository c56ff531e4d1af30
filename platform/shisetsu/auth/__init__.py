"""Authentication and authorisation shared by residents, staff and ward auditors."""
