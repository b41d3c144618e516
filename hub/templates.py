"""Approved message templates: what a windowed channel (WhatsApp) allows after its reply
window, declared per inbox as [[inboxes.templates]] (name, language, body with {{1}}...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hub.models import InboxRef


class BadTemplate(ValueError):
    """No such template on the inbox, or the wrong parameters for it."""


PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


def templates_of(inbox: InboxRef) -> list[dict[str, Any]]:
    """The approved message templates configured on an inbox ([[inboxes.templates]])."""
    found = inbox.options.get("templates") or []
    return [t for t in found if isinstance(t, dict)]


def template_view(template: dict[str, Any]) -> dict[str, Any]:
    body = str(template.get("body", ""))
    return {
        "name": template.get("name"),
        "language": template.get("language"),
        "body": body,
        "parameters": max((int(n) for n in PLACEHOLDER.findall(body)), default=0),
    }


def render_template(template: dict[str, Any], parameters: list[str]) -> str:
    """The text the resident will read: the body with {{1}}, {{2}}... filled in."""
    body = str(template.get("body", ""))
    return PLACEHOLDER.sub(lambda m: parameters[int(m.group(1)) - 1], body)


@dataclass(frozen=True)
class TemplateChoice:
    """An agent's pick of one of the inbox's approved templates, with its parameters."""

    name: str
    parameters: list[str]
    language: str | None = None

    @classmethod
    def read(cls, value: object) -> TemplateChoice | None:
        """`{"name": ..., "language"?: ..., "parameters"?: [str]}` as the API and socket take it."""
        if value is None:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            raise BadTemplate("template must be an object with a name")
        parameters = value.get("parameters", [])
        language = value.get("language")
        if not isinstance(parameters, list) or not all(isinstance(p, str) for p in parameters):
            raise BadTemplate("template parameters must be strings")
        if language is not None and not isinstance(language, str):
            raise BadTemplate("template language must be a string")
        return cls(value["name"], parameters, language)


def pick(inbox: InboxRef, choice: TemplateChoice) -> tuple[str, dict[str, Any]]:
    """The text the resident will read and the attachment that tells the channel what to
    send, for one of the inbox's approved templates."""
    for template in templates_of(inbox):
        if template.get("name") != choice.name:
            continue
        if choice.language not in (None, template.get("language")):
            continue
        needed = template_view(template)["parameters"]
        if len(choice.parameters) != needed:
            raise BadTemplate(f"template {choice.name} takes {needed} parameter(s)")
        picked = {
            "source": "template",
            "kind": "template",
            "name": template["name"],
            "language": template.get("language"),
            "parameters": list(choice.parameters),
        }
        return render_template(template, choice.parameters), picked
    raise BadTemplate(f"this inbox has no template {choice.name!r}")
