"""Settings: TOML file + KANAL_<SECTION>__<KEY> environment overrides -> frozen, typed."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

ENV_PREFIX = "KANAL_"
InboxKind = Literal["widget", "telegram", "whatsapp", "manual", "api"]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _address_list(value: Any) -> Any:
    """From the environment a comma-separated string: "127.0.0.1, 10.0.0.0/8"."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _networks(value: tuple[str, ...]) -> tuple[str, ...]:
    for entry in value:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return value


#: IP addresses or networks, as a TOML list or a comma-separated string.
Networks = Annotated[tuple[str, ...], BeforeValidator(_address_list), AfterValidator(_networks)]


def _origins(value: tuple[str, ...]) -> tuple[str, ...]:
    for entry in value:
        if not re.fullmatch(r"https?://[^/\s]+", entry):
            raise ValueError(f"{entry!r} is not an origin like https://kanal.kota.go.id")
    return value


#: Origins (scheme://host[:port]), as a TOML list or a comma-separated string.
Origins = Annotated[tuple[str, ...], BeforeValidator(_address_list), AfterValidator(_origins)]


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8080"
    secret_key: str = ""
    data_dir: str = "data"
    access_log: bool = False  # one log line per HTTP request (costs ~20% of a busy loop)
    cookie_secure: bool | None = None
    # Reverse proxies (addresses or networks) whose X-Forwarded-For names the real client.
    trusted_proxies: Networks = ()
    # This process's name among several behind nginx: its Socket.IO session ids start
    # with it ("a.<random>"), which is how nginx keeps a session on its process.
    node: str = Field("", pattern=r"^[a-z0-9-]{0,20}$")
    # Origins besides public_url's whose pages may change things with an agent's session
    # cookie (CSRF check, hub/csrf.py): "https://kanal.kota.go.id".
    allowed_origins: Origins = ()


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///data/kanal.db"
    synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "FULL"
    busy_timeout_ms: int = Field(5000, ge=0)
    cache_mb: int = Field(64, ge=1, le=65536)
    batch_max: int = Field(256, ge=1, le=10000)
    commit_delay_ms: float = Field(1.0, ge=0, le=100)
    # PostgreSQL: connections this process keeps (every hub process its own pool).
    pool_size: int = Field(10, ge=1, le=1000)
    pool_timeout_s: float = Field(10.0, gt=0, le=300)

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


class RedisSettings(_Section):
    url: str = ""  # empty: one process, everything in memory
    # Connections this process keeps (one holds the Socket.IO subscription); a call waits
    # pool_timeout_s for a free one, then fails like an outage.
    pool_size: int = Field(20, ge=2, le=1000)
    pool_timeout_s: float = Field(5.0, gt=0, le=300)
    prefix: str = Field("kanal", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$")


class MetricsSettings(_Section):
    """GET /metrics (Prometheus): with a token, for whoever sends it; without, for the
    addresses in `allow` only (the client's address, behind server.trusted_proxies)."""

    token: str = ""
    allow: Networks = ("127.0.0.1", "::1")


class MessageSettings(_Section):
    max_length: int = Field(4000, ge=1, le=100_000)


class MediaSettings(_Section):
    dir: str = ""  # empty: <server.data_dir>/media
    max_bytes: int = Field(20 * 1024 * 1024, ge=1024, le=2 * 1024 * 1024 * 1024)
    # An image's width x height (read from its header): larger ones are refused before any
    # browser decodes them (a decompression bomb). 64 MP is above any phone camera's photo.
    max_pixels: int = Field(64_000_000, ge=10_000, le=1_000_000_000)


class SessionSettings(_Section):
    max_age_hours: int = Field(12, ge=1)


class LimitSettings(_Section):
    """[limits]: what one sender, one inbox and one login may do (hub/limits.py); 0 turns a
    limit off."""

    # The widget, per visitor token (one browser): messages, and new cases opened.
    visitor_messages_per_minute: int = Field(30, ge=0)
    visitor_messages_per_hour: int = Field(300, ge=0)
    visitor_cases_per_hour: int = Field(10, ge=0)
    # Telegram and WhatsApp, per sender (a chat, a number): the excess is dropped and logged.
    sender_messages_per_minute: int = Field(60, ge=0)
    sender_messages_per_hour: int = Field(600, ge=0)
    # Per inbox, all senders together. New cases: the widget, where a visitor is free to
    # make. Messages (every channel; off by default: set what the server takes).
    inbox_cases_per_minute: int = Field(60, ge=0)
    inbox_cases_per_hour: int = Field(1000, ge=0)
    inbox_messages_per_minute: int = Field(0, ge=0)
    # Failed logins per 15 minutes; an account's limit doubles per hour and x5 per day.
    login_failures_per_account_and_address: int = Field(5, ge=1)
    login_failures_per_account: int = Field(20, ge=1)
    login_failures_per_address: int = Field(200, ge=1)


class OrganizationSettings(_Section):
    name: str = "Pemerintah Kota Contoh"


class OpdSettings(_Section):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str = Field(min_length=1)
    coordinator: bool = False  # the coordinating OPD (Diskominfo): triages city-wide inboxes


class CaseSettings(_Section):
    close_after_days: float = Field(7, gt=0)  # a resolved case nobody writes to closes


class RetentionSettings(_Section):
    """How long personal data is kept (hub/retention.py); 0 keeps it forever."""

    # Providers' message ids kept to refuse their retries twice: WhatsApp retries a
    # webhook for up to 7 days, so a shorter time could let a retry in as new.
    raw_payload_days: int = Field(30, ge=0)
    closed_case_days: int = Field(0, ge=0)  # then the case's content is anonymised

    @field_validator("raw_payload_days")
    @classmethod
    def _outlives_retries(cls, value: int) -> int:
        if 0 < value < 7:
            raise ValueError("must be 0 (keep forever) or at least 7 (providers retry for days)")
        return value


class AssignmentSettings(_Section):
    auto: bool = True  # give new cases to the OPD's least busy online agent


class InboxSettings(BaseModel):
    """One channel instance; channel-specific keys (token, secrets...) are kept as extras."""

    model_config = ConfigDict(frozen=True, extra="allow")

    key: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
    kind: InboxKind
    opd: str
    name: str = ""

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class TrackingSettings(_Section):
    """The public tracking page (/lacak) and its API."""

    show_agent_names: bool = False
    per_minute: int = Field(10, ge=1)  # lookups per client address
    per_hour: int = Field(60, ge=1)
    timezone: str = "Asia/Jakarta"  # how the page shows times: WIB, WITA (Asia/Makassar)...

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _zone(value)


#: SLA presets (hub/deadlines.py has their deadlines).
Preset = Literal["lapor", "lapor-60", "1x24", "2x24", "3x24"]


class SlaSettings(_Section):
    """Response-time deadlines and the working time they are counted in (hub/sla.py)."""

    timezone: str = "Asia/Jakarta"  # the city's clock: office hours, working days, report days
    policy: Preset = "lapor"  # deadlines of the cases no OPD/category policy covers
    warn_at_pct: int = Field(80, ge=1, le=99)  # warn when this much of the time is used
    days_off: tuple[date, ...] = ()  # the city's own days off (HUT Kota...), besides national
    national_holidays: bool = True  # public holidays and cuti bersama are days off
    check_seconds: float = Field(30, gt=0)  # how often deadlines are checked for alerts

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _zone(value)


def _zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected a time zone like Asia/Jakarta, Asia/Makassar") from None
    return value


class Settings(_Section):
    server: ServerSettings = ServerSettings()
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    metrics: MetricsSettings = MetricsSettings()
    messages: MessageSettings = MessageSettings()
    media: MediaSettings = MediaSettings()
    sessions: SessionSettings = SessionSettings()
    limits: LimitSettings = LimitSettings()
    organization: OrganizationSettings = OrganizationSettings()
    assignment: AssignmentSettings = AssignmentSettings()
    cases: CaseSettings = CaseSettings()
    retention: RetentionSettings = RetentionSettings()
    tracking: TrackingSettings = TrackingSettings()
    sla: SlaSettings = SlaSettings()
    opds: tuple[OpdSettings, ...] = ()
    inboxes: tuple[InboxSettings, ...] = ()

    @field_validator("inboxes")
    @classmethod
    def _unique_keys(cls, inboxes: tuple[InboxSettings, ...]) -> tuple[InboxSettings, ...]:
        keys = [i.key for i in inboxes]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"duplicate inbox key(s): {', '.join(dupes)}")
        return inboxes

    @property
    def media_dir(self) -> Path:
        return Path(self.media.dir or Path(self.server.data_dir) / "media")

    def check_references(self) -> list[str]:
        """Problems that span sections: an inbox routed to an OPD nobody declared."""
        slugs = {o.slug for o in self.opds}
        return [
            f"inboxes[{n}].opd = {i.opd!r}: expected the slug of a declared [[opds]] entry"
            for n, i in enumerate(self.inboxes)
            if slugs and i.opd not in slugs
        ]


class ConfigError(Exception):
    """The configuration cannot be used; .problems has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (if any), apply environment overrides, validate."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError([f"config file {path}: not found"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"config file {path}: invalid TOML: {exc}"]) from None
    _apply_env(data, os.environ if env is None else env)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_describe(err) for err in exc.errors()]) from None
    problems = settings.check_references()
    if problems:
        raise ConfigError(problems)
    return settings


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> None:
    """KANAL_DATABASE__URL=... sets [database] url; pydantic converts the string to its type."""
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        if not section or not key:
            continue
        target = data.setdefault(section, {})
        if isinstance(target, dict):
            target[key] = raw


def _describe(err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    value = err.get("input")
    shown = "(missing)" if err["type"] == "missing" else repr(value)
    if isinstance(value, dict | list):
        shown = "(table)" if isinstance(value, dict) else "(list)"
    return f"{loc} = {shown}: {err['msg']}"
