"""Property tests of the /widget events' payload checks: whatever a browser sends, each
event answers one ack object; a refusal is the visitor's error (bad_request...), never an
internal error, and what reaches the hub has the hub's types. KANAL_FUZZ=long: longer."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from channels.widget.namespace import WidgetNamespace
from hub.channel import Accepted, Thread
from hub.models import Inbound, InboxRef, Rating
from tests.fuzzing import JSON

INBOX = InboxRef(id=1, key="web-pupr", kind="widget", name="Situs PUPR", opd_id=2)
CASE = {"id": 1, "tracking_code": "KNL-AAAAAA", "status": "open", "last_seq": 1, "csat": None}
EVENTS = ("send", "sync", "typing", "identify", "rate")
FIELDS = {
    "send": ("client_id", "text"),
    "sync": ("after_seq",),
    "typing": ("typing",),
    "identify": ("name", "email", "phone"),
    "rate": ("score", "comment", "tracking_code"),
}


class Host:
    """The hub as the namespace sees it, keeping what it was handed."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.contacts: list[dict[str, str]] = []

    async def check_rate(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def accept(self, inbox: InboxRef, items: list[Any], **kwargs: Any) -> list[Accepted]:
        self.items += items
        return [Accepted(message={"seq": 1}, conversation=CASE) for _ in items]

    async def thread(self, *args: Any, **kwargs: Any) -> Thread:
        return Thread(CASE, [], False)

    async def update_contact(self, inbox: InboxRef, visitor: str, fields: dict[str, str]) -> Any:
        self.contacts.append(fields)
        return {"id": 1, **fields}

    async def typing(self, *args: Any) -> None:
        return None


class Probe(WidgetNamespace):
    async def get_session(self, sid: str, namespace: str | None = None) -> Any:
        return {"inbox": INBOX, "visitor": "v_1", "case": True}


def payloads() -> st.SearchStrategy[Any]:
    shaped = st.sampled_from(EVENTS).flatmap(
        lambda e: st.dictionaries(st.sampled_from(FIELDS[e]), JSON | st.text(max_size=80))
    )
    return JSON | shaped


def run(event: str, data: Any) -> tuple[Any, Host]:
    host = Host()
    namespace = Probe(host)  # type: ignore[arg-type]
    ack = asyncio.run(getattr(namespace, f"on_{event}")("sid-1", data))
    return ack, host


@given(st.sampled_from(EVENTS), payloads())
def test_every_payload_gets_an_ack_and_only_typed_input_reaches_the_hub(
    event: str, data: Any
) -> None:
    ack, host = run(event, data)
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool)
    if not ack["ok"]:
        assert ack["error"]["code"] not in ("internal", "unavailable"), ack
    for item in host.items:
        if isinstance(item, Inbound):
            assert isinstance(item.text, str) and "\x00" not in item.text
            assert isinstance(item.client_id, str) and 1 <= len(item.client_id) <= 64
        else:
            assert isinstance(item, Rating) and isinstance(item.score, int)
            assert 1 <= item.score <= 5
            assert item.comment is None or isinstance(item.comment, str)
    for fields in host.contacts:
        assert all(isinstance(v, str) and "\x00" not in v for v in fields.values())
