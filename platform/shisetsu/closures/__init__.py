"""Closures over bookings: what an ad-hoc closure hits, and staff's decision on each.

- :mod:`~shisetsu.closures.operations` — the hits of a planned closure (bookings, open-round
  choices, pending wins, closed-round slots), their fingerprint, and confirming it.
- :mod:`~shisetsu.closures.mail` — one mail per group told what the closure cancelled.
- :mod:`~shisetsu.closures.models` — ``closure_decisions``: what was cancelled or kept, why.
- :mod:`~shisetsu.closures.views` — the staff preview and confirmation pages.
"""
