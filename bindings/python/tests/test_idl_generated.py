"""Generated Python ↔ a TypeScript server: `saltline gen --python` run on test/fixtures/idl/notes.saltline, and its
client calling the Notes service that fixtures/idl_server.ts implements through the generated TypeScript."""

from __future__ import annotations

import asyncio
import datetime
import json
import importlib
import subprocess
import sys

import pytest

import saltline
from saltline import RpcError
from saltline.schema import UnknownVariant, from_wire, merge
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


class PythonNotes:
    """The Notes service in Python, on the generated dataclasses: what the TypeScript client calls."""

    def __init__(self, gen) -> None:
        self.gen = gen

    def note(self, id: str, **changes):
        fields = dict(id=id, title="Hello", body=b"\x01\x02", revision=3, visibility="team",
                      updatedAt=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
        return self.gen.Note(**{**fields, **changes})

    async def get(self, id, ctx=None):
        return self.note(id)

    async def search(self, *, folder=None, cursor=None, limit=50, ctx=None):
        return self.gen.NotePage(items=[self.note("n_000000000001")], next=f"limit={limit}")

    async def update(self, note, expectedRevision, ctx=None):
        title = f"{note.title} ({type(note).__name__}, {note.updatedAt.isoformat()}, {type(ctx).__name__})"
        return self.note(note.id, title=title, revision=expectedRevision + 1)

    async def watch(self, folder, ctx=None):
        yield self.gen.NoteEvent_created(value=self.note("n_000000000002"))
        yield self.gen.NoteEvent_deleted(value="n_000000000003")

    async def upload(self, name, chunks, ctx=None):
        size = sum([len(chunk) async for chunk in chunks])
        return self.note("n_000000000004", title=f"{name}:{size}")

    async def typing(self, id, user, ctx=None):
        return None


@pytest.fixture(scope="module")
def ts_client(gen):
    """The checks fixtures/idl_client.ts ran against a Python server exposing `notes_handlers(PythonNotes)`."""

    async def main():
        async with await saltline.serve("127.0.0.1", 0, expose=gen.notes_handlers(PythonNotes(gen))) as server:
            process = await asyncio.create_subprocess_exec(
                "node", "--import", "tsx", str(ROOT / "bindings" / "python" / "tests" / "fixtures" / "idl_client.ts"),
                f"ws://127.0.0.1:{server.port}", cwd=ROOT, stdout=asyncio.subprocess.PIPE)
            out, _ = await asyncio.wait_for(process.communicate(), 120)
            assert process.returncode == 0
            return {line["name"]: line for line in map(json.loads, out.decode().splitlines())}

    return asyncio.run(main())


def check(results, name):
    assert name in results, f"the TypeScript client did not run {name!r}"
    assert results[name]["ok"], results[name]["detail"]
    return results[name]["detail"]


def test_a_python_result_passes_the_typescript_client_s_strict_validation(ts_client):
    assert check(ts_client, "get returns a note the TypeScript schema accepts") == [
        "n_000000000042", "bigint", "2026-01-01T00:00:00.000Z", "team"]


def test_named_parameters_reach_the_python_handler_as_keywords(ts_client):
    assert check(ts_client, "named parameters reach python as keywords, with python defaults") == ["limit=5", "limit=50"]


def test_a_typescript_argument_reaches_the_python_handler_as_its_dataclass(ts_client):
    assert check(ts_client, "a note argument reaches python as its dataclass") == (
        "Draft (Note, 2026-05-01T00:00:00+00:00, Context)")


def test_a_python_async_generator_reaches_typescript_as_union_variants(ts_client):
    assert check(ts_client, "a streaming result arrives as union variants") == ["created", "deleted"]


def test_a_typescript_stream_argument_reaches_the_python_handler(ts_client):
    assert check(ts_client, "a stream argument reaches python") == "file:7"


def test_merge_joins_the_handlers_of_two_services_of_one_package(gen):
    editor = type("Editor", (), {"confirm": lambda self, question, ctx=None: True, "cursor": lambda self, id, at, ctx=None: None})()
    api = merge(gen.notes_handlers(PythonNotes(gen)), gen.editor_handlers(editor))
    assert sorted(api["acme"]["notes"]) == ["Editor@1", "Notes@2"]


def test_merge_refuses_a_method_exposed_twice(gen):
    with pytest.raises(ValueError, match="exposed twice"):
        merge(gen.notes_handlers(PythonNotes(gen)), gen.notes_handlers(PythonNotes(gen)))
