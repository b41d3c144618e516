"""A minimal Socket.IO client over one aiohttp websocket, for load generators that hold
thousands of sockets: python-socketio's AsyncClient costs about as much per message as
the server does, so a thousand of them would measure the load generator, not the server.

It speaks just enough of Engine.IO 4 / Socket.IO 5 (websocket transport only): the open
packet, one namespace CONNECT with an auth object, pong to every ping, and EVENT frames
handed to a callback as raw text (the caller looks inside only as far as it needs).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

#: Called with (the socket, the frame's text after "42<namespace>,") for every EVENT.
OnEvent = Callable[["RawSocket", str], None]


class RawSocket:
    def __init__(self, namespace: str, on_event: OnEvent) -> None:
        self.namespace = namespace
        self.on_event = on_event
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.connected = asyncio.Event()
        self.refused: str | None = None
        self.closed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._event_prefix = f"42{namespace},"
        self._ack_prefix = f"43{namespace},"
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._next_ack = 0

    async def connect(
        self, session: aiohttp.ClientSession, url: str, auth: dict[str, Any], wait: float = 30
    ) -> None:
        ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await session.ws_connect(ws_url, autoping=False, max_msg_size=0)
        self.connected.clear()
        self.closed.clear()
        self.refused = None
        self._reader = asyncio.create_task(self._read())
        await self.ws.send_str(f"40{self.namespace}," + orjson.dumps(auth).decode())
        await asyncio.wait_for(self.connected.wait(), wait)
        if self.refused is not None:
            raise ConnectionError(f"{self.namespace} refused: {self.refused}")

    async def emit(self, event: str, data: Any, wait: float = 30) -> Any:
        """Send an event with an ack id; returns the ack's first argument."""
        assert self.ws is not None
        self._next_ack += 1
        ack = self._next_ack
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack] = future
        payload = orjson.dumps([event, data]).decode()
        await self.ws.send_str(f"42{self.namespace},{ack}{payload}")
        return await asyncio.wait_for(future, wait)

    async def close(self) -> None:
        """Hang up abruptly (no DISCONNECT packet), as a dropped network would."""
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self.ws, self._reader = None, None

    async def _read(self) -> None:
        assert self.ws is not None
        ws = self.ws
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                text: str = msg.data
                if text.startswith(self._event_prefix):
                    self.on_event(self, text[len(self._event_prefix) :])
                elif text == "2":
                    await ws.send_str("3")
                elif text.startswith(self._ack_prefix):
                    self._acked(text[len(self._ack_prefix) :])
                elif text.startswith(f"40{self.namespace},"):
                    self.connected.set()
                elif text.startswith(f"44{self.namespace},"):
                    self.refused = text[len(self.namespace) + 3 :]
                    self.connected.set()
        finally:
            self.closed.set()
            self.connected.set()
            for future in self._acks.values():
                if not future.done():
                    future.set_exception(ConnectionError("socket closed"))
            self._acks.clear()

    def _acked(self, rest: str) -> None:
        bracket = rest.index("[")
        future = self._acks.pop(int(rest[:bracket]), None)
        if future is not None and not future.done():
            args = orjson.loads(rest[bracket:])
            future.set_result(args[0] if args else None)
