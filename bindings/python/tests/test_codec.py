"""The codec alone: Python values both ways, and the bounds a hostile message meets (§11)."""

from __future__ import annotations

import datetime

import msgpack
import pytest

from saltline import ArrayBuffer, RpcError, TypedArray, codec


def round_trip(value):
    return codec.decode(codec.encode(codec.prepare(value)))


@pytest.mark.parametrize("value", [None, True, 0, -(2**63), 2**64, 2**200, 1.25, "✓", b"\x00", [1, [2]], {"a": 1},
                                   {1: 2}, {1, 2}, ArrayBuffer(b"ab"), TypedArray(7, bytes(8)),
                                   datetime.datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=datetime.timezone.utc)])
def test_a_value_survives_encoding_and_decoding(value):
    assert round_trip(value) == value


def test_a_tuple_is_sent_as_an_array():
    assert round_trip((1, 2)) == [1, 2]


def test_an_integer_beyond_the_safe_range_is_sent_as_a_bigint_extension():
    assert msgpack.unpackb(codec.encode(codec.prepare(2**53))) == msgpack.ExtType(1, b"9007199254740992")


def test_an_exception_inside_a_value_crosses_as_an_error_extension():
    decoded = round_trip([RpcError("NOT_FOUND", "gone")])[0]
    assert (type(decoded), decoded.code, decoded.message) == (RpcError, "NOT_FOUND", "gone")


def test_a_value_of_an_unknown_type_cannot_be_encoded():
    with pytest.raises(codec.EncodeError):
        codec.prepare(object())


def test_a_bigint_of_more_than_4096_digits_cannot_be_encoded():
    with pytest.raises(codec.EncodeError):
        codec.prepare(10**4096)


def test_a_value_deeper_than_100_levels_cannot_be_encoded():
    value: list = []
    for _ in range(101):
        value = [value]
    with pytest.raises(codec.EncodeError):
        codec.prepare(value)


def test_a_message_deeper_than_100_levels_is_refused():
    with pytest.raises(codec.DecodeError):
        codec.decode(bytes.fromhex("91" * 100 + "c0"))


def test_a_message_of_exactly_100_levels_is_accepted():
    assert codec.decode(bytes.fromhex("91" * 99 + "c0")) is not None


def test_a_message_over_the_value_budget_is_refused():
    with pytest.raises(codec.DecodeError):
        codec.decode(msgpack.packb(list(range(100))), max_values=50)


def test_extensions_nested_more_than_16_deep_are_refused():
    data = msgpack.packb(None)
    for _ in range(17):
        data = msgpack.packb(msgpack.ExtType(5, msgpack.packb([msgpack.ExtType(5, data)])))
    with pytest.raises(codec.DecodeError):
        codec.decode(data)


def test_a_bigint_extension_longer_than_4096_digits_is_refused():
    with pytest.raises(codec.DecodeError):
        codec.decode(msgpack.packb(msgpack.ExtType(1, b"1" * 4097)))


def test_an_unknown_extension_arrives_as_an_opaque_ext_type():
    assert codec.decode(msgpack.packb(msgpack.ExtType(40, b"x"))) == msgpack.ExtType(40, b"x")


def test_bytes_that_are_not_one_msgpack_value_are_refused():
    with pytest.raises(codec.DecodeError):
        codec.decode(b"")
