"""What the public API shares: the cell's environment, JSON conversion and the events file."""

from __future__ import annotations

import datetime
import json
import math
import os
import sys
from collections.abc import Mapping
from pathlib import PurePath
from typing import Protocol, TypeAlias, cast

JSON: TypeAlias = None | bool | int | float | str | list["JSON"] | dict[str, "JSON"]

# the contract's bounds on what a cell attempt writes to its events file
MAX_EVENT_BYTES = 1024 * 1024
MAX_EVENTS = 500


class NotInCell(RuntimeError):
    """Raised when a part of the API needs what Brewline gives a running cell and this process is not one."""

    __module__ = "brewline"


def cell_env(name: str, needed_by: str) -> str:
    """The value of one of the variables Brewline sets for a running cell."""
    value = os.environ.get(name)
    if not value:
        raise NotInCell(f"{needed_by} needs {name}, which Brewline sets when it runs a cell: is this a Brewline cell?")
    return value


class _Array(Protocol):
    def tolist(self) -> object: ...


def _array_module(value: object) -> bool:
    """A numpy or torch value (array, tensor or scalar), which turns into plain Python values with tolist()."""
    return type(value).__module__.split(".")[0] in ("numpy", "torch") and hasattr(value, "tolist")


def to_json(value: object, where: str, *, strict: bool) -> JSON:
    """The value as plain JSON data. Numpy and torch values become lists and numbers, paths and dates strings.

    strict (a result, an input of infer): NaN, Infinity and objects JSON cannot hold are refused with an error that
    says where they are. Otherwise (a display) NaN and Infinity become null and other objects their str().
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return float(value)
        if strict:
            raise ValueError(f"{where} is {value!r}, which JSON cannot hold (no NaN or Infinity): write None instead")
        return None
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if _array_module(value):
        return to_json(cast(_Array, value).tolist(), where, strict=strict)
    if isinstance(value, Mapping):
        data: dict[str, JSON] = {}
        for key, item in value.items():
            if not isinstance(key, (str, int)) and strict:
                raise TypeError(f"{where} has the key {key!r}: JSON object keys are strings")
            data[str(key)] = to_json(item, f"{where}[{key!r}]", strict=strict)
        return data
    if isinstance(value, (list, tuple)):
        return [to_json(item, f"{where}[{i}]", strict=strict) for i, item in enumerate(value)]
    if strict:
        raise TypeError(f"{where} is a {type(value).__name__}, which JSON cannot hold")
    return str(value)


def encode_event(event: Mapping[str, JSON]) -> bytes:
    """One line of the events file (without its newline)."""
    return json.dumps(event, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


class _Events:
    """The events file: one JSON object per line, appended and flushed, at most MAX_EVENTS per attempt."""

    def __init__(self) -> None:
        self.written: int | None = None  # counted from the file on the first event (it may hold a shell's events)
        self.warned = False

    def _count(self, path: str) -> int:
        try:
            with open(path, "rb") as existing:
                return sum(1 for _ in existing)
        except FileNotFoundError:
            return 0

    def count(self, needed_by: str) -> int:
        """Events written so far in this attempt."""
        if self.written is None:
            self.written = self._count(cell_env("BREWLINE_EVENTS_FILE", needed_by))
        return self.written

    def emit(self, line: bytes, needed_by: str) -> bool:
        """Appends one encoded event; False (and a warning on stderr, once) when the attempt has written its most."""
        path = cell_env("BREWLINE_EVENTS_FILE", needed_by)
        if len(line) + 1 > MAX_EVENT_BYTES:
            raise ValueError(f"an event of {len(line)} bytes is over the {MAX_EVENT_BYTES} bytes a line may hold")
        if self.count(needed_by) >= MAX_EVENTS:
            if not self.warned:
                self.warned = True
                print(
                    f"brewline: this cell has written {MAX_EVENTS} displays and metrics, the most an attempt keeps: "
                    "later ones are dropped",
                    file=sys.stderr,
                    flush=True,
                )
            return False
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            data = line + b"\n"
            while data:
                data = data[os.write(fd, data) :]
        finally:
            os.close(fd)
        self.written = (self.written or 0) + 1
        return True


events = _Events()
