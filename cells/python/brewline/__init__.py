"""What a Brewline code cell sees: its item, params and inputs, and the ways it reports back.

    import brewline

    brewline.item         the item this cell runs for (str)
    brewline.params       the run's params (dict)
    brewline.run          the run: .id, .pipeline
    brewline.step         this cell's step id;  brewline.attempt: 1, 2, ... (retries count up)
    brewline.out          the output folder (pathlib.Path): files written there are kept as the step's artifacts
    brewline.inputs       step id -> Input (.dir, .result, .files) for each step this cell needs

    brewline.result(obj)                   the cell's JSON result (numpy values and paths converted; no NaN)
    brewline.log_metric(name, value, step=None)
    brewline.display(*objs)                tables, images, charts, Markdown, JSON or text under the cell
    brewline.Markdown(text)                display(Markdown("# Results")) renders Markdown
    brewline.secret(name)                  a secret granted to the cell (by secret name or variable name)
    brewline.infer(model, inputs)          the cell's model, run by the worker: one output per input
    brewline.BadInput                      raise it for input the cell cannot use: the attempt fails, not retried

Errors: BadInput, InferenceError, SecretNotGranted, NotInCell (raised outside a running cell).
The context is read when first used, so importing brewline works anywhere. Only the standard library is imported;
pandas, polars, PIL, matplotlib and Altair values are recognised if the cell has imported them.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import SupportsFloat, SupportsIndex

from ._display import Markdown, display
from ._runtime import JSON, NotInCell, cell_env, encode_event, events, to_json

# matplotlib draws to files, never to a window
os.environ.setdefault("MPLBACKEND", "Agg")

MAX_METRIC_NAME = 200
INT32 = (-(2**31), 2**31 - 1)


class BadInput(Exception):
    """The item's input cannot be used (unreadable, malformed, out of range). Raised out of a cell, it fails the
    attempt with exit code 65, which is not retried, and its message is the last line of the log."""


class InferenceError(Exception):
    """The model could not answer (it failed, or the cell names no model). Raised out of a cell it is retried."""


class SecretNotGranted(LookupError):
    """The cell asked for a secret its `secrets` setting does not grant it."""


@dataclass(frozen=True)
class Run:
    id: str
    pipeline: str


@dataclass(frozen=True)
class Input:
    """What a step this cell needs left it: its folder of files and its JSON result."""

    step: str
    dir: Path
    result: JSON = field(repr=False)

    @property
    def files(self) -> list[Path]:
        """Every file under dir (subfolders too), sorted."""
        if not self.dir.is_dir():
            return []
        return sorted(path for path in self.dir.rglob("*") if path.is_file())


class Inputs(Mapping[str, Input]):
    """step id -> Input, for the steps this cell needs."""

    def __init__(self, by_step: dict[str, Input]) -> None:
        self._by_step = by_step

    def __getitem__(self, step: str) -> Input:
        try:
            return self._by_step[step]
        except KeyError:
            needs = ", ".join(self._by_step) or "none"
            raise KeyError(f"{step!r} is not a step this cell needs (it needs: {needs})") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_step)

    def __len__(self) -> int:
        return len(self._by_step)

    def __repr__(self) -> str:
        return f"Inputs({self._by_step!r})"


@dataclass(frozen=True)
class _Context:
    run: Run
    item: str
    step: str
    attempt: int
    params: dict[str, JSON]
    secrets: dict[str, str]  # secret name -> the variable holding it


def _read_json(path: str) -> JSON:
    with open(path, encoding="utf-8") as file:
        data: JSON = json.load(file)
    return data


def _object(value: JSON) -> dict[str, JSON]:
    return value if isinstance(value, dict) else {}


def _text(value: JSON, fallback: str | None) -> str:
    return value if isinstance(value, str) else (fallback or "")


@cache
def _context() -> _Context:
    data = _object(_read_json(cell_env("BREWLINE_CONTEXT_FILE", "brewline's cell context")))
    run = _object(data.get("run"))
    attempt = data.get("attempt")
    return _Context(
        run=Run(id=_text(run.get("id"), os.environ.get("BREWLINE_RUN_ID")), pipeline=_text(run.get("pipeline"), "")),
        item=_text(data.get("item"), os.environ.get("BREWLINE_ITEM")),
        step=_text(data.get("step"), os.environ.get("BREWLINE_STEP")),
        attempt=attempt if isinstance(attempt, int) else int(os.environ.get("BREWLINE_ATTEMPT") or 1),
        params=_object(data.get("params")),
        secrets={name: env for name, env in _object(data.get("secrets")).items() if isinstance(env, str)},
    )


def _inputs() -> Inputs:
    data = _object(_read_json(cell_env("BREWLINE_INPUTS_FILE", "brewline.inputs")))
    return Inputs(
        {
            step: Input(step=step, dir=Path(_text(entry.get("dir"), "")), result=entry.get("result"))
            for step, value in data.items()
            for entry in [_object(value)]
        }
    )


# Read when first used (PEP 562), so `import brewline` works outside a cell; the annotations are their types.
item: str
params: dict[str, JSON]
run: Run
step: str
attempt: int
out: Path
inputs: Inputs

_LAZY = {
    "item": lambda: _context().item,
    "params": lambda: _context().params,
    "run": lambda: _context().run,
    "step": lambda: _context().step,
    "attempt": lambda: _context().attempt,
    "out": lambda: Path(cell_env("BREWLINE_OUTPUT_DIR", "brewline.out")),
    "inputs": _inputs,
}


def __getattr__(name: str) -> object:
    load = _LAZY.get(name)
    if load is None:
        raise AttributeError(f"module 'brewline' has no attribute {name!r}")
    value = load()
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def result(value: object) -> None:
    """Writes the cell's result: JSON data (dicts, lists, numbers, strings); numpy and torch values become numbers
    and lists, paths strings. NaN and Infinity are refused (JSON has none). A later call replaces the result."""
    data = to_json(value, "the result", strict=True)
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    Path(cell_env("BREWLINE_RESULT_FILE", "result()")).write_text(text + "\n", encoding="utf-8")


def log_metric(name: str, value: SupportsFloat, step: SupportsIndex | None = None) -> None:
    """Records a metric (a finite number) under the cell, optionally at a step of your own (an epoch, a batch)."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_METRIC_NAME:
        raise ValueError(f"a metric's name is text of 1 to {MAX_METRIC_NAME} characters, not {name!r}")
    if isinstance(value, bool) or not isinstance(value, SupportsFloat):
        raise TypeError(f"metric {name!r}: the value must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"metric {name!r}: the value must be a finite number, not {number}")
    event: dict[str, JSON] = {"type": "metric", "name": name, "value": number}
    if step is not None:
        if isinstance(step, bool):
            raise TypeError(f"metric {name!r}: step must be an integer, not a bool")
        index = operator.index(step)
        if not INT32[0] <= index <= INT32[1]:
            raise ValueError(f"metric {name!r}: step {index} is outside the 32-bit integers a metric's step may be")
        event["step"] = index
    events.emit(encode_event(event), "log_metric()")


def secret(name: str) -> str:
    """A secret the cell's `secrets` setting grants it, by the secret's name or by the variable it is given in."""
    granted = _context().secrets
    variable = granted.get(name) or (name if name in granted.values() else None)
    if variable is None:
        listed = ", ".join(sorted(granted)) or "none"
        raise SecretNotGranted(
            f"secret {name!r} is not granted to this cell: add it to the cell's `secrets` setting (granted: {listed})"
        )
    value = os.environ.get(variable)
    if value is None:
        raise SecretNotGranted(f"secret {name!r} is granted as {variable}, but the cell was started without it")
    return value


_request_ids = itertools.count(1)


def infer(model: str, inputs: Sequence[object]) -> list[JSON]:
    """Runs the cell's model on a list of inputs; returns one output per input, in order.

    Raises BadInput when the model refuses an input (not retried), InferenceError when it fails.
    """
    if isinstance(inputs, (str, bytes, Mapping)) or not isinstance(inputs, Sequence):
        raise TypeError(f"infer() takes a list of inputs, not a {type(inputs).__name__}")
    path = os.environ.get("BREWLINE_SOCKET")
    if not path:
        raise InferenceError(f"infer({model!r}): this cell names no model; set the cell's `model` setting")
    request_id = next(_request_ids)
    request: dict[str, JSON] = {
        "id": request_id,
        "op": "infer",
        "model": model,
        "inputs": to_json(list(inputs), "inputs", strict=True),
    }
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(path)
            connection.sendall(encode_event(request) + b"\n")
            line = _read_line(connection)
    except OSError as err:
        raise InferenceError(f"infer({model!r}): the model server cannot be reached: {err}") from err
    if line is None:
        raise InferenceError(f"infer({model!r}): the model server closed the connection without an answer")
    answer = _object(json.loads(line))
    if answer.get("id") != request_id:
        raise InferenceError(f"infer({model!r}): the answer is for request {answer.get('id')!r}, not {request_id}")
    outputs = answer.get("outputs")
    if isinstance(outputs, list):
        return outputs
    message = _text(answer.get("error"), "the model server sent neither outputs nor an error")
    if answer.get("kind") == "bad_input":
        raise BadInput(f"infer({model!r}): {message}")
    raise InferenceError(f"infer({model!r}): {message}")


def _read_line(connection: socket.socket) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        end = chunk.find(b"\n")
        if end >= 0:
            chunks.append(chunk[:end])
            return b"".join(chunks)
        chunks.append(chunk)


__all__ = [
    "BadInput",
    "InferenceError",
    "Input",
    "Inputs",
    "Markdown",
    "NotInCell",
    "Run",
    "SecretNotGranted",
    "attempt",
    "display",
    "infer",
    "inputs",
    "item",
    "log_metric",
    "out",
    "params",
    "result",
    "run",
    "secret",
    "step",
]
