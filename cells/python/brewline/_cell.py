"""Runs a cell's code file as __main__: python -m brewline._cell <file>.

Like a notebook, a last top-level statement that is a bare expression (not ending in ";") is displayed when its
value is not None. BadInput ends the attempt with exit code 65 and its message as the last line on stderr; any other
exception with its traceback and exit code 1.
"""

from __future__ import annotations

import ast
import sys
import traceback
import types
from pathlib import Path

from . import BadInput, display

EXIT_BAD_INPUT = 65
_SHOW_LAST = "__brewline_show_last__"


def _show_last(value: object) -> None:
    if value is not None:
        display(value)


def _compiled(source: str, filename: str) -> types.CodeType:
    """The cell's code, with its last expression (if any) handed to display()."""
    tree = ast.parse(source, filename)
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr) and not _ends_with_semicolon(source, last):
        call = ast.Call(func=ast.Name(id=_SHOW_LAST, ctx=ast.Load()), args=[last.value], keywords=[])
        tree.body[-1] = ast.copy_location(ast.Expr(value=ast.copy_location(call, last.value)), last)
        ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec", dont_inherit=True)


def _ends_with_semicolon(source: str, statement: ast.stmt) -> bool:
    """`value;` hides the value, as in Jupyter."""
    if statement.end_lineno is None or statement.end_col_offset is None:
        return False
    line = source.splitlines()[statement.end_lineno - 1].encode("utf-8")  # col offsets count UTF-8 bytes
    rest = line[statement.end_col_offset :].decode("utf-8").split("#")[0]
    return rest.strip().startswith(";")


def _without_own_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback from the cell's own code on (this runner's frames are noise to the cell's author)."""
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb


def run_cell(path: str) -> int:
    """Runs the cell file in a fresh __main__ module; returns the exit code."""
    filename = str(Path(path).resolve())
    source = Path(filename).read_text(encoding="utf-8")
    module = types.ModuleType("__main__")
    module.__file__ = filename
    namespace = module.__dict__
    namespace[_SHOW_LAST] = _show_last
    sys.modules["__main__"] = module
    sys.argv = [filename]
    sys.path[0] = str(Path(filename).parent)
    try:
        exec(_compiled(source, filename), namespace)  # a syntax error too is the cell's own failure
    except BadInput as err:
        message = " ".join(str(err).split()) or "bad input"
        print(message, file=sys.stderr, flush=True)
        return EXIT_BAD_INPUT
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as err:
        # a syntax error's place is in its message; its traceback is the parser's
        tb = None if isinstance(err, SyntaxError) else _without_own_frames(err.__traceback__)
        traceback.print_exception(type(err), err, tb, file=sys.stderr)
        return 1
    finally:
        namespace.pop(_SHOW_LAST, None)
        sys.stdout.flush()
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m brewline._cell <cell file>", file=sys.stderr)
        return 2
    return run_cell(argv[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
