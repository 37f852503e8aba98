"""Create the leadgate tables.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "access_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.String(length=100), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_access_journal_bundle"), "access_journal", ["bundle"], unique=False)
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.String(length=100), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("consent_type", sa.String(length=50), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("purposes", sa.String(), nullable=False),
        sa.Column("data_categories", sa.String(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("given_by", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("channel_user_enc", sa.LargeBinary(), nullable=True),
        sa.Column("message_ref", sa.String(length=200), nullable=False),
        sa.Column("ip_enc", sa.LargeBinary(), nullable=True),
        sa.Column("user_agent_enc", sa.LargeBinary(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_consent_records_bundle"), "consent_records", ["bundle"], unique=False)
    op.create_index(
        op.f("ix_consent_records_subject_id"), "consent_records", ["subject_id"], unique=False
    )
    op.create_table(
        "consent_texts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("consent_type", sa.String(length=50), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("first_shown_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("bundle", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("user_index", sa.String(length=64), nullable=False),
        sa.Column("user_id_enc", sa.LargeBinary(), nullable=True),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("state_enc", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reachable", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bundle", "channel", "user_index"),
    )
    op.create_index(op.f("ix_conversations_bundle"), "conversations", ["bundle"], unique=False)
    op.create_index(
        op.f("ix_conversations_last_activity_at"),
        "conversations",
        ["last_activity_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_conversations_subject_id"), "conversations", ["subject_id"], unique=False
    )
    op.create_table(
        "destruction_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.String(length=100), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("categories", sa.String(length=500), nullable=False),
        sa.Column("system", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=50), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_destruction_log_bundle"), "destruction_log", ["bundle"], unique=False)
    op.create_index(
        op.f("ix_destruction_log_subject_ref"), "destruction_log", ["subject_ref"], unique=False
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("bundle", sa.String(length=100), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("fields_enc", sa.LargeBinary(), nullable=True),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("visit_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bundle", "idempotency_key"),
    )
    op.create_index(op.f("ix_leads_bundle"), "leads", ["bundle"], unique=False)
    op.create_index(op.f("ix_leads_conversation_id"), "leads", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_leads_phone_index"), "leads", ["phone_index"], unique=False)
    op.create_index(op.f("ix_leads_subject_id"), "leads", ["subject_id"], unique=False)
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.String(length=200), nullable=False),
        sa.Column("text_enc", sa.LargeBinary(), nullable=True),
        sa.Column("redacted_enc", sa.LargeBinary(), nullable=True),
        sa.Column("meta_enc", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bundle", "channel", "external_id"),
    )
    op.create_index(
        op.f("ix_messages_conversation_id"), "messages", ["conversation_id"], unique=False
    )
    op.create_index(op.f("ix_messages_created_at"), "messages", ["created_at"], unique=False)
    op.create_index(op.f("ix_messages_status"), "messages", ["status"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=50), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("payload_enc", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("receipt", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bundle", "idempotency_key"),
    )
    op.create_index(op.f("ix_outbox_bundle"), "outbox", ["bundle"], unique=False)
    op.create_index(op.f("ix_outbox_conversation_id"), "outbox", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_outbox_next_attempt_at"), "outbox", ["next_attempt_at"], unique=False)
    op.create_index(op.f("ix_outbox_status"), "outbox", ["status"], unique=False)
    op.create_table(
        "secrets",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("value_enc", sa.LargeBinary(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "subjects",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("bundle", sa.String(length=100), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_subjects_bundle"), "subjects", ["bundle"], unique=False)
    op.create_index(op.f("ix_subjects_phone_index"), "subjects", ["phone_index"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_subjects_phone_index"), table_name="subjects")
    op.drop_index(op.f("ix_subjects_bundle"), table_name="subjects")
    op.drop_table("subjects")
    op.drop_table("secrets")
    op.drop_index(op.f("ix_outbox_status"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_next_attempt_at"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_conversation_id"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_bundle"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_messages_status"), table_name="messages")
    op.drop_index(op.f("ix_messages_created_at"), table_name="messages")
    op.drop_index(op.f("ix_messages_conversation_id"), table_name="messages")
    op.drop_table("messages")
    op.drop_index(op.f("ix_leads_subject_id"), table_name="leads")
    op.drop_index(op.f("ix_leads_phone_index"), table_name="leads")
    op.drop_index(op.f("ix_leads_conversation_id"), table_name="leads")
    op.drop_index(op.f("ix_leads_bundle"), table_name="leads")
    op.drop_table("leads")
    op.drop_index(op.f("ix_destruction_log_subject_ref"), table_name="destruction_log")
    op.drop_index(op.f("ix_destruction_log_bundle"), table_name="destruction_log")
    op.drop_table("destruction_log")
    op.drop_index(op.f("ix_conversations_subject_id"), table_name="conversations")
    op.drop_index(op.f("ix_conversations_last_activity_at"), table_name="conversations")
    op.drop_index(op.f("ix_conversations_bundle"), table_name="conversations")
    op.drop_table("conversations")
    op.drop_table("consent_texts")
    op.drop_index(op.f("ix_consent_records_subject_id"), table_name="consent_records")
    op.drop_index(op.f("ix_consent_records_bundle"), table_name="consent_records")
    op.drop_table("consent_records")
    op.drop_index(op.f("ix_access_journal_bundle"), table_name="access_journal")
    op.drop_table("access_journal")
