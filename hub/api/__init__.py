"""REST API v1: the route table (the one place routes are declared) and its middleware."""

from __future__ import annotations

from aiohttp import web

from hub.api import auth, conversations, health, media, openapi

ROUTES = [
    ("POST", "/api/v1/auth/login", auth.login),
    ("POST", "/api/v1/auth/logout", auth.logout),
    ("GET", "/api/v1/me", auth.me),
    ("GET", "/api/v1/conversations", conversations.list_conversations),
    ("GET", "/api/v1/conversations/{id}", conversations.get_conversation),
    ("GET", "/api/v1/conversations/{id}/messages", conversations.list_messages),
    ("POST", "/api/v1/conversations/{id}/messages", conversations.post_message),
    ("POST", "/api/v1/conversations/{id}/messages/{message_id}/retry", conversations.retry),
    ("POST", "/api/v1/conversations/{id}/status", conversations.post_status),
    ("POST", "/api/v1/conversations/{id}/location", conversations.post_location),
    ("POST", "/api/v1/conversations/{id}/media", media.upload),
    ("GET", "/api/v1/media/{media_id}", media.download),
    ("GET", "/api/v1/openapi.json", openapi.openapi),
    ("GET", "/healthz", health.healthz),
]


def add_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
