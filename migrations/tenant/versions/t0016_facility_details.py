"""What the public facility page says: access, opening hours, closed-day note, phone, photos.

Revision ID: t0016
Revises: t0015
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "t0016"
down_revision = "t0015"
branch_labels = None
depends_on = None

TEXTS = ("access_ja", "access_en", "hours_ja", "hours_en", "closed_note_ja", "closed_note_en")


def upgrade() -> None:
    for name in TEXTS:
        op.add_column("facilities", sa.Column(name, sa.Text(), nullable=True))
    op.add_column("facilities", sa.Column("phone", sa.String(length=40), nullable=True))
    op.add_column(
        "facilities", sa.Column("photos", sa.JSON(), nullable=False, server_default="[]")
    )


def downgrade() -> None:
    with op.batch_alter_table("facilities") as batch:
        for name in ("photos", "phone", *reversed(TEXTS)):
            batch.drop_column(name)
