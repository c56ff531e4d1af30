"""Slots: what can be booked when, and what is already taken.

A slot is (room, date, slot code) from the room's slot scheme in ``tenant.toml``; it has a
stable public id ``"<room id>-<YYYYMMDD>-<code>"`` (:mod:`shisetsu.slots.ids`). Nothing is
stored for a free slot: a slot is taken when a row in ``slot_holds`` names it, and the
unique key (room, date, code) on that table is what makes a double booking impossible —
whoever inserts second gets :class:`shisetsu.slots.holds.SlotTaken`.

- :mod:`~shisetsu.slots.operations` — slot generation, states, availability, resolving ids.
- :mod:`~shisetsu.slots.holds` — ``hold_slots`` / ``release_slots`` and official holds.
- :mod:`~shisetsu.slots.calendar` — closed days: rules from tenant.toml plus ad-hoc closures.
- :mod:`~shisetsu.slots.lottery` — the hook through which lottery rounds mark slots.
- :mod:`~shisetsu.slots.grid`, :mod:`~shisetsu.slots.display` — month grids and labels.
- :mod:`~shisetsu.slots.manage` — staff work: room details, closures, official holds.
- ``views`` (public: search, month grid, slot page) and ``manage_views`` (console).
"""
