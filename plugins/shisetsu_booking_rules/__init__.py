"""Booking policy plugins: rules and payment terms, fee tables, refund schedules.

Three plugins, enabled separately in ``tenant.toml`` so a tenant can replace one policy
without the others:

- ``booking_rules`` (:class:`BookingRules`): ``check_booking`` and ``payment_terms``;
- ``fee_table`` (:class:`FeeTable`): ``compute_fee`` and ``fee_reductions``;
- ``refund_schedule`` (:class:`RefundSchedule`): ``refund_ratio``.
"""

from shisetsu_booking_rules.fees import FeeTable
from shisetsu_booking_rules.refunds import RefundSchedule
from shisetsu_booking_rules.rules import BookingRules

__all__ = ["BookingRules", "FeeTable", "RefundSchedule"]
