"""parse_payload: every Cloud API webhook shape in fixtures/ -> what the hub stores or skips."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from channels.whatsapp.parse import Parsed, parse_payload
from hub.models import Delivery, Inbound, Kind, Rating, Reaction, Sender, StatusUpdate
from tests.channels.whatsapp.conftest import FIXTURES, PHONE_NUMBER_ID, load

SITI = "6281234567890"

#: What each fixture means to this inbox: one entry per item, reaction and skip, in order.
OUTCOMES: dict[str, list[tuple[str, str]]] = {
    "messages__text": [("message", Kind.TEXT)],
    "messages__image": [("message", Kind.IMAGE)],
    "messages__document": [("message", Kind.FILE)],
    "messages__audio": [("message", Kind.FILE)],
    "messages__voice": [("message", Kind.FILE)],
    "messages__video": [("message", Kind.FILE)],
    "messages__sticker": [("message", Kind.IMAGE)],
    "messages__location": [("message", Kind.LOCATION)],
    "messages__contacts": [("message", Kind.TEXT)],
    "messages__interactive_button_reply": [("message", Kind.TEXT)],
    "messages__interactive_list_reply": [("message", Kind.TEXT)],
    "messages__interactive_rating": [("rating", "4")],
    "messages__button": [("message", Kind.TEXT)],
    "messages__reaction": [("reaction", "🙏")],
    "messages__reaction_removed": [("reaction", "removed")],
    "messages__context_reply": [("message", Kind.TEXT)],
    "messages__unsupported": [("message", Kind.NOTE)],
    "messages__batch": [
        ("message", Kind.TEXT),
        ("message", Kind.IMAGE),
        ("message", Kind.TEXT),
        ("reaction", "👍"),  # in the order WhatsApp delivered them
        ("message", Kind.TEXT),
        ("status", Delivery.DELIVERED),
    ],
    "statuses__sent": [("status", Delivery.SENT)],
    "statuses__delivered": [("status", Delivery.DELIVERED)],
    "statuses__read": [("status", Delivery.READ)],
    "statuses__failed": [("status", Delivery.FAILED)],
    "other_phone_number": [
        ("ignored", "other phone number id: 104455667788990 (this inbox is 109876543210987)")
    ],
}


def parse(data: Any) -> Parsed:
    return parse_payload(data, PHONE_NUMBER_ID)


def outcome(parsed: Parsed) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for item in parsed.items:
        if isinstance(item, Inbound):
            found.append(("message", item.kind))
        elif isinstance(item, Reaction):
            found.append(("reaction", item.emoji or "removed"))
        elif isinstance(item, Rating):
            found.append(("rating", str(item.score)))
        else:
            found.append(("status", item.status))
    return found + [("ignored", reason) for reason in parsed.ignored]


def only_message(parsed: Parsed) -> Inbound:
    assert parsed.ignored == []
    [item] = parsed.items
    assert isinstance(item, Inbound)
    return item


def only_status(parsed: Parsed) -> StatusUpdate:
    assert parsed.ignored == []
    [item] = parsed.items
    assert isinstance(item, StatusUpdate)
    return item


def only_reaction(parsed: Parsed) -> Reaction:
    assert parsed.ignored == []
    [reaction] = parsed.items
    assert isinstance(reaction, Reaction)
    return reaction


def message_of(data: dict[str, Any], n: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = data["entry"][0]["changes"][0]["value"]["messages"][n]
    return found


def test_every_fixture_has_an_expected_outcome() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.json")) == sorted(OUTCOMES)


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_each_payload_shape_parses_to_its_outcome(name: str) -> None:
    assert outcome(parse(load(name))) == OUTCOMES[name]


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_parsing_leaves_the_payload_untouched(name: str) -> None:
    data = load(name)
    before = copy.deepcopy(data)
    parse(data)
    assert data == before


# -- what a resident's message becomes -----------------------------------------------------


def test_text_message_is_keyed_by_its_wamid_and_names_the_resident() -> None:
    data = load("messages__text")
    item = only_message(parse(data))
    assert item.kind == Kind.TEXT
    assert item.text.startswith("Lampu jalan di Jl. Sudirman mati sejak kemarin")
    assert item.external_id == message_of(data)["id"]
    assert message_of(data)["id"].startswith("wamid.")
    assert item.sender.external_id == SITI
    assert item.sender.name == "Siti Rahayu"
    assert item.sender.phone == "+6281234567890"
    assert item.attachments == ()
    assert item.reply_to is None
    assert item.edit is False
    assert item.sent_at == datetime(2026, 3, 9, 8, 14, 5, tzinfo=UTC)


def test_image_carries_whatsapps_media_id_and_its_caption_as_text() -> None:
    item = only_message(parse(load("messages__image")))
    assert item.kind == Kind.IMAGE
    assert item.text == "Jalan berlubang di Jl. Sultan Hairun, sudah dua motor jatuh minggu ini"
    assert item.attachments == (
        {
            "source": "whatsapp",
            "kind": "image",
            "wa_media_id": "1083274915526710",
            "mime_type": "image/jpeg",
            "sha256": "YQXWzHavQAMl6U1YjOURvlv9u3O0N9xR7KQ5F9ekPj0=",
            "file_name": None,
        },
    )


def test_media_attachments_leave_media_id_and_the_expiring_url_to_the_adapter() -> None:
    (image,) = only_message(parse(load("messages__image"))).attachments
    assert "media_id" not in image  # the hub's own id for the stored file, set later
    assert "url" not in image  # expires within minutes; the adapter asks for a fresh one


def test_document_keeps_its_file_name_and_caption() -> None:
    item = only_message(parse(load("messages__document")))
    assert item.kind == Kind.FILE
    assert item.text == "Surat pengaduan warga RT 05 soal saluran air tersumbat"
    (document,) = item.attachments
    assert document["kind"] == "document"
    assert document["file_name"] == "Surat_Pengaduan_RT05.pdf"
    assert document["mime_type"] == "application/pdf"
    assert document["wa_media_id"] == "2317748560193384"
    assert "voice" not in document


@pytest.mark.parametrize(
    ("name", "kind", "voice", "mime_type"),
    [
        ("messages__audio", "audio", False, "audio/mpeg"),
        ("messages__voice", "voice", True, "audio/ogg; codecs=opus"),
    ],
)
def test_a_voice_note_is_told_apart_from_an_audio_file(
    name: str, kind: str, voice: bool, mime_type: str
) -> None:
    item = only_message(parse(load(name)))
    assert item.kind == Kind.FILE
    assert item.text == ""
    (audio,) = item.attachments
    assert (audio["kind"], audio["voice"], audio["mime_type"]) == (kind, voice, mime_type)


def test_audio_without_the_voice_flag_is_an_audio_file() -> None:
    data = load("messages__voice")
    del message_of(data)["audio"]["voice"]
    (audio,) = only_message(parse(data)).attachments
    assert (audio["kind"], audio["voice"]) == ("audio", False)


def test_video_is_a_file_with_its_caption() -> None:
    item = only_message(parse(load("messages__video")))
    assert item.kind == Kind.FILE
    assert item.text == "Banjir setinggi lutut di Kelurahan Batu Merah, air belum surut"
    assert item.sender.name == "Maria Latuconsina"
    (video,) = item.attachments
    assert (video["kind"], video["mime_type"]) == ("video", "video/mp4")


def test_sticker_is_shown_as_a_picture_without_text() -> None:
    item = only_message(parse(load("messages__sticker")))
    assert item.kind == Kind.IMAGE
    assert item.text == ""
    (sticker,) = item.attachments
    assert sticker["kind"] == "sticker"
    assert sticker["mime_type"] == "image/webp"
    assert sticker["animated"] is False


def test_location_keeps_the_places_name_and_address() -> None:
    item = only_message(parse(load("messages__location")))
    assert item.kind == Kind.LOCATION
    assert item.text == (
        "Lokasi: -3.692874, 128.179561 (Pasar Mardika, Jl. Pantai Mardika, Rijali, Sirimau, "
        "Kota Ambon)"
    )
    assert item.attachments == (
        {
            "source": "whatsapp",
            "kind": "location",
            "latitude": -3.692874,
            "longitude": 128.179561,
            "name": "Pasar Mardika",
            "address": "Jl. Pantai Mardika, Rijali, Sirimau, Kota Ambon",
        },
    )


def test_a_pin_without_a_place_is_only_coordinates() -> None:
    data = load("messages__location")
    for key in ("name", "address", "url"):
        del message_of(data)["location"][key]
    message_of(data)["location"]["latitude"] = -4  # an integer degree is still a coordinate
    item = only_message(parse(data))
    assert item.text == "Lokasi: -4.0, 128.179561"
    assert item.attachments == (
        {"source": "whatsapp", "kind": "location", "latitude": -4.0, "longitude": 128.179561},
    )


def test_shared_contacts_are_listed_with_their_numbers() -> None:
    item = only_message(parse(load("messages__contacts")))
    assert item.kind == Kind.TEXT
    assert item.text == (
        "Kontak: Pak RT Yohanis +62 813-5566-7788, +62 911 352 210\n"
        "Kontak: Kantor Lurah Batu Merah +62 911 341 500"
    )
    assert item.attachments == ()
    assert item.sender.phone == "+6281234567890"  # the resident's own number, not the shared one


def test_a_shared_contact_with_only_a_wa_id_shows_that_number() -> None:
    data = load("messages__contacts")
    card = message_of(data)["contacts"][0]
    card["phones"] = [{"wa_id": "6281355667788"}]
    del card["name"]["formatted_name"]
    text = only_message(parse(data)).text
    assert text.splitlines()[0] == "Kontak: Yohanis Pattinama +6281355667788"


def test_a_reply_button_tap_reads_as_its_title_and_keeps_its_id() -> None:
    data = load("messages__interactive_button_reply")
    item = only_message(parse(data))
    assert item.kind == Kind.TEXT
    assert item.text == "Buat laporan baru"
    assert item.attachments == (
        {"source": "whatsapp", "kind": "reply", "id": "laporan-baru", "title": "Buat laporan baru"},
    )
    assert item.reply_to == message_of(data)["context"]["id"]  # the message with the buttons


def test_a_list_choice_reads_as_its_title_and_keeps_its_description() -> None:
    item = only_message(parse(load("messages__interactive_list_reply")))
    assert item.text == "Jalan rusak"
    assert item.attachments == (
        {
            "source": "whatsapp",
            "kind": "reply",
            "id": "kategori-pupr-jalan",
            "title": "Jalan rusak",
            "description": "Dinas PUPR: jalan berlubang, trotoar, drainase",
        },
    )
    assert item.reply_to is not None


def test_a_template_quick_reply_reads_as_its_text_and_keeps_its_payload() -> None:
    data = load("messages__button")
    item = only_message(parse(data))
    assert item.kind == Kind.TEXT
    assert item.text == "Ya, sudah beres"
    assert item.attachments == (
        {
            "source": "whatsapp",
            "kind": "reply",
            "id": "laporan-selesai-ya",
            "title": "Ya, sudah beres",
        },
    )
    assert item.reply_to == message_of(data)["context"]["id"]


def test_a_reply_names_the_message_it_quotes() -> None:
    data = load("messages__context_reply")
    item = only_message(parse(data))
    assert item.text.startswith("Iya pak, tiangnya yang nomor 14")
    assert item.reply_to == message_of(data)["context"]["id"]
    assert item.reply_to != item.external_id


def test_a_forwarded_message_quotes_nothing() -> None:
    data = load("messages__text")
    message_of(data)["context"] = {"forwarded": True}
    assert only_message(parse(data)).reply_to is None


# -- reactions --------------------------------------------------------------------------------


def test_a_reaction_is_on_the_message_it_names_not_a_new_message() -> None:
    data = load("messages__reaction")
    reaction = only_reaction(parse(data))
    assert reaction.emoji == "🙏"
    assert reaction.target == message_of(data)["reaction"]["message_id"]
    assert reaction.external_id == message_of(data)["id"]
    assert reaction.sender.external_id == SITI
    assert reaction.sender.name == "Siti Rahayu"
    assert reaction.sent_at == datetime(2026, 3, 9, 8, 26, 5, tzinfo=UTC)


def test_an_empty_emoji_takes_the_reaction_back() -> None:
    removed = only_reaction(parse(load("messages__reaction_removed")))
    placed = only_reaction(parse(load("messages__reaction")))
    assert removed.emoji is None
    assert removed.target == placed.target


def test_a_reaction_without_an_emoji_also_takes_it_back() -> None:
    data = load("messages__reaction_removed")
    del message_of(data)["reaction"]["emoji"]
    assert only_reaction(parse(data)).emoji is None


# -- what we cannot read is shown, not dropped ----------------------------------------------


def test_an_unsupported_message_is_a_visible_note_with_whatsapps_reason() -> None:
    item = only_message(parse(load("messages__unsupported")))
    assert item.kind == Kind.NOTE
    assert item.text == "Jenis pesan tidak didukung: poll_creation"
    assert item.sender.name == "Yohanis Pattinama"
    assert item.attachments == (
        {
            "source": "whatsapp",
            "kind": "unsupported",
            "type": "poll_creation",
            "wa_error": "131051: Message type unknown — Message type is currently not supported.",
        },
    )


def test_a_message_type_newer_than_the_parser_is_a_note_named_by_its_type() -> None:
    data = load("messages__text")
    message = message_of(data)
    message["type"] = "order"
    message["order"] = {"catalog_id": "354160437058781", "product_items": []}
    item = only_message(parse(data))
    assert item.kind == Kind.NOTE
    assert item.text == "Jenis pesan tidak didukung: order"
    assert item.attachments == ({"source": "whatsapp", "kind": "unsupported", "type": "order"},)


def test_an_interactive_answer_other_than_a_reply_is_a_note() -> None:
    data = load("messages__interactive_button_reply")
    message_of(data)["interactive"] = {
        "type": "nfm_reply",
        "nfm_reply": {"name": "flow", "body": "Sent", "response_json": "{}"},
    }
    item = only_message(parse(data))
    assert item.kind == Kind.NOTE
    assert item.text == "Jenis pesan tidak didukung: interactive nfm_reply"


def test_content_whatsapp_could_not_pass_on_is_a_note_with_its_error() -> None:
    data = load("messages__interactive_button_reply")
    del message_of(data)["interactive"]
    data["entry"][0]["changes"][0]["value"]["errors"] = [
        {
            "code": 131000,
            "title": "Something went wrong",
            "message": "Something went wrong",
            "error_data": {"details": "Unsupported webhook payload"},
        }
    ]
    item = only_message(parse(data))
    assert item.kind == Kind.NOTE
    assert item.text == "Jenis pesan tidak didukung: interactive"
    assert item.attachments[0]["wa_error"] == (
        "131000: Something went wrong — Unsupported webhook payload"
    )


def test_an_unsupported_message_without_its_type_still_says_so() -> None:
    data = load("messages__unsupported")
    del message_of(data)["unsupported"]
    item = only_message(parse(data))
    assert item.text == "Jenis pesan tidak didukung: tidak dikenal"


def test_system_events_are_not_a_residents_message() -> None:
    data = load("messages__text")
    message = message_of(data)
    del message["text"], message["from"]
    message["type"] = "system"
    message["system"] = {
        "body": "User changed from CO.1234567890 to MX.0987654321",
        "type": "user_changed_user_id",
    }
    parsed = parse(data)
    assert parsed.items == []
    assert parsed.ignored == ["not a message: system"]


# -- statuses of our own messages -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("statuses__sent", Delivery.SENT),
        ("statuses__delivered", Delivery.DELIVERED),
        ("statuses__read", Delivery.READ),
    ],
)
def test_a_status_moves_our_message_by_its_wamid(name: str, status: Delivery) -> None:
    data = load(name)
    update = only_status(parse(data))
    wamid = data["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    assert update == StatusUpdate(external_id=wamid, status=status, error=None)


def test_a_failed_status_says_why_in_whatsapps_words() -> None:
    update = only_status(parse(load("statuses__failed")))
    assert update.status == Delivery.FAILED
    assert update.error == (
        "131047: Re-engagement message — Message failed to send because more than 24 hours "
        "have passed since the customer last replied to this number."
    )


def test_a_failed_status_without_errors_has_no_reason() -> None:
    data = load("statuses__failed")
    del data["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"]
    assert only_status(parse(data)).error is None


def test_a_status_we_do_not_track_is_reported() -> None:
    data = load("statuses__read")
    data["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] = "deleted"
    parsed = parse(data)
    assert parsed.items == []
    assert parsed.ignored == ["unsupported status: deleted"]


# -- a delivery with many entries, changes and numbers ---------------------------------------


def test_every_entry_change_and_message_of_a_batch_is_read_in_order() -> None:
    data = load("messages__batch")
    parsed = parse(data)
    messages = [i for i in parsed.items if isinstance(i, Inbound)]
    assert [(m.sender.name, m.text[:24]) for m in messages] == [
        ("Siti Rahayu", "Selamat pagi, sampah di "),
        ("Siti Rahayu", ""),
        ("Yohanis Pattinama", "Air PDAM di Kelurahan Ri"),
        ("Maria Latuconsina", "Terima kasih, petugas su"),
    ]
    ids = [m.external_id for m in messages]
    assert len(set(ids)) == 4
    reactions = [r for r in parsed.items if isinstance(r, Reaction)]
    assert [r.sender.name for r in reactions] == ["Maria Latuconsina"]
    assert isinstance(parsed.items[-1], StatusUpdate)
    assert parsed.ignored == []


def test_another_numbers_change_is_skipped_and_the_rest_is_kept() -> None:
    data = load("messages__batch")
    other = load("other_phone_number")["entry"][0]["changes"][0]
    data["entry"][0]["changes"].insert(1, other)
    parsed = parse(data)
    texts = [i.text for i in parsed.items if isinstance(i, Inbound)]
    assert len(texts) == 4
    assert "Halo, ini Dinas Kesehatan?" not in texts
    assert parsed.ignored == [
        "other phone number id: 104455667788990 (this inbox is 109876543210987)"
    ]


def test_the_same_payload_is_all_for_the_inbox_of_the_other_number() -> None:
    item = only_message(parse_payload(load("other_phone_number"), "104455667788990"))
    assert item.text == "Halo, ini Dinas Kesehatan?"


def test_a_sender_missing_from_contacts_has_no_name_but_keeps_the_number() -> None:
    data = load("messages__text")
    del data["entry"][0]["changes"][0]["value"]["contacts"]
    sender = only_message(parse(data)).sender
    assert (sender.external_id, sender.name, sender.phone) == (SITI, None, "+6281234567890")


def test_a_field_other_than_messages_is_reported_not_refused() -> None:
    data = load("messages__text")
    change = data["entry"][0]["changes"][0]
    change["field"] = "account_update"
    change["value"] = {"phone_number": "6281180001122", "event": "VERIFIED_ACCOUNT"}
    parsed = parse(data)
    assert parsed.items == []
    assert parsed.ignored == ["unsupported field: account_update"]


def test_another_webhook_object_is_reported_not_refused() -> None:
    parsed = parse({"object": "page", "entry": [{"id": "1", "time": 1, "messaging": []}]})
    assert parsed.ignored == ["unsupported object: page"]


def test_an_error_without_messages_is_reported() -> None:
    data = load("messages__text")
    value = data["entry"][0]["changes"][0]["value"]
    del value["messages"], value["contacts"]
    value["errors"] = [{"code": 131000, "title": "Something went wrong"}]
    parsed = parse(data)
    assert parsed.items == []
    assert parsed.ignored == ["error from WhatsApp: 131000: Something went wrong"]


def test_a_timestamp_sent_as_a_number_is_read_too() -> None:
    data = load("messages__text")
    message_of(data)["timestamp"] = 1773044045
    assert only_message(parse(data)).sent_at == datetime(2026, 3, 9, 8, 14, 5, tzinfo=UTC)


# -- malformed input is a ValueError naming the field, never anything else --------------------


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


VALUE = ("entry", 0, "changes", 0, "value")
MESSAGE = (*VALUE, "messages", 0)
STATUS = (*VALUE, "statuses", 0)

#: Each malformed payload, and the field its error must name.
MALFORMED: dict[str, tuple[Any, str]] = {
    "a list, not an object": ([], "payload"),
    "null": (None, "payload"),
    "missing object": (without("messages__text", "object"), "object"),
    "entry missing": (without("messages__text", "entry"), "entry"),
    "entry an object": (replaced("messages__text", {}, "entry"), "entry"),
    "entry item a string": (replaced("messages__text", "x", "entry", 0), "entry[0]"),
    "changes missing": (without("messages__text", "entry", 0, "changes"), "entry[0].changes"),
    "field missing": (
        without("messages__text", "entry", 0, "changes", 0, "field"),
        "entry[0].changes[0].field",
    ),
    "value a list": (
        replaced("messages__text", [], *VALUE),
        "entry[0].changes[0].value",
    ),
    "metadata missing": (
        without("messages__text", *VALUE, "metadata"),
        "entry[0].changes[0].value.metadata",
    ),
    "phone_number_id a number": (
        replaced("messages__text", 109876543210987, *VALUE, "metadata", "phone_number_id"),
        "value.metadata.phone_number_id",
    ),
    "messages an object": (
        replaced("messages__text", {}, *VALUE, "messages"),
        "value.messages",
    ),
    "contact without wa_id": (
        without("messages__text", *VALUE, "contacts", 0, "wa_id"),
        "value.contacts[0].wa_id",
    ),
    "profile name a number": (
        replaced("messages__text", 7, *VALUE, "contacts", 0, "profile", "name"),
        "value.contacts[0].profile.name",
    ),
    "message without id": (without("messages__text", *MESSAGE, "id"), "messages[0].id"),
    "message id empty": (replaced("messages__text", "", *MESSAGE, "id"), "messages[0].id"),
    "message without type": (without("messages__text", *MESSAGE, "type"), "messages[0].type"),
    "message without from": (without("messages__text", *MESSAGE, "from"), "messages[0].from"),
    "from a number": (
        replaced("messages__text", 6281234567890, *MESSAGE, "from"),
        "messages[0].from",
    ),
    "timestamp missing": (
        without("messages__text", *MESSAGE, "timestamp"),
        "messages[0].timestamp",
    ),
    "timestamp words": (
        replaced("messages__text", "kemarin", *MESSAGE, "timestamp"),
        "messages[0].timestamp",
    ),
    "timestamp a bool": (
        replaced("messages__text", True, *MESSAGE, "timestamp"),
        "messages[0].timestamp",
    ),
    "timestamp out of range": (
        replaced("messages__text", "9" * 30, *MESSAGE, "timestamp"),
        "messages[0].timestamp",
    ),
    "text without body": (
        without("messages__text", *MESSAGE, "text", "body"),
        "messages[0].text.body",
    ),
    "text a string": (
        replaced("messages__text", "halo", *MESSAGE, "text"),
        "messages[0].text",
    ),
    "image without id": (
        without("messages__image", *MESSAGE, "image", "id"),
        "messages[0].image.id",
    ),
    "image id a number": (
        replaced("messages__image", 1083274915526710, *MESSAGE, "image", "id"),
        "messages[0].image.id",
    ),
    "caption a list": (
        replaced("messages__image", ["a"], *MESSAGE, "image", "caption"),
        "messages[0].image.caption",
    ),
    "voice a string": (
        replaced("messages__voice", "true", *MESSAGE, "audio", "voice"),
        "messages[0].audio.voice",
    ),
    "filename a number": (
        replaced("messages__document", 5, *MESSAGE, "document", "filename"),
        "messages[0].document.filename",
    ),
    "latitude a string": (
        replaced("messages__location", "-3.69", *MESSAGE, "location", "latitude"),
        "messages[0].location.latitude",
    ),
    "longitude beyond the date line": (
        replaced("messages__location", 181.5, *MESSAGE, "location", "longitude"),
        "messages[0].location.longitude",
    ),
    "contacts empty": (
        replaced("messages__contacts", [], *MESSAGE, "contacts"),
        "messages[0].contacts",
    ),
    "contact phones an object": (
        replaced("messages__contacts", {}, *MESSAGE, "contacts", 0, "phones"),
        "messages[0].contacts[0].phones",
    ),
    "interactive without type": (
        without("messages__interactive_button_reply", *MESSAGE, "interactive", "type"),
        "messages[0].interactive.type",
    ),
    "button_reply without title": (
        without(
            "messages__interactive_button_reply",
            *MESSAGE,
            "interactive",
            "button_reply",
            "title",
        ),
        "messages[0].interactive.button_reply.title",
    ),
    "button without payload": (
        without("messages__button", *MESSAGE, "button", "payload"),
        "messages[0].button.payload",
    ),
    "context a string": (
        replaced("messages__context_reply", "wamid.x", *MESSAGE, "context"),
        "messages[0].context",
    ),
    "context id a number": (
        replaced("messages__context_reply", 7, *MESSAGE, "context", "id"),
        "messages[0].context.id",
    ),
    "reaction without message_id": (
        without("messages__reaction", *MESSAGE, "reaction", "message_id"),
        "messages[0].reaction.message_id",
    ),
    "reaction emoji a number": (
        replaced("messages__reaction", 1, *MESSAGE, "reaction", "emoji"),
        "messages[0].reaction.emoji",
    ),
    "unsupported errors an object": (
        replaced("messages__unsupported", {}, *MESSAGE, "errors"),
        "messages[0].errors",
    ),
    "error code a string": (
        replaced("messages__unsupported", "131051", *MESSAGE, "errors", 0, "code"),
        "messages[0].errors[0].code",
    ),
    "status without id": (without("statuses__read", *STATUS, "id"), "statuses[0].id"),
    "status a number": (
        replaced("statuses__read", 3, *STATUS, "status"),
        "statuses[0].status",
    ),
    "failed status error_data a string": (
        replaced("statuses__failed", "x", *STATUS, "errors", 0, "error_data"),
        "statuses[0].errors[0].error_data",
    ),
}


@pytest.mark.parametrize(("data", "field"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_payloads_raise_value_error_naming_the_field(data: Any, field: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse(data)
    assert type(refused.value) is ValueError
    assert field in str(refused.value)


def test_a_malformed_message_in_a_batch_refuses_the_whole_delivery() -> None:
    """Meta retries a refused delivery whole, so nothing of it may be half-stored."""
    data = load("messages__batch")
    del data["entry"][1]["changes"][0]["value"]["messages"][1]["id"]
    with pytest.raises(ValueError, match=r"entry\[1\]\.changes\[0\]\.value\.messages\[1\]\.id"):
        parse(data)


# -- CSAT: a row of the rating list -------------------------------------------------------------


def test_a_row_of_the_rating_list_rates_the_case_it_names() -> None:
    [rating] = parse(load("messages__interactive_rating")).items
    assert rating == Rating(
        Sender(SITI, name="Siti Rahayu", phone=f"+{SITI}"),
        4,
        case="KNL-7Q4M2P",
        external_id="wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDk5QTdDMkU0NjFCMDNFQjQ2OEQ1AA==",
        sent_at=datetime(2026, 3, 10, 8, 24, 5, tzinfo=UTC),
    )


@pytest.mark.parametrize("row_id", ["csat:KNL-7Q4M2P:9", "csat:KNL-7Q4M2P", "kategori-csat"])
def test_a_row_that_is_no_rating_stays_a_message(row_id: str) -> None:
    data = load("messages__interactive_rating")
    data["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"]["list_reply"]["id"] = (
        row_id
    )
    assert only_message(parse(data)).kind == Kind.TEXT
