"""What code generated from a `.saltline` file (`saltline gen --python`) calls: `to_wire` turns dataclass
arguments into the maps the wire carries, and `from_wire` turns results back into the generated dataclasses by
their type hints; `handler` does both for a service implemented in Python. Results are read tolerantly, as the TypeScript client reads them (docs/idl.md §8): unknown
fields are ignored, an enum member this side does not know stays its string, and a union variant it does not know
becomes an `UnknownVariant`. Recursion follows the value, whose depth the codec already bounds."""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from typing import Any, AsyncIterator, Callable, Literal

from .context import with_context

__all__ = ["UnknownVariant", "from_stream", "from_wire", "handler", "merge", "to_wire"]


@dataclasses.dataclass(frozen=True)
class UnknownVariant:
    """A union variant a newer far side added: its name and its value as received."""

    unknown: str
    value: Any
    type: Literal["$unknown"] = "$unknown"


def to_wire(value: Any) -> Any:
    """A generated dataclass (and any list or dict holding one) as the map the wire carries, by wire names."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is not None:
                out[f.metadata.get("wire", f.name)] = to_wire(item)
        return out
    if isinstance(value, (list, tuple)):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {key: to_wire(item) for key, item in value.items()}
    return value


_hints: dict[type, dict[str, Any]] = {}


def _hints_of(cls: type) -> dict[str, Any]:
    hints = _hints.get(cls)
    if hints is None:
        hints = _hints[cls] = typing.get_type_hints(cls)
    return hints


def _variant_name(cls: Any) -> str | None:
    """The `type` a generated union variant class carries (its `Literal` default), or None."""
    if not dataclasses.is_dataclass(cls):
        return None
    for f in dataclasses.fields(cls):
        if f.name == "type" and isinstance(f.default, str):
            return f.default
    return None


def from_wire(tp: Any, value: Any) -> Any:
    """`value` as received, read as the generated type `tp`: dataclasses built, lists and maps walked."""
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        variants = {_variant_name(a): a for a in options}
        if None in variants:  # `T | None`, not a tagged union
            return from_wire(options[0], value) if len(options) == 1 else value
        kind = value.get("type") if isinstance(value, dict) else None
        if kind not in variants:
            return UnknownVariant(unknown=str(kind), value=value.get("value") if isinstance(value, dict) else value)
        return from_wire(variants[kind], value)
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(tp) or (Any,)
        return [from_wire(item, x) for x in value]
    if origin is dict and isinstance(value, dict):
        _, item = typing.get_args(tp) or (Any, Any)
        return {key: from_wire(item, x) for key, x in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and isinstance(value, dict):
        hints = _hints_of(tp)
        fields = {}
        for f in dataclasses.fields(tp):
            wire = f.metadata.get("wire", f.name)
            if wire in value:
                fields[f.name] = from_wire(hints[f.name], value[wire])
        return tp(**fields)
    return value


async def from_stream(tp: Any, stream: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """Each item of a streaming result read as `tp`."""
    async for item in stream:
        yield from_wire(tp, item)


async def _to_wire_stream(stream: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for item in stream:
        yield to_wire(item)


def handler(fn: Callable[..., Any], params: list[tuple[str, str, Any, bool]], *, named: bool = False) -> Callable[..., Any]:
    """`fn` (a method of a generated `...Handler`) as an exposable handler: each parameter, given as
    `(wire name, Python name, type, is a stream)`, is read with `from_wire` (named ones from the one map the wire
    carries, as keywords), the call's `Context` goes in as `ctx`, and the result goes out through `to_wire`."""

    @with_context
    async def call(ctx: Any, *args: Any) -> Any:
        if named:
            given = args[0] if args and isinstance(args[0], dict) else {}
            keywords = {py: from_wire(tp, given[wire]) for wire, py, tp, _ in params if given.get(wire) is not None}
            result = fn(**keywords, ctx=ctx)
        else:
            values = [from_stream(tp, arg) if stream else from_wire(tp, arg) for (_, _, tp, stream), arg in zip(params, args)]
            result = fn(*values, ctx=ctx)
        if inspect.isawaitable(result):
            result = await result
        return _to_wire_stream(result) if hasattr(result, "__aiter__") else to_wire(result)

    return call


def merge(*apis: dict[str, Any]) -> dict[str, Any]:
    """Several generated `..._handlers(...)` dicts (services of one package, or two majors) as one to expose."""
    out: dict[str, Any] = {}
    for api in apis:
        for key, value in api.items():
            if isinstance(out.get(key), dict) and isinstance(value, dict):
                out[key] = merge(out[key], value)
            elif key in out:
                raise ValueError(f"{key!r} is exposed twice")
            else:
                out[key] = value
    return out
