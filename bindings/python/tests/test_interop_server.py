"""Node client ↔ Python server, plain and secure: the Node fixture runs each check and reports it."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

import saltline
from saltline import RpcError, SecureOptions, encode_key
from conftest import HERE, ROOT


class Hang:
    """A handler that waits to be cancelled, and mailboxes that say when it started and how it ended."""

    def __init__(self) -> None:
        self.starts: asyncio.Queue[str] = asyncio.Queue()
        self.cancels: asyncio.Queue[str] = asyncio.Queue()

    async def hang(self, ctx: saltline.Context) -> None:
        self.starts.put_nowait("started")
        try:
            await asyncio.Event().wait()
        finally:
            self.cancels.put_nowait(ctx.reason.code if isinstance(ctx.reason, RpcError) else "?")


async def ticks(n: int):
    for i in range(n):
        yield i


async def total(items) -> int:
    return sum([item async for item in items])


def fail() -> None:
    try:
        raise KeyError("why")
    except KeyError as cause:
        raise ValueError("bad value") from cause


def denied() -> None:
    raise RpcError("PERMISSION_DENIED", "no", {"who": "you"})


def api(hang: Hang) -> dict:
    return {
        "add": lambda a, b: a + b,
        "math": {"square": lambda x: x * x},
        "echo": lambda value: value,
        "fail": fail,
        "denied": denied,
        "ticks": ticks,
        "total": total,
        "blob": lambda n: b"\x07" * n,
        "size": len,
        "hang": hang.hang,
        "started": hang.starts.get,
        "nextCancel": hang.cancels.get,
        "applyTo": lambda fn, x: fn(x),
        "timeLeft": lambda ctx: ctx.time_left(),
        "whoami": lambda ctx: encode_key(ctx.remote_identity) if ctx.remote_identity else None,
    }


async def run_node_client(mode: str) -> tuple[list[dict], str | None]:
    keys = {"server": saltline.Identity.generate(), "client": saltline.Identity.generate()}
    secure = None
    if mode == "secure":
        secure = SecureOptions(identity=keys["server"], expected_remote_key=keys["client"].public_key)
    hang = Hang()
    async with await saltline.serve("127.0.0.1", 0, expose=api(hang), secure=secure) as server:
        args = [f"ws://127.0.0.1:{server.port}"]
        if mode == "secure":
            args.append(json.dumps({"seed": encode_key(keys["client"].seed), "server": encode_key(keys["server"].public_key)}))
        process = await asyncio.create_subprocess_exec(
            "node", "--import", "tsx", str(HERE / "fixtures" / "node_client.ts"), *args,
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, env=os.environ.copy(),
        )
        out, _ = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0
        client = encode_key(keys["client"].public_key) if mode == "secure" else None
        return [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")], client


@pytest.fixture(scope="module", params=["plain", "secure"])
def results(request: pytest.FixtureRequest):
    lines, client = asyncio.run(run_node_client(request.param))
    return request.param, {line["name"]: line for line in lines}, client


def check(results, name):
    _, by_name, _ = results
    assert name in by_name, f"the Node client did not run {name!r}"
    line = by_name[name]
    assert line["ok"], line.get("detail")
    return line.get("detail")


def test_a_node_call_returns_the_python_result(results):
    assert check(results, "a call returns the python result") == 3


def test_node_reaches_nested_python_methods(results):
    assert check(results, "nested methods are reachable") == 49


def test_values_round_trip_through_python(results):
    assert check(results, "values round-trip") == (
        '[null,true,1.5,-1099511627776,"1180591620717411303424n","héllo",{"0":1,"1":2},[1,[2]],{"a":{"b":1}},'
        '[[1,"one"]],[1,2],"1970-01-01T00:00:00.000Z"]'
    )


def test_a_python_exception_reaches_node_with_its_name_and_cause(results):
    assert check(results, "a python exception arrives with its name and cause") == "ValueError: bad value / KeyError: why"


def test_a_python_rpc_error_reaches_node_with_its_code_and_data(results):
    assert check(results, "an RpcError keeps its code and data") == 'PERMISSION_DENIED {"who":"you"}'


def test_a_missing_python_method_is_not_found_in_node(results):
    assert check(results, "a missing method is NOT_FOUND").startswith("NOT_FOUND")


def test_a_python_async_generator_streams_10000_items_to_node(results):
    assert check(results, "a python async generator streams 10000 items") == 10_000


def test_a_node_stream_of_10000_items_reaches_python(results):
    assert check(results, "a node stream of 10000 items reaches python") == 49_995_000


def test_a_16_mib_payload_crosses_node_to_python_and_back(results):
    assert check(results, "a 16 MiB payload crosses both ways") == [16 * 1024 * 1024] * 2


def test_a_node_abort_cancels_the_python_handler(results):
    assert check(results, "an abort cancels the python handler") == ["CANCELLED", "CANCELLED"]


def test_a_node_timeout_reaches_python_as_deadline_exceeded(results):
    assert check(results, "a timeout is DEADLINE_EXCEEDED and python learns it") == ["DEADLINE_EXCEEDED"] * 2


def test_python_calls_a_node_callback(results):
    assert check(results, "python calls a node callback") == 40


def test_python_sees_the_deadline_node_set(results):
    assert check(results, "python reports the deadline it was given") is True


def test_python_sees_the_node_clients_identity_only_over_the_secure_channel(results):
    mode, _, client = results
    assert check(results, "the secure channel tells python who called") == client


def test_a_browser_origin_not_allowed_is_refused_before_the_handshake():
    import websockets

    async def main():
        async with await saltline.serve("127.0.0.1", 0, expose={}) as server:
            with pytest.raises(websockets.InvalidStatusCode) as info:
                await websockets.connect(f"ws://127.0.0.1:{server.port}", origin="https://evil.example")
            return info.value.status_code

    assert asyncio.run(main()) == 403


def test_an_allowed_browser_origin_may_connect():
    async def main():
        async with await saltline.serve("127.0.0.1", 0, expose={"ping": lambda: "pong"},
                                        allow_origins=["https://app.example"]) as server:
            import websockets

            socket = await websockets.connect(f"ws://127.0.0.1:{server.port}", origin="https://app.example")
            await socket.close()
            return True

    assert asyncio.run(main())


def test_connections_past_max_connections_are_closed_with_1013():
    import websockets

    async def main():
        async with await saltline.serve("127.0.0.1", 0, expose={}, max_connections=1) as server:
            first = await websockets.connect(f"ws://127.0.0.1:{server.port}")
            second = await websockets.connect(f"ws://127.0.0.1:{server.port}")
            with pytest.raises(websockets.ConnectionClosed) as info:
                await second.recv()
            await first.close()
            return info.value.code

    assert asyncio.run(main()) == 1013
