"""The error wire form (§12): what crosses, and how hostile maps are read."""

from __future__ import annotations

from saltline import RemoteError, RpcError, register_error
from saltline.errors import from_wire, to_wire


def test_an_rpc_error_crosses_with_its_code_data_and_cause():
    wire = to_wire(RpcError("ABORTED", "stop", {"n": 1}, ValueError("inner")))
    assert wire == {"name": "RpcError", "message": "stop", "code": "ABORTED", "data": {"n": 1},
                    "cause": {"name": "ValueError", "message": "inner"}}


def test_a_raised_value_that_is_not_an_exception_crosses_as_thrown():
    assert from_wire(to_wire("text")) == "text"


def test_an_unknown_code_reads_as_unknown():
    assert from_wire({"name": "RpcError", "code": "NOPE"}).code == "UNKNOWN"


def test_a_registered_class_is_rebuilt_by_name():
    @register_error
    class QuotaExceeded(Exception):
        pass

    assert isinstance(from_wire({"name": "QuotaExceeded", "message": "m"}), QuotaExceeded)


def test_an_unknown_name_arrives_as_a_remote_error_with_that_name():
    error = from_wire({"name": "RangeError", "message": "out"})
    assert (type(error), error.name, error.message) == (RemoteError, "RangeError", "out")


def test_a_wire_error_that_is_not_a_map_is_internal():
    assert from_wire(None).code == "INTERNAL"


def test_a_cause_cycle_is_written_nine_levels_deep_and_no_deeper():
    error = ValueError("loop")
    error.__cause__ = error
    wire, depth = to_wire(error), 0
    while "cause" in wire:
        wire, depth = wire["cause"], depth + 1
    assert depth == 8


def test_a_hostile_prop_cannot_shadow_what_the_class_defines():
    error = from_wire({"name": "Error", "message": "m", "props": {"args": 1, "with_traceback": 2, "fine": 3}})
    assert (error.args, callable(error.with_traceback), error.fine) == (("m",), True, 3)


def test_at_most_256_errors_are_read_from_one_wire_form():
    wire = {"name": "AggregateError", "message": "", "errors": [{"name": "Error", "errors": [{}] * 64}] * 64}
    error = from_wire(wire)
    assert sum(1 + len(getattr(inner, "errors", [])) for inner in error.errors) < 256
