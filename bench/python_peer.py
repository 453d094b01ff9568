"""The Python side of bench/python.mjs: a saltline server (echo) and a raw `websockets` echo server on
127.0.0.1, both on free ports, printed as one JSON line; or, with `client PORT RAW_PORT SECONDS`, the same
measurements made from Python against Node's servers, printed as JSON."""

from __future__ import annotations

import asyncio
import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "bindings" / "python" / "src"))

import websockets  # noqa: E402

import saltline  # noqa: E402

SMALL = b"x" * 16
LARGE = bytes(1 << 20)
IN_FLIGHT = 32


async def serve() -> None:
    async def echo(socket, path=""):
        try:
            async for message in socket:
                await socket.send(message)
        except websockets.ConnectionClosed:
            pass

    server = await saltline.serve("127.0.0.1", 0, expose={"echo": lambda value: value})
    raw = await websockets.serve(echo, "127.0.0.1", 0, max_size=None, compression=None)
    raw_port = next(iter(raw.sockets)).getsockname()[1]
    print(json.dumps({"port": server.port, "raw": raw_port}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await server.close()
    raw.close()


async def rate(seconds: float, one) -> tuple[int, float]:
    """Calls of `one()` completed with IN_FLIGHT at once for `seconds`."""
    done = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await one()
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return done, time.perf_counter() - started


async def pipelined(socket, payload: bytes, seconds: float) -> tuple[int, float]:
    """Echoes over one socket with IN_FLIGHT messages outstanding, as the saltline calls are."""
    started = time.perf_counter()
    stop = started + seconds
    for _ in range(IN_FLIGHT):
        await socket.send(payload)
    outstanding, done = IN_FLIGHT, 0
    while outstanding:
        await socket.recv()
        outstanding -= 1
        done += 1
        if time.perf_counter() < stop:
            await socket.send(payload)
            outstanding += 1
    return done, time.perf_counter() - started


async def client(port: int, raw_port: int, seconds: float) -> None:
    results = {}
    async with await saltline.connect(f"ws://127.0.0.1:{port}") as peer:
        for name, payload in (("small", SMALL), ("1 MiB", LARGE)):
            n, elapsed = await rate(seconds, lambda: peer.call("echo", payload))
            results[f"saltline {name}"] = {"calls": n, "seconds": elapsed}
    async with websockets.connect(f"ws://127.0.0.1:{raw_port}", max_size=None, compression=None) as socket:
        for name, payload in (("small", SMALL), ("1 MiB", LARGE)):
            n, elapsed = await pipelined(socket, payload, seconds)
            results[f"raw {name}"] = {"calls": n, "seconds": elapsed}
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["client"]:
        asyncio.run(client(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
    else:
        asyncio.run(serve())
