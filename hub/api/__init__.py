"""REST API v1: the route table (the one place routes are declared) and its middleware."""

from __future__ import annotations

from aiohttp import web

from hub.api import (
    admin,
    auth,
    catalog,
    contacts,
    conversations,
    desk,
    directory,
    entries,
    health,
    media,
    openapi,
    track,
)

ROUTES = [
    ("POST", "/api/v1/auth/login", auth.login),
    ("POST", "/api/v1/auth/logout", auth.logout),
    ("GET", "/api/v1/me", auth.me),
    ("GET", "/api/v1/conversations", conversations.list_conversations),
    ("GET", "/api/v1/search", conversations.search),
    ("GET", "/api/v1/contacts/{contact_id}", contacts.get_contact),
    ("POST", "/api/v1/contacts/{contact_id}/merge", contacts.merge),
    ("POST", "/api/v1/entries", entries.create_entry),
    ("GET", "/api/v1/opds", directory.list_opds),
    ("GET", "/api/v1/inboxes", directory.list_inboxes),
    ("GET", "/api/v1/agents", directory.list_colleagues),
    ("GET", "/api/v1/conversations/{id}", conversations.get_conversation),
    ("PATCH", "/api/v1/conversations/{id}", conversations.patch_conversation),
    ("GET", "/api/v1/conversations/{id}/messages", conversations.list_messages),
    ("POST", "/api/v1/conversations/{id}/messages", conversations.post_message),
    ("POST", "/api/v1/conversations/{id}/messages/{message_id}/retry", conversations.retry),
    ("POST", "/api/v1/conversations/{id}/status", conversations.post_status),
    ("POST", "/api/v1/conversations/{id}/location", conversations.post_location),
    ("POST", "/api/v1/conversations/{id}/transfer", desk.transfer),
    ("POST", "/api/v1/conversations/{id}/transfer/accept", desk.accept),
    ("POST", "/api/v1/conversations/{id}/transfer/return", desk.give_back),
    ("GET", "/api/v1/conversations/{id}/transfers", desk.transfers),
    ("POST", "/api/v1/conversations/{id}/take", desk.take),
    ("POST", "/api/v1/conversations/{id}/assign", desk.assign),
    ("POST", "/api/v1/conversations/{id}/media", media.upload),
    ("GET", "/api/v1/media/{media_id}", media.download),
    ("GET", "/api/v1/admin/opds", admin.list_opds),
    ("POST", "/api/v1/admin/opds", admin.create_opd),
    ("PATCH", "/api/v1/admin/opds/{opd_id}", admin.update_opd),
    ("GET", "/api/v1/admin/agents", admin.list_agents),
    ("POST", "/api/v1/admin/agents", admin.create_agent),
    ("PATCH", "/api/v1/admin/agents/{agent_id}", admin.update_agent),
    ("POST", "/api/v1/admin/agents/{agent_id}/password", admin.reset_password),
    ("GET", "/api/v1/admin/inboxes", admin.list_inboxes),
    ("POST", "/api/v1/admin/inboxes", admin.create_inbox),
    ("PATCH", "/api/v1/admin/inboxes/{inbox_id}", admin.update_inbox),
    ("POST", "/api/v1/admin/inboxes/{inbox_id}/rotate", admin.rotate_inbox),
    ("GET", "/api/v1/admin/business-hours", catalog.get_hours),
    ("PUT", "/api/v1/admin/business-hours", catalog.put_hours),
    ("GET", "/api/v1/categories", catalog.list_categories),
    ("POST", "/api/v1/categories", catalog.create_category),
    ("PATCH", "/api/v1/categories/{category_id}", catalog.update_category),
    ("GET", "/api/v1/canned-responses", catalog.list_canned),
    ("POST", "/api/v1/canned-responses", catalog.create_canned),
    ("PATCH", "/api/v1/canned-responses/{canned_id}", catalog.update_canned),
    ("DELETE", "/api/v1/canned-responses/{canned_id}", catalog.delete_canned),
    ("GET", "/api/v1/areas", catalog.list_areas),
    ("POST", "/api/v1/areas", catalog.create_area),
    ("POST", "/api/v1/areas/import", catalog.import_areas),
    ("DELETE", "/api/v1/areas/{area_id}", catalog.delete_area),
    ("GET", "/api/v1/track/{code}", track.track),
    ("GET", "/api/v1/openapi.json", openapi.openapi),
    ("GET", "/healthz", health.healthz),
]


def add_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
