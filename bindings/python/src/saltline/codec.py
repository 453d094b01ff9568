"""msgpack with saltline's extension types (docs/protocol.md §11), bounded so a message of n bytes costs O(n).

Python ↔ wire: None ↔ nil; bool; int ↔ int (beyond ±(2**53 − 1): extension 1, so JavaScript keeps every digit);
float; str; bytes ↔ bin; `ArrayBuffer` ↔ extension 3; list/tuple → array (decoded as list); dict with str keys ↔
map; any other dict ↔ extension 4 (`Map`); set/frozenset ↔ extension 5 (`Set`); exceptions ↔ extension 2;
datetime ↔ timestamp (−1); `TypedArray` ↔ extension 6. Unknown extensions arrive as `msgpack.ExtType`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Protocol

import msgpack

from .errors import from_wire, to_wire

EXT_BIGINT = 1
EXT_ERROR = 2
EXT_ARRAY_BUFFER = 3
EXT_MAP = 4
EXT_SET = 5
EXT_TYPED_ARRAY = 6

#: No value lies deeper than this (the batch is level 1).
MAX_DEPTH = 100
#: Values per message, counted at every depth and inside extensions.
MAX_VALUES = 2**21
#: Extension payloads (errors, maps, sets) nest at most this deep.
MAX_EXT_NESTING = 16
#: Digits of a bigint extension.
MAX_BIGINT_DIGITS = 4096
MAX_SAFE_INTEGER = 2**53 - 1

#: Element sizes of extension 6's tags: Int8, Uint8Clamped, Int16, Uint16, Int32, Uint32, Float32, Float64, BigInt64, BigUint64.
TYPED_ARRAY_SIZES = (1, 1, 2, 2, 4, 4, 4, 8, 8, 8)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class ArrayBuffer(bytes):
    """Bytes that cross as a JavaScript `ArrayBuffer` (extension 3) rather than a `Uint8Array` (bin)."""


@dataclass(frozen=True)
class TypedArray:
    """A JavaScript typed array other than `Uint8Array` (extension 6): its tag and little-endian bytes."""

    tag: int
    data: bytes


class DecodeError(ValueError):
    """A transport message that is not one well-formed, bounded msgpack value."""


class EncodeError(ValueError):
    """A value that cannot be encoded."""


def _ext(code: int, value: Any) -> msgpack.ExtType:
    return msgpack.ExtType(code, msgpack.packb(value, use_bin_type=True))


class Exports(Protocol):
    """What `prepare` asks about values that are not data: a reference marker, or None."""

    def __call__(self, value: Any) -> Any: ...

    def escape(self, value: dict[str, Any]) -> Any: ...


def prepare(value: Any, depth: int = 0, exports: Exports | None = None) -> Any:
    """The value with every Python type the plain msgpack packer lacks turned into its extension, and with
    references (callables, async iterables) turned into markers by `exports` when given."""
    if depth > MAX_DEPTH:
        raise EncodeError(f"a value deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if kind is str or kind is float or kind is bool or value is None or kind is bytes:
        return value
    if kind is int:
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _bigint(value)
    if kind is list or kind is tuple:
        return [prepare(item, depth + 1, exports) for item in value]
    if isinstance(value, dict):
        if all(type(key) is str for key in value):
            prepared = {key: prepare(item, depth + 1, exports) for key, item in value.items()}
            return exports.escape(prepared) if exports is not None and "~ref" in prepared else prepared
        flat: list[Any] = []
        for key, item in value.items():
            flat.append(prepare(key, 1))
            flat.append(prepare(item, 1))
        return _ext(EXT_MAP, flat)
    if isinstance(value, ArrayBuffer):
        return msgpack.ExtType(EXT_ARRAY_BUFFER, bytes(value))
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, int):  # bool and int subclasses (IntEnum)
        return prepare(int(value), depth)
    if isinstance(value, (set, frozenset)):
        return _ext(EXT_SET, [prepare(item, 1) for item in value])
    if isinstance(value, BaseException):
        return _ext(EXT_ERROR, prepare(to_wire(value), 1))
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
        # Integer arithmetic: msgpack's from_datetime goes through a float and loses the last digits.
        micros = (moment - _EPOCH) // datetime.timedelta(microseconds=1)
        return msgpack.Timestamp(micros // 1_000_000, micros % 1_000_000 * 1000)
    if isinstance(value, TypedArray):
        return msgpack.ExtType(EXT_TYPED_ARRAY, bytes([value.tag]) + value.data)
    if isinstance(value, (msgpack.ExtType, msgpack.Timestamp)):
        return value
    if exports is not None and depth <= 64:
        marker = exports(value)
        if marker is not None:
            return marker
    raise EncodeError(f"a value of type {kind.__name__} cannot be sent")


def _bigint(value: int) -> msgpack.ExtType:
    digits = str(value).encode("ascii")
    if len(digits.lstrip(b"-")) > MAX_BIGINT_DIGITS:
        raise EncodeError(f"an integer of more than {MAX_BIGINT_DIGITS} digits")
    return msgpack.ExtType(EXT_BIGINT, digits)


def encode(value: Any) -> bytes:
    """One msgpack value, from a value `prepare()` made."""
    try:
        return msgpack.packb(value, use_bin_type=True)
    except (TypeError, ValueError, OverflowError) as error:
        raise EncodeError(str(error)) from error


class _Decoder:
    """One message's decoding: its value budget and extension nesting."""

    def __init__(self, max_values: int) -> None:
        self.values = max_values
        self.nesting = 0

    def unpack(self, data: bytes) -> Any:
        try:
            value = msgpack.unpackb(
                data, raw=False, strict_map_key=False, ext_hook=self.ext_hook, timestamp=3, use_list=True
            )
        except DecodeError:
            raise
        except Exception as error:  # msgpack raises several kinds, all meaning "not well-formed"
            raise DecodeError(f"not one msgpack value: {error}") from error
        self.check(value)
        return value

    def check(self, value: Any) -> None:
        """Counts values and levels without recursion; raises past `MAX_DEPTH` or the value budget."""
        stack = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            self.values -= 1
            if self.values < 0:
                raise DecodeError(f"more than {MAX_VALUES} values")
            if type(item) is list:
                if depth >= MAX_DEPTH and item:
                    raise DecodeError(f"a value deeper than {MAX_DEPTH} levels")
                stack.extend((child, depth + 1) for child in item)
            elif type(item) is dict:
                if depth >= MAX_DEPTH and item:
                    raise DecodeError(f"a value deeper than {MAX_DEPTH} levels")
                for key, child in item.items():
                    if not isinstance(key, (str, int, float)):
                        raise DecodeError("a map key that is neither a string nor a number")
                    self.values -= 1
                    stack.append((child, depth + 1))

    def ext_hook(self, code: int, data: bytes) -> Any:
        if code == EXT_BIGINT:
            text = data.decode("ascii", "replace")
            body = text[1:] if text.startswith("-") else text
            if not (0 < len(body) <= MAX_BIGINT_DIGITS and body.isdigit() and body.isascii()):
                raise DecodeError("a malformed bigint")
            return int(text)
        if code == EXT_ARRAY_BUFFER:
            return ArrayBuffer(data)
        if code == EXT_TYPED_ARRAY:
            if not data or data[0] >= len(TYPED_ARRAY_SIZES) or (len(data) - 1) % TYPED_ARRAY_SIZES[data[0]]:
                raise DecodeError("a malformed typed array")
            return TypedArray(data[0], bytes(data[1:]))
        if code in (EXT_ERROR, EXT_MAP, EXT_SET):
            if self.nesting >= MAX_EXT_NESTING:
                raise DecodeError("extensions nested too deep")
            self.nesting += 1
            try:
                inner = self.unpack(data)
            finally:
                self.nesting -= 1
            if code == EXT_ERROR:
                return from_wire(inner)
            if not isinstance(inner, list):
                raise DecodeError("a malformed Map or Set")
            if code == EXT_SET:
                return _as_set(inner)
            if len(inner) % 2:
                raise DecodeError("a Map of odd length")
            return {_hashable(inner[i]): inner[i + 1] for i in range(0, len(inner), 2)}
        return msgpack.ExtType(code, data)


def _hashable(value: Any) -> Any:
    """Map keys and set members as Python can hold them: lists as tuples, dicts as tuples of items."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((_hashable(k), _hashable(v)) for k, v in value.items())
    return value


def _as_set(items: list[Any]) -> set[Any]:
    return {_hashable(item) for item in items}


def decode(data: bytes, max_values: int = MAX_VALUES) -> Any:
    """One bounded msgpack value; raises `DecodeError` on anything else."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError("not bytes")
    return _Decoder(max_values).unpack(bytes(data))
