"""What a handler may ask for: `ctx`, its first parameter when it is named `ctx` (or marked `with_context`)."""

from __future__ import annotations

import asyncio
import inspect
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_WITH_CONTEXT = "__saltline_context__"


def with_context(fn: F) -> F:
    """Marks `fn` to receive a `Context` as its first argument, whatever that parameter is called."""
    setattr(fn, _WITH_CONTEXT, True)
    return fn


_asked: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def wants_context(fn: Callable[..., Any]) -> bool:
    """Whether `fn` takes a Context first; remembered per function, as reading a signature is slow."""
    if getattr(fn, _WITH_CONTEXT, False):
        return True
    key = getattr(fn, "__func__", fn)  # a bound method is a new object on every attribute read
    try:
        return _asked[key]
    except (KeyError, TypeError):
        pass
    try:
        parameters = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        parameters = []
    answer = bool(parameters) and parameters[0] == "ctx"
    try:
        _asked[key] = answer
    except TypeError:  # not weakly referenceable (a builtin): ask again next time
        pass
    return answer


@dataclass
class Context:
    """One incoming call: when it must end, whether it was cancelled, and who made it."""

    #: When the caller stops waiting, in seconds since the epoch (`time.time()`); None when it waits forever.
    deadline: float | None
    #: Set when the caller cancels, the deadline passes, or the session closes; `reason` says which.
    cancelled: asyncio.Event
    #: The far side's Ed25519 public key (32 bytes) over the secure channel; None otherwise.
    remote_identity: bytes | None
    #: What the secure channel's `authorize` returned for the far side; None otherwise.
    principal: Any
    #: The call's metadata.
    meta: dict[str, Any] = field(default_factory=dict)
    #: The `RpcError` that set `cancelled`.
    reason: BaseException | None = None
    #: The peer the call came through.
    peer: Any = None
    _retain: Callable[[Any], None] | None = None

    def time_left(self) -> float | None:
        """Seconds until the deadline (never negative), or None."""
        return None if self.deadline is None else max(0.0, self.deadline - time.time())

    def retain(self, fn: Any) -> None:
        """Keeps a callback from the arguments alive after the reply, until this side releases it."""
        if self._retain is None:
            raise RuntimeError("retain() outside a handler")
        self._retain(fn)
