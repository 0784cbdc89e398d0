"""account links, password reset requests, users without a password

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 10:19:17.658127

A user may now exist without a password (created by `users create` or invited from /users) until
they set one through a one-time link. The downgrade gives such users an unusable hash ("!", which
no password verifies against), so the column can be NOT NULL again.
"""

from alembic import op
import sqlalchemy as sa

import overleg.models.types


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_reset_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("at", overleg.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", overleg.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_request")),
    )
    with op.batch_alter_table("password_reset_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_request_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_password_reset_request_email"), ["email"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_password_reset_request_ip_address"), ["ip_address"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_password_reset_request_processed_at"), ["processed_at"], unique=False
        )

    op.create_table(
        "account_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "set_password",
                "reset_password",
                name="account_link_purpose",
                native_enum=False,
                create_constraint=True,
                length=18,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("password_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", overleg.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", overleg.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", overleg.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_account_link_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_link_token_hash")),
    )
    with op.batch_alter_table("account_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_link_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.VARCHAR(length=255), nullable=True)


def downgrade():
    user = sa.table("user", sa.column("password_hash", sa.String))
    op.execute(user.update().where(user.c.password_hash.is_(None)).values(password_hash="!"))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.VARCHAR(length=255), nullable=False)

    with op.batch_alter_table("account_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_link_user_id"))

    op.drop_table("account_link")
    with op.batch_alter_table("password_reset_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_request_processed_at"))
        batch_op.drop_index(batch_op.f("ix_password_reset_request_ip_address"))
        batch_op.drop_index(batch_op.f("ix_password_reset_request_email"))
        batch_op.drop_index(batch_op.f("ix_password_reset_request_at"))

    op.drop_table("password_reset_request")
