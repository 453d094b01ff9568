"""One session over one link (docs/protocol.md §1–§13): hello, calls both ways, replies, cancellation,
deadlines, references and streams, and the close. `Peer` (peer.py) is the public face over one or more."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import codec
from .codec import EncodeError
from .context import Context, wants_context
from .errors import RpcError, from_wire, to_wire
from .link import Link, LinkClosed
from .protocol import (
    ABORT, CALL, CANCEL, DEFAULT_MAX_MESSAGE_SIZE, ERROR, FLAG_REFS, FLAG_UNDEFINED, GOODBYE, HELLO, MAX_BATCH,
    MAX_METHOD_LENGTH, MIN_MAX_MESSAGE_SIZE, NOTIFY, PING, PONG, RELEASE, RESULT, STREAM_CANCEL, STREAM_CREDIT,
    STREAM_DATA, STREAM_END, VERSION, Malformed, at, is_uint, parse, utf16_length,
)
from .refs import (
    FUNCTION, ITERABLE, MAX_REFERENCES, MAX_REFERENCES_PER_MESSAGE, OBJECT, READABLE, SIGNAL, RemoteFunction,
    RemoteObject, RemoteSignal, export_value, find_markers, import_value, signal_from_marker,
)
from .streams import Producer, RemoteStream

log = logging.getLogger("saltline")

#: Method path segments never found (§8), besides any that starts with "_".
FORBIDDEN = frozenset({"constructor", "prototype", "toString", "toLocaleString", "valueOf", "hasOwnProperty",
                       "isPrototypeOf", "propertyIsEnumerable"})
#: Frames queued for the link before `writable()` makes producers wait.
WRITE_HIGH_WATER = 16


@dataclass(frozen=True)
class Limits:
    """Bounds on what the far side may make this side hold. Each field's default is the protocol's (§9)."""

    #: Largest transport message accepted, in bytes; announced in HELLO. Default 32 MiB.
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    #: Calls this side has waiting at once. Default 10,000.
    max_pending_calls: int = 10_000
    #: Incoming calls running at once (NOTIFY included). Default 1,000.
    max_active_handlers: int = 1_000
    #: Entries of one call's metadata. Default 32.
    max_meta_entries: int = 32
    #: Seconds to wait for the far side's HELLO before closing with DEADLINE_EXCEEDED. Default None: forever.
    hello_timeout: float | None = None
    #: Credit this side grants each stream it reads. Default 16 items.
    stream_window: int = 16


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


#: The timeout a call gets when it names none: the peer's `timeout`.
DEFAULT: Any = _Default()


class Exchange:
    """One call, on either side, until it is complete (§5): its reply, its streams and the references it owns."""

    __slots__ = ("id", "future", "timer", "owned", "open_streams", "replied", "complete", "task", "ctx", "held",
                 "retained", "cancelled")

    def __init__(self, id: int) -> None:
        self.id = id
        self.future: asyncio.Future[Any] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.owned: list[int] = []
        self.open_streams = 0
        self.replied = False
        self.complete = False
        self.task: asyncio.Task[None] | None = None
        self.ctx: Context | None = None
        self.held: list[Any] | None = None
        self.retained: list[int] = []
        self.cancelled = False


@dataclass
class _Export:
    kind: int
    value: Any
    owner: Exchange | None
    in_result: bool


@dataclass
class _Import:
    kind: int
    value: Any
    owner: Exchange | None
    in_result: bool


class Session:
    """The protocol state of one link. Created and started by `Peer`."""

    def __init__(self, link: Link, expose: Any, timeout: float | None, limits: Limits, peer: Any = None,
                 expose_stacks: bool = False) -> None:
        self._link = link
        self._expose = expose
        self._timeout = timeout if timeout else None
        self._limits = limits
        self._peer = peer
        self._expose_stacks = expose_stacks
        self._loop = asyncio.get_running_loop()
        self._next_id = 1
        self._next_ref = 1
        self._calls: dict[int, Exchange] = {}
        self._handlers: dict[int, Exchange] = {}
        self._exports: dict[int, _Export] = {}
        self._imports: dict[int, _Import] = {}
        self._held: list[list[Any]] = []
        self._ready = False
        self._ready_event = asyncio.Event()
        self._remote_max = DEFAULT_MAX_MESSAGE_SIZE
        self._remote_timeout: float | None = None
        self._queue: list[list[Any]] = []
        self._flush_scheduled = False
        self._frames: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._drained = asyncio.Event()
        self._drained.set()
        self._closed_reason: BaseException | None = None
        self.closed: asyncio.Future[BaseException] = self._loop.create_future()
        self.malformed = 0
        self._tasks: list[asyncio.Task[None]] = []
        #: Notification handlers running: they count against max_active_handlers and end with the session.
        self._notifications: set[asyncio.Task[None]] = set()
        self._hello_timer: asyncio.TimerHandle | None = None

    # ---- life ---------------------------------------------------------------------------------
    def start(self) -> None:
        features: dict[str, Any] = {"maxMessageSize": self._limits.max_message_size}
        if self._timeout:
            features["timeout"] = _ms(self._timeout)
        self.send([HELLO, VERSION, False, features])
        self._tasks = [self._loop.create_task(self._read()), self._loop.create_task(self._write())]
        if self._limits.hello_timeout:
            self._hello_timer = self._loop.call_later(
                self._limits.hello_timeout,
                lambda: self.close(RpcError("DEADLINE_EXCEEDED", "no hello from the remote peer in time")),
            )

    @property
    def is_closed(self) -> bool:
        return self._closed_reason is not None

    @property
    def remote_identity(self) -> bytes | None:
        return getattr(self._link, "remote_identity", None)

    @property
    def principal(self) -> Any:
        return getattr(self._link, "principal", None)

    async def ready(self) -> None:
        await self._ready_event.wait()

    def close(self, reason: BaseException | None = None, goodbye: bool = True) -> None:
        """Ends the session (§13): GOODBYE last, then every pending call rejects and every reference ends."""
        if self._closed_reason is not None:
            return
        if goodbye:
            self._queue.append([GOODBYE])
            self._flush()
        reason = reason if reason is not None else RpcError("UNAVAILABLE", "the peer closed")
        self._closed_reason = reason
        if self._hello_timer:
            self._hello_timer.cancel()
        failure = self._failure()
        for ex in list(self._calls.values()):
            self._reject(ex, failure)
            self._complete_call(ex, failure)
        self._held.clear()
        for ex in list(self._handlers.values()):
            if ex.ctx is not None and not ex.ctx.cancelled.is_set():
                ex.ctx.reason = failure
                ex.ctx.cancelled.set()
            if ex.task is not None and not ex.task.done():
                ex.task.cancel()
            self._complete_handler(ex, failure)
        for task in list(self._notifications):
            task.cancel()
        for entry in list(self._imports.values()):
            self._end_import(entry, failure)
        self._imports.clear()
        for entry in list(self._exports.values()):
            if entry.kind == ITERABLE:
                entry.value.cancel()
        self._exports.clear()
        self._frames.put_nowait(None)
        self._tasks[0].cancel() if self._tasks else None
        if not self.closed.done():
            self.closed.set_result(reason)

    def _failure(self) -> BaseException:
        """What pending calls reject with: UNAVAILABLE with the reason as cause, or UNAUTHENTICATED itself."""
        reason = self._closed_reason
        if isinstance(reason, RpcError) and reason.code == "UNAUTHENTICATED":
            return reason
        return RpcError("UNAVAILABLE", "the peer closed", cause=reason)

    async def _read(self) -> None:
        try:
            while True:
                data = await self._link.receive()
                if len(data) > self._limits.max_message_size:
                    self.close(RpcError("RESOURCE_EXHAUSTED", "a message over maxMessageSize"))
                    return
                self._receive(data)
                if self._closed_reason is not None:
                    return
        except LinkClosed as closed:
            self.close(closed.reason, goodbye=False)
        except asyncio.CancelledError:
            pass

    async def _write(self) -> None:
        try:
            while True:
                data = await self._frames.get()
                if data is None:
                    break
                await self._link.send(data)
                if self._frames.qsize() < WRITE_HIGH_WATER:
                    self._drained.set()
        except LinkClosed as closed:
            self.close(closed.reason, goodbye=False)
        except Exception as error:
            self.close(RpcError("UNAVAILABLE", "the transport failed to send", cause=error), goodbye=False)
        finally:
            self._drained.set()
            await self._link.close()

    async def writable(self) -> None:
        """Waits while the link's queue is long: producers pull their next item only then."""
        while not self._drained.is_set():
            await self._drained.wait()

    async def wait_written(self) -> None:
        """Waits until the writer has taken everything queued so far (for close)."""
        task = self._tasks[1] if len(self._tasks) > 1 else None
        if task is not None:
            await asyncio.shield(task)

    # ---- sending ------------------------------------------------------------------------------
    def send(self, message: list[Any]) -> None:
        if self._closed_reason is not None:
            return
        self._queue.append(message)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if not self._queue or self._closed_reason is not None:
            self._queue.clear()
            return
        messages, self._queue = self._queue, []
        limit = min(self._limits.max_message_size, self._remote_max)
        for start in range(0, len(messages), MAX_BATCH):
            chunk = messages[start:start + MAX_BATCH]
            data = self._encode(chunk[0] if len(chunk) == 1 else chunk)
            if data is not None and len(data) <= limit:
                self._write_frame(data)
                continue
            for message in chunk if len(chunk) > 1 else []:
                one = self._encode(message)
                if one is not None and len(one) <= limit:
                    self._write_frame(one)
                else:
                    self._unsendable(message, one is not None)
            if len(chunk) == 1:
                self._unsendable(chunk[0], data is not None)

    def _write_frame(self, data: bytes) -> None:
        self._frames.put_nowait(data)
        if self._frames.qsize() >= WRITE_HIGH_WATER:
            self._drained.clear()

    def _encode(self, frame: Any) -> bytes | None:
        try:
            return codec.encode(frame)
        except EncodeError:
            return None

    def _unsendable(self, message: list[Any], too_big: bool) -> None:
        """§9: a message that cannot go fails what it carried, not the session."""
        code = "RESOURCE_EXHAUSTED" if too_big else "INVALID_ARGUMENT"
        why = "over the message size limit" if too_big else "cannot be encoded"
        kind = message[0]
        if kind == CALL:
            ex = self._calls.get(message[1])
            if ex is not None:
                self._reject(ex, RpcError(code, f"the call is {why}"))
                self._complete_call(ex, None)
        elif kind == RESULT:
            self.send([ERROR, message[1], to_wire(RpcError(code, f"the result: {why}"))])
        elif kind == ERROR and len(message) > 2 and isinstance(message[2], dict) and "reduced" not in message:
            wire = message[2]
            reduced = {k: wire[k] for k in ("name", "code") if k in wire}
            reduced["message"] = str(wire.get("message", ""))[:256]
            self.send([ERROR, message[1], reduced])
        else:
            log.warning("saltline: dropped a message that %s (kind %s)", why, kind)

    def error_wire(self, error: BaseException) -> dict[str, Any]:
        wire = to_wire(error, lambda value: codec.prepare(value, 1))
        if self._expose_stacks and isinstance(error, BaseException):
            import traceback

            wire["stack"] = "".join(traceback.format_exception(error))
        return wire

    def send_stream_item(self, producer: Producer, ref: int, item: Any) -> None:
        entry = self._exports.get(ref)
        owner = entry.owner if entry else None
        try:
            value, refs = export_value(self, item, owner, False)
        except (EncodeError, RpcError) as error:
            producer_error = error if isinstance(error, RpcError) else RpcError("INVALID_ARGUMENT", str(error))
            self.send([STREAM_END, ref, self.error_wire(producer_error)])
            producer.done = True
            self._producer_done(ref)
            return
        if refs:
            producer.items_had_refs = True
            self.send([STREAM_DATA, ref, value, 1])
        else:
            self.send([STREAM_DATA, ref, value])

    # ---- calls out ----------------------------------------------------------------------------
    async def call(self, method: Any, args: list[Any], timeout: Any = DEFAULT, meta: Mapping[str, Any] | None = None) -> Any:
        if self._closed_reason is not None:
            raise self._failure()
        if len(self._calls) >= self._limits.max_pending_calls:
            raise RpcError("RESOURCE_EXHAUSTED", f"more than {self._limits.max_pending_calls} calls pending")
        ex = Exchange(self._next_id)
        self._next_id += 1
        try:
            wire_args, refs = export_value(self, args, ex, False)
            wire_meta = codec.prepare(dict(meta)) if meta else None
        except EncodeError as error:
            self._drop_exports(ex)
            raise RpcError("INVALID_ARGUMENT", str(error)) from error
        except RpcError:
            self._drop_exports(ex)
            raise
        seconds = self._timeout if timeout is DEFAULT else (timeout or None)
        timeout_field = _ms(seconds) if seconds else None
        message: list[Any] = [CALL, ex.id, method, wire_args]
        # Fields are written up to the last one needed (§2.2); with references the timeout always is.
        if refs:
            message += [wire_meta, timeout_field, 1]
        elif seconds != self._timeout:
            message += [wire_meta, timeout_field]
        elif wire_meta is not None:
            message.append(wire_meta)
        ex.future = self._loop.create_future()
        self._calls[ex.id] = ex
        if seconds:
            ex.timer = self._loop.call_later(seconds, self._expire, ex)
        if self._ready:
            self.send(message)
        else:
            ex.held = message
            self._held.append(message)
        try:
            return await ex.future
        except asyncio.CancelledError:
            if not ex.complete:
                self._give_up(ex, RpcError("CANCELLED", "the call was cancelled"), "CANCELLED")
            raise

    async def call_ref(self, target: Any, args: list[Any]) -> Any:
        return await self.call(target, args)

    def notify(self, method: str, args: list[Any], meta: Mapping[str, Any] | None = None) -> None:
        if self._closed_reason is not None:
            raise self._failure()
        try:
            wire_args = codec.prepare(args)
            wire_meta = codec.prepare(dict(meta)) if meta else None
        except EncodeError as error:
            raise RpcError("INVALID_ARGUMENT", f"a notification cannot carry this: {error}") from error
        message = [NOTIFY, method, wire_args] + ([wire_meta] if wire_meta else [])
        if self._ready:
            self.send(message)
        elif len(self._held) < self._limits.max_pending_calls:
            self._held.append(message)
        else:
            log.warning("saltline: dropped a notification held past max_pending_calls")

    def _expire(self, ex: Exchange) -> None:
        ex.timer = None
        self._give_up(ex, RpcError("DEADLINE_EXCEEDED", "the call timed out"), "DEADLINE_EXCEEDED")

    def _give_up(self, ex: Exchange, error: RpcError, code: str) -> None:
        if ex.complete:
            return
        if ex.held is not None:
            self._held = [m for m in self._held if m is not ex.held]  # never sent: no CANCEL (§3)
        else:
            self.send([CANCEL, ex.id, code])
        self._reject(ex, error)
        self._complete_call(ex, error)

    def _reject(self, ex: Exchange, error: BaseException) -> None:
        if ex.future is not None and not ex.future.done():
            ex.future.set_exception(error)
            ex.future.exception()  # a caller that stopped waiting must not leave "never retrieved" noise

    def _complete_call(self, ex: Exchange, reason: BaseException | None) -> None:
        if ex.complete:
            return
        ex.complete = True
        self._calls.pop(ex.id, None)
        if ex.timer is not None:
            ex.timer.cancel()
            ex.timer = None
        self._end_owned(ex, reason, keep=set(ex.retained))

    # ---- replies in ---------------------------------------------------------------------------
    def _on_result(self, message: list[Any]) -> None:
        ex = self._calls.get(message[1])
        if ex is None or ex.replied:
            return  # a late or second reply: normal, not malformed (§5)
        ex.replied = True
        flags = at(message, 4) or 0
        value = None if len(message) < 3 or flags & FLAG_UNDEFINED else message[2]
        self._retain_exports(ex, at(message, 5))
        if flags & FLAG_REFS:
            try:
                value = self._import(value, ex, True)
            except RpcError as error:
                self.malformed += 1
                self._reject(ex, RpcError("INTERNAL", "a malformed reply", cause=error))
                self._complete_call(ex, error)
                return
        if ex.future is not None and not ex.future.done():
            ex.future.set_result(value)
        if ex.open_streams == 0:
            self._complete_call(ex, None)

    def _on_error(self, message: list[Any]) -> None:
        ex = self._calls.get(message[1])
        if ex is None or ex.replied:
            return
        ex.replied = True
        self._retain_exports(ex, at(message, 3))
        self._reject(ex, from_wire(at(message, 2)))
        self._complete_call(ex, None)

    def _retain_exports(self, ex: Exchange, retained: Any) -> None:
        """Honours only functions this call exported (§6.4)."""
        for ref in retained or []:
            entry = self._exports.get(ref)
            if entry is not None and entry.kind == FUNCTION and entry.owner is ex:
                entry.owner = None
                ex.retained.append(ref)

    # ---- calls in -----------------------------------------------------------------------------
    def _on_call(self, message: list[Any]) -> None:
        call_id = message[1]
        if call_id in self._handlers:
            raise Malformed("a CALL whose id is still running")
        method, args, meta = at(message, 2), at(message, 3), at(message, 4)
        timeout = message[5] if len(message) > 5 else (self._remote_timeout * 1000 if self._remote_timeout else None)
        if not _valid_method(method) or type(args) is not list or (meta is not None and (
                type(meta) is not dict or len(meta) > self._limits.max_meta_entries)) or (
                timeout is not None and (type(timeout) not in (int, float) or timeout < 0)):
            self.malformed += 1
            self.send([ERROR, call_id, to_wire(RpcError("INVALID_ARGUMENT", "malformed call"))])
            return
        if len(self._handlers) + len(self._notifications) >= self._limits.max_active_handlers:
            self.send([ERROR, call_id, to_wire(RpcError("RESOURCE_EXHAUSTED", "too many calls running"))])
            return
        target = self._resolve(method)
        if isinstance(target, RpcError):
            self.send([ERROR, call_id, to_wire(target)])
            return
        ex = Exchange(call_id)
        self._handlers[call_id] = ex
        if at(message, 6):
            try:
                args = self._import(args, ex, False)
            except RpcError as error:
                del self._handlers[call_id]
                self.send([ERROR, call_id, to_wire(error)])
                return
        deadline = None if not timeout else time.time() + timeout / 1000
        ex.ctx = Context(deadline, asyncio.Event(), self.remote_identity, self.principal, meta or {}, None, self._peer,
                         lambda fn: self._retain(ex, fn))
        ex.task = self._loop.create_task(self._run(ex, target, args, isinstance(method, str)))

    def _resolve(self, method: Any) -> Callable[..., Any] | RpcError:
        if is_uint(method):
            entry = self._exports.get(method)
            if entry is None or entry.kind != FUNCTION:
                return RpcError("NOT_FOUND", "the callback was released")
            return entry.value
        if type(method) is list:
            return RpcError("NOT_FOUND", "the remote object was released")
        found = _lookup(self._expose, method)
        return found if found is not None else RpcError("NOT_FOUND", f'no method "{method}" is exposed')

    async def _run(self, ex: Exchange, fn: Callable[..., Any], args: list[Any], by_name: bool) -> None:
        ctx = ex.ctx
        assert ctx is not None
        try:
            result = fn(ctx, *args) if by_name and wants_context(fn) else fn(*args)
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                result = await result
        except asyncio.CancelledError:
            ex.cancelled = True
            self._complete_handler(ex, ctx.reason)
            return
        except Exception as error:
            if not ex.cancelled and self._closed_reason is None:
                ex.replied = True
                message = [ERROR, ex.id, self.error_wire(error)]
                self.send(message + [ex.retained] if ex.retained else message)
            self._complete_handler(ex, None)
            return
        if ex.cancelled or self._closed_reason is not None:
            self._complete_handler(ex, ctx.reason)
            return
        self._reply(ex, result)

    def _reply(self, ex: Exchange, result: Any) -> None:
        ex.replied = True
        if result is None and not ex.retained:
            self.send([RESULT, ex.id])
        else:
            try:
                value, refs = export_value(self, result, ex, True)
            except (EncodeError, RpcError) as error:
                failure = error if isinstance(error, RpcError) else RpcError("INVALID_ARGUMENT", f"the result: {error}")
                self._drop_exports(ex)
                self.send([ERROR, ex.id, to_wire(failure)])
                self._complete_handler(ex, None)
                return
            flags = (FLAG_REFS if refs else 0) | (FLAG_UNDEFINED if result is None else 0)
            if not flags and not ex.retained:
                self.send([RESULT, ex.id, value])
            else:
                message = [RESULT, ex.id, value, None, flags]
                self.send(message + [ex.retained] if ex.retained else message)
        if ex.open_streams == 0:
            self._complete_handler(ex, None)

    def _retain(self, ex: Exchange, fn: Any) -> None:
        if ex.replied:
            raise RpcError("NOT_FOUND" if ex.open_streams == 0 else "FAILED_PRECONDITION", "retain() after the reply")
        if not isinstance(fn, RemoteFunction):
            raise TypeError("retain() takes a function from the arguments")
        entry = self._imports.get(fn.ref)
        if entry is not None and entry.owner is ex:
            entry.owner = None
            ex.retained.append(fn.ref)

    def _on_cancel(self, message: list[Any]) -> None:
        ex = self._handlers.get(message[1])
        if ex is None or ex.complete:
            return
        code = at(message, 2) if at(message, 2) == "DEADLINE_EXCEEDED" else "CANCELLED"
        reason = RpcError(code, "the caller cancelled the call" if code == "CANCELLED" else "the caller's deadline passed")
        ex.cancelled = True
        if ex.ctx is not None and not ex.ctx.cancelled.is_set():
            ex.ctx.reason = reason
            ex.ctx.cancelled.set()
        if not ex.replied and ex.task is not None and not ex.task.done():
            ex.task.cancel()  # Python's way to stop a handler; it stays counted until it settles
        elif ex.replied:
            self._complete_handler(ex, reason)

    def _complete_handler(self, ex: Exchange, reason: BaseException | None) -> None:
        if ex.complete:
            return
        ex.complete = True
        self._handlers.pop(ex.id, None)
        self._end_owned(ex, reason, keep=set())

    # ---- references ---------------------------------------------------------------------------
    def export(self, kind: int, value: Any, owner: Exchange | None, in_result: bool) -> int:
        ref = self._next_ref
        self._next_ref += 1
        if kind == ITERABLE:
            producer = Producer(self, ref, value, lambda: self._producer_done(ref))
            self._exports[ref] = _Export(ITERABLE, producer, owner, in_result)
            if owner is not None:
                owner.owned.append(ref)
                if in_result:
                    owner.open_streams += 1
        else:
            # Functions in a result live until released (§6.4); in arguments they belong to the call.
            function_owner = None if in_result else owner
            self._exports[ref] = _Export(FUNCTION, value, function_owner, in_result)
            if function_owner is not None:
                function_owner.owned.append(ref)
        return ref

    def _producer_done(self, ref: int) -> None:
        entry = self._exports.get(ref)
        if entry is None:
            return
        if entry.value.items_had_refs and not entry.value.cancelled_by_consumer:
            return  # kept until the consumer acknowledges the end (§7.6)
        self._drop_stream_export(ref, entry)

    def _drop_stream_export(self, ref: int, entry: _Export) -> None:
        self._exports.pop(ref, None)
        owner = entry.owner
        if owner is not None and entry.in_result and not owner.complete:
            owner.open_streams -= 1
            if owner.open_streams == 0 and owner.replied:
                if owner.id in self._handlers and self._handlers[owner.id] is owner:
                    self._complete_handler(owner, None)

    def _drop_exports(self, ex: Exchange) -> None:
        for ref in ex.owned:
            self._exports.pop(ref, None)
        ex.owned.clear()
        ex.open_streams = 0

    def _end_owned(self, ex: Exchange, reason: BaseException | None, keep: set[int]) -> None:
        """A complete call's references end (§6.4): exports stop, imports die."""
        for ref in ex.owned:
            if ref in keep:
                continue
            entry = self._exports.get(ref)
            if entry is not None and entry.owner is ex:
                del self._exports[ref]
                if entry.kind == ITERABLE:
                    entry.value.cancel()
            imported = self._imports.get(ref)
            if imported is not None and imported.owner is ex:
                del self._imports[ref]
                self._end_import(imported, reason or RpcError("CANCELLED", "the call that carried this stream is over"))
        ex.owned.clear()

    def _end_import(self, entry: _Import, reason: BaseException) -> None:
        if entry.kind in (ITERABLE, READABLE):
            entry.value.fail(reason)
        elif entry.kind == FUNCTION:
            entry.value.alive = False
        elif entry.kind == SIGNAL:
            entry.value.abort(reason)

    def _import(self, value: Any, owner: Exchange, in_result: bool) -> Any:
        markers = find_markers(value, MAX_REFERENCES_PER_MESSAGE)
        if len(self._imports) + len(markers) > MAX_REFERENCES:
            raise RpcError("RESOURCE_EXHAUSTED", f"more than {MAX_REFERENCES} references held")
        if any(marker[1] in self._imports for marker in markers):
            raise RpcError("INVALID_ARGUMENT", "a malformed reference: already imported")
        return import_value(value, lambda marker: self._make(marker, owner, in_result))

    def _make(self, marker: list[Any], owner: Exchange | None, in_result: bool) -> Any:
        kind, ref = marker[0], marker[1]
        if kind in (ITERABLE, READABLE):
            stream = RemoteStream(self, ref, self._limits.stream_window, self._stream_done)
            entry = _Import(kind, stream, owner, in_result)
            if owner is not None and in_result:
                owner.open_streams += 1
        elif kind == FUNCTION:
            entry = _Import(kind, RemoteFunction(self, ref), None if in_result else owner, in_result)
        elif kind == SIGNAL:
            signal = signal_from_marker(marker)
            if signal.aborted:
                return signal
            entry = _Import(kind, signal, owner, in_result)
        else:
            entry = _Import(OBJECT, RemoteObject(self, ref), None if in_result else owner, in_result)
        self._imports[ref] = entry
        if entry.owner is not None:
            entry.owner.owned.append(ref)
        return entry.value

    def _stream_done(self, stream: RemoteStream) -> None:
        entry = self._imports.get(stream.ref)
        if entry is None or entry.value is not stream:
            return
        del self._imports[stream.ref]
        owner = entry.owner
        if owner is not None and entry.in_result and not owner.complete:
            owner.open_streams -= 1
            if owner.open_streams == 0 and owner.replied:
                self._complete_call(owner, None)

    def release_import(self, ref: int) -> None:
        entry = self._imports.pop(ref, None)
        if entry is not None and entry.kind in (FUNCTION, OBJECT):
            self.send([RELEASE, ref])

    def _on_reference(self, message: list[Any]) -> None:
        kind, ref = message[0], message[1]
        if kind == STREAM_DATA:
            entry = self._imports.get(ref)
            if entry is None or entry.kind not in (ITERABLE, READABLE):
                return
            item = at(message, 2)
            if at(message, 3):
                try:
                    item = self._import(item, entry.owner, False) if entry.owner else item
                except RpcError as error:
                    entry.value.fail(error, cancel=True)  # §10: the stream fails, the producer is told
                    return
                entry.value.items_had_refs = True
            entry.value.deliver(item)
        elif kind == STREAM_END:
            entry = self._imports.get(ref)
            if entry is not None and entry.kind in (ITERABLE, READABLE):
                entry.value.end(from_wire(message[2]) if len(message) > 2 else None)
        elif kind == STREAM_CREDIT:
            export = self._exports.get(ref)
            if export is not None and export.kind == ITERABLE:
                export.value.grant(message[2])
        elif kind == STREAM_CANCEL:
            export = self._exports.get(ref)
            if export is not None and export.kind == ITERABLE:
                export.value.cancelled_by_consumer = True
                if export.value.done:
                    self._drop_stream_export(ref, export)
                else:
                    export.value.cancel()
        elif kind == RELEASE:
            if at(message, 2) == 1:
                entry = self._imports.get(ref)
                if entry is not None and entry.kind == OBJECT:
                    del self._imports[ref]
                return
            export = self._exports.get(ref)
            if export is not None and export.kind == FUNCTION:
                del self._exports[ref]
        elif kind == ABORT:
            entry = self._imports.get(ref)
            if entry is not None and entry.kind == SIGNAL:
                del self._imports[ref]
                entry.value.abort(from_wire(at(message, 2)))

    # ---- receiving ----------------------------------------------------------------------------
    def _receive(self, data: bytes) -> None:
        try:
            frame = codec.decode(data)
        except codec.DecodeError as error:
            self._count_malformed(str(error))
            return
        if type(frame) is not list:
            self._count_malformed("a transport message that is not an array")
            return
        if frame and type(frame[0]) is int:
            frame = [frame]
        if len(frame) > MAX_BATCH:
            self.close(RpcError("RESOURCE_EXHAUSTED", f"a batch of more than {MAX_BATCH} messages"))
            return
        for message in frame:
            if self._closed_reason is not None:
                return
            try:
                self._dispatch(parse(message))
            except Malformed as error:
                self._count_malformed(str(error))

    def _count_malformed(self, why: str) -> None:
        self.malformed += 1
        log.warning("saltline: dropped malformed input: %s", why)

    def _dispatch(self, message: list[Any]) -> None:
        kind = message[0]
        if kind == CALL:
            self._on_call(message)
        elif kind == RESULT:
            self._on_result(message)
        elif kind == ERROR:
            self._on_error(message)
        elif kind == CANCEL:
            self._on_cancel(message)
        elif kind == NOTIFY:
            self._on_notify(message)
        elif kind == HELLO:
            self._on_hello(message)
        elif kind == PING:
            self.send([PONG, at(message, 1)])
        elif kind == GOODBYE:
            self.close(RpcError("UNAVAILABLE", "the remote peer closed"), goodbye=False)
        elif kind != PONG:
            self._on_reference(message)

    def _on_hello(self, message: list[Any]) -> None:
        if at(message, 1) != VERSION:
            self.close(RpcError("UNIMPLEMENTED", "protocol version mismatch"), goodbye=False)
            return
        features = at(message, 3) or {}
        if not at(message, 2):
            answer: dict[str, Any] = {"maxMessageSize": self._limits.max_message_size}
            if self._timeout:
                answer["timeout"] = _ms(self._timeout)
            self.send([HELLO, VERSION, True, answer])
        if self._ready:
            return
        announced = features.get("maxMessageSize")
        if announced is not None and announced < MIN_MAX_MESSAGE_SIZE:
            self.close(RpcError("FAILED_PRECONDITION", "the remote peer's maxMessageSize is below 1,024"))
            return
        if announced is not None:
            self._remote_max = int(announced)
        timeout = features.get("timeout")
        self._remote_timeout = timeout / 1000 if timeout else None
        self._ready = True
        if self._hello_timer:
            self._hello_timer.cancel()
        for held in self._held:
            self.send(held)
        self._held.clear()
        for ex in self._calls.values():
            ex.held = None
        self._ready_event.set()

    def _on_notify(self, message: list[Any]) -> None:
        method, args, meta = at(message, 1), at(message, 2), at(message, 3)
        if type(method) is not str or utf16_length(method) > MAX_METHOD_LENGTH or type(args) is not list or (
                meta is not None and (type(meta) is not dict or len(meta) > self._limits.max_meta_entries)):
            raise Malformed("a NOTIFY with a bad method, args or meta")
        if len(self._handlers) + len(self._notifications) >= self._limits.max_active_handlers:
            raise Malformed("a NOTIFY over max_active_handlers")
        fn = _lookup(self._expose, method)
        if fn is None:
            log.warning('saltline: a notification for "%s", which is not exposed', method)
            return
        ctx = Context(None, asyncio.Event(), self.remote_identity, self.principal, meta or {}, None, self._peer)
        task = self._loop.create_task(self._run_notify(fn, ctx, args))
        self._notifications.add(task)
        task.add_done_callback(self._notifications.discard)

    async def _run_notify(self, fn: Callable[..., Any], ctx: Context, args: list[Any]) -> None:
        try:
            result = fn(ctx, *args) if wants_context(fn) else fn(*args)
            if asyncio.iscoroutine(result):
                await result
        except Exception:
            log.exception("saltline: a notification handler failed")

    def stats(self) -> dict[str, int]:
        return {"pending": len(self._calls), "handlers": len(self._handlers) + len(self._notifications),
                "exports": len(self._exports),
                "imports": len(self._imports), "malformed": self.malformed}


def _ms(seconds: float) -> int:
    return max(0, int(-(-seconds * 1000 // 1)))


def _valid_method(method: Any) -> bool:
    if type(method) is str:
        return utf16_length(method) <= MAX_METHOD_LENGTH
    if is_uint(method):
        return True
    return type(method) is list and len(method) == 2 and is_uint(method[0]) and type(method[1]) is str and utf16_length(
        method[1]) <= MAX_METHOD_LENGTH and "." not in method[1]


def _lookup(expose: Any, method: str) -> Callable[..., Any] | None:
    """§8 in Python terms: dict keys, or public attributes of an object; never names starting with "_"."""
    node = expose
    for segment in method.split("."):
        if not segment or segment.startswith("_") or segment in FORBIDDEN or node is None:
            return None
        if isinstance(node, Mapping):
            node = node.get(segment)
        else:
            node = getattr(node, segment, None)
    return node if callable(node) and not isinstance(node, type) else None
