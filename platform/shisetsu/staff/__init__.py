"""Designated-manager staff: sign-in with TOTP, console home, staff management."""
