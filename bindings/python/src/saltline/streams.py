"""Streams with credit flow control (docs/protocol.md §7): a producer per exported async iterable, and
`RemoteStream`, the async iterator a consumer reads an imported one through."""

from __future__ import annotations

import asyncio
import collections
from typing import TYPE_CHECKING, Any, AsyncIterable, AsyncIterator, Callable

from .errors import RpcError, to_wire
from .protocol import MAX_STREAM_WINDOW, STREAM_CANCEL, STREAM_CREDIT, STREAM_DATA, STREAM_END

if TYPE_CHECKING:
    from .session import Session

#: Items a producer sends before it lets other tasks run, so one fast stream cannot starve the rest.
FAIRNESS_ITEMS = 64


class Producer:
    """Sends one exported async iterable's items against the consumer's credit."""

    def __init__(self, session: Session, ref: int, source: AsyncIterable[Any], on_done: Callable[[], None]) -> None:
        self._session = session
        self._ref = ref
        self._source = source
        self._on_done = on_done
        self._window = 0
        self._credit = 0
        self._uncredited = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.done = False
        #: Set once an item carried references: the export then waits for the consumer's STREAM_CANCEL (§7.6).
        self.items_had_refs = False
        #: The consumer sent STREAM_CANCEL (a cancel, or the acknowledgement of the end).
        self.cancelled_by_consumer = False

    def grant(self, count: int) -> None:
        if self.done:
            return
        if not self._window:
            if count > MAX_STREAM_WINDOW:
                self._finish(RpcError("RESOURCE_EXHAUSTED", f"a stream window over {MAX_STREAM_WINDOW} items"))
                return
            self._window = count
            self._credit = count
            self._task = asyncio.get_running_loop().create_task(self._run())
            return
        self._uncredited = max(0, self._uncredited - count)
        # Capped, not trusted: outstanding credit never exceeds the window (§7).
        self._credit = min(self._credit + count, self._window - self._uncredited)
        self._wake.set()

    async def _run(self) -> None:
        iterator: AsyncIterator[Any] = aiter(self._source)
        sent = 0
        try:
            while True:
                while self._credit <= 0:
                    self._wake.clear()
                    await self._wake.wait()
                await self._session.writable()
                try:
                    item = await anext(iterator)
                except StopAsyncIteration:
                    self._finish(None)
                    return
                if self.done:
                    return
                self._credit -= 1
                self._uncredited += 1
                self._session.send_stream_item(self, self._ref, item)
                sent += 1
                if sent % FAIRNESS_ITEMS == 0:
                    await asyncio.sleep(0)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the iterator raised: the stream ends with that error
            self._finish(error)
        finally:
            closer = getattr(iterator, "aclose", None)
            if closer is not None and self.done:
                try:
                    await closer()
                except Exception:
                    pass

    def _finish(self, error: BaseException | None) -> None:
        if self.done:
            return
        self.done = True
        if error is None:
            self._session.send([STREAM_END, self._ref])
        else:
            self._session.send([STREAM_END, self._ref, self._session.error_wire(error)])
        self._on_done()

    def cancel(self) -> None:
        """The consumer cancelled, or the call is over: stop pulling and run the iterator's `finally`."""
        if self.done and self._task is None:
            return
        was_done = self.done
        self.done = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
            self._task = None
        elif self._task is None and not was_done:
            closer = getattr(self._source, "aclose", None)
            if closer is not None:
                asyncio.get_running_loop().create_task(_quietly(closer()))
        if not was_done:
            self._on_done()


async def _quietly(coroutine: Any) -> None:
    try:
        await coroutine
    except Exception:
        pass


class RemoteStream(AsyncIterator[Any]):
    """An async iterator over a stream the far side produces. Break out early with `await stream.aclose()`
    (or `async with stream:`) so the producer stops at once; otherwise it stops when the call ends."""

    def __init__(self, session: Session, ref: int, window: int, on_done: Callable[[RemoteStream], None]) -> None:
        self._session = session
        self._ref = ref
        self._window = window
        self._on_done = on_done
        self._buffer: collections.deque[Any] = collections.deque()
        self._handed = 0
        self._started = False
        self._ended = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.finished = False
        self.items_had_refs = False

    @property
    def ref(self) -> int:
        return self._ref

    def __aiter__(self) -> RemoteStream:
        return self

    async def __anext__(self) -> Any:
        if not self._started and not self.finished:
            self._started = True
            self._session.send([STREAM_CREDIT, self._ref, self._window])
        while True:
            if self._buffer:
                item = self._buffer.popleft()
                self._handed += 1
                if not self._ended and self._handed >= (self._window + 1) // 2:
                    self._session.send([STREAM_CREDIT, self._ref, self._handed])
                    self._handed = 0
                return item
            if self._error is not None:
                raise self._error
            if self._ended:
                if not self.finished:
                    self._finish(ack=self.items_had_refs)
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def deliver(self, item: Any) -> None:
        if self._ended or self.finished:
            return
        if len(self._buffer) >= self._window:
            self.fail(RpcError("RESOURCE_EXHAUSTED", "the stream producer sent more than its credit"), cancel=True)
            return
        self._buffer.append(item)
        self._wake()

    def end(self, error: BaseException | None = None) -> None:
        """STREAM_END: the buffered items first, then the end or the error."""
        if self._ended or self.finished:
            return
        self._ended = True
        if error is not None:
            self._error = error
            self._finish(ack=False)
        elif not self.items_had_refs:
            self._finish(ack=False)
        self._wake()

    def fail(self, error: BaseException, cancel: bool = False) -> None:
        """Ends the stream with `error` now, dropping the buffer; `cancel` tells the producer to stop."""
        if self.finished:
            return
        self._buffer.clear()
        self._ended = True
        self._error = error
        if cancel:
            self._session.send([STREAM_CANCEL, self._ref])
        self._finish(ack=False)
        self._wake()

    async def aclose(self) -> None:
        if self.finished:
            return
        self._buffer.clear()
        self._ended = True
        self._error = None
        self._session.send([STREAM_CANCEL, self._ref])
        self._finish(ack=False)
        self._wake()

    async def __aenter__(self) -> RemoteStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _finish(self, ack: bool) -> None:
        if self.finished:
            return
        self.finished = True
        if ack:
            self._session.send([STREAM_CANCEL, self._ref])
        self._on_done(self)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


def is_async_iterable(value: Any) -> bool:
    return hasattr(value, "__aiter__") and not isinstance(value, RemoteStream)


__all__ = ["RemoteStream", "Producer", "is_async_iterable", "to_wire"]
