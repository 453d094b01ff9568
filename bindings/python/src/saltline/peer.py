"""`Peer`, the public face of a session, and `connect` / `serve` over WebSocket, plain or secure."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping, Sequence

from .errors import RpcError
from .link import Link, WebSocketLink
from .session import DEFAULT, Limits, Session


@dataclass(frozen=True)
class Backoff:
    """How a client redials after its link drops: exponential delays with full jitter."""

    #: Seconds before the first redial. Default 0.1.
    initial: float = 0.1
    #: Largest delay between attempts, in seconds. Default 10.
    maximum: float = 10.0
    #: Growth of the delay per failed attempt. Default 2.
    factor: float = 2.0
    #: Attempts in a row before the peer gives up and closes; None: forever. Default None.
    max_attempts: int | None = None

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.maximum, self.initial * self.factor**attempt))


class _Remote:
    """`peer.remote.math.add(1, 2)`: attribute access builds the dotted method name."""

    __slots__ = ("_peer", "_path")

    def __init__(self, peer: Peer, path: str) -> None:
        self._peer = peer
        self._path = path

    def __getattr__(self, name: str) -> _Remote:
        if name.startswith("_"):
            raise AttributeError(name)
        return _Remote(self._peer, f"{self._path}.{name}" if self._path else name)

    def __call__(self, *args: Any) -> Awaitable[Any]:
        return self._peer.call(self._path, *args)


class Peer:
    """Calls the far side (`call`, `remote`, `notify`) and serves `expose` to it, over one link, or over a
    new link after each drop when made by `connect(..., reconnect=Backoff())`."""

    def __init__(self, expose: Any = None, timeout: float | None = 30.0, limits: Limits | None = None,
                 expose_stacks: bool = False) -> None:
        self._expose = expose
        self._timeout = timeout
        self._limits = limits or Limits()
        self._expose_stacks = expose_stacks
        self._session: Session | None = None
        self._linked = asyncio.Event()
        self._closing: BaseException | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self.closed: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()

    # ---- the link -------------------------------------------------------------------------------
    def _attach(self, link: Link, redials: bool = False) -> Session:
        """Runs a session on `link`; when it ends, so does the peer, unless the peer redials."""
        session = Session(link, self._expose, self._timeout, self._limits, self, self._expose_stacks)
        self._session = session
        session.start()
        self._linked.set()

        def ended(future: asyncio.Future[BaseException]) -> None:
            self._detached(session)
            if not redials:
                self._ended(future.result())

        session.closed.add_done_callback(ended)
        return session

    def _detached(self, session: Session) -> None:
        if self._session is session:
            self._session = None
            self._linked.clear()

    @property
    def remote(self) -> Any:
        return _Remote(self, "")

    @property
    def remote_identity(self) -> bytes | None:
        """The far side's Ed25519 public key over the secure channel; None on a plain link."""
        return self._session.remote_identity if self._session else None

    @property
    def principal(self) -> Any:
        return self._session.principal if self._session else None

    def expose(self, api: Any) -> None:
        """Replaces what the far side may call (also on later links)."""
        self._expose = api
        if self._session:
            self._session._expose = api

    async def _current(self, timeout: float | None) -> Session:
        if self._closing is not None:
            raise _failure(self._closing)
        if self._session is None or self._session.is_closed:
            try:
                await asyncio.wait_for(self._linked.wait(), timeout)
            except asyncio.TimeoutError:
                raise RpcError("DEADLINE_EXCEEDED", "no link to the remote peer in time") from None
            if self._closing is not None or self._session is None:
                raise _failure(self._closing)
        return self._session

    async def call(self, method: str, *args: Any, timeout: Any = DEFAULT, meta: Mapping[str, Any] | None = None) -> Any:
        """Calls `method` with `args`. `timeout` in seconds (None: wait forever; default: the peer's);
        cancelling the awaiting task sends CANCEL; a passed timeout raises `RpcError` DEADLINE_EXCEEDED."""
        seconds = self._timeout if timeout is DEFAULT else timeout
        session = await self._current(seconds)
        return await session.call(method, list(args), timeout, meta)

    def notify(self, method: str, *args: Any, meta: Mapping[str, Any] | None = None) -> None:
        """Sends a call with no reply. Dropped when there is no link (a notification is never held across links)."""
        if self._closing is not None:
            raise _failure(self._closing)
        if self._session is not None:
            self._session.notify(method, list(args), meta)

    @property
    def connected(self) -> bool:
        """Whether a link is up now (a redialling peer has none between links)."""
        return self._session is not None and not self._session.is_closed

    async def link_closed(self) -> BaseException | None:
        """Waits until the current link ends and returns its close reason (None when there is no link)."""
        session = self._session
        return await asyncio.shield(session.closed) if session is not None else None

    def stats(self) -> dict[str, int]:
        return self._session.stats() if self._session else {}

    async def close(self, reason: BaseException | None = None) -> None:
        """Sends GOODBYE, rejects pending calls with UNAVAILABLE, and closes the link; `closed` settles."""
        if self._closing is None:
            self._closing = reason if reason is not None else RpcError("UNAVAILABLE", "the peer closed")
            if self._supervisor is not None:
                self._supervisor.cancel()
            session = self._session
            if session is not None:
                session.close(self._closing)
                await session.wait_written()
            if not self.closed.done():
                self.closed.set_result(self._closing)
            self._linked.set()
        await asyncio.shield(self.closed)

    async def __aenter__(self) -> Peer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close(RpcError("CANCELLED", "disposed"))

    def _ended(self, reason: BaseException) -> None:
        """The only link ended (a peer that does not redial)."""
        if self._closing is None:
            self._closing = reason
            if not self.closed.done():
                self.closed.set_result(reason)
            self._linked.set()


def _failure(reason: BaseException | None) -> RpcError:
    if isinstance(reason, RpcError) and reason.code == "UNAUTHENTICATED":
        return reason
    return RpcError("UNAVAILABLE", "the peer closed", cause=reason)


Dial = Callable[[], Awaitable[Link]]


async def _open(url: str, secure: Any, max_message_size: int, role: str) -> Link:
    import websockets

    socket = await websockets.connect(url, max_size=max_message_size + 1024, compression=None, ping_interval=15)
    link: Link = WebSocketLink(socket)
    if secure is not None:
        from .secure import SecureLink

        link = await SecureLink.open(link, secure, role)
    return link


async def connect(url: str, expose: Any = None, *, secure: Any = None, timeout: float | None = 30.0,
                  limits: Limits | None = None, reconnect: Backoff | None = None,
                  expose_stacks: bool = False) -> Peer:
    """A peer over a WebSocket to `url`. `secure`: `SecureOptions` for the encrypted, authenticated channel.
    `reconnect`: redial with this backoff after the link drops (a new session each time, §13.1); calls made
    while there is no link wait for the next one, within their timeout."""
    peer = Peer(expose, timeout, limits, expose_stacks)
    size = (limits or Limits()).max_message_size
    session = peer._attach(await _open(url, secure, size, "initiator"), redials=reconnect is not None)
    if reconnect is not None:
        peer._supervisor = asyncio.get_running_loop().create_task(_redial(peer, session, url, secure, size, reconnect))
    return peer


async def _redial(peer: Peer, session: Session, url: str, secure: Any, size: int, backoff: Backoff) -> None:
    try:
        while True:
            await session.closed
            peer._detached(session)
            attempt = 0
            while True:
                await asyncio.sleep(backoff.delay(attempt))
                try:
                    session = peer._attach(await _open(url, secure, size, "initiator"), redials=True)
                    break
                except (OSError, RpcError, Exception) as error:
                    attempt += 1
                    if backoff.max_attempts is not None and attempt >= backoff.max_attempts:
                        peer._ended(RpcError("UNAVAILABLE", "could not reconnect", cause=error))
                        return
    except asyncio.CancelledError:
        pass


class Server:
    """What `serve` returns: the bound port, the peers connected now, and `close()`."""

    def __init__(self, server: Any, peers: set[Peer]) -> None:
        self._server = server
        self.peers = peers

    @property
    def port(self) -> int:
        return int(next(iter(self._server.sockets)).getsockname()[1])

    async def close(self) -> None:
        self._server.close()
        await asyncio.gather(*(peer.close() for peer in list(self.peers)), return_exceptions=True)
        await self._server.wait_closed()

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def serve(host: str, port: int, on_peer: Callable[[Peer], Any] | None = None, *, expose: Any = None,
                secure: Any = None, timeout: float | None = 30.0, limits: Limits | None = None,
                max_connections: int = 1000, allow_origins: Sequence[str] = (),
                expose_stacks: bool = False) -> Server:
    """Serves `expose` on ws://host:port, one peer per connection; `on_peer(peer)` runs for each (it may
    be async). Port 0 picks a free one (`server.port`). A connection that sends no hello in 10 s is closed.
    `allow_origins`: browser origins that may connect, exact; requests without `Origin` (programs) always
    pass; `["*"]` admits any. Default none: a web page elsewhere cannot make its visitors' browsers call you."""
    import websockets

    resolved = limits or Limits(hello_timeout=10.0)
    peers: set[Peer] = set()
    connections = [0]  # open or still in the handshake: what max_connections bounds

    async def handle(socket: Any, path: str = "") -> None:
        if connections[0] >= max_connections:
            await socket.close(1013, "too many connections")
            return
        connections[0] += 1
        try:
            await serve_one(socket)
        finally:
            connections[0] -= 1

    async def serve_one(socket: Any) -> None:
        link: Link = WebSocketLink(socket)
        try:
            if secure is not None:
                from .secure import SecureLink

                link = await SecureLink.open(link, secure, "responder")
        except Exception:
            await link.close()
            return
        peer = Peer(expose, timeout, resolved, expose_stacks)
        session = peer._attach(link)
        peers.add(peer)
        try:
            if on_peer is not None:
                result = on_peer(peer)
                if asyncio.iscoroutine(result):
                    await result
            await peer.closed
            await session.wait_written()
        finally:
            peers.discard(peer)

    origins = None if "*" in allow_origins else [None, *allow_origins]
    server = await websockets.serve(handle, host, port, max_size=resolved.max_message_size + 1024, compression=None,
                                    origins=origins)
    return Server(server, peers)
