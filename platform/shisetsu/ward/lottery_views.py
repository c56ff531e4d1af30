"""The ward's view of the lottery (``/ward/lottery``): every tenant's rounds with statistics,
the verification status and any step staff took before its published time (role and
reason); each tenant read is logged in its access log.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from shisetsu.audit.operations import request_actor
from shisetsu.auth.access import AUDITOR, access
from shisetsu.extensions import db
from shisetsu.i18n import current_locale
from shisetsu.lottery import results, rounds
from shisetsu.lottery.timeline import early_trace
from shisetsu.tenancy.runtime import current_runtime
from shisetsu.ward.console import audited_tenants, read_tenant

bp = Blueprint("ward_lottery", __name__, url_prefix="/ward/lottery")


@bp.get("/")
@access(AUDITOR)
def ward_rounds() -> str:
    """Every tenant's rounds with statistics and verification status."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    tenants = audited_tenants(db.session(), request.args.get("slug") or None)
    actor = request_actor()
    sections = []
    for tenant in tenants:

        def read(session: Any, slug: str = tenant.slug) -> list[dict[str, Any]]:
            out = []
            lang = current_locale()
            names = {c.code: c.name.get(lang) for c in current_runtime().config.group_categories}
            for rnd in rounds.list_rounds(session):
                verdict = results.verify_round(session, slug, rnd) if rnd.drawn else None
                out.append(
                    {
                        "id": rnd.id,
                        "month": rnd.usage_month,
                        "state": rnd.state,
                        "commitment": rnd.commitment,
                        "seed": rnd.revealed_seed,
                        "entries_hash": rnd.entries_hash,
                        "result_hash": rnd.result_hash,
                        "stats": results.round_stats(session, rnd),
                        "verified": verdict[0] if verdict else None,
                        "category_names": names,
                        "early": early_trace(session, rnd),
                    }
                )
            return out

        rows = read_tenant(app, tenant.slug, actor, read, record_type="lottery_rounds")
        sections.append((tenant, rows))
    return render_template("ward/lottery/index.html", sections=sections)
