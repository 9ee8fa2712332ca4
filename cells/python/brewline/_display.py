"""display(): a value becomes one display event (table, image, Vega-Lite chart, Markdown, JSON or text)."""

from __future__ import annotations

import datetime
import json
import math
import shutil
import struct
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Protocol, cast

from ._runtime import JSON, MAX_EVENT_BYTES, cell_env, encode_event, events, to_json

MAX_TABLE_ROWS = 100
MAX_CELL_CHARS = 1000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


class Markdown:
    """Text that display() shows rendered as Markdown: display(Markdown("# Results"))."""

    def __init__(self, text: str) -> None:
        self.text = str(text)

    def __repr__(self) -> str:
        return f"Markdown({self.text!r})"

    def _repr_markdown_(self) -> str:  # the same object renders in Jupyter too
        return self.text


# The parts of optional packages' objects that display() uses (the packages are never imported here).
class _PandasIndex(Protocol):
    @property
    def names(self) -> Sequence[object]: ...
    def __iter__(self) -> Iterator[object]: ...


class _PandasFrame(Protocol):
    @property
    def columns(self) -> Iterable[object]: ...
    @property
    def index(self) -> _PandasIndex: ...
    def head(self, n: int) -> _PandasFrame: ...
    def itertuples(self, index: bool, name: None) -> Iterable[tuple[object, ...]]: ...
    def __len__(self) -> int: ...


class _PolarsFrame(Protocol):
    @property
    def columns(self) -> list[str]: ...
    @property
    def shape(self) -> tuple[int, int]: ...
    def head(self, n: int) -> _PolarsFrame: ...
    def rows(self) -> list[tuple[object, ...]]: ...


class _Series(Protocol):  # pandas' and polars'
    def to_frame(self) -> object: ...


class _PilImage(Protocol):
    def save(self, fp: Path, format: str) -> None: ...
    def convert(self, mode: str) -> _PilImage: ...


class _Axes(Protocol):
    @property
    def figure(self) -> object: ...


class _Figure(Protocol):
    def savefig(self, fname: Path, *, format: str, bbox_inches: str) -> None: ...


def display(*values: object) -> None:
    """Shows each value under the cell, in order: one display per value (see the module's docstring)."""
    for value in values:
        _emit(_display_of(value))


def _emit(display: dict[str, JSON]) -> None:
    events.emit(encode_event({"type": "display", **display}), "display()")


def _instance_of(value: object, module: str, name: str) -> bool:
    """isinstance against a class of an optional package, without importing it (if it is not loaded, value is none)."""
    cls = getattr(sys.modules.get(module), name, None)
    return isinstance(cls, type) and isinstance(value, cls)


def _display_of(value: object) -> dict[str, JSON]:
    if isinstance(value, Markdown):
        return _fitted_text("markdown", value.text)
    if isinstance(value, (str, PurePath)):
        image = _image_file(value)
        if image is not None:
            return _copied_image(image)
        return _fitted_text("text", str(value))
    for package in ("pandas", "polars"):
        if _instance_of(value, package, "Series"):
            value = cast(_Series, value).to_frame()
    if _instance_of(value, "pandas", "DataFrame"):
        return _pandas_table(cast(_PandasFrame, value))
    if _instance_of(value, "polars", "DataFrame"):
        return _polars_table(cast(_PolarsFrame, value))
    if _instance_of(value, "PIL.Image", "Image"):
        return _pil_image(cast(_PilImage, value))
    if _instance_of(value, "matplotlib.axes", "Axes"):
        value = cast(_Axes, value).figure
    if _instance_of(value, "matplotlib.figure", "Figure"):
        return _figure_image(cast(_Figure, value))
    if isinstance(value, Mapping):
        if _is_vega_lite(value):
            return _fitted_json("vega-lite", value)
        return _fitted_json("json", value)
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(row, Mapping) for row in value):
            return _records_table(value)
        return _fitted_json("json", value)
    spec = _vega_lite_of(value)
    if spec is not None:
        return _fitted_json("vega-lite", spec)
    return _fitted_text("text", repr(value))


# text, Markdown and JSON


def _fitted_text(kind: str, text: str) -> dict[str, JSON]:
    """A text or Markdown display, cut (saying so) to fit the size of one event."""
    event: dict[str, JSON] = {"kind": kind, "text": text}
    size = len(encode_event({"type": "display", **event}))
    if size < MAX_EVENT_BYTES:
        return event
    keep = len(text)
    while True:
        keep = int(keep * (MAX_EVENT_BYTES - 1024) / size)
        note = f"\n\n… (cut: the whole text is {len(text)} characters, more than one display may hold)"
        event = {"kind": kind, "text": text[:keep] + note}
        size = len(encode_event({"type": "display", **event}))
        if size < MAX_EVENT_BYTES:
            return event


def _fitted_json(kind: str, value: object) -> dict[str, JSON]:
    """A JSON or Vega-Lite display; one too large for an event shows as text saying so."""
    data = to_json(value, "the displayed value", strict=False)
    event: dict[str, JSON] = {"kind": kind, "spec" if kind == "vega-lite" else "value": data}
    size = len(encode_event({"type": "display", **event}))
    if size < MAX_EVENT_BYTES:
        return event
    what = "chart's spec (with its data)" if kind == "vega-lite" else "value"
    note = f"[the {what} is {size} bytes as JSON, more than the {MAX_EVENT_BYTES} one display may hold]"
    return _fitted_text("text", note + "\n" + json.dumps(data, ensure_ascii=False))


def _is_vega_lite(value: Mapping[object, object]) -> bool:
    schema = value.get("$schema")
    return isinstance(schema, str) and "vega-lite" in schema


def _vega_lite_of(value: object) -> Mapping[object, object] | None:
    """The Vega-Lite spec of an object that gives one with to_dict() (an Altair chart), or None."""
    to_dict = getattr(value, "to_dict", None)
    if not callable(to_dict):
        return None
    try:
        spec = to_dict()
    except Exception:  # an unrelated to_dict() that wants arguments or fails: the object shows as text
        return None
    return spec if isinstance(spec, Mapping) and _is_vega_lite(spec) else None


# tables


def _cell(value: object) -> JSON:
    """A table cell as JSON: missing values and NaN null, dates ISO 8601, long text cut, other objects their str()."""
    if value is None or isinstance(value, bool):
        return value
    if type(value).__name__ in ("NaTType", "NAType"):  # pandas' missing values
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return float(value) if math.isfinite(value) else str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if type(value).__module__ == "numpy":
        if type(value).__name__ in ("datetime64", "timedelta64"):
            return None if str(value) == "NaT" else str(value)
        item = getattr(value, "item", None)
        if callable(item) and getattr(value, "ndim", None) == 0:
            return _cell(item())
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


def _table(columns: list[str], rows: list[list[JSON]], shape: tuple[int, int]) -> dict[str, JSON]:
    """A table display of at most MAX_TABLE_ROWS rows, with fewer rows (then columns) if it would not fit an event;
    its shape is the whole table's, so the portal can say how much is shown."""
    rows = rows[:MAX_TABLE_ROWS]
    while True:
        event: dict[str, JSON] = {
            "kind": "table",
            "columns": list[JSON](columns),
            "rows": list[JSON](rows),
            "shape": [shape[0], shape[1]],
        }
        if len(encode_event({"type": "display", **event})) < MAX_EVENT_BYTES:
            return event
        if len(rows) > 1:
            rows = rows[: len(rows) // 2]
        else:
            keep = len(columns) // 2
            columns, rows = columns[:keep], [row[:keep] for row in rows]


def _default_index(index: object) -> bool:
    """A pandas index that is just 0, 1, 2, ... (not worth a column)."""
    return (
        type(index).__name__ == "RangeIndex"
        and getattr(index, "start", None) == 0
        and getattr(index, "step", None) == 1
    )


def _pandas_table(frame: _PandasFrame) -> dict[str, JSON]:
    """A DataFrame's first rows; its index is a first column unless it is just 0, 1, 2, ..."""
    head = frame.head(MAX_TABLE_ROWS)
    columns = [str(c) for c in head.columns]
    rows = [[_cell(v) for v in row] for row in head.itertuples(index=False, name=None)]
    if not _default_index(frame.index):
        columns.insert(0, ", ".join(str(n) for n in head.index.names if n is not None))
        for row, label in zip(rows, head.index):
            row.insert(0, _cell(label))
    return _table(columns, rows, (len(frame), len(columns)))


def _polars_table(frame: _PolarsFrame) -> dict[str, JSON]:
    rows = [[_cell(v) for v in row] for row in frame.head(MAX_TABLE_ROWS).rows()]
    return _table([str(c) for c in frame.columns], rows, frame.shape)


def _records_table(records: Sequence[Mapping[object, object]]) -> dict[str, JSON]:
    """A list of dicts, one row each; the columns are their keys, in the order first seen."""
    keys: dict[object, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
    rows = [[_cell(record.get(key)) for key in keys] for record in records[:MAX_TABLE_ROWS]]
    return _table([str(key) for key in keys], rows, (len(records), len(keys)))


# images


def _image_file(value: str | PurePath) -> Path | None:
    """The image file a string or path names, if it names an existing one."""
    if isinstance(value, str) and (len(value) > 4096 or "\n" in value or "\0" in value):
        return None
    path = Path(value)
    try:
        return path if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file() else None
    except OSError:  # a name too long or not readable: not an image to show
        return None


def _new_image_path(suffix: str) -> tuple[Path, str]:
    """A free file under out/displays/ (numbered by the event it belongs to), and its path relative to out."""
    out = Path(cell_env("BREWLINE_OUTPUT_DIR", "display()"))
    folder = out / "displays"
    folder.mkdir(parents=True, exist_ok=True)
    number = events.count("display()") + 1
    while (folder / f"{number}{suffix}").exists():
        number += 1
    return folder / f"{number}{suffix}", f"displays/{number}{suffix}"


def _image_event(relative: str, size: tuple[int, int] | None) -> dict[str, JSON]:
    event: dict[str, JSON] = {"kind": "image", "file": relative}
    if size is not None and all(1 <= side <= 100_000 for side in size):
        event["width"], event["height"] = size
    return event


def _copied_image(source: Path) -> dict[str, JSON]:
    suffix = ".jpg" if source.suffix.lower() == ".jpeg" else source.suffix.lower()
    target, relative = _new_image_path(suffix)
    shutil.copyfile(source, target)
    return _image_event(relative, image_size(target))


def _pil_image(image: _PilImage) -> dict[str, JSON]:
    target, relative = _new_image_path(".png")
    try:
        image.save(target, format="PNG")
    except OSError:  # a mode PNG cannot hold (CMYK, ...)
        image.convert("RGBA").save(target, format="PNG")
    return _image_event(relative, image_size(target))


def _figure_image(figure: _Figure) -> dict[str, JSON]:
    target, relative = _new_image_path(".png")
    figure.savefig(target, format="png", bbox_inches="tight")
    return _image_event(relative, image_size(target))


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP file, read from its header; None if it is none of these."""
    with open(path, "rb") as file:
        head = file.read(64)
        readers: list[tuple[bytes, Callable[[bytes], tuple[int, int] | None]]] = [
            (b"\x89PNG\r\n\x1a\n", lambda h: struct.unpack(">II", h[16:24]) if h[12:16] == b"IHDR" else None),
            (b"GIF8", lambda h: struct.unpack("<HH", h[6:10])),
            (b"RIFF", _webp_size),
        ]
        try:
            for magic, read in readers:
                if head.startswith(magic):
                    return read(head)
            if head.startswith(b"\xff\xd8"):
                return _jpeg_size(head + file.read())
        except struct.error:  # a file cut short
            return None
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    if head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """From the first start-of-frame marker (SOF0..SOF15 but DHT, JPG and DAC)."""
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + struct.unpack(">H", data[at + 2 : at + 4])[0]
    return None


__all__ = ["Markdown", "display", "image_size"]
