"""contact pictures

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:23:35.042072
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("picture_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("picture_source", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("picture_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("picture_content_type", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("picture_sizes", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("picture_updated_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("picture_updated_at")
        batch_op.drop_column("picture_sizes")
        batch_op.drop_column("picture_content_type")
        batch_op.drop_column("picture_sha256")
        batch_op.drop_column("picture_source")
        batch_op.drop_column("picture_id")
