"""Agents, sessions, API tokens, visitor tokens and who may see what."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, delete, insert, select, update

from hub.models import Role, utcnow
from hub.store import schema as s
from hub.store.db import Store
from hub.store.queries import new_id

SESSION_COOKIE = "kanal_session"
TOKEN_PREFIX = "knl_"
PASSWORD_MIN, PASSWORD_MAX = 10, 256
_hasher = PasswordHasher()  # argon2id with the library's current parameters
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Principal:
    """An authenticated agent and what their role lets them see."""

    id: int
    name: str
    email: str
    role: Role
    opd_id: int | None
    organization_id: int

    @property
    def sees_all_opds(self) -> bool:
        return self.role == Role.ADMIN

    def can_see(self, opd_id: int) -> bool:
        return self.sees_all_opds or opd_id == self.opd_id

    def visible_opds(self) -> list[int] | None:
        """None means every OPD of the organisation."""
        if self.sees_all_opds:
            return None
        return [self.opd_id] if self.opd_id is not None else []


class Action(StrEnum):
    """What an agent may ask of the hub; every API route and socket event names one."""

    SELF = "self"  # their own session and profile
    CASE_READ = "case.read"  # list, read, messages, files, join, sync
    CASE_WRITE = "case.write"  # reply, note, typing, read marker, status, location, files
    CASE_TAKE = "case.take"  # take a case for themselves
    CASE_ASSIGN = "case.assign"  # give a case to another agent
    CASE_TRANSFER = "case.transfer"  # disposisi to another OPD, accept or return one
    REPORTS = "reports.read"
    ADMIN = "admin.manage"  # OPDs, agents, inboxes, categories, canned responses


#: Which role may do what. The OPD scope comes on top: only an admin reaches every OPD.
RULES: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.SUPERVISOR: frozenset(Action) - {Action.ADMIN},
    Role.AGENT: frozenset(Action) - {Action.ADMIN, Action.CASE_ASSIGN, Action.REPORTS},
}


class Denied(Exception):
    """An agent asked for what they may not have; `code` is the API's answer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # "not_found" (a case they may not see) or "forbidden"


def authorize(principal: Principal, action: Action, opd_id: int | None = None) -> None:
    """The one decision: may this agent do this (to a case of this OPD)? A case of another
    OPD is "not found", exactly like a case that does not exist."""
    if opd_id is not None and not principal.can_see(opd_id):
        raise Denied("not_found", "not found")
    if action not in RULES[principal.role]:
        raise Denied("forbidden", f"your role ({principal.role}) may not do this")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_room(token: str) -> str:
    """The /agent sockets opened with one session cookie (ended together at logout)."""
    return f"session:{_digest(token)[:32]}"


class BadPassword(ValueError):
    """A new password the hub does not take; the message says why."""


def check_new_password(password: str, current: str) -> None:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise BadPassword(f"the new password needs {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    if password == current:
        raise BadPassword("the new password must differ from the current one")


def _principal(row: Any) -> Principal:
    return Principal(row.id, row.name, row.email, Role(row.role), row.opd_id, row.organization_id)


def _active_agent_by_email(conn: Connection, email: str) -> Any:
    return conn.execute(
        select(s.agent).where(s.agent.c.email == email.strip().lower(), s.agent.c.active.is_(True))
    ).first()


class Auth:
    def __init__(self, store: Store, session_hours: int) -> None:
        self.store = store
        self.session_age = timedelta(hours=session_hours)

    async def login(self, email: str, password: str) -> tuple[Principal, str] | None:
        """A fresh session for valid credentials; None for anything wrong (one answer for all).
        The session id is new and made here: none a client brings is ever taken (fixation)."""
        row = await self.store.read(lambda c: _active_agent_by_email(c, email))
        stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
        ok = await asyncio.to_thread(verify_password, stored, password)
        if row is None or not ok:
            return None
        return _principal(row), await self.open_session(row.id)

    async def open_session(self, agent_id: int) -> str:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        await self.store.write(
            lambda c: c.execute(
                insert(s.agent_session).values(
                    token_hash=_digest(token),
                    agent_id=agent_id,
                    created_at=now,
                    expires_at=now + self.session_age,
                )
            )
        )
        return token

    async def change_password(self, agent_id: int, current: str, new: str) -> bool:
        """The agent's own change: False when `current` is wrong. Every session of theirs
        ends (their API tokens stay: revoked on their own, or by deactivation)."""
        check_new_password(new, current)
        row = await self.store.read(
            lambda c: c.execute(
                select(s.agent.c.password_hash).where(s.agent.c.id == agent_id)
            ).first()
        )
        stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
        if row is None or not await asyncio.to_thread(verify_password, stored, current):
            return False
        hashed = await asyncio.to_thread(hash_password, new)

        def job(conn: Connection) -> None:
            a = s.agent.c
            conn.execute(update(s.agent).where(a.id == agent_id).values(password_hash=hashed))
            conn.execute(delete(s.agent_session).where(s.agent_session.c.agent_id == agent_id))

        await self.store.write(job)
        return True

    async def logout(self, token: str) -> None:
        await self.store.write(
            lambda c: c.execute(
                delete(s.agent_session).where(s.agent_session.c.token_hash == _digest(token))
            )
        )

    async def from_session(self, token: str) -> Principal | None:
        now = utcnow()
        row = await self.store.read(
            lambda c: c.execute(
                select(s.agent)
                .join(s.agent_session, s.agent_session.c.agent_id == s.agent.c.id)
                .where(
                    s.agent_session.c.token_hash == _digest(token),
                    s.agent_session.c.expires_at > now,
                    s.agent.c.active.is_(True),
                )
            ).first()
        )
        return _principal(row) if row is not None else None

    async def from_api_token(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        row = await self.store.read(
            lambda c: c.execute(
                select(s.agent)
                .join(s.api_token, s.api_token.c.agent_id == s.agent.c.id)
                .where(
                    s.api_token.c.token_hash == _digest(token),
                    s.api_token.c.revoked_at.is_(None),
                    s.agent.c.active.is_(True),
                )
            ).first()
        )
        return _principal(row) if row is not None else None

    async def authenticate(self, cookie: str | None, authorization: str | None) -> Principal | None:
        """The agent behind a session cookie or an `Authorization: Bearer` header."""
        if authorization:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() == "bearer" and value:
                return await self.from_api_token(value.strip())
            return None
        if cookie:
            return await self.from_session(cookie)
        return None


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def add_agent(
    conn: Connection,
    *,
    organization_id: int,
    opd_id: int | None,
    email: str,
    name: str,
    role: Role,
    password: str,
) -> int:
    """Create an agent, or update the one with this email (role, OPD, name, password)."""
    values = {
        "organization_id": organization_id,
        "opd_id": opd_id,
        "name": name,
        "role": str(role),
        "password_hash": hash_password(password),
        "active": True,
    }
    email = email.strip().lower()
    row = conn.execute(select(s.agent.c.id).where(s.agent.c.email == email)).first()
    if row is not None:
        conn.execute(update(s.agent).where(s.agent.c.id == row.id).values(**values))
        return int(row.id)
    return new_id(conn, insert(s.agent).values(email=email, created_at=utcnow(), **values))


def create_api_token(conn: Connection, email: str, label: str | None = None) -> str | None:
    row = _active_agent_by_email(conn, email)
    if row is None:
        return None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        insert(s.api_token).values(
            token_hash=_digest(token), agent_id=row.id, label=label, created_at=utcnow()
        )
    )
    return token


class VisitorTokens:
    """Signed, server-issued visitor ids bound to one inbox."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt="kanal.visitor.v1")

    def issue(self, inbox_id: int) -> tuple[str, str]:
        visitor_id = "v_" + secrets.token_urlsafe(16)
        return self._serializer.dumps({"i": inbox_id, "v": visitor_id}), visitor_id

    def verify(self, inbox_id: int, token: str) -> str | None:
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            return None
        if not isinstance(data, dict) or data.get("i") != inbox_id:
            return None
        visitor = data.get("v")
        return visitor if isinstance(visitor, str) else None


def secret_key(configured: str, data_dir: Path) -> str:
    """The configured secret, else one generated once and kept in the data directory."""
    if configured:
        return configured
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key)
    return key
