"""The link: one ordered, reliable channel of whole binary messages (a WebSocket, or the secure channel over one)."""

from __future__ import annotations

from typing import Any, Protocol

from .errors import RpcError

#: WebSocket close codes and what they mean to a caller (as `closeReason` in adapters/websocket-transport.ts).
CLOSE_CODES = {
    1000: ("UNAVAILABLE", "normal closure"),
    1001: ("UNAVAILABLE", "going away"),
    1006: ("UNAVAILABLE", "abnormal closure"),
    1008: ("PERMISSION_DENIED", "policy violation"),
    1009: ("RESOURCE_EXHAUSTED", "message too big"),
    1011: ("INTERNAL", "internal error"),
    1013: ("UNAVAILABLE", "try again later"),
}


class LinkClosed(Exception):
    """The link ended; `reason` is the session's close reason."""

    def __init__(self, reason: BaseException) -> None:
        super().__init__(str(reason))
        self.reason = reason


class Link(Protocol):
    remote_identity: bytes | None
    principal: Any

    async def send(self, data: bytes) -> None: ...

    async def receive(self) -> bytes: ...

    async def close(self) -> None: ...


def close_reason(code: int | None, reason: str = "") -> RpcError:
    """The RpcError a WebSocket close stands for; used as is as the session's close reason (§13)."""
    number = code or 1006
    rpc_code, label = CLOSE_CODES.get(number, ("UNKNOWN" if number >= 3000 else "UNAVAILABLE", "closed"))
    message = f"the WebSocket closed with {number} ({label})" + (f": {reason}" if reason else "")
    return RpcError(rpc_code, message, {"code": number, "reason": reason})


class WebSocketLink:
    """A link over a `websockets` connection: binary frames carry messages; a text "ping" is answered "pong"."""

    remote_identity: bytes | None = None
    principal: Any = None

    def __init__(self, socket: Any) -> None:
        self._socket = socket

    async def send(self, data: bytes) -> None:
        import websockets

        try:
            await self._socket.send(data)
        except websockets.ConnectionClosed as closed:
            raise LinkClosed(close_reason(closed.code, closed.reason)) from closed

    async def receive(self) -> bytes:
        import websockets

        while True:
            try:
                data = await self._socket.recv()
            except websockets.ConnectionClosed as closed:
                raise LinkClosed(close_reason(closed.code, closed.reason)) from closed
            if isinstance(data, str):
                if data == "ping":
                    await self.send_text("pong")
                    continue
                if data == "pong":
                    continue
                return data.encode()  # not ours: the session counts it as malformed
            return data

    async def send_text(self, text: str) -> None:
        try:
            await self._socket.send(text)
        except Exception:
            pass

    async def close(self) -> None:
        try:
            await self._socket.close()
        except Exception:
            pass
