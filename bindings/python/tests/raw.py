"""In-memory links and a far end driven by hand: the tests speak the wire protocol themselves."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import msgpack

from saltline import Limits, Peer, RpcError
from saltline.link import LinkClosed


class MemoryLink:
    """One end of an in-memory pair of links."""

    remote_identity = None
    principal = None

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.other: MemoryLink | None = None
        self.closed = False

    async def send(self, data: bytes) -> None:
        if self.closed or self.other is None or self.other.closed:
            raise LinkClosed(RpcError("UNAVAILABLE", "the transport closed"))
        self.other.inbox.put_nowait(bytes(data))

    async def receive(self) -> bytes:
        data = await self.inbox.get()
        if data is None:
            raise LinkClosed(RpcError("UNAVAILABLE", "the transport closed"))
        return data

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.inbox.put_nowait(None)
            if self.other is not None and not self.other.closed:
                self.other.inbox.put_nowait(None)


def link_pair() -> tuple[MemoryLink, MemoryLink]:
    a, b = MemoryLink(), MemoryLink()
    a.other, b.other = b, a
    return a, b


def peer_pair(expose: Any = None, **options: Any) -> tuple[Peer, Peer]:
    """A client peer and a server peer exposing `expose`, linked in memory."""
    a, b = link_pair()
    client, server = Peer(None, **options), Peer(expose, **options)
    client._attach(a)
    server._attach(b)
    return client, server


class RawEnd:
    """The far side of a peer under test, speaking messages by hand."""

    def __init__(self, expose: Any = None, limits: Limits | None = None, timeout: float | None = 30.0) -> None:
        self.link, far = link_pair()
        self.peer = Peer(expose, timeout=timeout, limits=limits)
        self.session = self.peer._attach(far)
        self.received: list[list[Any]] = []

    def send(self, *messages: list[Any]) -> None:
        frame = messages[0] if len(messages) == 1 else list(messages)
        self.send_raw(msgpack.packb(frame, use_bin_type=True))

    def send_raw(self, data: bytes) -> None:
        self.link.other.inbox.put_nowait(data)  # type: ignore[union-attr]

    async def next(self, match: Callable[[list[Any]], bool], timeout: float = 5.0) -> list[Any]:
        """The first message the peer sent (or sends) that `match` accepts."""
        for message in self.received:
            if match(message):
                self.received.remove(message)
                return message

        async def wait() -> list[Any]:
            while True:
                data = await self.link.inbox.get()
                if data is None:
                    raise AssertionError("the peer closed the link")
                frame = msgpack.unpackb(data, raw=False, strict_map_key=False)
                batch = [frame] if frame and isinstance(frame[0], int) else frame
                found = None
                for message in batch:
                    if found is None and match(message):
                        found = message
                    else:
                        self.received.append(message)
                if found is not None:
                    return found

        return await asyncio.wait_for(wait(), timeout)

    async def hello(self) -> None:
        self.send([0, 1, False, {"maxMessageSize": 1 << 25}])
        await self.next(lambda m: m[0] == 0 and m[2] is False)


def kind(k: int) -> Callable[[list[Any]], bool]:
    return lambda message: message[0] == k


def reply_to(call_id: int) -> Callable[[list[Any]], bool]:
    return lambda message: message[0] in (3, 4) and message[1] == call_id


async def settle() -> None:
    """Lets every ready callback run (not a sleep: no time passes)."""
    for _ in range(10):
        await asyncio.sleep(0)


async def assert_clean(*peers: Peer) -> None:
    """The leak check: after the close, nothing pending, nothing held, no task left behind."""
    for peer in peers:
        stats = peer.stats()
        await peer.close()
        assert {k: v for k, v in stats.items() if k != "malformed" and v} == {}, f"left behind: {stats}"
    await settle()
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not others, f"tasks left running: {others}"
