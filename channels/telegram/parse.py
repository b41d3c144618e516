"""Telegram updates -> normalized Inbound items. Pure: no I/O, no bot, no clock.

`parse_update` reads one Bot API Update with python-telegram-bot's `Update.de_json` and says
what it means to the hub: one Inbound, or a command the adapter answers itself (`/start`),
or a Rating (a tap on the rating keyboard, or a reply to the comment prompt that follows),
or why the update is not for us. Malformed input raises ValueError and nothing else.

Attachments in `Inbound.attachments` have one shape, named as in the Bot API; nothing here
downloads (the adapter resolves `file_id` with getFile)::

    {"source": "telegram", "kind": "photo" | "document" | "voice" | "audio" | "video"
        | "video_note" | "sticker",
     "file_id": str, "file_unique_id": str,
     "mime_type": str | None, "file_name": str | None, "size": int | None,
     "width": int, "height": int, "duration": int}      # the last three only when known

    {"source": "telegram", "kind": "location", "latitude": float, "longitude": float,
     "title": str, "address": str}                      # title and address for a venue only
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from telegram import CallbackQuery, Chat, Contact, Message, Update, User
from telegram.constants import ChatType, MessageEntityType
from telegram.helpers import effective_message_type

from hub.models import Inbound, Kind, Rating, Sender

T = TypeVar("T")
Content = tuple[Kind, str, tuple[dict[str, Any], ...]]

#: Commands the adapter answers itself; any other /command is stored as text.
COMMANDS = frozenset({"start"})
#: The update fields that carry a message, and whether each is an edit.
MESSAGE_FIELDS = {
    "message": False,
    "edited_message": True,
    "channel_post": False,
    "edited_channel_post": True,
}
#: File kinds in the order they are looked for (an animation also carries its document).
FILE_KINDS = ("photo", "video", "video_note", "voice", "audio", "document", "sticker")
#: A rating keyboard's button: "csat:KNL-7Q4M2P:4" (Telegram allows 64 bytes).
RATING_DATA = re.compile(r"^csat:(KNL-[0-9A-Z]{6}):([1-5])$")
#: What the bot asks after a rating; a reply to it is the rating's comment.
COMMENT_PROMPT = (
    "Ada saran atau komentar tentang penanganan laporan {tracking_code}? Balas pesan ini "
    "untuk menuliskannya (tidak wajib)."
)
COMMENT_PREFIX = COMMENT_PROMPT.split("{", 1)[0]
TRACKING_CODE = re.compile(r"KNL-[0-9A-Z]{6}")


@dataclass(frozen=True)
class Parsed:
    """What one update means to the hub."""

    update_id: int
    items: list[Inbound | Rating] = field(default_factory=list)
    command: str | None = None  # "start", answered by the adapter; nothing is stored
    command_arg: str | None = None  # a deep link's payload: "/start pupr" -> "pupr"
    chat_id: str | None = None  # where an answer goes (the greeting)
    edit_of: str | None = None  # the external id of the message this update edits
    ignored: str | None = None  # why the update is not for us
    callback_id: str | None = None  # a button tap, which Telegram wants answered
    callback_message_id: int | None = None  # the message whose button was tapped


def parse_update(data: dict[str, Any], *, allow_groups: bool = False) -> Parsed:
    """Read one Bot API Update; groups and channels only when `allow_groups`."""
    update = _read(data)
    update_id = _need(update.update_id, int, "update_id")
    if update.callback_query is not None:
        return _callback(update_id, update.callback_query)
    found = _message_of(update)
    if found is None:
        return Parsed(update_id, ignored=f"unsupported update: {_update_type(update)}")
    message, edited = found
    chat_id = str(_need(_need(message.chat, Chat, "chat").id, int, "chat.id"))
    reason = _ignored(message, allow_groups)
    if reason:
        return Parsed(update_id, chat_id=chat_id, ignored=reason)
    if not edited and (command := _command(message)):
        return Parsed(update_id, command=command[0], command_arg=command[1], chat_id=chat_id)
    if (comment := _comment(message, chat_id, edited)) is not None:
        return Parsed(update_id, [comment], chat_id=chat_id)
    content = _content(message)
    if content is None:
        what = effective_message_type(message) or "empty message"
        return Parsed(update_id, chat_id=chat_id, ignored=f"nothing to store: {what}")
    external_id = f"msg:{chat_id}:{_need(message.message_id, int, 'message_id')}"
    kind, text, attachments = content
    item = Inbound(
        sender=_sender(message),
        text=text,
        kind=kind,
        external_id=external_id,
        attachments=attachments,
        sent_at=_sent_at(message, edited),
        edit=edited,
    )
    return Parsed(update_id, [item], chat_id=chat_id, edit_of=external_id if edited else None)


def _callback(update_id: int, query: CallbackQuery) -> Parsed:
    """A tap on an inline button; only the rating keyboard's mean something to the hub."""
    callback_id = _need(query.id, str, "callback_query.id")
    user = _need(query.from_user, User, "callback_query.from")
    message = query.message  # an inaccessible message once it is old, but with its chat
    chat = None if message is None else _need(message.chat, Chat, "callback_query.message.chat")
    where = chat.id if chat is not None else user.id
    chat_id = str(_need(where, int, "callback_query.message.chat.id"))
    shown = message.message_id if message is not None else None
    message_id = _maybe(shown, int, "callback_query.message.message_id")
    data = _maybe(query.data, str, "callback_query.data") or ""
    found = RATING_DATA.match(data)
    if found is None or user.is_bot:
        return Parsed(
            update_id, chat_id=chat_id, ignored=f"unknown button: {data[:64]!r}",
            callback_id=callback_id, callback_message_id=message_id,
        )  # fmt: skip
    rating = Rating(Sender(external_id=chat_id), int(found[2]), case=found[1])
    return Parsed(
        update_id, [rating], chat_id=chat_id, callback_id=callback_id,
        callback_message_id=message_id,
    )  # fmt: skip


def _comment(message: Message, chat_id: str, edited: bool) -> Rating | None:
    """A reply to the bot's comment prompt: the comment on the rating it names."""
    quoted = message.reply_to_message
    text = _text(message)
    if quoted is None or not text:
        return None
    author = quoted.from_user
    asked = _maybe(quoted.text, str, "reply_to_message.text") or ""
    if author is None or not author.is_bot or not asked.startswith(COMMENT_PREFIX):
        return None
    code = TRACKING_CODE.search(asked)
    if code is None:
        return None
    message_id = _need(message.message_id, int, "message_id")
    return Rating(
        _sender(message),
        None,
        comment=text,
        case=code.group(),
        # An edit comes again under the same id: it has none, and replaces the comment.
        external_id=None if edited else f"msg:{chat_id}:{message_id}",
        sent_at=_sent_at(message, edited),
    )


def _read(data: object) -> Update:
    if not isinstance(data, dict):
        raise ValueError(f"update: expected a JSON object, got {type(data).__name__}")
    try:
        return Update.de_json(data, bot=None)
    except Exception as exc:  # de_json raises whatever the bad shape triggers (Type/Key/...)
        raise ValueError(f"update: malformed: {type(exc).__name__}: {exc}") from exc


def _message_of(update: Update) -> tuple[Message, bool] | None:
    for name, edited in MESSAGE_FIELDS.items():
        message = getattr(update, name)
        if message is not None:
            return message, edited
    return None


def _update_type(update: Update) -> str:
    present = [kind for kind in Update.ALL_TYPES if getattr(update, kind, None) is not None]
    return str((present or list(update.api_kwargs) or ["empty"])[0])


def _ignored(message: Message, allow_groups: bool) -> str | None:
    user = _user(message)
    if user is not None and user.is_bot:
        return "message from a bot"
    chat_type = _need(message.chat.type, str, "chat.type")
    if chat_type != ChatType.PRIVATE and not allow_groups:
        return f"{chat_type} chat not enabled"
    return None


def _command(message: Message) -> tuple[str, str | None] | None:
    """A bot command at the start of the text, as Telegram marks it: ("start", payload)."""
    text = _text(message)
    first = message.entities[0] if message.entities else None
    if first is None or first.type != MessageEntityType.BOT_COMMAND or first.offset != 0:
        return None
    if not text.startswith("/"):  # entities that do not match the text
        return None
    word, *rest = text.split(maxsplit=1)
    name = word[1:].split("@", 1)[0].lower()
    return (name, rest[0] if rest else None) if name in COMMANDS else None


def _content(message: Message) -> Content | None:
    if message.venue is not None or message.location is not None:
        return _place(message)
    if message.contact is not None:
        return Kind.TEXT, _contact_text(message.contact), ()
    for kind in FILE_KINDS:
        media = getattr(message, kind)
        if media:
            return _media(kind, media, _maybe(message.caption, str, "caption") or "")
    text = _text(message)
    return (Kind.TEXT, text, ()) if text else None


def _media(kind: str, media: Any, caption: str) -> Content:
    if kind == "photo":
        return Kind.IMAGE, caption, (_file(kind, _largest(media)),)
    if kind == "sticker":  # a sticker has no caption; its emoji says what it means
        caption = _maybe(media.emoji, str, "sticker.emoji") or ""
    return Kind.FILE, caption, (_file(kind, media),)


def _place(message: Message) -> Content:
    venue = message.venue
    where = venue.location if venue is not None else message.location
    lat = _coordinate(getattr(where, "latitude", None), "latitude", 90)
    lon = _coordinate(getattr(where, "longitude", None), "longitude", 180)
    place: dict[str, Any] = {
        "source": "telegram",
        "kind": "location",
        "latitude": lat,
        "longitude": lon,
    }
    text = f"Lokasi: {lat}, {lon}"
    if venue is not None:
        place["title"] = _need(venue.title, str, "venue.title")
        place["address"] = _need(venue.address, str, "venue.address")
        text += f" ({place['title']}, {place['address']})"
    return Kind.LOCATION, text, (place,)


def _contact_text(contact: Contact) -> str:
    first = _need(contact.first_name, str, "contact.first_name")
    name = _full_name(first, _maybe(contact.last_name, str, "contact.last_name"))
    return f"Kontak: {name} {_phone(contact)}"


def _full_name(first: str, last: str | None) -> str:
    # Not User.full_name: despite its type, it gives None for an empty first name.
    return " ".join(part.strip() for part in (first, last or "") if part.strip())


def _largest(sizes: tuple[Any, ...]) -> Any:
    def area(size: Any) -> tuple[int, int]:
        width = _need(size.width, int, "photo.width")
        height = _need(size.height, int, "photo.height")
        return width * height, _maybe(size.file_size, int, "photo.file_size") or 0

    return max(sizes, key=area)


def _file(kind: str, media: Any) -> dict[str, Any]:
    # to_dict gives the Bot API's JSON back, and spares us the deprecated int `duration`.
    raw = media.to_dict()
    found: dict[str, Any] = {
        "source": "telegram",
        "kind": kind,
        "file_id": _need(raw.get("file_id"), str, f"{kind}.file_id"),
        "file_unique_id": _need(raw.get("file_unique_id"), str, f"{kind}.file_unique_id"),
        "mime_type": _maybe(raw.get("mime_type"), str, f"{kind}.mime_type"),
        "file_name": _maybe(raw.get("file_name"), str, f"{kind}.file_name"),
        "size": _maybe(raw.get("file_size"), int, f"{kind}.file_size"),
    }
    for name in ("width", "height", "duration"):
        value = _maybe(raw.get(name), int, f"{kind}.{name}")
        if value is not None:
            found[name] = value
    return found


def _sender(message: Message) -> Sender:
    user = _user(message)
    chat = message.chat
    if user is None:  # a channel post speaks for its channel
        name = _maybe(chat.title, str, "chat.title")
    else:
        full_name = _full_name(user.first_name, user.last_name)
        name = full_name or (f"@{user.username}" if user.username else None)
    return Sender(external_id=str(chat.id), name=name, phone=_own_phone(message, user))


def _own_phone(message: Message, user: User | None) -> str | None:
    """The resident's number, only when the contact they share is their own."""
    contact = message.contact
    if contact is None or user is None or contact.user_id != user.id:
        return None
    return _phone(contact)


def _user(message: Message) -> User | None:
    user = message.from_user
    if user is None:
        return None
    _need(user.id, int, "from.id")
    _need(user.is_bot, bool, "from.is_bot")
    _need(user.first_name, str, "from.first_name")
    _maybe(user.last_name, str, "from.last_name")
    _maybe(user.username, str, "from.username")
    return user


def _text(message: Message) -> str:
    return _maybe(message.text, str, "text") or ""


def _phone(contact: Contact) -> str:
    """Telegram sends a shared number with or without its +; keep one form (E.164)."""
    number = "".join(_need(contact.phone_number, str, "contact.phone_number").split())
    if not number.lstrip("+"):
        raise ValueError("contact.phone_number: empty")
    return number if number.startswith("+") else f"+{number}"


def _sent_at(message: Message, edited: bool) -> datetime:
    """When this content was written: an edit carries its edit_date, the original its date."""
    sent = _need(message.date, datetime, "date")
    edit = _maybe(message.edit_date, datetime, "edit_date")
    return edit if edited and edit is not None else sent


def _coordinate(value: object, what: str, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what}: expected a number, got {type(value).__name__}")
    if not -limit <= value <= limit:  # also refuses NaN
        raise ValueError(f"{what}: {value} is not within ±{limit:g}")
    return float(value)


def _need(value: Any, expected: type[T], what: str) -> T:
    """The value when it has the expected type (a bool is no int here), else a ValueError."""
    if isinstance(value, expected) and not (isinstance(value, bool) and expected is not bool):
        return value
    raise ValueError(f"{what}: expected {expected.__name__}, got {type(value).__name__}")


def _maybe(value: Any, expected: type[T], what: str) -> T | None:
    return None if value is None else _need(value, expected, what)
