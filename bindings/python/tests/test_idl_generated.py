"""Generated Python ↔ a TypeScript server: `saltline gen --python` run on test/fixtures/idl/notes.saltline, and its
client calling the Notes service that fixtures/idl_server.ts implements through the generated TypeScript."""

from __future__ import annotations

import asyncio
import datetime
import importlib
import subprocess
import sys

import pytest

import saltline
from saltline import RpcError
from saltline.schema import UnknownVariant, from_wire
from conftest import ROOT, NodeProcess


@pytest.fixture(scope="module")
def gen(tmp_path_factory):
    """The Python the CLI generates from the IDL, imported as a package."""
    root = tmp_path_factory.mktemp("idl")
    package = root / "notes_gen"
    subprocess.run(["node", str(ROOT / "bin" / "saltline.mjs"), "gen", str(ROOT / "test" / "fixtures" / "idl" / "notes.saltline"),
                    "--python", str(package)], cwd=ROOT, check=True)
    (package / "__init__.py").write_text("")
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("notes_gen.notes")
    finally:
        sys.path.remove(str(root))


@pytest.fixture(scope="module")
def ts_server():
    server = NodeProcess("idl_server.ts")
    yield server
    server.stop()
    assert server.process.returncode in (0, -15), "the Node server did not stop cleanly"


def run(server, body):
    async def main():
        async with await saltline.connect(f"ws://127.0.0.1:{server.info['port']}") as peer:
            result = await body(peer)
            assert peer.stats()["pending"] == 0, "a call was left pending"
            return result

    return asyncio.run(main())


def test_a_generated_client_call_returns_the_generated_dataclass(gen, ts_server):
    note = run(ts_server, lambda peer: gen.NotesClient(peer).get("n_000000000042"))
    assert (type(note), note.id, note.revision, note.visibility, note.updatedAt) == (
        gen.Note, "n_000000000042", 3, "team", datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))


def test_named_parameters_left_out_take_their_defaults_on_the_typescript_side(gen, ts_server):
    page = run(ts_server, lambda peer: gen.NotesClient(peer).search())
    assert (type(page), type(page.items[0]), page.next) == (gen.NotePage, gen.Note, "limit=50")


def test_a_dataclass_argument_reaches_the_typescript_handler_validated_and_normalized(gen, ts_server):
    sent = gen.Note(id="n_000000000007", title="Draft", body=b"\x01", revision=2,
                    updatedAt=datetime.datetime(2026, 5, 1, tzinfo=datetime.timezone.utc))
    note = run(ts_server, lambda peer: gen.NotesClient(peer).update(sent, 9))
    assert (note.title, note.revision) == ("Draft (bigint, 2026-05-01T00:00:00.000Z)", 10)


def test_a_streaming_result_yields_the_generated_union_variants(gen, ts_server):
    async def body(peer):
        return [event async for event in await gen.NotesClient(peer).watch("inbox")]

    events = run(ts_server, body)
    assert [(type(e), type(e.value)) for e in events] == [(gen.NoteEvent_created, gen.Note), (gen.NoteEvent_deleted, str)]


def test_a_stream_argument_reaches_the_typescript_handler(gen, ts_server):
    async def chunks():
        for size in (3, 4):
            yield b"x" * size

    note = run(ts_server, lambda peer: gen.NotesClient(peer).upload("file", chunks()))
    assert note.title == "file:7"


def test_an_argument_the_idl_rejects_is_invalid_argument_with_its_path(gen, ts_server):
    async def body(peer):
        with pytest.raises(RpcError) as info:
            await gen.NotesClient(peer).get("not an id")
        return info.value.code, [issue["path"] for issue in info.value.data["issues"]]

    assert run(ts_server, body) == ("INVALID_ARGUMENT", [["id"]])


def test_a_union_variant_this_side_does_not_know_is_read_as_unknown(gen):
    event = from_wire(gen.NoteEvent, {"type": "moved", "value": "n_000000000001"})
    assert event == UnknownVariant(unknown="moved", value="n_000000000001")
