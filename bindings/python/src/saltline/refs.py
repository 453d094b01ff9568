"""References (docs/protocol.md §6): markers out for callables and async iterables, stand-ins in for the far
side's functions, streams, signals and objects."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

from .codec import EncodeError, prepare
from .errors import RpcError, from_wire
from .protocol import is_uint

if TYPE_CHECKING:
    from .session import Exchange, Session

REF_KEY = "~ref"
FUNCTION, ITERABLE, READABLE, SIGNAL, OBJECT, ESCAPED = 0, 1, 2, 3, 4, 9
#: Markers in one CALL, RESULT or STREAM_DATA.
MAX_REFERENCES_PER_MESSAGE = 1000
#: Imported references alive at once.
MAX_REFERENCES = 10_000
#: Levels searched for references.
MAX_REF_DEPTH = 64


class RemoteFunction:
    """A function the far side passed: `await fn(*args)` calls it. Dead (NOT_FOUND) once its call is over,
    unless it came in a result; `await fn.release()` lets the far side forget it."""

    def __init__(self, session: Session, ref: int) -> None:
        self._session = session
        self.ref = ref
        self.alive = True

    async def __call__(self, *args: Any) -> Any:
        if not self.alive:
            raise RpcError("NOT_FOUND", "the callback was released")
        return await self._session.call_ref(self.ref, list(args))

    def release(self) -> None:
        if self.alive:
            self.alive = False
            self._session.release_import(self.ref)


class RemoteObject:
    """An object the far side exported as a target: `await obj.method(*args)` calls it."""

    def __init__(self, session: Session, ref: int) -> None:
        self._session = session
        self._ref = ref

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)

        async def method(*args: Any) -> Any:
            return await self._session.call_ref([self._ref, name], list(args))

        return method

    def release(self) -> None:
        self._session.release_import(self._ref)


class RemoteSignal:
    """An AbortSignal the far side passed: `aborted`, `reason`, and `await signal.wait()`."""

    def __init__(self, reason: Any = None, aborted: bool = False) -> None:
        self._event = asyncio.Event()
        self.reason = reason
        if aborted:
            self._event.set()

    @property
    def aborted(self) -> bool:
        return self._event.is_set()

    def abort(self, reason: Any) -> None:
        if not self.aborted:
            self.reason = reason
            self._event.set()

    async def wait(self) -> Any:
        await self._event.wait()
        return self.reason


def is_exportable_function(value: Any) -> bool:
    return callable(value) and not isinstance(value, type) and not isinstance(value, BaseException)


class Exporter:
    """One outgoing value's walk: callables and async iterables become markers owned by `owner`."""

    def __init__(self, session: Session, owner: Exchange | None, in_result: bool) -> None:
        self._session = session
        self._owner = owner
        self._in_result = in_result
        self.count = 0
        self.escapes = 0
        #: The markers this walk made, by identity: an application map that looks like one is still escaped.
        self.made: set[int] = set()

    def __call__(self, value: Any) -> Any:
        from .streams import is_async_iterable

        if isinstance(value, (RemoteFunction, RemoteObject)):
            raise EncodeError("a remote function or object cannot be sent on")
        if is_async_iterable(value):
            marker_kind = ITERABLE
        elif is_exportable_function(value):
            marker_kind = FUNCTION
        else:
            return None
        self.count += 1
        if self.count > MAX_REFERENCES_PER_MESSAGE:
            raise RpcError("RESOURCE_EXHAUSTED", f"more than {MAX_REFERENCES_PER_MESSAGE} references in one message")
        ref = self._session.export(marker_kind, value, self._owner, self._in_result)
        marker = {REF_KEY: [marker_kind, ref]}
        self.made.add(id(marker))
        return marker

    def escape(self, value: dict[str, Any]) -> Any:
        self.escapes += 1
        return value


def export_value(session: Session, value: Any, owner: Exchange | None, in_result: bool) -> tuple[Any, bool]:
    """The value prepared for msgpack with references exported; and whether it holds any."""
    exporter = Exporter(session, owner, in_result)
    prepared = prepare(value, 0, exporter)
    if exporter.count and exporter.escapes:
        prepared = _escape(prepared, exporter.made)
    return prepared, exporter.count > 0


def _escape(value: Any, made: set[int]) -> Any:
    """An application map with its own `~ref` key, in a message with real references, travels escaped."""
    if type(value) is list:
        return [_escape(v, made) for v in value]
    if type(value) is dict:
        if id(value) in made:
            return value
        inner = {k: _escape(v, made) for k, v in value.items()}
        return {REF_KEY: [ESCAPED, inner]} if REF_KEY in value else inner
    return value


def find_markers(value: Any, limit: int) -> list[list[Any]]:
    """Every marker in a received value, checked (§6.2), before anything is imported."""
    found: list[list[Any]] = []
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_REF_DEPTH:
            continue
        if type(item) is list:
            stack.extend((child, depth + 1) for child in item)
        elif type(item) is dict:
            marker = item.get(REF_KEY)
            if type(marker) is list:
                if not marker or type(marker[0]) is not int:
                    raise RpcError("INVALID_ARGUMENT", "a malformed reference")
                if marker[0] == ESCAPED:
                    if len(marker) < 2 or type(marker[1]) is not dict:
                        raise RpcError("INVALID_ARGUMENT", "a malformed reference")
                    stack.extend((child, depth + 1) for child in marker[1].values())
                    continue
                if marker[0] not in (FUNCTION, ITERABLE, READABLE, SIGNAL, OBJECT) or len(marker) < 2 or not is_uint(
                    marker[1]
                ) or marker[1] in seen:
                    raise RpcError("INVALID_ARGUMENT", "a malformed reference")
                seen.add(marker[1])
                found.append(marker)
                if len(found) > limit:
                    raise RpcError("RESOURCE_EXHAUSTED", f"more than {limit} references in one message")
            else:
                stack.extend((child, depth + 1) for child in item.values())
    return found


def import_value(value: Any, make: Callable[[list[Any]], Any], depth: int = 0) -> Any:
    """The value with each marker replaced by `make(marker)`'s stand-in; `find_markers` checked it first."""
    if depth > MAX_REF_DEPTH:
        return value
    if type(value) is list:
        return [import_value(v, make, depth + 1) for v in value]
    if type(value) is dict:
        marker = value.get(REF_KEY)
        if type(marker) is list:
            if marker[0] == ESCAPED:
                return {k: import_value(v, make, depth + 1) for k, v in marker[1].items()}
            return make(marker)
        return {k: import_value(v, make, depth + 1) for k, v in value.items()}
    return value


def signal_from_marker(marker: list[Any]) -> RemoteSignal:
    if len(marker) > 2:
        return RemoteSignal(from_wire(marker[2]), aborted=True)
    return RemoteSignal()
