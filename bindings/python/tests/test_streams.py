"""Streams and references over an in-memory link (§6, §7): credit, limits, lifetimes."""

from __future__ import annotations

import asyncio

import pytest

from saltline import RpcError
from raw import RawEnd, assert_clean, kind, peer_pair, reply_to, settle


def run(body):
    return asyncio.run(body())


async def count(n):
    for i in range(n):
        yield i


def test_an_async_generator_result_streams_every_item_in_order():
    async def body():
        client, server = peer_pair({"count": count})
        items = [item async for item in await client.call("count", 100)]
        await assert_clean(client, server)
        return items

    assert run(body) == list(range(100))


def test_an_async_generator_argument_streams_to_the_handler():
    async def total(items):
        return sum([item async for item in items])

    async def body():
        client, server = peer_pair({"total": total})
        result = await client.call("total", count(100))
        await assert_clean(client, server)
        return result

    assert run(body) == 4950


def test_an_exception_in_the_producer_fails_the_consumers_stream():
    async def broken():
        yield 1
        raise ValueError("broke")

    async def body():
        client, server = peer_pair({"broken": broken})
        stream = await client.call("broken")
        first = await anext(stream)
        with pytest.raises(ValueError):
            await anext(stream)
        await assert_clean(client, server)
        return first

    assert run(body) == 1


def test_closing_the_stream_early_stops_the_producer_and_runs_its_finally():
    async def body():
        stopped = asyncio.Event()

        async def endless():
            try:
                i = 0
                while True:
                    yield i
                    i += 1
            finally:
                stopped.set()

        client, server = peer_pair({"endless": endless})
        stream = await client.call("endless")
        await anext(stream)
        await stream.aclose()
        await stopped.wait()
        await assert_clean(client, server)
        return True

    assert run(body)


def test_a_producer_sends_no_more_than_the_window_however_much_credit_is_granted():
    async def body():
        end = RawEnd({"count": count})
        await end.hello()
        end.send([1, 1, "count", [1000]])
        reply = await end.next(reply_to(1))
        ref = reply[2]["~ref"][1]
        end.send([8, ref, 4], *([[8, ref, 65536]] * 50))
        await settle()
        end.send([10, 1])
        await end.next(kind(11))
        items = [m for m in end.received if m[0] == 6]
        end.send([13, ref])
        await settle()
        await assert_clean(end.peer)
        return len(items)

    assert run(body) == 4


def test_a_first_credit_over_1024_ends_the_stream_with_resource_exhausted():
    async def body():
        end = RawEnd({"count": count})
        await end.hello()
        end.send([1, 1, "count", [10]])
        reply = await end.next(reply_to(1))
        ref = reply[2]["~ref"][1]
        end.send([8, ref, 1025])
        ended = await end.next(kind(7))
        await assert_clean(end.peer)
        return ended[2]["code"]

    assert run(body) == "RESOURCE_EXHAUSTED"


async def consumer(end: RawEnd):
    """The peer under test reads a stream the raw end produces as ref 7."""
    await end.hello()
    call = asyncio.ensure_future(end.peer.call("stream"))
    sent = await end.next(kind(1))
    end.send([3, sent[1], {"~ref": [1, 7]}, None, 1])
    stream = await call
    item = asyncio.ensure_future(anext(stream))
    credit = await end.next(kind(8))
    return stream, item, credit


def test_a_consumer_grants_its_window_when_it_first_reads():
    async def body():
        end = RawEnd()
        stream, item, credit = await consumer(end)
        end.send([7, 7])
        with pytest.raises(StopAsyncIteration):
            await item
        await assert_clean(end.peer)
        return credit

    assert run(body) == [8, 7, 16]


def test_an_item_past_the_window_fails_the_stream_and_cancels_it():
    async def body():
        end = RawEnd()
        stream, item, _ = await consumer(end)
        end.send(*([[6, 7, i] for i in range(18)]))
        with pytest.raises(RpcError) as info:
            await item
            while True:
                await anext(stream)
        cancel = await end.next(kind(13))
        await assert_clean(end.peer)
        return info.value.code, cancel

    assert run(body) == ("RESOURCE_EXHAUSTED", [13, 7])


def test_an_item_with_a_malformed_marker_fails_the_stream_at_once_and_cancels_it():
    async def body():
        end = RawEnd()
        stream, item, _ = await consumer(end)
        end.send([6, 7, {"~ref": [0, -1]}, 1])
        with pytest.raises(RpcError) as info:
            await item
        cancel = await end.next(kind(13))
        await assert_clean(end.peer)
        return info.value.code, cancel

    assert run(body) == ("INVALID_ARGUMENT", [13, 7])


def test_a_stream_end_with_a_nil_error_is_an_error_not_a_clean_end():
    async def body():
        end = RawEnd()
        stream, item, _ = await consumer(end)
        end.send([7, 7, None])
        with pytest.raises(RpcError) as info:
            await item
        await assert_clean(end.peer)
        return info.value.code

    assert run(body) == "INTERNAL"


def test_a_callback_argument_is_dead_once_its_call_is_over():
    async def body():
        kept = []

        def keep(fn):
            kept.append(fn)

        client, server = peer_pair({"keep": keep})
        await client.call("keep", lambda: 1)
        with pytest.raises(RpcError) as info:
            await kept[0]()
        await assert_clean(client, server)
        return info.value.code

    assert run(body) == "NOT_FOUND"


def test_a_retained_callback_stays_callable_after_the_reply():
    async def body():
        kept = []

        def keep(ctx, fn):
            ctx.retain(fn)
            kept.append(fn)

        client, server = peer_pair({"keep": keep})
        await client.call("keep", lambda x: x + 1)
        result = await kept[0](1)
        kept[0].release()
        await settle()
        await assert_clean(client, server)
        return result

    assert run(body) == 2
