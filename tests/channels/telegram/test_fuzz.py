"""Property tests of parse_update: whatever arrives, it is read into the hub's types or
refused with ValueError (the webhook's 400), never anything else. KANAL_FUZZ=long: longer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from channels.telegram.parse import Parsed, parse_update
from hub.models import Inbound, Rating
from tests.fuzzing import JSON, mutated

FIXTURES = {
    path.stem: json.loads(path.read_text(encoding="utf-8"))
    for path in sorted((Path(__file__).parent / "fixtures").glob("*.json"))
}


def check(data: Any, allow_groups: bool) -> None:
    try:
        parsed = parse_update(data, allow_groups=allow_groups)
    except ValueError:
        return
    assert isinstance(parsed, Parsed)
    assert isinstance(parsed.update_id, int)
    for item in parsed.items:
        assert isinstance(item, Inbound | Rating)
        assert isinstance(item.sender.external_id, str)
        if isinstance(item, Inbound):
            assert isinstance(item.text, str)
            assert all(isinstance(a, dict) for a in item.attachments)
            assert item.external_id is None or isinstance(item.external_id, str)
        else:
            assert item.score is None or 1 <= item.score <= 5
    assert parsed.chat_id is None or isinstance(parsed.chat_id, str)


@given(JSON, st.booleans())
def test_any_json_is_parsed_or_refused(data: Any, allow_groups: bool) -> None:
    check(data, allow_groups)


@given(st.dictionaries(st.sampled_from(["update_id", "message", "edited_message",
                                        "callback_query", "channel_post"]), JSON),
       st.booleans())  # fmt: skip
def test_any_update_shaped_object_is_parsed_or_refused(data: Any, allow_groups: bool) -> None:
    check(data, allow_groups)


@given(st.sampled_from(sorted(FIXTURES)).flatmap(lambda n: mutated(FIXTURES[n])), st.booleans())
def test_mutated_fixtures_are_parsed_or_refused(data: Any, allow_groups: bool) -> None:
    check(data, allow_groups)


def test_a_button_tap_whose_message_has_no_chat_is_refused() -> None:
    """Found by the fuzzer: an AttributeError (a 500 at the webhook) before."""
    data = FIXTURES["callback_query__button"]
    tap = {**data["callback_query"], "message": {"message_id": 5, "date": 1700000000}}
    try:
        parse_update({**data, "callback_query": tap})
    except ValueError as exc:
        assert "chat" in str(exc)
    else:
        raise AssertionError("a tap without its chat was read")
