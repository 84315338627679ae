"""assemblies: proxy voting instructions, adopted minutes, elections with more seats

Revision ID: a7c3d9e5f1b2
Revises: b7e4c2a9d1f0
Create Date: 2026-11-23 12:40:00

"""

import sqlalchemy as sa

import coop.db
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3d9e5f1b2"
down_revision = "b7e4c2a9d1f0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("motions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("adopts_minutes_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("seats", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_motions_adopts_minutes_of_id_assemblies"),
            "assemblies",
            ["adopts_minutes_of_id"],
            ["id"],
        )

    op.create_table(
        "proxy_instructions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proxy_id", sa.Integer(), nullable=False),
        sa.Column("motion_id", sa.Integer(), nullable=False),
        sa.Column(
            "choice",
            sa.Enum("FOR", "AGAINST", "ABSTAIN", name="choice", native_enum=False, length=20),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motions.id"], name=op.f("fk_proxy_instructions_motion_id_motions")
        ),
        sa.ForeignKeyConstraint(
            ["proxy_id"], ["proxies.id"], name=op.f("fk_proxy_instructions_proxy_id_proxies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_instructions")),
        sa.UniqueConstraint(
            "proxy_id", "motion_id", name=op.f("uq_proxy_instructions_proxy_id_motion_id")
        ),
    )
    with op.batch_alter_table("proxy_instructions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proxy_instructions_proxy_id"), ["proxy_id"], unique=False
        )

    op.create_table(
        "adopted_minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assembly_id", sa.Integer(), nullable=False),
        sa.Column("adopted_by_assembly_id", sa.Integer(), nullable=False),
        sa.Column("motion_id", sa.Integer(), nullable=False),
        sa.Column("adopted_at", coop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["adopted_by_assembly_id"],
            ["assemblies.id"],
            name=op.f("fk_adopted_minutes_adopted_by_assembly_id_assemblies"),
        ),
        sa.ForeignKeyConstraint(
            ["assembly_id"],
            ["assemblies.id"],
            name=op.f("fk_adopted_minutes_assembly_id_assemblies"),
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motions.id"], name=op.f("fk_adopted_minutes_motion_id_motions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adopted_minutes")),
        sa.UniqueConstraint("assembly_id", name=op.f("uq_adopted_minutes_assembly_id")),
        sa.UniqueConstraint("motion_id", name=op.f("uq_adopted_minutes_motion_id")),
    )


def downgrade():
    op.drop_table("adopted_minutes")
    with op.batch_alter_table("proxy_instructions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proxy_instructions_proxy_id"))
    op.drop_table("proxy_instructions")
    with op.batch_alter_table("motions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_motions_adopts_minutes_of_id_assemblies"), type_="foreignkey"
        )
        batch_op.drop_column("seats")
        batch_op.drop_column("adopts_minutes_of_id")
