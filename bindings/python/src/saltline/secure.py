"""The secure channel as a link (docs/protocol.md "Secure channel"): the handshake's messages, then every
saltline message in encrypted records, fragmented at 64 KiB, rekeyed, closed with CLOSE. Any failure closes
the link, sends nothing, and reports one `RpcError` UNAUTHENTICATED."""

from __future__ import annotations

import asyncio
import base64
import inspect
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from .errors import RpcError
from .handshake import Handshake, HandshakeError, Identity, next_key, open_box, seal
from .link import Link, LinkClosed
from .protocol import DEFAULT_MAX_MESSAGE_SIZE

WHOLE, MORE, LAST, READY, REKEY, CLOSE = range(6)
#: Largest record on the wire, tag included.
MAX_RECORD = 64 * 1024
#: Largest payload in one record.
MAX_PAYLOAD = MAX_RECORD - 16 - 1
#: Records one key seals before the sender rekeys.
REKEY_RECORDS = 2**20
#: Seconds one key is used before the sender rekeys (checked when it sends).
REKEY_INTERVAL = 600.0
#: A hello's clock may differ from ours by this many seconds.
FRESHNESS_WINDOW = 120.0
#: Hellos answered per second, sustained, and at once.
HELLO_RATE, HELLO_BURST = 40.0, 100.0
#: Hello MACs remembered against replay.
MAX_REMEMBERED = 16_384


def encode_key(key: bytes) -> str:
    """A public key as base64url text without padding (43 characters), as saltline's `encodeKey`."""
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode()


def decode_key(text: str) -> bytes:
    key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(key) != 32:
        raise TypeError("a key is 32 bytes (43 base64url characters)")
    return key


Authorize = Callable[[bytes, "bytes | None"], Any]


@dataclass(frozen=True)
class SecureOptions:
    """The secure channel's keys and checks. Pinning is required: `expected_remote_key` or `authorize`."""

    #: This end's long-term key pair (`Identity.generate()`). Required.
    identity: Identity
    #: The far side's public key (32 bytes or base64url text); any other fails the handshake. Default None.
    expected_remote_key: bytes | str | None = None
    #: `authorize(remote_key, token)`, sync or async: its result is the principal; False/None refuses. Default None.
    authorize: Authorize | None = None
    #: 32 bytes every legitimate end shares; a hello under another key gets no answer. Default 32 zero bytes.
    network_key: bytes | None = None
    #: Sent inside the encrypted handshake for the far side's `authorize`; at most 1 KiB. Default None.
    token: bytes | str | None = None
    #: A pre-shared key (32 bytes) mixed into the handshake; both ends need the same or none. Default None.
    psk: bytes | None = None
    #: Seconds the handshake may take. Default 10.
    handshake_timeout: float = 10.0

    def checked(self) -> SecureOptions:
        if not isinstance(self.identity, Identity):
            raise TypeError("secure.identity must be an Identity")
        if self.expected_remote_key is None and self.authorize is None:
            raise TypeError("secure needs expected_remote_key or authorize; pass authorize=lambda key, token: True "
                            "to accept any key on purpose")
        for name in ("network_key", "psk"):
            value = getattr(self, name)
            if value is not None and len(value) != 32:
                raise TypeError(f"secure.{name} must be 32 bytes")
        return self

    def pinned(self) -> bytes | None:
        key = self.expected_remote_key
        return decode_key(key) if isinstance(key, str) else key

    def token_bytes(self) -> bytes | None:
        token = self.token.encode() if isinstance(self.token, str) else self.token
        if token is not None and len(token) > 1024:
            raise TypeError("secure.token is over 1,024 bytes")
        return token or None


class _HelloGuard:
    """The responder's freshness checks: the clock window, replayed MACs, and a token bucket of hellos."""

    def __init__(self) -> None:
        self._seen: OrderedDict[bytes, float] = OrderedDict()
        self._tokens = HELLO_BURST
        self._at = time.monotonic()

    def admit(self, hello_time_ms: int, mac: bytes) -> bool:
        now = time.time()
        if abs(now - hello_time_ms / 1000) > FRESHNESS_WINDOW:
            return False
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        key = mac[:16]
        if key in self._seen or len(self._seen) >= MAX_REMEMBERED:
            return False
        tick = time.monotonic()
        self._tokens = min(HELLO_BURST, self._tokens + (tick - self._at) * HELLO_RATE)
        self._at = tick
        if self._tokens < 1:
            return False
        self._tokens -= 1
        self._seen[key] = now + 2 * FRESHNESS_WINDOW
        return True


_guard = _HelloGuard()

FAILED = "the secure channel failed"


class SecureLink:
    """A link whose every message is a record of the secure channel over `link`."""

    def __init__(self, link: Link, initiator: bool, send_key: bytes, receive_key: bytes, binding: bytes,
                 remote_identity: bytes, principal: Any, max_message_size: int) -> None:
        self._link = link
        self._initiator = initiator
        self._send_key = send_key
        self._receive_key = receive_key
        self.channel_binding = binding
        self.remote_identity: bytes | None = remote_identity
        self.principal = principal
        self._max = max_message_size
        self._sent = 0
        self._received = 0
        self._under_key = 0
        self._key_time = time.monotonic()
        self._parts: list[bytes] = []
        self._parts_size = 0
        self._closed = False

    # ---- the handshake ------------------------------------------------------------------------
    @staticmethod
    async def open(link: Link, options: SecureOptions, role: str,
                   max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> SecureLink:
        """Runs the handshake as `role` ("initiator" or "responder"); raises `RpcError` UNAUTHENTICATED."""
        options.checked()
        try:
            return await asyncio.wait_for(SecureLink._handshake(link, options, role, max_message_size),
                                          options.handshake_timeout)
        except (HandshakeError, LinkClosed, asyncio.TimeoutError, ValueError) as error:
            await link.close()
            raise RpcError("UNAUTHENTICATED", FAILED, cause=error) from error

    @staticmethod
    async def _handshake(link: Link, options: SecureOptions, role: str, size: int) -> SecureLink:
        initiator = role == "initiator"
        hs = Handshake(initiator, options.identity, options.network_key or bytes(32), options.psk,
                       options.token_bytes())
        if initiator:
            await link.send(hs.write_hello(int(time.time() * 1000)))
            proven = hs.read_identity(await link.receive())
            principal = await _authorize(options, proven.remote_key, proven.token)
            await link.send(hs.write_auth())
            keys = hs.finish()
            channel = SecureLink(link, True, keys.send, keys.receive, keys.binding, proven.remote_key, principal, size)
            record = await link.receive()
            if channel._open(record) != (READY, b""):
                raise HandshakeError("a first record other than READY")
            return channel
        hello = await link.receive()
        hello_time = hs.read_hello(hello)
        if not _guard.admit(hello_time, hello[-32:]):
            raise HandshakeError("a hello that is stale, replayed or over the budget")
        await link.send(hs.write_identity())
        proven = hs.read_auth(await link.receive())
        principal = await _authorize(options, proven.remote_key, proven.token)
        keys = hs.finish()
        channel = SecureLink(link, False, keys.send, keys.receive, keys.binding, proven.remote_key, principal, size)
        await channel._send_record(READY, b"")
        return channel

    # ---- records ------------------------------------------------------------------------------
    def _nonce(self, sending: bool, counter: int) -> bytes:
        direction = self._initiator if sending else not self._initiator
        return (b"I" if direction else b"R") + bytes(15) + counter.to_bytes(8, "big")

    def _open(self, record: bytes) -> tuple[int, bytes]:
        if not 17 <= len(record) <= MAX_RECORD:
            raise HandshakeError("a record of the wrong length")
        plain = open_box(self._receive_key, self._nonce(False, self._received), record)
        if plain is None:
            raise HandshakeError("a record that did not open")
        self._received += 1
        return plain[0], plain[1:]

    async def _send_record(self, kind: int, payload: bytes) -> None:
        record = seal(self._send_key, self._nonce(True, self._sent), bytes([kind]) + payload)
        self._sent += 1
        await self._link.send(record)

    async def send(self, data: bytes) -> None:
        if self._closed:
            raise LinkClosed(RpcError("UNAVAILABLE", "the transport closed"))
        chunks = [data[i:i + MAX_PAYLOAD] for i in range(0, len(data), MAX_PAYLOAD)] or [b""]
        for index, chunk in enumerate(chunks):
            self._under_key += 1
            if self._under_key > REKEY_RECORDS or time.monotonic() - self._key_time >= REKEY_INTERVAL:
                await self._send_record(REKEY, b"")
                self._send_key = next_key(self._send_key)
                self._under_key = 1
                self._key_time = time.monotonic()
            kind = WHOLE if len(chunks) == 1 else LAST if index == len(chunks) - 1 else MORE
            await self._send_record(kind, chunk)

    async def receive(self) -> bytes:
        while True:
            try:
                record = await self._link.receive()
            except LinkClosed:
                self._closed = True
                raise LinkClosed(RpcError("DATA_LOSS", "the secure channel was truncated")) from None
            try:
                message = self._record(record)
            except HandshakeError as error:
                self._closed = True
                await self._link.close()
                raise LinkClosed(RpcError("UNAUTHENTICATED", FAILED, cause=error)) from None
            if message is not None:
                return message

    def _record(self, record: bytes) -> bytes | None:
        """One record in: a whole message, or None while a fragmented one is incomplete; raises on any fault."""
        kind, payload = self._open(record)
        if kind == WHOLE:
            if self._parts:
                raise HandshakeError("a whole message inside a fragmented one")
            return payload
        if kind in (MORE, LAST):
            if kind == LAST and not self._parts:
                raise HandshakeError("a lone LAST fragment")
            self._parts_size += len(payload)
            if self._parts_size > self._max:
                raise HandshakeError("a fragmented message over maxMessageSize")
            self._parts.append(payload)
            if kind == MORE:
                return None
            message = b"".join(self._parts)
            self._parts, self._parts_size = [], 0
            return message
        if payload:
            raise HandshakeError("a control record with a payload")
        if kind == REKEY:
            self._receive_key = next_key(self._receive_key)
            return None
        if kind == CLOSE:
            raise LinkClosed(RpcError("UNAVAILABLE", "the transport closed"))
        raise HandshakeError("an unexpected record type")

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                await self._send_record(CLOSE, b"")
            except Exception:
                pass
        await self._link.close()


async def _authorize(options: SecureOptions, remote_key: bytes, token: bytes | None) -> Any:
    pinned = options.pinned()
    if pinned is not None and remote_key != pinned:
        raise HandshakeError("not the pinned key")
    if options.authorize is None:
        return None
    try:
        verdict = options.authorize(remote_key, token)
        if inspect.isawaitable(verdict):
            verdict = await verdict
    except Exception as error:
        raise HandshakeError("authorize refused") from error
    if verdict is None or verdict is False:
        raise HandshakeError("authorize refused")
    return None if verdict is True else verdict
