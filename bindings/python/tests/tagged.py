"""The conformance vectors' JSON notation (test/vectors/README.md) to Python values and back."""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

from saltline import ArrayBuffer, TypedArray
from saltline.errors import from_wire, to_wire

from conftest import ROOT

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def load(name: str) -> Any:
    return json.loads((ROOT / "test" / "vectors" / name).read_text())


def from_tagged(value: Any) -> Any:
    if isinstance(value, list):
        return [from_tagged(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, inner), = value.items()
        if key == "$bin":
            return bytes.fromhex(inner)
        if key == "$bigint":
            return int(inner)
        if key == "$float":
            return float(inner)
        if key == "$error":
            return from_wire(inner)
        if key == "$arraybuffer":
            return ArrayBuffer(bytes.fromhex(inner))
        if key == "$map":
            return {from_tagged(k): from_tagged(v) for k, v in inner}
        if key == "$set":
            return {from_tagged(v) for v in inner}
        if key == "$date":
            return EPOCH + datetime.timedelta(milliseconds=inner)
        if key == "$typed":
            return TypedArray(inner[0], bytes.fromhex(inner[1]))
    return {k: from_tagged(v) for k, v in value.items()}


def to_tagged(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2**53 - 1 else {"$bigint": str(value)}
    if isinstance(value, float):
        if math.isfinite(value):
            return int(value) if value.is_integer() else value
        return {"$float": "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"}
    if isinstance(value, list):
        return [to_tagged(v) for v in value]
    if isinstance(value, ArrayBuffer):
        return {"$arraybuffer": value.hex()}
    if isinstance(value, bytes):
        return {"$bin": value.hex()}
    if isinstance(value, TypedArray):
        return {"$typed": [value.tag, value.data.hex()]}
    if isinstance(value, BaseException):
        return {"$error": to_wire(value)}
    if isinstance(value, datetime.datetime):
        return {"$date": round((value - EPOCH).total_seconds() * 1000)}
    if isinstance(value, (set, frozenset)):
        return {"$set": sorted(to_tagged(v) for v in value)}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: to_tagged(v) for k, v in value.items()}
        return {"$map": [[to_tagged(k), to_tagged(v)] for k, v in value.items()]}
    raise TypeError(f"no tagged form for {type(value).__name__}")
