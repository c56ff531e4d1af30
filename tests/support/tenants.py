"""Extra tenants for the PostgreSQL tenancy tests (no tests here)."""

from __future__ import annotations

from pathlib import Path

TENANTS = Path(__file__).resolve().parents[2] / "tenants"


def ward_toml(tmp_path: Path, slug: str) -> Path:
    """A copy of Genkikan's tenant.toml under another (synthetic) slug."""
    text = (TENANTS / "genkikan" / "tenant.toml").read_text("utf-8")
    path = tmp_path / slug / "tenant.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text.replace('slug = "genkikan"', f'slug = "{slug}"'), "utf-8")
    return path
