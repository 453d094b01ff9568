"""The Python service of the demo: saltline's Python peer serving an API to browser pages.

`npm start` runs it (demos/python-service/server.mjs) and forwards /demos/python-service/ws to it;
alone: `PYTHONPATH=bindings/python/src /usr/bin/python3 demos/python-service/service.py [PORT]`.
Prints `{"port": P}` once listening on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import platform
import sys

import saltline


async def primes(limit: int):
    """Streams the primes below `limit` (at most 100,000), one item at a time, with flow control."""
    found: list[int] = []
    for n in range(2, min(int(limit), 100_000)):
        if all(n % p for p in found if p * p <= n):
            found.append(n)
            yield n


async def count(ctx: saltline.Context, n: int, seconds: float) -> int:
    """Counts to `n`, one step per `seconds`, calling the page back; stops when the page cancels."""
    for step in range(1, int(n) + 1):
        await asyncio.sleep(float(seconds))
        ctx.peer.notify("progress", step, n)
    return n


def sha256(data: bytes) -> str:
    if not isinstance(data, bytes):
        raise saltline.RpcError("INVALID_ARGUMENT", "sha256 takes bytes")
    return hashlib.sha256(data).hexdigest()


def fail() -> None:
    raise ValueError("a Python exception, as the page sees it")


API = {
    "hello": lambda name: f"Hello {str(name)[:40]}, from Python {platform.python_version()}",
    "add": lambda a, b: a + b,
    "primes": primes,
    "count": count,
    "sha256": sha256,
    "fail": fail,
    "twice": lambda fn, x: fn(x),
}


async def main(port: int) -> None:
    async with await saltline.serve("127.0.0.1", port, expose=API) as server:
        print(json.dumps({"port": server.port}), flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    except KeyboardInterrupt:
        pass
