"""Python client ↔ Node server, plain and secure: every behaviour of issue 17 that crosses the wire."""

from __future__ import annotations

import asyncio
import datetime

import pytest

import saltline
from saltline import ArrayBuffer, RpcError, SecureOptions, TypedArray
from conftest import NodeProcess, server_args


async def connect(server, keys, **options):
    url = f"ws://127.0.0.1:{server.info['port']}"
    secure = None
    if server.mode == "secure":
        secure = SecureOptions(identity=keys["client"], expected_remote_key=server.info["key"])
    return await saltline.connect(url, secure=secure, **options)


def run(server, keys, body, **options):
    async def main():
        async with await connect(server, keys, **options) as peer:
            result = await body(peer)
            assert peer.stats()["pending"] == 0, "a call was left pending"
            return result

    return asyncio.run(main())


def test_a_call_returns_the_node_result(node_server, keys):
    assert run(node_server, keys, lambda peer: peer.call("add", 1, 2)) == 3


def test_remote_attribute_calls_reach_nested_methods(node_server, keys):
    assert run(node_server, keys, lambda peer: peer.remote.math.square(7)) == 49


VALUES = [None, True, False, 0, -1, 2**31, 2**53 - 1, 2**70, -(2**70), 1.5, "", "héllo ✓", b"\x00\x01",
          [1, [2, [3]]], {"a": {"b": [1, None]}}, {1: "one", 2: "two"}, {1, 2, 3},
          datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc), ArrayBuffer(b"abc"),
          TypedArray(7, b"\x00" * 16), {"~ref": "an application key"}]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:30] for v in VALUES])
def test_every_value_type_round_trips_through_node(node_server, keys, value):
    assert run(node_server, keys, lambda peer: peer.call("echo", value)) == value


def test_node_sees_python_types_as_their_javascript_counterparts(node_server, keys):
    async def body(peer):
        return [await peer.call("types", v) for v in ({1: 2}, {1}, 2**70, ArrayBuffer(b"x"), b"x")]

    assert run(node_server, keys, body) == ["[object Map]", "[object Set]", "[object BigInt]",
                                             "[object ArrayBuffer]", "[object Uint8Array]"]


def test_a_node_error_arrives_with_its_name_message_and_cause(node_server, keys):
    async def body(peer):
        with pytest.raises(saltline.RemoteError) as info:
            await peer.call("fail")
        return info.value

    error = run(node_server, keys, body)
    assert (error.name, error.message, str(error.__cause__)) == ("RangeError", "out of range", "Error: why")


def test_an_rpc_error_subclass_keeps_its_code_name_and_data(node_server, keys):
    async def body(peer):
        with pytest.raises(RpcError) as info:
            await peer.call("quota")
        return info.value

    error = run(node_server, keys, body)
    assert (error.code, error.name, error.data) == ("RESOURCE_EXHAUSTED", "QuotaError", {"limit": 3})


def test_a_missing_method_is_not_found(node_server, keys):
    async def body(peer):
        with pytest.raises(RpcError) as info:
            await peer.call("nope")
        return info.value.code

    assert run(node_server, keys, body) == "NOT_FOUND"


def test_a_stream_of_10000_items_arrives_in_order(node_server, keys):
    async def body(peer):
        stream = await peer.call("ticks", 10_000)
        return [item async for item in stream]

    assert run(node_server, keys, body) == list(range(10_000))


def test_a_python_async_generator_streams_10000_items_to_node(node_server, keys):
    async def numbers():
        for i in range(10_000):
            yield i

    assert run(node_server, keys, lambda peer: peer.call("sum", numbers())) == {"total": 49_995_000, "count": 10_000}


def test_a_16_mib_payload_crosses_both_ways(node_server, keys):
    size = 16 * 1024 * 1024

    async def body(peer):
        received = await peer.call("bytes", size)
        sent = await peer.call("length", b"\x01" * size)
        return len(received), sent

    assert run(node_server, keys, body) == (size, size)


def test_cancelling_the_awaiting_task_aborts_the_node_handler(node_server, keys):
    async def body(peer):
        task = asyncio.ensure_future(peer.call("wait"))
        await peer.call("started")  # the call runs on the far side: cancelling it now must reach it
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await peer.call("nextAbort")

    assert run(node_server, keys, body) == "CANCELLED"


def test_a_timeout_raises_deadline_exceeded_and_tells_node(node_server, keys):
    async def body(peer):
        with pytest.raises(RpcError) as info:
            await peer.call("wait", timeout=0.2)
        return info.value.code, await peer.call("nextAbort")

    assert run(node_server, keys, body) == ("DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED")


def test_a_python_callback_passed_as_an_argument_is_called_by_node(node_server, keys):
    assert run(node_server, keys, lambda peer: peer.call("twice", lambda x: x + 1, 20)) == 42


def test_node_calls_back_into_what_python_exposes(node_server, keys):
    assert run(node_server, keys, lambda peer: peer.call("callBack", 5), expose={"triple": lambda x: 3 * x}) == 15


def test_a_notification_reaches_node_without_a_reply(node_server, keys):
    async def body(peer):
        peer.notify("add", 1, 2)
        return await peer.call("add", 2, 2)

    assert run(node_server, keys, body) == 4


def test_the_secure_channel_names_the_python_client_as_its_principal(node_server, keys):
    if node_server.mode != "secure":
        pytest.skip("plain links have no principal")
    assert run(node_server, keys, lambda peer: peer.call("whoami")) == {"user": "python"}


def test_a_client_with_an_unpinned_server_key_fails_unauthenticated(node_server, keys):
    if node_server.mode != "secure":
        pytest.skip("plain links are not authenticated")
    url = f"ws://127.0.0.1:{node_server.info['port']}"
    other = saltline.Identity.generate().public_key

    async def main():
        with pytest.raises(RpcError) as info:
            await saltline.connect(url, secure=SecureOptions(identity=keys["client"], expected_remote_key=other))
        return info.value.code

    assert asyncio.run(main()) == "UNAUTHENTICATED"


def test_a_redialling_client_calls_again_after_the_node_server_restarts(node_server, keys):
    secure = node_server.mode == "secure"
    first = NodeProcess("node_server.ts", *server_args(keys if secure else None))
    port = first.info["port"]
    first.mode = node_server.mode

    async def main():
        peer = await connect(first, keys, reconnect=saltline.Backoff(initial=0.05, maximum=0.2))
        try:
            assert await peer.call("add", 1, 1) == 2
            first.stop()
            await peer.link_closed()
            second = NodeProcess("node_server.ts", *server_args(keys if secure else None, port))
            try:
                return await peer.call("add", 2, 2, timeout=10)
            finally:
                await peer.close()
                second.stop()
        finally:
            first.stop()

    assert asyncio.run(main()) == 4
