"""Property tests of parse_payload: whatever arrives, it is read into the hub's types or
refused with ValueError (the webhook's 400), never anything else. KANAL_FUZZ=long: longer."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from channels.whatsapp.parse import Parsed, parse_payload
from hub.models import Inbound, Rating, Reaction, StatusUpdate
from tests.channels.whatsapp.conftest import FIXTURES, PHONE_NUMBER_ID, load
from tests.fuzzing import JSON, mutated

LOADED = {path.stem: load(path.stem) for path in sorted(FIXTURES.glob("*.json"))}


def check(data: Any) -> None:
    try:
        parsed = parse_payload(data, PHONE_NUMBER_ID)
    except ValueError:
        return
    assert isinstance(parsed, Parsed)
    for item in parsed.items:
        assert isinstance(item, Inbound | Reaction | Rating | StatusUpdate)
        if isinstance(item, Inbound):
            assert isinstance(item.text, str)
            assert isinstance(item.sender.external_id, str)
            assert all(isinstance(a, dict) for a in item.attachments)
    assert all(isinstance(reason, str) for reason in parsed.ignored)


@given(JSON)
def test_any_json_is_parsed_or_refused(data: Any) -> None:
    check(data)


@given(st.sampled_from(sorted(LOADED)).flatmap(lambda n: mutated(LOADED[n])))
def test_mutated_fixtures_are_parsed_or_refused(data: Any) -> None:
    check(data)


@given(st.sampled_from(sorted(LOADED)).flatmap(lambda n: mutated(LOADED[n], rounds=12)))
def test_heavily_mutated_fixtures_are_parsed_or_refused(data: Any) -> None:
    check(data)
