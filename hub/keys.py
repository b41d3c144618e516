"""Typed keys of the aiohttp application's state (set in app.py, read by handlers)."""

from __future__ import annotations

from aiohttp import web

from hub.auth import Auth
from hub.cluster import RedisManager
from hub.config import Settings
from hub.service import HubService
from hub.store.db import Store

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
SERVICE = web.AppKey("service", HubService)
AUTH = web.AppKey("auth", Auth)
REDIS = web.AppKey("redis", RedisManager)  # set when [redis] url is
