"""Bookings: first come, first served; fees, payment, cancellation, calendars, printouts.

A booking is one or more slots of one room on one date (a full-day set is booked whole)
for an approved group, online by a member or at the counter by staff. The tenant's
plugins decide the policy (``check_booking``, ``compute_fee``, ``payment_terms``,
``fee_reductions``, ``refund_ratio``); the unique key of ``slot_holds`` decides races.

- :mod:`~shisetsu.booking.operations` — check, price and book; reading bookings.
- :mod:`~shisetsu.booking.policy` — the facts the plugins decide on, and safe defaults.
- :mod:`~shisetsu.booking.payments` — counter payments, cancellation and refunds, the
  daily deadline work (auto-cancel, reminders); :mod:`~shisetsu.booking.jobs` runs it.
- :mod:`~shisetsu.booking.mail` — confirmation, reminder and cancellation via the outbox.
- :mod:`~shisetsu.booking.ics` — per-booking .ics and per-group secret calendar feeds.
- :mod:`~shisetsu.booking.exports`, :mod:`~shisetsu.booking.printing` — the daily
  processing list (page, CSV, PDF) and the permit (使用承認書).
- :mod:`~shisetsu.booking.counter` — finding a group at the counter (窓口).
- ``views`` (residents), ``manage_views`` (staff), ``demo`` (synthetic demo bookings).
"""
