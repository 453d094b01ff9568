"""The secure channel's handshake (docs/protocol.md "Secure channel"): SIGMA-I over X25519, Ed25519 and
XSalsa20-Poly1305, with a Noise-style transcript. Pure computation: `secure.py` moves the bytes."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import nacl.bindings as sodium
import nacl.signing

PROTOCOL_NAME = b"saltline/1 secure: X25519 Ed25519 XSalsa20-Poly1305 SHA-512"
HELLO_LABEL = b"saltline/1 hello"
RESPONDER_LABEL = b"saltline/1 R"
INITIATOR_LABEL = b"saltline/1 I"
REKEY_LABEL = b"saltline/1 rekey"
KEY, SIGNATURE, TAG, TIME, MAC = 32, 64, 16, 8, 32
HELLO_SIZE = KEY + TIME + MAC
#: Largest token either side may carry.
MAX_TOKEN = 1024
ZERO_NONCE = bytes(24)
L = 2**252 + 27742317777372353535851937790883648493
SMALL_ORDER = {bytes.fromhex(h) for h in (
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
)}


class HandshakeError(Exception):
    """A failed check; its message stays local (the far side learns nothing)."""


def hmac512(key: bytes, *parts: bytes) -> bytes:
    return hmac.new(key, b"".join(parts), hashlib.sha512).digest()


def hkdf(ck: bytes, ikm: bytes) -> tuple[bytes, bytes]:
    prk = hmac512(ck, ikm)
    t1 = hmac512(prk, b"\x01")
    return t1, hmac512(prk, t1, b"\x02")


def seal(key: bytes, nonce: bytes, message: bytes) -> bytes:
    """NaCl secretbox: the 16-byte tag, then the ciphertext."""
    return sodium.crypto_secretbox(message, nonce, key)


def open_box(key: bytes, nonce: bytes, sealed: bytes) -> bytes | None:
    try:
        return sodium.crypto_secretbox_open(sealed, nonce, key)
    except Exception:
        return None


def next_key(key: bytes) -> bytes:
    """A direction's key after REKEY: HMAC-SHA-512(k, "saltline/1 rekey")[0:32]; one-way."""
    return hmac512(key, REKEY_LABEL)[:32]


@dataclass(frozen=True)
class Identity:
    """A long-term Ed25519 key pair; keep `seed` secret."""

    seed: bytes

    @staticmethod
    def generate() -> Identity:
        return Identity(bytes(nacl.signing.SigningKey.generate()))

    @property
    def public_key(self) -> bytes:
        return bytes(nacl.signing.SigningKey(self.seed).verify_key)

    def sign(self, message: bytes) -> bytes:
        return nacl.signing.SigningKey(self.seed).sign(message).signature


def is_small_order(key: bytes) -> bool:
    return key[:31] + bytes([key[31] & 0x7F]) in SMALL_ORDER


def is_canonical(signature: bytes) -> bool:
    return int.from_bytes(signature[32:], "little") < L


class Transcript:
    """h and ck: MixHash and MixKey as the Noise framework defines them."""

    def __init__(self) -> None:
        self.h = hashlib.sha512(PROTOCOL_NAME).digest()
        self._ck = self.h

    def mix_hash(self, data: bytes) -> None:
        self.h = hashlib.sha512(self.h + data).digest()

    def mix_key(self, ikm: bytes = b"") -> bytes:
        self._ck, key = hkdf(self._ck, ikm)
        return key[:32]

    def split(self) -> tuple[bytes, bytes]:
        first, second = hkdf(self._ck, b"")
        self._ck = b""
        return first[:32], second[:32]


@dataclass(frozen=True)
class Keys:
    send: bytes
    receive: bytes
    binding: bytes


@dataclass(frozen=True)
class Proven:
    """What the far side proved in its identity message."""

    remote_key: bytes
    token: bytes | None


class Handshake:
    """One side's handshake; call the steps of its role in order. Any check that fails raises HandshakeError."""

    def __init__(self, initiator: bool, identity: Identity, network_key: bytes, psk: bytes | None = None,
                 token: bytes | None = None, ephemeral_secret: bytes | None = None) -> None:
        self.initiator = initiator
        self._identity = identity
        self._network_key = network_key
        self._psk = psk or b""
        self._token = token or b""
        self._secret = ephemeral_secret or sodium.randombytes(32)
        self.ephemeral = sodium.crypto_scalarmult_base(self._secret)
        self._remote_ephemeral: bytes | None = None
        self.t = Transcript()
        self.t.mix_key(network_key)

    # ---- message 1 ------------------------------------------------------------------------------
    def write_hello(self, time_ms: int) -> bytes:
        body = self.ephemeral + time_ms.to_bytes(8, "big")
        hello = body + hmac512(self._network_key, HELLO_LABEL, body)[:MAC]
        self.t.mix_hash(hello)
        return hello

    def read_hello(self, hello: bytes) -> int:
        """Checks the length and MAC; returns the hello's time (ms). Freshness is the caller's to judge."""
        if len(hello) != HELLO_SIZE:
            raise HandshakeError("a hello of the wrong length")
        body, mac = hello[: KEY + TIME], hello[KEY + TIME:]
        if not hmac.compare_digest(mac, hmac512(self._network_key, HELLO_LABEL, body)[:MAC]):
            raise HandshakeError("a hello under another network key")
        self._remote_ephemeral = hello[:KEY]
        self.t.mix_hash(hello)
        return int.from_bytes(hello[KEY: KEY + TIME], "big")

    # ---- message 2 ------------------------------------------------------------------------------
    def write_identity(self) -> bytes:
        self.t.mix_hash(self.ephemeral)
        key = self._mix_shared()
        sealed = self._seal_identity(key, RESPONDER_LABEL)
        self.t.mix_hash(sealed)
        return self.ephemeral + sealed

    def read_identity(self, reply: bytes) -> Proven:
        if not KEY + TAG + KEY + SIGNATURE <= len(reply) <= KEY + TAG + KEY + SIGNATURE + MAX_TOKEN:
            raise HandshakeError("a reply of the wrong length")
        self._remote_ephemeral = reply[:KEY]
        self.t.mix_hash(self._remote_ephemeral)
        key = self._mix_shared()
        sealed = reply[KEY:]
        try:
            return self._open_identity(key, sealed, RESPONDER_LABEL)
        finally:
            self.t.mix_hash(sealed)

    # ---- message 3 ------------------------------------------------------------------------------
    def write_auth(self) -> bytes:
        key = self.t.mix_key(self._psk)
        sealed = self._seal_identity(key, INITIATOR_LABEL)
        self.t.mix_hash(sealed)
        return sealed

    def read_auth(self, auth: bytes) -> Proven:
        if not TAG + KEY + SIGNATURE <= len(auth) <= TAG + KEY + SIGNATURE + MAX_TOKEN:
            raise HandshakeError("a final message of the wrong length")
        key = self.t.mix_key(self._psk)
        try:
            return self._open_identity(key, auth, INITIATOR_LABEL)
        finally:
            self.t.mix_hash(auth)

    def finish(self) -> Keys:
        first, second = self.t.split()
        self._secret = b""
        return Keys(first, second, self.t.h) if self.initiator else Keys(second, first, self.t.h)

    # ---- parts ----------------------------------------------------------------------------------
    def _mix_shared(self) -> bytes:
        if self._remote_ephemeral is None:
            raise HandshakeError("a message out of order")
        shared = sodium.crypto_scalarmult(self._secret, self._remote_ephemeral)
        if shared == bytes(32):
            raise HandshakeError("a low-order ephemeral key")
        return self.t.mix_key(shared)

    def _seal_identity(self, key: bytes, label: bytes) -> bytes:
        signature = self._identity.sign(label + self.t.h)
        return seal(key, ZERO_NONCE, self._identity.public_key + signature + self._token)

    def _open_identity(self, key: bytes, sealed: bytes, label: bytes) -> Proven:
        body = open_box(key, ZERO_NONCE, sealed)
        if body is None:
            raise HandshakeError("an identity message that did not open")
        remote_key, signature = body[:KEY], body[KEY: KEY + SIGNATURE]
        if is_small_order(remote_key):
            raise HandshakeError("a small-order identity key")
        if not is_canonical(signature):
            raise HandshakeError("a non-canonical signature (S >= L)")
        try:
            nacl.signing.VerifyKey(remote_key).verify(label + self.t.h, signature)
        except Exception:
            raise HandshakeError("a bad signature") from None
        token = body[KEY + SIGNATURE:]
        return Proven(remote_key, token or None)
