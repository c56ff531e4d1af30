"""The ward: auditors (platform schema) and their read-only console."""
