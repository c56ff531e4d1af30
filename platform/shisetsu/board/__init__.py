"""The booking board: a facility's rooms × time bands for a day or a week (staff)."""
