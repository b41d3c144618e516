"""The one schema (SQLAlchemy Core): SQLite by default, PostgreSQL at scale.

The database enforces what must never break: one receipt per provider id, one open
conversation per (contact, inbox), one message per (conversation, seq) and per
(conversation, client_id).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeDecorator, TypeEngine

naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=naming)

Id = BigInteger().with_variant(Integer, "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out.

    PostgreSQL stores timestamptz. SQLite stores fixed-width ISO text
    ("2026-11-23 08:15:00.123456"), which sorts like time and converts with the C
    isoformat/fromisoformat: the generic SQLite DATETIME type costs several times more on
    every message.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(26))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        elif value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class BoolDefault(TextClause):
    """A Boolean column's server default: 0 or 1 on SQLite (the DDL it always had), false
    or true on PostgreSQL, which refuses an integer default for a boolean column."""

    inherit_cache = True

    def __init__(self, value: bool) -> None:
        super().__init__("1" if value else "0")
        self.value = value


@compiles(BoolDefault, "postgresql")
def _postgres_bool(element: BoolDefault, compiler: SQLCompiler, **kw: Any) -> str:
    return "true" if element.value else "false"


#: Server defaults of Boolean columns (migrations use them too).
FALSE = BoolDefault(False)
TRUE = BoolDefault(True)


def _pk() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _created() -> Column[datetime]:
    return Column("created_at", UtcDateTime, nullable=False)


organization = Table(
    "organization",
    metadata,
    _pk(),
    Column("name", String(200), nullable=False, unique=True),
    _created(),
)

opd = Table(
    "opd",
    metadata,
    _pk(),
    Column("organization_id", ForeignKey("organization.id"), nullable=False),
    Column("slug", String(63), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    # The coordinating OPD (Diskominfo): city-wide inboxes' new cases wait in its triage.
    Column("coordinator", Boolean, nullable=False, server_default=FALSE),
    Column("active", Boolean, nullable=False, server_default=TRUE),
    _created(),
)

agent = Table(
    "agent",
    metadata,
    _pk(),
    Column("organization_id", ForeignKey("organization.id"), nullable=False),
    Column("opd_id", ForeignKey("opd.id"), nullable=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("active", Boolean, nullable=False, server_default=TRUE),
    # How many open cases automatic assignment gives this agent at most (0: none).
    Column("capacity", Integer, nullable=False, server_default=text("10")),
    Column("settings", JSON, nullable=True),  # notification preferences and the like
    Column("last_seen_at", UtcDateTime, nullable=True),
    _created(),
    CheckConstraint("role IN ('admin', 'supervisor', 'agent')", name="role"),
)

agent_session = Table(
    "agent_session",
    metadata,
    _pk(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("agent_id", ForeignKey("agent.id", ondelete="CASCADE"), nullable=False, index=True),
    _created(),
    Column("expires_at", UtcDateTime, nullable=False),
)

api_token = Table(
    "api_token",
    metadata,
    _pk(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("agent_id", ForeignKey("agent.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", String(100), nullable=True),
    _created(),
    Column("revoked_at", UtcDateTime, nullable=True),
)

inbox = Table(
    "inbox",
    metadata,
    _pk(),
    Column("key", String(63), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("opd_id", ForeignKey("opd.id"), nullable=False),
    Column("options", JSON, nullable=False, default=dict),
    Column("active", Boolean, nullable=False, server_default=TRUE),
    _created(),
    CheckConstraint("kind IN ('widget', 'telegram', 'whatsapp', 'manual', 'api')", name="kind"),
)

contact = Table(
    "contact",
    metadata,
    _pk(),
    Column("name", String(200), nullable=True),
    Column("email", String(254), nullable=True),
    Column("phone", String(40), nullable=True),
    # A contact merged into another (the same person on two channels) points at it.
    Column("merged_into_id", ForeignKey("contact.id"), nullable=True),
    _created(),
)

contact_identity = Table(
    "contact_identity",
    metadata,
    _pk(),
    Column("contact_id", ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("external_id", String(200), nullable=False),
    _created(),
    UniqueConstraint("channel", "external_id"),
)

#: Widget visitor tokens no longer honoured (hub/revocations.py): the resident ended the
#: session on a shared device, or an officer cut off a leaked or abused one. A token is
#: stateless (signed), so its visitor id is what gets refused.
visitor_revocation = Table(
    "visitor_revocation",
    metadata,
    Column("inbox_id", ForeignKey("inbox.id", ondelete="CASCADE"), primary_key=True),
    Column("visitor_id", String(200), primary_key=True),
    Column("revoked_at", UtcDateTime, nullable=False),
    # NULL: the resident themselves (the widget's "end session on this device").
    Column("agent_id", ForeignKey("agent.id", ondelete="SET NULL"), nullable=True),
    Column("reason", String(200), nullable=True),
)

conversation = Table(
    "conversation",
    metadata,
    _pk(),
    Column("tracking_code", String(16), nullable=False, unique=True),
    Column("inbox_id", ForeignKey("inbox.id"), nullable=False),
    Column("contact_id", ForeignKey("contact.id"), nullable=False, index=True),
    # The resident's address on the inbox's channel (visitor id, chat id, wa_id).
    Column("reply_to", String(200), nullable=False),
    Column("opd_id", ForeignKey("opd.id"), nullable=False),
    Column("assignee_id", ForeignKey("agent.id"), nullable=True, index=True),
    Column("status", String(10), nullable=False),
    Column("category", String(100), nullable=True),
    Column("kelurahan", String(100), nullable=True),
    # Where the problem is: {latitude, longitude, title?, address?, message_id}.
    Column("location", JSON, nullable=True),
    Column("priority", String(10), nullable=False, server_default="normal"),
    Column("rahasia", Boolean, nullable=False, server_default=FALSE),
    Column("anonim", Boolean, nullable=False, server_default=FALSE),
    Column("labels", JSON, nullable=True),
    # Where an offline entry came from: phone | walk_in | letter | media (None: a channel).
    Column("source", String(20), nullable=True),
    # Waiting in the coordinator's triage queue (a city-wide inbox's new case).
    Column("triage", Boolean, nullable=False, server_default=FALSE),
    # A disposisi waiting for the receiving OPD to accept or return it.
    Column("pending_transfer_id", Integer, nullable=True),
    Column("last_seq", Integer, nullable=False, server_default=text("0")),
    Column("unread_count", Integer, nullable=False, server_default=text("0")),
    Column("last_message_preview", String(120), nullable=True),
    _created(),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("last_message_at", UtcDateTime, nullable=False),
    Column("last_inbound_at", UtcDateTime, nullable=True),
    Column("first_response_at", UtcDateTime, nullable=True),
    Column("resolved_at", UtcDateTime, nullable=True),
    # Deadlines (hub/sla.py): the first response's, and the follow-up's (due_at).
    Column("response_due_at", UtcDateTime, nullable=True),
    Column("due_at", UtcDateTime, nullable=True),
    Column("csat", Integer, nullable=True),
    Column("csat_comment", Text, nullable=True),
    Column("csat_at", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('open', 'pending', 'resolved', 'closed')", name="status"),
    CheckConstraint("last_seq >= 0", name="last_seq"),
    # One open case per resident and inbox; a resolved case lets a new one start.
    Index(
        "uq_conversation_open_contact_inbox",
        "contact_id",
        "inbox_id",
        unique=True,
        sqlite_where=text("status IN ('open', 'pending')"),
        postgresql_where=text("status IN ('open', 'pending')"),
    ),
    # The console's list: per OPD (and status) by last activity, keyset-paginated.
    Index("ix_conversation_opd_activity", "opd_id", "status", "last_message_at", "id"),
    # The backlog (hub/reports.py): open cases per OPD with what it counts, from the index.
    Index(
        "ix_conversation_open_backlog",
        "opd_id",
        "created_at",
        "assignee_id",
        "first_response_at",
        "response_due_at",
        "due_at",
        sqlite_where=text("status IN ('open', 'pending')"),
        postgresql_where=text("status IN ('open', 'pending')"),
    ),
    Index("ix_conversation_activity", "last_message_at", "id"),
)

message = Table(
    "message",
    metadata,
    _pk(),
    Column("conversation_id", ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("direction", String(3), nullable=False),
    Column("sender_type", String(10), nullable=False),
    Column("sender_agent_id", ForeignKey("agent.id"), nullable=True),
    Column("kind", String(10), nullable=False),
    Column("private", Boolean, nullable=False, server_default=FALSE),
    Column("text", Text, nullable=False, server_default=""),
    Column("attachments", JSON, nullable=True),
    Column("external_id", String(200), nullable=True),
    Column("client_id", String(64), nullable=True),
    Column("delivery_status", String(10), nullable=False),
    Column("error", String(500), nullable=True),
    _created(),
    Column("edited_at", UtcDateTime, nullable=True),
    # The message this one quotes (a WhatsApp reply), and residents' emoji on it.
    Column("reply_to_id", ForeignKey("message.id", ondelete="SET NULL"), nullable=True),
    Column("reactions", JSON, nullable=True),
    UniqueConstraint("conversation_id", "seq"),
    # client_id first: ingest looks duplicates up by client_id alone (a short IN list that
    # uses this index), not by (conversation, client_id) pairs, which SQLite would scan.
    UniqueConstraint("client_id", "conversation_id"),
    CheckConstraint("seq > 0", name="seq"),
    CheckConstraint("direction IN ('in', 'out')", name="direction"),
    CheckConstraint(
        "delivery_status IN ('pending', 'sent', 'delivered', 'read', 'failed')",
        name="delivery_status",
    ),
    Index("ix_message_external", "external_id"),
)

inbound_receipt = Table(
    "inbound_receipt",
    metadata,
    _pk(),
    Column("inbox_id", ForeignKey("inbox.id"), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("message_id", ForeignKey("message.id", ondelete="SET NULL"), nullable=True),
    _created(),
    UniqueConstraint("inbox_id", "external_id"),
)

outbox = Table(
    "outbox",
    metadata,
    _pk(),
    Column("message_id", ForeignKey("message.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("inbox_id", ForeignKey("inbox.id"), nullable=False),
    Column("conversation_id", ForeignKey("conversation.id"), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("state", String(10), nullable=False, server_default="queued"),
    _created(),
    CheckConstraint("state IN ('queued', 'done', 'dead')", name="state"),
    Index("ix_outbox_due", "state", "next_attempt_at"),
)

event = Table(
    "event",
    metadata,
    _pk(),
    Column("conversation_id", ForeignKey("conversation.id", ondelete="CASCADE"), nullable=True),
    Column("agent_id", ForeignKey("agent.id"), nullable=True),
    Column("action", String(40), nullable=False),
    Column("data", JSON, nullable=True),
    _created(),
    Index("ix_event_conversation", "conversation_id", "id"),
)

#: Who read or took out personal data (UU PDP): an agent opened a case, downloaded an
#: attachment, exported cases; an admin exported or erased a resident's data. Ids are
#: plain columns, not foreign keys, so the trail outlives what it names.
audit_event = Table(
    "audit_event",
    metadata,
    _pk(),
    Column("agent_id", Id, nullable=True),  # None: the hub itself (retention)
    Column("action", String(40), nullable=False),
    Column("conversation_id", Id, nullable=True),
    Column("contact_id", Id, nullable=True),
    Column("data", JSON, nullable=True),
    _created(),
    Index("ix_audit_event_conversation", "conversation_id", "id"),
    Index("ix_audit_event_agent", "agent_id", "id"),
    Index("ix_audit_event_created", "created_at"),
)

channel_state = Table(
    "channel_state",
    metadata,
    Column("inbox_id", ForeignKey("inbox.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("value", Text, nullable=False),
)

media = Table(
    "media",
    metadata,
    # An unguessable id: it appears in URLs. The bytes live on disk under their sha256.
    Column("id", String(32), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("mime_type", String(127), nullable=False),
    Column("file_name", String(255), nullable=True),
    Column("inbox_id", ForeignKey("inbox.id"), nullable=True),
    # Who may see it: set when a message that carries it is stored, or at an agent's upload.
    Column("conversation_id", ForeignKey("conversation.id", ondelete="CASCADE"), nullable=True),
    _created(),
    Index("ix_media_conversation", "conversation_id"),
)

early_status = Table(
    "early_status",
    metadata,
    # A provider's receipt that arrived before the send that it is about was recorded;
    # applied when the relay records that send's provider id.
    Column("inbox_id", ForeignKey("inbox.id", ondelete="CASCADE"), primary_key=True),
    Column("external_id", String(200), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("error", String(500), nullable=True),
    _created(),
)

transfer = Table(
    "transfer",
    metadata,
    # Disposisi: a case sent from one OPD to another, accepted or returned with a reason.
    _pk(),
    Column("conversation_id", ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False),
    Column("from_opd_id", ForeignKey("opd.id"), nullable=False),
    Column("to_opd_id", ForeignKey("opd.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("by_agent_id", ForeignKey("agent.id"), nullable=True),
    Column("state", String(10), nullable=False, server_default="pending"),
    Column("answer", Text, nullable=True),  # why it was returned
    Column("answered_by_id", ForeignKey("agent.id"), nullable=True),
    _created(),
    Column("answered_at", UtcDateTime, nullable=True),
    CheckConstraint("state IN ('pending', 'accepted', 'returned')", name="state"),
    Index("ix_transfer_conversation", "conversation_id", "id"),
)

category = Table(
    "category",
    metadata,
    _pk(),
    Column("organization_id", ForeignKey("organization.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("opd_id", ForeignKey("opd.id"), nullable=True),  # where such cases usually belong
    # Resolving a case of this category needs an "after" photo (proof of follow-up).
    Column("needs_after_photo", Boolean, nullable=False, server_default=FALSE),
    Column("active", Boolean, nullable=False, server_default=TRUE),
    UniqueConstraint("organization_id", "name"),
)

canned_response = Table(
    "canned_response",
    metadata,
    _pk(),
    Column("organization_id", ForeignKey("organization.id"), nullable=False),
    Column("opd_id", ForeignKey("opd.id"), nullable=True),  # None: every OPD
    Column("shortcut", String(40), nullable=False),  # typed as /salam
    Column("body", Text, nullable=False),  # {nama}, {kode}, {opd}
    _created(),
    UniqueConstraint("organization_id", "opd_id", "shortcut"),
)

business_hours = Table(
    "business_hours",
    metadata,
    # When the offices work, per weekday (0 Monday .. 6 Sunday); none for a day: closed.
    # Rows without an OPD are the organisation's week; an OPD with rows of its own (a
    # call centre open every day) works by those instead.
    _pk(),
    Column("organization_id", ForeignKey("organization.id"), nullable=False),
    Column("opd_id", ForeignKey("opd.id", ondelete="CASCADE"), nullable=True),
    Column("weekday", Integer, nullable=False),
    Column("opens", String(5), nullable=False),  # "08:00", local time
    Column("closes", String(5), nullable=False),
    CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
    UniqueConstraint("organization_id", "opd_id", "weekday"),
)

area = Table(
    "area",
    metadata,
    # Kelurahan (and desa) of the city, grouped by kecamatan.
    _pk(),
    Column("organization_id", ForeignKey("organization.id"), nullable=False),
    Column("kecamatan", String(100), nullable=False),
    Column("kelurahan", String(100), nullable=False),
    UniqueConstraint("organization_id", "kecamatan", "kelurahan"),
)


sla_policy = Table(
    "sla_policy",
    metadata,
    # The deadlines of an OPD's cases, perhaps of one category only; the most specific
    # policy wins (hub/sla.py). Units: working_days | working_hours | hours (wall clock).
    _pk(),
    Column("organization_id", ForeignKey("organization.id"), nullable=False),
    Column("opd_id", ForeignKey("opd.id", ondelete="CASCADE"), nullable=True),
    Column("category", String(100), nullable=True),
    Column("preset", String(20), nullable=True),  # the preset it was made from, if any
    Column("response_amount", Integer, nullable=False),
    Column("response_unit", String(15), nullable=False),
    Column("resolution_amount", Integer, nullable=False),
    Column("resolution_unit", String(15), nullable=False),
    _created(),
    CheckConstraint("response_amount > 0 AND resolution_amount > 0", name="amounts"),
    UniqueConstraint("organization_id", "opd_id", "category"),
)

case_sla = Table(
    "case_sla",
    metadata,
    # Response-time facts, one row per case, kept by hub/sla.py as the case moves: what
    # reports and exports read (never recomputed from the history on a page load).
    # Durations in seconds: *_s in office time (working days and hours), *_wall_s on the
    # clock. Kept in order of arrival day (SQLite: WITHOUT ROWID, the table is its key),
    # so a report over a range reads one stretch of the table.
    Column("day", String(10), primary_key=True),  # local date of arrival, YYYY-MM-DD
    Column(
        "conversation_id",
        ForeignKey("conversation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("opd_id", ForeignKey("opd.id"), nullable=False),
    Column("agent_id", ForeignKey("agent.id"), nullable=True),  # who answered first
    Column("channel", String(20), nullable=False),
    Column("category", String(100), nullable=True),
    Column("kelurahan", String(100), nullable=True),
    Column("status", String(10), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("first_response_at", UtcDateTime, nullable=True),
    Column("first_response_s", Integer, nullable=True),
    Column("first_response_wall_s", Integer, nullable=True),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("resolution_s", Integer, nullable=True),
    Column("resolution_wall_s", Integer, nullable=True),
    Column("response_due_at", UtcDateTime, nullable=True),
    Column("resolution_due_at", UtcDateTime, nullable=True),
    Column("response_met", Boolean, nullable=True),  # None: not answered and not yet due
    Column("resolution_met", Boolean, nullable=True),
    Column("csat", Integer, nullable=True),
    # Live alerts: the ones already pushed (bits, hub/sla.py) and when the next one is due.
    Column("alerts", Integer, nullable=False, server_default=text("0")),
    Column("next_alert_at", UtcDateTime, nullable=True, index=True),
    Column("seq", Integer, nullable=False),  # the case's last_seq these facts have seen
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_case_sla_conversation", "conversation_id", unique=True),
    Index("ix_case_sla_open", "status", "opd_id"),
    sqlite_with_rowid=False,
)

sla_response = Table(
    "sla_response",
    metadata,
    # Every answer to a resident who was waiting: from their first unanswered message
    # (seq) to the officer's public reply.
    Column(
        "conversation_id",
        ForeignKey("conversation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("seq", Integer, primary_key=True),
    Column("opd_id", ForeignKey("opd.id"), nullable=False),
    Column("agent_id", ForeignKey("agent.id"), nullable=True),
    Column("asked_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime, nullable=False),
    Column("business_s", Integer, nullable=False),
    Column("wall_s", Integer, nullable=False),
    Index("ix_sla_response_opd", "opd_id", "answered_at"),
)


sla_rollup = Table(
    "sla_rollup",
    metadata,
    # Report figures of one month of arrivals, per OPD and grouping (hub/rollups.py):
    # counts, and the durations (packed 32-bit integers) that exact percentiles of
    # any set of months are computed from. Rebuilt from case_sla when a month changes.
    _pk(),
    Column("month", String(7), nullable=False),  # YYYY-MM, local
    # An OPD's cases, or (None) every OPD's: what a coordinator's report reads.
    Column("opd_id", ForeignKey("opd.id", ondelete="CASCADE"), nullable=True),
    Column("dim", String(10), nullable=False),  # opd | agent | channel | category | ...
    Column("key", String(100), nullable=True),
    Column("cases", Integer, nullable=False),
    Column("responded", Integer, nullable=False),
    Column("open", Integer, nullable=False),
    Column("decided", Integer, nullable=False),
    Column("met", Integer, nullable=False),
    Column("csat_sum", Integer, nullable=False),
    Column("csat_n", Integer, nullable=False),
    Column("first_s", LargeBinary, nullable=False),
    Column("first_wall_s", LargeBinary, nullable=False),
    Column("resolution_s", LargeBinary, nullable=False),
    Column("resolution_wall_s", LargeBinary, nullable=False),
    Index("ix_sla_rollup_month", "month", "dim", "opd_id"),
)

sla_month = Table(
    "sla_month",
    metadata,
    # Which months' rollups can be used: a fact change bumps `version`; a rebuild records
    # the version it was built from. Clean when they are equal.
    Column("month", String(7), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("built_version", Integer, nullable=False, server_default=text("0")),
)


#: The full-text index of message text: on SQLite an FTS5 table kept by triggers
#: (migrations 0007, 0008), on PostgreSQL a GIN expression index (0012). Neither is
#: modelled here (SQLAlchemy has no virtual tables, nor one-dialect expression indexes):
#: Alembic's comparison skips tables and indexes by this prefix.
SEARCH_TABLE = "message_search"


def is_search_table(name: str | None) -> bool:
    return bool(name) and str(name).startswith(SEARCH_TABLE)
