"""Facilities and rooms (tenant schema)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shisetsu.db import Base


class Facility(Base):
    """A building or ground the operator runs (e.g. 新宿歴史博物館)."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_ja: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    # What the public facility page says (t0016): seeded from tenant.toml, then edited by
    # staff; each text in Japanese and English.
    access_ja: Mapped[str | None] = mapped_column(sa.Text)
    access_en: Mapped[str | None] = mapped_column(sa.Text)
    hours_ja: Mapped[str | None] = mapped_column(sa.Text)
    hours_en: Mapped[str | None] = mapped_column(sa.Text)
    closed_note_ja: Mapped[str | None] = mapped_column(sa.Text)
    closed_note_en: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    photos: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    rooms: Mapped[list[Room]] = relationship(
        back_populates="facility", order_by="Room.position", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        """Name in ``locale``."""
        return self.name_en if locale == "en" else self.name_ja

    def text(self, field: str, locale: str) -> str | None:
        """A descriptive text (``access``, ``hours``, ``closed_note``) in ``locale``, falling
        back to the other language when only one was written."""
        ja, en = getattr(self, f"{field}_ja"), getattr(self, f"{field}_en")
        return (en or ja) if locale == "en" else (ja or en)


class Room(Base):
    """A bookable room, hall, court or ground with its slot scheme."""

    __tablename__ = "rooms"
    __table_args__ = (sa.UniqueConstraint("facility_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(64))
    name_ja: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int]
    area_m2: Mapped[float | None] = mapped_column(sa.Float)  # t0001 made FLOAT
    equipment: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    slot_scheme: Mapped[str] = mapped_column(sa.String(64))
    sample: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    facility: Mapped[Facility] = relationship(back_populates="rooms")

    def name(self, locale: str) -> str:
        """Name in ``locale``."""
        return self.name_en if locale == "en" else self.name_ja
