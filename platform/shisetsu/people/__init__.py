"""The people who sign in (residents, staff, auditors) and the names of staff roles."""
