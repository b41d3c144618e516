"""parse_update: every Bot API payload shape in fixtures/ -> what the hub stores or skips."""

from __future__ import annotations

import copy
import json
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from channels.telegram.parse import Parsed, parse_update
from hub.models import Inbound, Kind, Rating, Sender

FIXTURES = Path(__file__).parent / "fixtures"

#: What each fixture means with the defaults: the stored kind, the command, or the reason.
OUTCOMES: dict[str, tuple[str, str]] = {
    "message__text": ("stored", Kind.TEXT),
    "message__photo_with_caption": ("stored", Kind.IMAGE),
    "message__document": ("stored", Kind.FILE),
    "message__voice": ("stored", Kind.FILE),
    "message__audio": ("stored", Kind.FILE),
    "message__video": ("stored", Kind.FILE),
    "message__location": ("stored", Kind.LOCATION),
    "message__venue": ("stored", Kind.LOCATION),
    "message__contact_own": ("stored", Kind.TEXT),
    "message__contact_other": ("stored", Kind.TEXT),
    "message__sticker": ("stored", Kind.FILE),
    "message__other_command": ("stored", Kind.TEXT),
    "edited_message__text": ("edit", Kind.TEXT),
    "message__start": ("command", "start"),
    "message__start_with_payload": ("command", "start"),
    "message__group": ("ignored", "supergroup chat not enabled"),
    "message__new_chat_members": ("ignored", "supergroup chat not enabled"),
    "message__from_bot": ("ignored", "message from a bot"),
    "channel_post__text": ("ignored", "channel chat not enabled"),
    "my_chat_member__blocked": ("ignored", "unsupported update: my_chat_member"),
    "callback_query__button": ("ignored", "unknown button: 'kategori:jalan'"),
    "callback_query__rating": ("rating", "4"),
    "message__rating_comment": ("rating", "comment"),
}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def only_item(parsed: Parsed) -> Inbound:
    assert parsed.ignored is None
    assert parsed.command is None
    assert len(parsed.items) == 1
    item = parsed.items[0]
    assert isinstance(item, Inbound)
    return item


def outcome(parsed: Parsed) -> tuple[str, str]:
    if parsed.ignored is not None:
        assert parsed.items == [] and parsed.command is None
        return "ignored", parsed.ignored
    if parsed.command is not None:
        assert parsed.items == []
        return "command", parsed.command
    if parsed.items and isinstance(rating := parsed.items[0], Rating):
        return "rating", str(rating.score or "comment")
    return ("edit" if parsed.edit_of else "stored"), only_item(parsed).kind


def test_every_fixture_has_an_expected_outcome() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.json")) == sorted(OUTCOMES)


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_each_payload_shape_parses_to_its_outcome(name: str) -> None:
    data = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no PTB deprecation warning leaks out of parsing
        parsed = parse_update(data)
    assert parsed.update_id == data["update_id"]
    assert outcome(parsed) == OUTCOMES[name]


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_parsing_leaves_the_payload_untouched(name: str) -> None:
    data = load(name)
    before = copy.deepcopy(data)
    parse_update(data)
    assert data == before


# -- what a resident's message becomes ---------------------------------------------------------


def test_text_message_is_keyed_by_chat_and_message_id() -> None:
    item = only_item(parse_update(load("message__text")))
    assert item.kind == Kind.TEXT
    assert item.text.startswith("Selamat pagi, lampu jalan di depan SD Negeri 2 Batu Merah")
    assert item.external_id == "msg:6231487520:412"
    assert item.sender.external_id == "6231487520"
    assert item.sender.name == "Siti Rahayu"
    assert item.sender.phone is None
    assert item.attachments == ()
    assert item.sent_at == datetime(2026, 3, 9, 0, 14, 5, tzinfo=UTC)


def test_photo_keeps_only_the_largest_size_and_the_caption() -> None:
    data = load("message__photo_with_caption")
    largest = data["message"]["photo"][2]
    item = only_item(parse_update(data))
    assert item.kind == Kind.IMAGE
    assert item.text == "Jalan berlubang di Jl. Sultan Hairun, sudah dua motor jatuh minggu ini"
    assert item.attachments == (
        {
            "source": "telegram",
            "kind": "photo",
            "file_id": largest["file_id"],
            "file_unique_id": "AQADd8IxG0OAcVVx",
            "mime_type": None,
            "file_name": None,
            "size": 153208,
            "width": 1280,
            "height": 960,
        },
    )


def test_photo_sizes_in_any_order_still_yield_the_largest() -> None:
    data = load("message__photo_with_caption")
    data["message"]["photo"].reverse()
    (photo,) = only_item(parse_update(data)).attachments
    assert (photo["width"], photo["height"]) == (1280, 960)


def test_document_carries_its_name_type_and_size() -> None:
    item = only_item(parse_update(load("message__document")))
    assert item.kind == Kind.FILE
    assert item.text == "Surat pengaduan warga RT 05 soal saluran air tersumbat"
    (document,) = item.attachments
    assert document["kind"] == "document"
    assert document["file_name"] == "Surat_Pengaduan_RT05.pdf"
    assert document["mime_type"] == "application/pdf"
    assert document["size"] == 248331
    assert "duration" not in document and "width" not in document


@pytest.mark.parametrize(
    ("name", "kind", "duration", "mime_type"),
    [
        ("message__voice", "voice", 14, "audio/ogg"),
        ("message__audio", "audio", 183, "audio/mpeg"),
        ("message__video", "video", 22, "video/mp4"),
    ],
)
def test_voice_audio_and_video_are_files_with_a_duration(
    name: str, kind: str, duration: int, mime_type: str
) -> None:
    item = only_item(parse_update(load(name)))
    assert item.kind == Kind.FILE
    (media,) = item.attachments
    assert media["source"] == "telegram"
    assert media["kind"] == kind
    assert media["duration"] == duration
    assert isinstance(media["duration"], int)
    assert media["mime_type"] == mime_type
    assert media["file_id"] and media["file_unique_id"]


def test_voice_without_caption_has_empty_text() -> None:
    assert only_item(parse_update(load("message__voice"))).text == ""


def test_video_keeps_its_caption_and_dimensions() -> None:
    item = only_item(parse_update(load("message__video")))
    assert item.text == "Banjir setinggi lutut di Kelurahan Batu Merah, air belum surut"
    (video,) = item.attachments
    assert (video["width"], video["height"], video["file_name"]) == (
        720,
        1280,
        "banjir_batu_merah.mp4",
    )


def test_sticker_is_a_file_whose_text_is_its_emoji() -> None:
    item = only_item(parse_update(load("message__sticker")))
    assert item.kind == Kind.FILE
    assert item.text == "🙏"
    (sticker,) = item.attachments
    assert sticker["kind"] == "sticker"
    assert (sticker["width"], sticker["height"]) == (512, 512)


def test_location_is_offered_as_the_case_location() -> None:
    item = only_item(parse_update(load("message__location")))
    assert item.kind == Kind.LOCATION
    assert item.text == "Lokasi: -3.695431, 128.181803"
    assert item.attachments == (
        {"source": "telegram", "kind": "location", "latitude": -3.695431, "longitude": 128.181803},
    )


def test_venue_adds_its_title_and_address_to_the_location() -> None:
    item = only_item(parse_update(load("message__venue")))
    assert item.kind == Kind.LOCATION
    assert item.text == (
        "Lokasi: -3.692874, 128.179561 (Pasar Mardika, Jl. Pantai Mardika, Rijali, Sirimau, "
        "Kota Ambon)"
    )
    (place,) = item.attachments
    assert place == {
        "source": "telegram",
        "kind": "location",
        "latitude": -3.692874,
        "longitude": 128.179561,
        "title": "Pasar Mardika",
        "address": "Jl. Pantai Mardika, Rijali, Sirimau, Kota Ambon",
    }


def test_sharing_ones_own_contact_gives_the_resident_a_phone_number() -> None:
    item = only_item(parse_update(load("message__contact_own")))
    assert item.sender.phone == "+6281247583920"
    assert item.sender.name == "Siti Rahayu"
    assert item.text == "Kontak: Siti Rahayu +6281247583920"
    assert item.kind == Kind.TEXT


def test_sharing_someone_elses_contact_is_only_a_message() -> None:
    item = only_item(parse_update(load("message__contact_other")))
    assert item.sender.phone is None
    assert item.text == "Kontak: Pak RT Yohanis +6281344556677"


def test_a_user_without_a_full_name_is_named_by_username() -> None:
    data = load("message__text")
    data["message"]["from"]["first_name"] = " "
    data["message"]["from"].pop("last_name")
    assert only_item(parse_update(data)).sender.name == "@siti_rahayu"


# -- commands ---------------------------------------------------------------------------------


def test_start_is_a_command_for_the_adapter_and_stores_nothing() -> None:
    parsed = parse_update(load("message__start"))
    assert parsed.command == "start"
    assert parsed.command_arg is None
    assert parsed.chat_id == "5518820437"
    assert parsed.items == []


def test_start_with_a_deep_link_payload_exposes_the_payload() -> None:
    parsed = parse_update(load("message__start_with_payload"))
    assert (parsed.command, parsed.command_arg) == ("start", "pupr-jalan")
    assert parsed.items == []


def test_start_addressed_to_the_bot_by_name_is_still_start() -> None:
    data = load("message__start_with_payload")
    data["message"]["text"] = "/start@LaporKotaAmbonBot pupr-jalan"
    data["message"]["entities"][0]["length"] = 24
    parsed = parse_update(data)
    assert (parsed.command, parsed.command_arg) == ("start", "pupr-jalan")


def test_other_commands_are_stored_as_ordinary_text() -> None:
    item = only_item(parse_update(load("message__other_command")))
    assert item.text.startswith("/lapor Sampah menumpuk di TPS")
    assert item.kind == Kind.TEXT


def test_slash_text_not_marked_as_a_command_is_ordinary_text() -> None:
    data = load("message__start")
    del data["message"]["entities"]
    assert only_item(parse_update(data)).text == "/start"


# -- edits ------------------------------------------------------------------------------------


def test_an_edit_points_at_the_original_message() -> None:
    original = only_item(parse_update(load("message__text")))
    parsed = parse_update(load("edited_message__text"))
    edit = only_item(parsed)
    assert parsed.edit_of == original.external_id == edit.external_id
    assert "sejak lima hari lalu" in edit.text
    assert edit.sent_at == datetime(2026, 3, 9, 0, 18, 5, tzinfo=UTC)  # edit_date


def test_a_new_message_is_not_an_edit() -> None:
    assert parse_update(load("message__text")).edit_of is None


def test_an_edited_start_is_an_edit_not_a_new_greeting() -> None:
    data = load("edited_message__text")
    data["edited_message"]["text"] = "/start"
    data["edited_message"]["entities"] = [{"offset": 0, "length": 6, "type": "bot_command"}]
    parsed = parse_update(data)
    assert parsed.command is None
    assert parsed.edit_of == "msg:6231487520:412"


# -- chats that are not for us, unless enabled ----------------------------------------------


def test_group_messages_are_stored_when_groups_are_enabled() -> None:
    item = only_item(parse_update(load("message__group"), allow_groups=True))
    assert item.sender.external_id == "-1002145567890"
    assert item.sender.name == "Yohana Pattinama"
    assert item.external_id == "msg:-1002145567890:2201"


def test_channel_posts_are_stored_in_the_channels_name_when_enabled() -> None:
    item = only_item(parse_update(load("channel_post__text"), allow_groups=True))
    assert item.sender.external_id == "-1001876543210"
    assert item.sender.name == "Info Kelurahan Batu Merah"
    assert item.text.startswith("Pengumuman: kerja bakti")


def test_ignored_group_message_still_names_its_chat_for_the_log() -> None:
    parsed = parse_update(load("message__group"))
    assert parsed.ignored == "supergroup chat not enabled"
    assert parsed.chat_id == "-1002145567890"


def test_a_service_message_has_nothing_to_store_even_in_an_enabled_group() -> None:
    parsed = parse_update(load("message__new_chat_members"), allow_groups=True)
    assert parsed.ignored == "nothing to store: new_chat_members"
    assert parsed.items == []


def test_a_bot_is_ignored_even_in_an_enabled_group() -> None:
    parsed = parse_update(load("message__from_bot"), allow_groups=True)
    assert parsed.ignored == "message from a bot"


def test_an_update_with_nothing_but_its_id_is_ignored_not_refused() -> None:
    assert parse_update({"update_id": 1}).ignored == "unsupported update: empty"


def test_an_update_type_newer_than_the_library_is_ignored_by_name() -> None:
    parsed = parse_update({"update_id": 1, "future_thing": {"id": 3}})
    assert parsed.ignored == "unsupported update: future_thing"


# -- CSAT: the rating keyboard and the comment prompt ------------------------------------------


def test_a_tap_on_the_rating_keyboard_rates_the_case_it_names() -> None:
    parsed = parse_update(load("callback_query__rating"))
    assert parsed.items == [Rating(Sender("6231487520"), 4, case="KNL-7Q4M2P")]
    assert parsed.callback_id == "2682312419512349003"
    assert (parsed.chat_id, parsed.callback_message_id) == ("6231487520", 431)


def test_a_tap_on_another_button_is_answered_but_stores_nothing() -> None:
    parsed = parse_update(load("callback_query__button"))
    assert parsed.items == [] and parsed.callback_id == "2682312419512348721"


@pytest.mark.parametrize("data", ["csat:KNL-7Q4M2P:6", "csat:KNL-7Q4M2P:0", "csat:nope:3", ""])
def test_a_rating_button_out_of_range_is_unknown(data: str) -> None:
    update = load("callback_query__rating")
    update["callback_query"]["data"] = data
    parsed = parse_update(update)
    assert parsed.items == [] and parsed.ignored is not None and parsed.callback_id


def test_an_old_rating_question_still_names_its_chat() -> None:
    update = load("callback_query__rating")
    message = update["callback_query"]["message"]
    update["callback_query"]["message"] = {"chat": message["chat"], "message_id": 431, "date": 0}
    parsed = parse_update(update)
    assert parsed.items == [Rating(Sender("6231487520"), 4, case="KNL-7Q4M2P")]


def test_a_reply_to_the_comment_prompt_is_the_ratings_comment() -> None:
    [rating] = parse_update(load("message__rating_comment")).items
    assert isinstance(rating, Rating)
    assert rating.score is None and rating.case == "KNL-7Q4M2P"
    assert rating.comment == "Petugasnya cepat datang, tapi kabelnya masih terlihat berantakan."
    assert rating.external_id == "msg:6231487520:433"
    assert rating.sender.name == "Siti Rahayu"


def test_a_reply_to_anything_else_is_an_ordinary_message() -> None:
    update = load("message__rating_comment")
    update["message"]["reply_to_message"]["text"] = "Laporan Anda sudah kami terima, KNL-7Q4M2P"
    assert only_item(parse_update(update)).kind == Kind.TEXT
    update = load("message__rating_comment")
    update["message"]["reply_to_message"]["from"]["is_bot"] = False  # a resident's own words
    assert only_item(parse_update(update)).kind == Kind.TEXT


# -- malformed input is a ValueError, never anything else --------------------------------------


def without(name: str, *path: str | int) -> dict[str, Any]:
    data = load(name)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return data


def replaced(name: str, value: Any, *path: str | int) -> dict[str, Any]:
    data = load(name)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


MALFORMED: dict[str, Any] = {
    "a list, not an object": [],
    "a string, not an object": "update",
    "null": None,
    "missing update_id": without("message__text", "update_id"),
    "update_id a string": replaced("message__text", "x", "update_id"),
    "update_id a bool": replaced("message__text", True, "update_id"),
    "message a string": replaced("message__text", "halo", "message"),
    "message without chat": without("message__text", "message", "chat"),
    "message without date": without("message__text", "message", "date"),
    "message without message_id": without("message__text", "message", "message_id"),
    "message_id a string": replaced("message__text", "412", "message", "message_id"),
    "chat a list": replaced("message__text", [], "message", "chat"),
    "chat id a string": replaced("message__text", "6231487520", "message", "chat", "id"),
    "chat type a number": replaced("message__text", 1, "message", "chat", "type"),
    "date a string": replaced("message__text", "kemarin", "message", "date"),
    "date out of range": replaced("message__text", 10**20, "message", "date"),
    "text a number": replaced("message__text", 42, "message", "text"),
    "from.is_bot a string": replaced("message__text", "no", "message", "from", "is_bot"),
    "entities a string": replaced("message__start", "bot_command", "message", "entities"),
    "photo an object": replaced(
        "message__photo_with_caption", {"file_id": "x"}, "message", "photo"
    ),
    "photo size without width": without(
        "message__photo_with_caption", "message", "photo", 0, "width"
    ),
    "file_size a string": replaced("message__voice", "51 KB", "message", "voice", "file_size"),
    "video width a string": replaced("message__video", "720", "message", "video", "width"),
    "latitude a string": replaced("message__location", "-3.69", "message", "location", "latitude"),
    "latitude beyond the pole": replaced(
        "message__location", 91.5, "message", "location", "latitude"
    ),
    "venue without title": without("message__venue", "message", "venue", "title"),
    "contact without phone": without("message__contact_own", "message", "contact", "phone_number"),
    "contact phone empty": replaced(
        "message__contact_own", " ", "message", "contact", "phone_number"
    ),
    "caption a list": replaced("message__video", ["a"], "message", "caption"),
}


def test_ids_sent_as_numbers_are_read_as_strings_as_the_library_does() -> None:
    data = replaced("message__contact_own", 6281247583920, "message", "contact", "phone_number")
    assert only_item(parse_update(data)).sender.phone == "+6281247583920"


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_updates_raise_value_error_only(data: Any) -> None:
    with pytest.raises(ValueError) as refused:
        parse_update(data)
    assert type(refused.value) is ValueError
    assert str(refused.value)
