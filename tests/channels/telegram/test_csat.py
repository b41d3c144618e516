"""CSAT on Telegram, against the fake Bot API: a resolved case's resident gets a keyboard of
five buttons after the follow-up reply, a tap is stored and answered, and a reply to the
comment prompt becomes the rating's comment."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from channels.telegram.parse import COMMENT_PROMPT
from hub.app import RELAY, SURVEY, create_app
from hub.keys import AUTH
from hub.models import Status
from hub.outbox import RetryPolicy
from hub.resolve import FollowUp
from hub.store import schema as s
from tests.channels.telegram.conftest import bot_inbox
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.test_webhook import fixture, post
from tests.conftest import RunningHub, make_settings

CHAT = 6231487520
DONE = "Lampu sudah diganti tadi pagi. Terima kasih atas laporannya."


@pytest.fixture
async def hub(tmp_path: Path, bot_api: FakeBotApi) -> AsyncIterator[RunningHub]:
    inbox = bot_inbox(api_base_url=bot_api.base_url, chat_gap_seconds=0.0)
    app = create_app(make_settings(tmp_path, inbox))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    app[RELAY].policy = RetryPolicy(base=0.05, cap=0.2, max_attempts=5)
    app[RELAY].idle = 0.02
    app[SURVEY].poll = 0.05
    try:
        yield RunningHub(server, app)
    finally:
        await server.close()


async def until(check: Any, within: float = 5.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        found = check()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def case(hub: Any) -> Any:
    assert (await post(hub, fixture("message__text"))).status == 200
    return await hub.store.read(lambda c: c.execute(select(s.conversation)).one())


async def resolved(hub: Any, bot_api: FakeBotApi) -> Any:
    """A resident's case, resolved with a follow-up, once the rating question went out."""
    conv = await case(hub)
    admin = await hub.app[AUTH].from_api_token(
        await hub.token("admin@kota.go.id", "diskominfo", "admin")
    )
    await hub.service.set_status(admin, conv.id, Status.RESOLVED, FollowUp(DONE))
    await until(bot_api.keyboards)
    return conv


def tap(code: str, score: int, update_id: int = 904511230) -> bytes:
    data = json.loads(fixture("callback_query__rating"))
    data["update_id"] = update_id
    data["callback_query"]["data"] = f"csat:{code}:{score}"
    return json.dumps(data).encode()


def comment(code: str, text: str) -> bytes:
    data = json.loads(fixture("message__rating_comment"))
    data["message"]["reply_to_message"]["text"] = COMMENT_PROMPT.replace("{tracking_code}", code)
    data["message"]["text"] = text
    return json.dumps(data).encode()


async def stored(hub: Any, conv_id: int) -> Any:
    query = select(s.conversation).where(s.conversation.c.id == conv_id)
    return await hub.store.read(lambda c: c.execute(query).one())


async def test_the_acknowledgement_links_to_the_public_tracking_page(
    hub: Any, bot_api: FakeBotApi
) -> None:
    conv = await case(hub)
    [ack] = await until(lambda: [p["text"] for p in bot_api.sent() if "kode lacak" in p["text"]])
    assert ack.endswith(f"http://127.0.0.1:8080/lacak?kode={conv.tracking_code}")


async def test_resolving_asks_with_five_buttons_after_the_follow_up(
    hub: Any, bot_api: FakeBotApi
) -> None:
    conv = await resolved(hub, bot_api)
    texts = [p["text"] for p in bot_api.sent()]
    assert texts[-2] == DONE, "the agent's follow-up comes first"
    assert conv.tracking_code in texts[-1] and "Seberapa puas" in texts[-1]
    [keyboard] = bot_api.keyboards()
    assert [[b["callback_data"] for b in row] for row in keyboard] == [
        [f"csat:{conv.tracking_code}:{n}" for n in range(1, 6)]
    ]
    assert [b["text"][0] for b in keyboard[0]] == ["1", "2", "3", "4", "5"]
    assert bot_api.sent()[-1]["chat_id"] == CHAT


async def test_a_tap_is_stored_answered_and_followed_by_the_comment_prompt(
    hub: Any, bot_api: FakeBotApi
) -> None:
    conv = await resolved(hub, bot_api)
    assert (await post(hub, tap(conv.tracking_code, 4))).status == 200
    assert (await stored(hub, conv.id)).csat == 4
    [answer] = await until(bot_api.answered)
    assert str(answer["callback_query_id"]) == "2682312419512349003"
    assert answer["text"] == "Terima kasih! Penilaian Anda: 4 dari 5."
    [edit] = await until(lambda: bot_api.sent("editMessageReplyMarkup"))
    assert (edit["chat_id"], edit["message_id"]) == (CHAT, 431)
    prompt = await until(lambda: [p for p in bot_api.sent() if "force_reply" in str(p)])
    assert prompt[0]["text"] == COMMENT_PROMPT.replace("{tracking_code}", conv.tracking_code)
    assert prompt[0]["reply_markup"]["force_reply"] is True

    assert (await post(hub, tap(conv.tracking_code, 4))).status == 200  # Telegram again
    await asyncio.sleep(0.2)
    assert len(bot_api.answered()) == 1, "a redelivered tap is answered once"


async def test_a_reply_to_the_prompt_is_the_comment_not_a_new_case(
    hub: Any, bot_api: FakeBotApi
) -> None:
    conv = await resolved(hub, bot_api)
    await post(hub, tap(conv.tracking_code, 5))
    text = "Petugasnya cepat datang, terima kasih."
    assert (await post(hub, comment(conv.tracking_code, text))).status == 200
    row = await stored(hub, conv.id)
    assert (row.csat, row.csat_comment) == (5, text)
    cases = await hub.store.read(
        lambda c: c.execute(select(func.count()).select_from(s.conversation)).scalar_one()
    )
    assert cases == 1
    thanks = "Terima kasih atas masukan Anda."
    await until(lambda: [p for p in bot_api.sent() if p["text"] == thanks])


async def test_a_comment_with_no_rating_to_join_is_kept_as_a_message(
    hub: Any, bot_api: FakeBotApi
) -> None:
    conv = await resolved(hub, bot_api)
    text = "Lampu di gang sebelah juga mati"
    assert (await post(hub, comment(conv.tracking_code, text))).status == 200
    assert (await stored(hub, conv.id)).csat_comment is None
    m = s.message.c
    kept = await hub.store.read(
        lambda c: c.execute(select(m.direction).where(m.text == text, m.private.is_(False))).all()
    )
    assert [k.direction for k in kept] == ["in"], "nothing a resident writes is lost"


async def test_a_tap_on_a_case_that_is_not_resolved_is_answered_with_regret(
    hub: Any, bot_api: FakeBotApi
) -> None:
    conv = await case(hub)
    assert (await post(hub, tap(conv.tracking_code, 2))).status == 200
    [answer] = await until(bot_api.answered)
    assert answer["text"] == "Maaf, laporan ini sudah tidak dapat dinilai."
    assert (await stored(hub, conv.id)).csat is None
    await asyncio.sleep(0.2)
    assert not [p for p in bot_api.sent() if "force_reply" in str(p)]


async def test_another_button_is_answered_and_nothing_is_stored(
    hub: Any, bot_api: FakeBotApi
) -> None:
    assert (await post(hub, fixture("callback_query__button"))).status == 200
    [answer] = await until(bot_api.answered)
    assert str(answer["callback_query_id"]) == "2682312419512348721" and "text" not in answer
    assert not bot_api.sent("editMessageReplyMarkup")
