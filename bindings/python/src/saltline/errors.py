"""RpcError and the error wire form (docs/protocol.md §12, §14): what a handler raises crosses as a map."""

from __future__ import annotations

from typing import Any, Callable

CODES = frozenset(
    {
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    }
)

#: Causes and inner errors deeper than this are not written or read (§12.1).
MAX_ERROR_DEPTH = 8
#: Errors in one wire form, at every depth (§12.1).
MAX_ERROR_NODES = 256
#: Inner errors of one aggregate (§12.1).
MAX_INNER_ERRORS = 64

_RESERVED = frozenset(
    {"name", "message", "stack", "cause", "errors", "prototype", "__proto__", "constructor", "toString", "valueOf",
     "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "__defineGetter__",
     "__defineSetter__", "__lookupGetter__", "__lookupSetter__"}
)


class RpcError(Exception):
    """The one error class of the protocol: a status code (§14), a message, optional data and cause."""

    def __init__(self, code: str, message: str = "", data: Any = None, cause: BaseException | Any = None, *,
                 name: str = "RpcError") -> None:
        super().__init__(message)
        self.code = code if code in CODES else "UNKNOWN"
        self.message = message
        self.data = data
        self.name = name
        self.cause = cause
        if isinstance(cause, BaseException):
            self.__cause__ = cause

    def __repr__(self) -> str:
        return f"RpcError({self.code!r}, {self.message!r})"

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @staticmethod
    def from_(error: BaseException | Any) -> RpcError:
        """`error` itself when it is an RpcError, else an `UNKNOWN` one with it as cause."""
        if isinstance(error, RpcError):
            return error
        return RpcError("UNKNOWN", str(error), cause=error)


class RemoteError(Exception):
    """An error from the far side that is not an `RpcError` and whose name no registered class has."""

    def __init__(self, name: str, message: str = "") -> None:
        super().__init__(message)
        self.name = name
        self.message = message

    def __repr__(self) -> str:
        return f"RemoteError({self.name!r}, {self.message!r})"

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


_classes: dict[str, Callable[[str], BaseException]] = {
    "TypeError": TypeError,
    "ValueError": ValueError,
    "KeyError": KeyError,
    "RuntimeError": RuntimeError,
    "ZeroDivisionError": ZeroDivisionError,
}


def register_error(cls: type[BaseException], name: str | None = None) -> type[BaseException]:
    """Errors named `name` (default: the class name) arrive as `cls(message)`; usable as a decorator."""
    _classes[name or cls.__name__] = cls
    return cls


def _name_of(error: BaseException) -> str:
    name = getattr(error, "name", None)
    return name if isinstance(name, str) else type(error).__name__


def _message_of(error: BaseException) -> str:
    message = getattr(error, "message", None)
    if isinstance(message, str):
        return message
    return str(error.args[0]) if len(error.args) == 1 else str(error) if error.args else ""


def _cause_of(error: BaseException) -> Any:
    if isinstance(error, RpcError) and error.cause is not None:
        return error.cause
    return error.__cause__


def to_wire(error: Any, encode_value: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """The wire map of a raised value (§12.1): name, message, code, data, props, cause, errors."""
    budget = [MAX_ERROR_NODES]
    keep = encode_value or (lambda value: value)

    def one(value: Any, depth: int) -> dict[str, Any]:
        budget[0] -= 1
        if not isinstance(value, BaseException):
            return {"thrown": keep(value)}
        wire: dict[str, Any] = {"name": _name_of(value), "message": _message_of(value)}
        if isinstance(value, RpcError):
            wire["code"] = value.code
            if value.data is not None:
                wire["data"] = keep(value.data)
        props = {k: keep(v) for k, v in vars(value).items() if _is_prop(value, k, v)}
        if props:
            wire["props"] = props
        cause = _cause_of(value)
        if cause is not None and depth < MAX_ERROR_DEPTH and budget[0] > 0:
            wire["cause"] = one(cause, depth + 1)
        inner = getattr(value, "exceptions", None)  # ExceptionGroup: AggregateError's counterpart
        if isinstance(inner, (list, tuple)) and depth < MAX_ERROR_DEPTH:
            wire["name"] = "AggregateError"
            errors = []
            for item in inner[:MAX_INNER_ERRORS]:
                if budget[0] <= 0:
                    break
                errors.append(one(item, depth + 1))
            wire["errors"] = errors
        return wire

    return one(error, 0)


def _is_prop(error: BaseException, key: str, value: Any) -> bool:
    if key.startswith("_") or key in _RESERVED or callable(value):
        return False
    return not (isinstance(error, RpcError) and key in ("code", "data"))


def from_wire(wire: Any, depth: int = 0, budget: list[int] | None = None) -> Any:
    """Rebuilds a raised value from its wire map (§12.2); never raises, whatever the input."""
    budget = budget if budget is not None else [MAX_ERROR_NODES]
    budget[0] -= 1
    if not isinstance(wire, dict):
        return RpcError("INTERNAL", "malformed error from the remote peer")
    if "thrown" in wire:
        return wire["thrown"]
    name = wire.get("name") if isinstance(wire.get("name"), str) else "Error"
    message = wire.get("message") if isinstance(wire.get("message"), str) else ""
    code = wire.get("code")
    error: BaseException
    if name == "RpcError" or (isinstance(code, str) and code in CODES):
        error = RpcError(code if isinstance(code, str) else "UNKNOWN", message, wire.get("data"), name=name)
    elif name in _classes:
        try:
            error = _classes[name](message)
        except Exception:  # a registered class with another constructor
            error = RemoteError(name, message)
    else:
        error = RemoteError(name, message)
    cause = wire.get("cause")
    if "cause" in wire and depth < MAX_ERROR_DEPTH and budget[0] > 0:
        decoded = from_wire(cause, depth + 1, budget)
        if isinstance(error, RpcError):
            error.cause = decoded
        if isinstance(decoded, BaseException):
            error.__cause__ = decoded
    errors = wire.get("errors")
    if isinstance(errors, list) and depth < MAX_ERROR_DEPTH:
        inner = [from_wire(e, depth + 1, budget) for e in errors[:MAX_INNER_ERRORS] if budget[0] > 0]
        error.errors = inner  # type: ignore[attr-defined]
    props = wire.get("props")
    if isinstance(props, dict):
        for key, value in props.items():
            if isinstance(key, str) and _settable(error, key):
                setattr(error, key, value)
    if isinstance(wire.get("stack"), str):
        error.remote_stack = wire["stack"]  # type: ignore[attr-defined]
    return error


def _settable(error: BaseException, key: str) -> bool:
    """A remote property never shadows what the class defines (methods, `args`) nor a reserved name."""
    if key in _RESERVED or key.startswith("_") or hasattr(type(error), key):
        return False
    return not (isinstance(error, RpcError) and key in ("code", "data", "cause", "name"))
