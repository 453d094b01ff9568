"""Message kinds (docs/protocol.md §2) and `parse()`, the one place that checks a message's shape (§10)."""

from __future__ import annotations

from typing import Any

HELLO, CALL, NOTIFY, RESULT, ERROR, CANCEL = 0, 1, 2, 3, 4, 5
STREAM_DATA, STREAM_END, STREAM_CREDIT, RELEASE, PING, PONG, GOODBYE, STREAM_CANCEL, ABORT = range(6, 15)

VERSION = 1
#: The largest transport message this peer accepts by default: 32 MiB.
DEFAULT_MAX_MESSAGE_SIZE = 32 * 1024 * 1024
#: The smallest `maxMessageSize` a far side may announce.
MIN_MAX_MESSAGE_SIZE = 1024
#: Messages in one batch.
MAX_BATCH = 4096
#: UTF-16 code units of a method name.
MAX_METHOD_LENGTH = 256
#: Largest credit in one STREAM_CREDIT.
MAX_CREDIT = 65536
#: Largest window a consumer may open a stream with.
MAX_STREAM_WINDOW = 1024
MAX_ID = 2**53 - 1
#: RESULT flags: bit 0, the value holds references; bit 1, the value is `undefined`.
FLAG_REFS = 1
FLAG_UNDEFINED = 2

_REF_KINDS = frozenset({STREAM_DATA, STREAM_END, STREAM_CREDIT, RELEASE, STREAM_CANCEL, ABORT})


class Malformed(ValueError):
    """A message that breaks §10: dropped and counted."""


def is_uint(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_ID


def utf16_length(text: str) -> int:
    """Code units as JavaScript counts them: characters beyond the BMP take two."""
    return len(text.encode("utf-16-le")) // 2


def at(message: list[Any], index: int) -> Any:
    """Field `index`, or None when missing: missing and nil are the same (§1.2)."""
    return message[index] if len(message) > index else None


def parse(message: Any) -> list[Any]:
    """The message when its kind and ids are well-formed; raises `Malformed` otherwise.

    Field checks that are answered rather than dropped (a CALL's method, args, meta, timeout) are the callee's.
    """
    if type(message) is not list or not message or type(message[0]) is not int:
        raise Malformed("a message that is not an array with a kind")
    kind = message[0]
    if kind in _REF_KINDS:
        if not is_uint(at(message, 1)):
            raise Malformed("a reference id that is not a uint")
        if kind == STREAM_CREDIT:
            count = at(message, 2)
            if type(count) is not int or not 1 <= count <= MAX_CREDIT:
                raise Malformed("a credit that is not an integer from 1 to 65,536")
        return message
    if kind in (CALL, RESULT, ERROR, CANCEL):
        if not is_uint(at(message, 1)):
            raise Malformed("a call id that is not a uint")
        if kind == RESULT:
            flags = at(message, 4)
            if flags is not None and (type(flags) is not int or not 0 <= flags < 4):
                raise Malformed("RESULT flags that are not a uint below 4")
        if kind in (RESULT, ERROR):
            retained = at(message, 5 if kind == RESULT else 3)
            if retained is not None and not (type(retained) is list and all(is_uint(r) for r in retained)):
                raise Malformed("a retained list that is not uints")
        return message
    if kind == HELLO:
        features = at(message, 3)
        if features is not None:
            if type(features) is not dict:
                raise Malformed("HELLO features that are not a map")
            for key in ("maxMessageSize", "timeout"):
                value = features.get(key)
                if value is not None and not (type(value) in (int, float) and value > 0):
                    raise Malformed(f"a HELLO {key} that is not a positive number")
        return message
    if kind in (NOTIFY, PING, PONG, GOODBYE):
        return message
    raise Malformed(f"an unknown kind {kind}")
