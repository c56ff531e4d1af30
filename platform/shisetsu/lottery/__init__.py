"""The monthly lottery (抽選): a deterministic, verifiable draw (docs/domain.md).

``engine`` is the pure core — standard library only, so the ward can download that one
file and re-run any published draw with a plain Python ≥ 3.11 (``python engine.py
bundle.json``; see ``docs/lottery-verification.md``). ``bundle`` is the application-side
glue: asking a tenant's plugins which policy to freeze into a round, running the draw
through them, and the pseudonyms that keep group names out of published bundles. The
policies themselves are plugins (``shisetsu_rank_order``, ``shisetsu_history_weighted``)
whose draws are computed by the engine.
"""
