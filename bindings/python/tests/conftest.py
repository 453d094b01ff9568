"""Shared helpers: the package on sys.path, a Node saltline server started per test module, stopped by PID."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE.parent / "src"))

from saltline import Identity, encode_key  # noqa: E402


class NodeProcess:
    """A Node fixture started with `node --import tsx`; its first stdout line is JSON."""

    def __init__(self, script: str, *args: str) -> None:
        self.process = subprocess.Popen(
            ["node", "--import", "tsx", str(HERE / "fixtures" / script), *args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=sys.stderr, text=True,
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line:
            self.stop()
            raise RuntimeError(f"{script} did not start")
        self.info = json.loads(line)

    def lines(self) -> list[str]:
        out, _ = self.process.communicate(timeout=60)
        return out.splitlines()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


@pytest.fixture(scope="module")
def keys() -> dict[str, Identity]:
    return {"server": Identity.generate(), "client": Identity.generate()}


def server_args(keys: dict[str, Identity] | None, port: int | None = None) -> list[str]:
    args = []
    if keys is not None:
        seed = encode_key(keys["server"].seed)
        args += ["--secure", json.dumps({"seed": seed, "client": encode_key(keys["client"].public_key)})]
    if port is not None:
        args += ["--port", str(port)]
    return args


@pytest.fixture(scope="module", params=["plain", "secure"])
def node_server(request: pytest.FixtureRequest, keys: dict[str, Identity]):
    server = NodeProcess("node_server.ts", *server_args(keys if request.param == "secure" else None))
    server.mode = request.param
    yield server
    server.stop()
    assert server.process.returncode in (0, -15), "the Node server did not stop cleanly"


os.environ.setdefault("PYTHONASYNCIODEBUG", "0")
