"""Registered groups (登録団体): online application (仮登録), staff review (本登録), expiry.

``operations`` holds the resident-side logic and the rights other modules ask about
(``active_groups_of``, ``can_book``); ``review`` the staff decisions; ``jobs`` the daily
expiry; ``mail`` the letters to the applicant. Views stay thin.
"""
