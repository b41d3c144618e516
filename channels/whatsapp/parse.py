"""WhatsApp Cloud API webhooks -> normalized items. Pure: no I/O, no clock.

`parse_payload` reads one webhook delivery (object "whatsapp_business_account") for the inbox
whose number is `phone_number_id`, and says what it means to the hub: every message and
status of every entry and change, in order, as Inbound / Reaction / StatusUpdate items (a
row picked from the hub's rating list as a Rating); and why anything else was skipped
(another number's change, a field that is not "messages", a status we do not track).
Malformed input raises ValueError naming the field, and nothing else.

A resident is known by their wa_id: Sender(external_id=wa_id, name=profile name,
phone="+" + wa_id). A message is keyed by its wamid, and a reply names the wamid it quotes
in `reply_to`. A message type we cannot read is kept as a visible note ("Jenis pesan tidak
didukung: poll_creation"), never dropped.

Attachments in `Inbound.attachments` have these shapes, named as in the Cloud API. Nothing
here downloads: the adapter resolves `wa_media_id` with GET /{media-id}, and the hub's own
`media_id` joins the attachment once the file is stored::

    {"source": "whatsapp", "kind": "image" | "sticker" | "document" | "audio" | "voice"
        | "video",
     "wa_media_id": str, "mime_type": str | None, "sha256": str | None,
     "file_name": str | None,                             # a document's filename
     "voice": bool,                                       # audio and voice only
     "animated": bool}                                    # a sticker, when told

    {"source": "whatsapp", "kind": "location", "latitude": float, "longitude": float,
     "name": str, "address": str}                         # name and address when given

    {"source": "whatsapp", "kind": "reply", "id": str, "title": str,
     "description": str}                                  # a button or list choice (the
                                                          # description of a list row)

    {"source": "whatsapp", "kind": "unsupported", "type": str,
     "wa_error": str}                                     # WhatsApp's reason, when given
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from hub.models import Delivery, Inbound, Kind, Rating, Reaction, Sender, StatusUpdate

T = TypeVar("T")
Content = tuple[Kind, str, tuple[dict[str, Any], ...]]
Reader = Callable[[str, Any, str], Content]

OBJECT = "whatsapp_business_account"
#: How each media type is shown (a sticker is a small webp picture).
MEDIA_KINDS = {
    "image": Kind.IMAGE,
    "sticker": Kind.IMAGE,
    "document": Kind.FILE,
    "audio": Kind.FILE,
    "video": Kind.FILE,
}
STATUSES = {
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.READ,
    "failed": Delivery.FAILED,
}
#: The interactive answers a resident gives by tapping: a reply button or a list row.
REPLIES = ("button_reply", "list_reply")
#: Events about a user, not words from one: nothing to put in a case.
NOT_MESSAGES = frozenset({"system", "request_welcome"})
UNSUPPORTED = "Jenis pesan tidak didukung: {}"
#: A row of the rating list the hub sends: "csat:KNL-7Q4M2P:4".
RATING_ID = re.compile(r"^csat:(KNL-[0-9A-Z]{6}):([1-5])$")


@dataclass(frozen=True)
class Parsed:
    """What one webhook delivery means to the hub."""

    items: list[Inbound | Reaction | Rating | StatusUpdate] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # why a change or an item was skipped


def parse_payload(data: dict[str, Any], phone_number_id: str) -> Parsed:
    """Read one webhook delivery for the inbox of `phone_number_id`."""
    root = _need(data, dict, "payload")
    kind = _need(root.get("object"), str, "object")
    if kind != OBJECT:
        return Parsed(ignored=[f"unsupported object: {kind}"])
    parsed = Parsed()
    for entry_path, entry in _objects(root, "entry", "", required=True):
        for change_path, change in _objects(entry, "changes", entry_path, required=True):
            _read_change(change, change_path, phone_number_id, parsed)
    return parsed


def _read_change(change: dict[str, Any], path: str, phone_number_id: str, out: Parsed) -> None:
    name = _need(change.get("field"), str, f"{path}.field")
    if name != "messages":
        out.ignored.append(f"unsupported field: {name}")
        return
    path = f"{path}.value"
    value = _need(change.get("value"), dict, path)
    metadata = _need(value.get("metadata"), dict, f"{path}.metadata")
    number = _need(metadata.get("phone_number_id"), str, f"{path}.metadata.phone_number_id")
    if number != phone_number_id:
        out.ignored.append(f"other phone number id: {number} (this inbox is {phone_number_id})")
        return
    senders = _senders(value, path)
    errors = _errors(value.get("errors"), f"{path}.errors")
    messages = list(_objects(value, "messages", path))
    statuses = list(_objects(value, "statuses", path))
    for message_path, message in messages:
        found = _message(message, message_path, senders, errors)
        if isinstance(found, Inbound | Reaction | Rating):
            out.items.append(found)
        else:
            out.ignored.append(found)
    for status_path, status in statuses:
        update = _status(status, status_path)
        if isinstance(update, StatusUpdate):
            out.items.append(update)
        else:
            out.ignored.append(update)
    if errors and not messages and not statuses:
        out.ignored.append(f"error from WhatsApp: {errors}")


def _senders(value: dict[str, Any], path: str) -> dict[str, Sender]:
    """The residents a change speaks of, by wa_id, with the name of their WhatsApp profile."""
    found = {}
    for contact_path, contact in _objects(value, "contacts", path):
        wa_id = _id(contact.get("wa_id"), f"{contact_path}.wa_id")
        profile = _maybe(contact.get("profile"), dict, f"{contact_path}.profile") or {}
        name = _maybe(profile.get("name"), str, f"{contact_path}.profile.name")
        found[wa_id] = Sender(wa_id, name=(name or "").strip() or None, phone=_phone(wa_id))
    return found


def _message(
    message: dict[str, Any], path: str, senders: dict[str, Sender], errors: str | None
) -> Inbound | Reaction | Rating | str:
    wamid = _id(message.get("id"), f"{path}.id")
    kind = _need(message.get("type"), str, f"{path}.type")
    sent_at = _timestamp(message.get("timestamp"), f"{path}.timestamp")
    if kind in NOT_MESSAGES:
        return f"not a message: {kind}"
    wa_id = _id(message.get("from"), f"{path}.from")
    sender = senders.get(wa_id) or Sender(wa_id, phone=_phone(wa_id))
    if kind == "reaction":
        body = _need(message.get("reaction"), dict, f"{path}.reaction")
        target = _id(body.get("message_id"), f"{path}.reaction.message_id")
        emoji = _maybe(body.get("emoji"), str, f"{path}.reaction.emoji") or None
        return Reaction(sender, target, emoji, external_id=wamid, sent_at=sent_at)
    content_kind, text, attachments = _content(message, kind, path, errors)
    rated = _rating(attachments)
    if rated is not None:
        return Rating(sender, rated[1], case=rated[0], external_id=wamid, sent_at=sent_at)
    return Inbound(
        sender=sender,
        text=text,
        kind=content_kind,
        external_id=wamid,
        attachments=attachments,
        sent_at=sent_at,
        reply_to=_reply_to(message, path),
    )


def _content(message: dict[str, Any], kind: str, path: str, errors: str | None) -> Content:
    errors = _errors(message.get("errors"), f"{path}.errors") or errors
    reader = READERS.get(kind)
    if kind == "unsupported":
        named = _maybe(message.get("unsupported"), dict, f"{path}.unsupported") or {}
        what = _maybe(named.get("type"), str, f"{path}.unsupported.type") or "tidak dikenal"
        return _unsupported(what, errors)
    if reader is None:
        return _unsupported(kind, errors)
    if message.get(kind) is None and errors:  # WhatsApp could not pass it on, and says why
        return _unsupported(kind, errors)
    return reader(kind, message.get(kind), f"{path}.{kind}")


def _unsupported(what: str, error: str | None) -> Content:
    note: dict[str, Any] = {"source": "whatsapp", "kind": "unsupported", "type": what}
    if error:
        note["wa_error"] = error
    return Kind.NOTE, UNSUPPORTED.format(what), (note,)


def _text(kind: str, body: Any, path: str) -> Content:
    body = _need(body, dict, path)
    return Kind.TEXT, _need(body.get("body"), str, f"{path}.body"), ()


def _media(kind: str, body: Any, path: str) -> Content:
    body = _need(body, dict, path)
    voice = _maybe(body.get("voice"), bool, f"{path}.voice") or False
    media: dict[str, Any] = {
        "source": "whatsapp",
        "kind": "voice" if voice and kind == "audio" else kind,
        "wa_media_id": _id(body.get("id"), f"{path}.id"),
        "mime_type": _maybe(body.get("mime_type"), str, f"{path}.mime_type"),
        "sha256": _maybe(body.get("sha256"), str, f"{path}.sha256"),
        "file_name": _maybe(body.get("filename"), str, f"{path}.filename"),
    }
    if kind == "audio":
        media["voice"] = voice
    animated = _maybe(body.get("animated"), bool, f"{path}.animated")
    if kind == "sticker" and animated is not None:
        media["animated"] = animated
    caption = _maybe(body.get("caption"), str, f"{path}.caption") or ""
    return MEDIA_KINDS[kind], caption, (media,)


def _location(kind: str, body: Any, path: str) -> Content:
    body = _need(body, dict, path)
    lat = _coordinate(body.get("latitude"), f"{path}.latitude", 90)
    lon = _coordinate(body.get("longitude"), f"{path}.longitude", 180)
    place: dict[str, Any] = {
        "source": "whatsapp",
        "kind": "location",
        "latitude": lat,
        "longitude": lon,
    }
    for name in ("name", "address"):
        value = (_maybe(body.get(name), str, f"{path}.{name}") or "").strip()
        if value:
            place[name] = value
    text = f"Lokasi: {lat}, {lon}"
    named = [place[name] for name in ("name", "address") if name in place]
    if named:
        text += f" ({', '.join(named)})"
    return Kind.LOCATION, text, (place,)


def _contacts(kind: str, body: Any, path: str) -> Content:
    cards = _need(body, list, path)
    if not cards:
        raise ValueError(f"{path}: empty")
    return Kind.TEXT, "\n".join(_card(card, f"{path}[{n}]") for n, card in enumerate(cards)), ()


def _card(card: Any, path: str) -> str:
    """One shared contact as a line: "Kontak: Pak RT Yohanes +62 812-4758-3920"."""
    card = _need(card, dict, path)
    name = _maybe(card.get("name"), dict, f"{path}.name") or {}
    formatted = _maybe(name.get("formatted_name"), str, f"{path}.name.formatted_name")
    parts = [
        _maybe(name.get(part), str, f"{path}.name.{part}") or ""
        for part in ("first_name", "last_name")
    ]
    shown = (formatted or " ".join(parts)).strip() or "(tanpa nama)"
    phones = []
    for n, phone in enumerate(_maybe(card.get("phones"), list, f"{path}.phones") or []):
        phone = _need(phone, dict, f"{path}.phones[{n}]")
        number = _maybe(phone.get("phone"), str, f"{path}.phones[{n}].phone")
        wa_id = _maybe(phone.get("wa_id"), str, f"{path}.phones[{n}].wa_id")
        number = (number or "").strip() or (_phone(wa_id) if wa_id else None)
        if number:
            phones.append(number)
    return " ".join(["Kontak:", shown, ", ".join(phones)]).strip()


def _interactive(kind: str, body: Any, path: str) -> Content:
    body = _need(body, dict, path)
    answer = _need(body.get("type"), str, f"{path}.type")
    if answer not in REPLIES:  # e.g. a Flow's answer: not something we sent
        return _unsupported(f"interactive {answer}", None)
    reply = _need(body.get(answer), dict, f"{path}.{answer}")
    return _reply(
        _need(reply.get("id"), str, f"{path}.{answer}.id"),
        _need(reply.get("title"), str, f"{path}.{answer}.title"),
        _maybe(reply.get("description"), str, f"{path}.{answer}.description"),
    )


def _button(kind: str, body: Any, path: str) -> Content:
    """A quick-reply button of a template message."""
    body = _need(body, dict, path)
    text = _need(body.get("text"), str, f"{path}.text")
    return _reply(_need(body.get("payload"), str, f"{path}.payload"), text, None)


def _reply(id_: str, title: str, description: str | None) -> Content:
    choice: dict[str, Any] = {"source": "whatsapp", "kind": "reply", "id": id_, "title": title}
    if description:
        choice["description"] = description
    return Kind.TEXT, title, (choice,)


READERS: dict[str, Reader] = {
    "text": _text,
    **dict.fromkeys(MEDIA_KINDS, _media),
    "location": _location,
    "contacts": _contacts,
    "interactive": _interactive,
    "button": _button,
}


def _rating(attachments: tuple[dict[str, Any], ...]) -> tuple[str, int] | None:
    """(tracking code, score) when the resident picked a row of the hub's rating list."""
    choice = attachments[0] if len(attachments) == 1 else {}
    found = RATING_ID.match(choice.get("id", "")) if choice.get("kind") == "reply" else None
    return (found[1], int(found[2])) if found else None


def _reply_to(message: dict[str, Any], path: str) -> str | None:
    """The wamid a message quotes; a forwarded message has a context without one."""
    context = _maybe(message.get("context"), dict, f"{path}.context")
    if context is None or context.get("id") is None:
        return None
    return _id(context["id"], f"{path}.context.id")


def _status(status: dict[str, Any], path: str) -> StatusUpdate | str:
    wamid = _id(status.get("id"), f"{path}.id")
    name = _need(status.get("status"), str, f"{path}.status")
    delivery = STATUSES.get(name)
    if delivery is None:
        return f"unsupported status: {name}"
    error = _errors(status.get("errors"), f"{path}.errors")
    return StatusUpdate(wamid, delivery, error if delivery == Delivery.FAILED else None)


def _errors(value: Any, path: str) -> str | None:
    """WhatsApp's errors as one line: "131047: Re-engagement message — <details>"."""
    if value is None:
        return None
    found = [_error(error, f"{path}[{n}]") for n, error in enumerate(_need(value, list, path))]
    return "; ".join(found) or None


def _error(error: Any, path: str) -> str:
    error = _need(error, dict, path)
    code = _need(error.get("code"), int, f"{path}.code")
    title = _maybe(error.get("title"), str, f"{path}.title") or _maybe(
        error.get("message"), str, f"{path}.message"
    )
    data = _maybe(error.get("error_data"), dict, f"{path}.error_data") or {}
    details = _maybe(data.get("details"), str, f"{path}.error_data.details")
    line = f"{code}: {title}" if title else str(code)
    return f"{line} — {details}" if details and details != title else line


def _objects(
    parent: dict[str, Any], key: str, path: str, required: bool = False
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The objects of a list field, each with its path; an absent optional list is empty."""
    path = f"{path}.{key}" if path else key
    value = parent.get(key)
    if value is None and not required:
        return
    for n, item in enumerate(_need(value, list, path)):
        yield f"{path}[{n}]", _need(item, dict, f"{path}[{n}]")


def _phone(wa_id: str) -> str | None:
    """A wa_id is the number without its +; anything else is no phone number."""
    return f"+{wa_id}" if wa_id.isascii() and wa_id.isdigit() else None


def _timestamp(value: Any, path: str) -> datetime:
    """Unix seconds, which WhatsApp sends as a string of digits."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        seconds = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    elif value is None:
        raise ValueError(f"{path}: missing (expected unix seconds)")
    else:
        shown = repr(value)[:40] if isinstance(value, str) else type(value).__name__
        raise ValueError(f"{path}: expected unix seconds, got {shown}")
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"{path}: {seconds} is out of range") from exc


def _coordinate(value: object, what: str, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what}: expected a number, got {type(value).__name__}")
    if not -limit <= value <= limit:  # also refuses NaN
        raise ValueError(f"{what}: {value} is not within ±{limit:g}")
    return float(value)


def _id(value: Any, what: str) -> str:
    """An identifier: a string that is not empty."""
    if not _need(value, str, what).strip():
        raise ValueError(f"{what}: empty")
    return str(value)


def _need(value: Any, expected: type[T], what: str) -> T:
    """The value when it has the expected type (a bool is no int here), else a ValueError."""
    if isinstance(value, expected) and not (isinstance(value, bool) and expected is not bool):
        return value
    if value is None:
        raise ValueError(f"{what}: missing (expected {expected.__name__})")
    raise ValueError(f"{what}: expected {expected.__name__}, got {type(value).__name__}")


def _maybe(value: Any, expected: type[T], what: str) -> T | None:
    return None if value is None else _need(value, expected, what)
