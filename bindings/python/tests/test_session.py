"""The session alone, over an in-memory link: calls, limits and malformed input (§2–§10, §13)."""

from __future__ import annotations

import asyncio

import msgpack
import pytest

from saltline import Limits, RpcError, with_context
from raw import RawEnd, assert_clean, kind, peer_pair, reply_to, settle


def run(body):
    return asyncio.run(body())


def test_a_call_returns_what_the_handler_returned():
    async def body():
        client, server = peer_pair({"add": lambda a, b: a + b})
        assert await client.call("add", 2, 3) == 5
        await assert_clean(client, server)

    run(body)


def test_an_async_handler_is_awaited():
    async def double(x):
        await asyncio.sleep(0)
        return 2 * x

    async def body():
        client, server = peer_pair({"double": double})
        assert await client.remote.double(21) == 42
        await assert_clean(client, server)

    run(body)


def test_an_object_exposes_its_public_methods_only():
    class Api:
        def visible(self):
            return "yes"

        def _hidden(self):
            return "no"

    async def body():
        client, server = peer_pair(Api())
        found = await client.call("visible")
        with pytest.raises(RpcError) as info:
            await client.call("_hidden")
        await assert_clean(client, server)
        return found, info.value.code

    assert run(body) == ("yes", "NOT_FOUND")


def test_a_handler_asking_for_ctx_gets_its_deadline():
    async def body():
        client, server = peer_pair({"left": with_context(lambda c: c.time_left())})
        left = await client.call("left", timeout=5)
        await assert_clean(client, server)
        return left

    assert 0 < run(body) <= 5


def test_a_call_without_a_timeout_gives_the_handler_no_deadline():
    async def body():
        client, server = peer_pair({"deadline": lambda ctx: ctx.deadline})
        deadline = await client.call("deadline", timeout=None)
        await assert_clean(client, server)
        return deadline

    assert run(body) is None


def test_cancelling_the_awaiting_task_cancels_the_handler():
    async def body():
        seen = asyncio.get_running_loop().create_future()
        started = asyncio.Event()

        async def hang(ctx):
            started.set()
            try:
                await asyncio.Event().wait()
            finally:
                seen.set_result(ctx.reason.code)

        client, server = peer_pair({"hang": hang})
        task = asyncio.ensure_future(client.call("hang"))
        await started.wait()
        task.cancel()
        code = await seen
        await assert_clean(client, server)
        return code

    assert run(body) == "CANCELLED"


def test_a_call_past_its_timeout_raises_deadline_exceeded_and_sends_cancel():
    async def body():
        end = RawEnd()
        await end.hello()
        call = asyncio.ensure_future(end.peer.call("slow", timeout=0.05))
        sent = await end.next(kind(1))
        with pytest.raises(RpcError) as info:
            await call
        cancel = await end.next(kind(5))
        await assert_clean(end.peer)
        return info.value.code, cancel == [5, sent[1], "DEADLINE_EXCEEDED"]

    assert run(body) == ("DEADLINE_EXCEEDED", True)


def test_calls_made_before_the_hello_are_held_then_sent_in_order():
    async def body():
        end = RawEnd()
        first = asyncio.ensure_future(end.peer.call("a"))
        second = asyncio.ensure_future(end.peer.call("b"))
        await settle()
        held = [m for m in end.received if m[0] == 1]
        await end.hello()
        calls = [await end.next(kind(1)), await end.next(kind(1))]
        end.send([3, calls[0][1], 1], [3, calls[1][1], 2])
        results = [await first, await second]
        await assert_clean(end.peer)
        return held, [c[2] for c in calls], results

    assert run(body) == ([], ["a", "b"], [1, 2])


def test_closing_rejects_pending_calls_with_unavailable():
    async def body():
        end = RawEnd()
        await end.hello()
        call = asyncio.ensure_future(end.peer.call("slow"))
        await end.next(kind(1))
        await end.peer.close()
        with pytest.raises(RpcError) as info:
            await call
        await assert_clean(end.peer)
        return info.value.code

    assert run(body) == "UNAVAILABLE"


def test_a_goodbye_closes_the_peer_as_the_remote_peer_closed():
    async def body():
        end = RawEnd()
        await end.hello()
        end.send([12])
        reason = await end.peer.closed
        await assert_clean(end.peer)
        return reason.code, reason.message

    assert run(body) == ("UNAVAILABLE", "the remote peer closed")


def test_a_hello_of_another_version_closes_with_unimplemented():
    async def body():
        end = RawEnd()
        end.send([0, 2, False, {}])
        reason = await end.peer.closed
        await assert_clean(end.peer)
        return reason.code

    assert run(body) == "UNIMPLEMENTED"


def test_a_hello_announcing_less_than_1024_bytes_closes_with_failed_precondition():
    async def body():
        end = RawEnd()
        end.send([0, 1, False, {"maxMessageSize": 100}])
        reason = await end.peer.closed
        await assert_clean(end.peer)
        return reason.code

    assert run(body) == "FAILED_PRECONDITION"


@pytest.mark.parametrize("data", [b"\xc1", b"\x01", msgpack.packb([99, 1]), msgpack.packb([3, -1, 0]),
                                  msgpack.packb([8, 1, 0]), msgpack.packb([8, 1, 65537]), msgpack.packb([8, 1, 1.5]),
                                  msgpack.packb([0, 1, False, {"maxMessageSize": -1}]), msgpack.packb([3, 1, 0, None, 9])],
                         ids=["bad msgpack", "not an array", "unknown kind", "negative id", "zero credit",
                              "credit over 65536", "fractional credit", "bad hello", "bad flags"])
def test_malformed_input_is_dropped_and_counted_and_the_session_goes_on(data):
    async def body():
        end = RawEnd({"ping": lambda: "pong"})
        await end.hello()
        end.send_raw(data)
        end.send([1, 1, "ping", []])
        reply = await end.next(reply_to(1))
        malformed = end.peer.stats()["malformed"]
        await assert_clean(end.peer)
        return reply, malformed

    assert run(body) == ([3, 1, "pong"], 1)


@pytest.mark.parametrize("call", [[1, 1, 5.5, []], [1, 1, "ping", "not a list"], [1, 1, "ping", [], "meta"],
                                  [1, 1, "ping", [], {str(i): i for i in range(33)}], [1, 1, "ping", [], None, -1],
                                  [1, 1, "x" * 257, []]],
                         ids=["bad method", "bad args", "bad meta", "too much meta", "negative timeout", "long method"])
def test_a_malformed_call_with_a_valid_id_is_answered_invalid_argument(call):
    async def body():
        end = RawEnd({"ping": lambda: "pong"})
        await end.hello()
        end.send(call)
        reply = await end.next(reply_to(1))
        await assert_clean(end.peer)
        return reply[0], reply[2]["code"]

    assert run(body) == (4, "INVALID_ARGUMENT")


def test_a_batch_of_more_than_4096_messages_closes_the_session():
    async def body():
        end = RawEnd()
        await end.hello()
        end.send(*([[10, i] for i in range(4097)]))
        reason = await end.peer.closed
        pongs = [m for m in end.received if m[0] == 11]
        await assert_clean(end.peer)
        return reason.code, pongs

    assert run(body) == ("RESOURCE_EXHAUSTED", [])


def test_a_message_over_max_message_size_closes_the_session():
    async def body():
        end = RawEnd(limits=Limits(max_message_size=2048))
        await end.hello()
        end.send([10, "x" * 4096])
        reason = await end.peer.closed
        await assert_clean(end.peer)
        return reason.code

    assert run(body) == "RESOURCE_EXHAUSTED"


def test_calls_past_max_active_handlers_are_refused():
    async def body():
        release = asyncio.Event()

        async def hold():
            await release.wait()

        end = RawEnd({"hold": hold}, limits=Limits(max_active_handlers=2))
        await end.hello()
        end.send([1, 1, "hold", []], [1, 2, "hold", []], [1, 3, "hold", []])
        refused = await end.next(reply_to(3))
        release.set()
        await end.next(reply_to(1))
        await end.next(reply_to(2))
        await assert_clean(end.peer)
        return refused[2]["code"]

    assert run(body) == "RESOURCE_EXHAUSTED"


def test_calls_past_max_pending_calls_fail_locally():
    async def body():
        end = RawEnd(limits=Limits(max_pending_calls=1))
        await end.hello()
        first = asyncio.ensure_future(end.peer.call("x"))
        await settle()
        with pytest.raises(RpcError) as info:
            await end.peer.call("y")
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        await assert_clean(end.peer)
        return info.value.code

    assert run(body) == "RESOURCE_EXHAUSTED"


def test_a_call_whose_arguments_hold_more_than_1000_references_is_refused():
    async def body():
        end = RawEnd({"take": lambda *fns: len(fns)})
        await end.hello()
        end.send([1, 1, "take", [{"~ref": [0, i + 1]} for i in range(1001)], None, None, 1])
        reply = await end.next(reply_to(1))
        await assert_clean(end.peer)
        return reply[2]["code"]

    assert run(body) == "RESOURCE_EXHAUSTED"


def test_a_call_with_a_marker_of_unknown_kind_is_refused():
    async def body():
        end = RawEnd({"take": lambda fn: 1})
        await end.hello()
        end.send([1, 1, "take", [{"~ref": [7, 1]}], None, None, 1])
        reply = await end.next(reply_to(1))
        await assert_clean(end.peer)
        return reply[2]["code"]

    assert run(body) == "INVALID_ARGUMENT"


def test_a_call_to_a_running_id_is_dropped_and_counted():
    async def body():
        release = asyncio.Event()

        async def hold():
            await release.wait()
            return "done"

        end = RawEnd({"hold": hold})
        await end.hello()
        end.send([1, 1, "hold", []])
        await settle()
        end.send([1, 1, "hold", []])
        await settle()
        malformed = end.peer.stats()["malformed"]
        release.set()
        reply = await end.next(reply_to(1))
        await assert_clean(end.peer)
        return malformed, reply

    assert run(body) == (1, [3, 1, "done"])


def test_a_cancel_stops_the_handler_and_no_reply_is_sent():
    async def body():
        async def hang():
            await asyncio.Event().wait()

        end = RawEnd({"hang": hang, "ping": lambda: 1})
        await end.hello()
        end.send([1, 1, "hang", []])
        await settle()
        end.send([5, 1, "CANCELLED"], [1, 2, "ping", []])
        await end.next(reply_to(2))
        replies = [m for m in end.received if m[0] in (3, 4) and m[1] == 1]
        await assert_clean(end.peer)
        return replies

    assert run(body) == []


def test_a_ping_is_answered_with_the_same_nonce():
    async def body():
        end = RawEnd()
        await end.hello()
        end.send([10, {"any": "value"}])
        pong = await end.next(kind(11))
        await assert_clean(end.peer)
        return pong

    assert run(body) == [11, {"any": "value"}]


def test_notifications_running_count_against_max_active_handlers():
    async def body():
        release = asyncio.Event()

        async def hold():
            await release.wait()

        end = RawEnd({"hold": hold}, limits=Limits(max_active_handlers=1))
        await end.hello()
        end.send([2, "hold", []])
        await settle()
        end.send([1, 1, "hold", []])
        refused = await end.next(reply_to(1))
        release.set()
        await settle()
        await assert_clean(end.peer)
        return refused[2]["code"]

    assert run(body) == "RESOURCE_EXHAUSTED"


def test_a_notification_still_running_is_cancelled_when_the_session_closes():
    async def body():
        cancelled = asyncio.Event()

        async def hang():
            try:
                await asyncio.Event().wait()
            finally:
                cancelled.set()

        end = RawEnd({"hang": hang})
        await end.hello()
        end.send([2, "hang", []])
        await settle()
        await end.peer.close()
        await cancelled.wait()
        await assert_clean(end.peer)
        return True

    assert run(body)
