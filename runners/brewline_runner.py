"""The runner side of the Brewline model-runner protocol (see PROTOCOL.md): JSON lines on stdin/stdout.

A runner subclasses Runner, implements load() and infer(), and calls serve(MyRunner()). An input that cannot be
processed is an InputError in place of its output: it fails that input only, never the other inputs of the batch.
"""
import json
import os
import sys
import time
import traceback

# the fields of an input object that name a file (a local path or file:// URI); the only ones a runner reads files from
FILE_FIELDS = ("image", "path")
# the fields that name a list of files (a vision-language model's images)
FILE_LIST_FIELDS = ("images",)


class InputError(Exception):
    """One input cannot be processed (unreadable, malformed): returned in place of its output, it fails that input
    only; the other inputs of the batch, often other callers', get their outputs."""


class Runner:
    def load(self, model):
        """Loads the model version; returns the memory it holds, in MB."""
        raise NotImplementedError

    def infer(self, inputs):
        """Returns one JSON-serialisable output per input, in order (an InputError for an input that fails)."""
        raise NotImplementedError

    def memory_mb(self):
        return getattr(self, "_memory_mb", 0)

    def load_reply(self):
        """Extra fields of the load reply (e.g. {"batchSize": 8}: the most inputs one infer call should get)."""
        return {}


def file_path(value):
    """The local path a file field names (a path or a file:// URI)."""
    return value[len("file://"):] if value.startswith("file://") else value


def _inside(path, roots):
    real = os.path.realpath(path)
    for root in roots:
        root = os.path.realpath(root)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def _refused(item, roots):
    """Why an input names a file outside the folders its caller may read (roots), or None."""
    if roots is None or not isinstance(item, dict):
        return None
    for field in FILE_FIELDS:
        value = item.get(field)
        if isinstance(value, str) and not _inside(file_path(value), roots):
            return f"{field} {value!r} is outside the folders this step may read"
    for field in FILE_LIST_FIELDS:
        values = item.get(field)
        if values is None:
            continue
        if not isinstance(values, list):
            return f"{field} must be a list of file paths"
        for value in values:
            if not isinstance(value, str) or not _inside(file_path(value), roots):
                return f"{field} entry {value!r} is outside the folders this step may read"
    return None


def _encoded(output):
    """The output as JSON, or an InputError when it has none (NaN, Infinity, an object JSON cannot hold)."""
    try:
        return json.dumps(output, separators=(",", ":"), allow_nan=False)
    except ValueError as err:
        if "Out of range float" in str(err):
            return InputError("the output holds NaN or Infinity, which JSON cannot carry")
        return InputError(f"the output cannot be written as JSON: {err}")
    except TypeError as err:
        return InputError(f"the output cannot be written as JSON: {err}")


def _infer(runner, rid, request):
    inputs = request.get("inputs", [])
    roots = request.get("roots")  # per input: the folders its files must lie in (null: anywhere)
    if roots is not None and len(roots) != len(inputs):
        raise ValueError(f"{len(roots)} roots for {len(inputs)} inputs")
    results = [None] * len(inputs)
    runnable = []
    for i, item in enumerate(inputs):
        refused = _refused(item, roots[i] if roots is not None else None)
        if refused:
            results[i] = InputError(refused)
        else:
            runnable.append(i)
    outputs = runner.infer([inputs[i] for i in runnable]) if runnable else []
    if len(outputs) != len(runnable):
        raise ValueError(f"infer returned {len(outputs)} outputs for {len(runnable)} inputs")
    for i, output in zip(runnable, outputs):
        results[i] = output if isinstance(output, InputError) else _encoded(output)
    errors = {str(i): str(r) or "this input failed" for i, r in enumerate(results) if isinstance(r, InputError)}
    body = ",".join("null" if isinstance(r, InputError) else r for r in results)
    line = f'{{"id":{json.dumps(rid)},"ok":true,"outputs":[{body}]'
    if errors:
        line += f',"errors":{json.dumps(errors, separators=(",", ":"))}'
    _write(line + "}")


_protocol = sys.stdout


def _write(line):
    _protocol.write(line + "\n")
    _protocol.flush()


def _reply(message):
    _write(json.dumps(message, separators=(",", ":"), allow_nan=False))


def _keep_stdout_for_replies():
    """Replies get their own copy of stdout; print() (and C code writing to fd 1) in model code goes to the log."""
    global _protocol
    sys.stdout.flush()
    _protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr


def serve(runner):
    _keep_stdout_for_replies()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError as err:
            print(f"runner: unreadable request: {err}", file=sys.stderr)
            continue
        rid = request.get("id")
        op = request.get("op")
        try:
            if op == "load":
                started = time.monotonic()
                runner._memory_mb = int(runner.load(request["model"]) or 0)
                _reply({"id": rid, "ok": True, "memoryMb": runner._memory_mb,
                        "loadMs": round((time.monotonic() - started) * 1000), **runner.load_reply()})
            elif op == "infer":
                _infer(runner, rid, request)
            elif op == "memory":
                _reply({"id": rid, "ok": True, "memoryMb": runner.memory_mb()})
            elif op == "ping":
                _reply({"id": rid, "ok": True})
            elif op == "shutdown":
                _reply({"id": rid, "ok": True})
                return
            else:
                _reply({"id": rid, "ok": False, "error": f"unknown op {op!r}"})
        except Exception as err:  # the runner stays up; the worker fails the callers of this request
            traceback.print_exc(file=sys.stderr)
            _reply({"id": rid, "ok": False, "error": f"{type(err).__name__}: {err}"})
