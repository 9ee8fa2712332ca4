"""The runner side of the Brewline model-runner protocol (see PROTOCOL.md): JSON lines on stdin/stdout.

A runner subclasses Runner, implements load() and infer(), and calls serve(MyRunner()).
"""
import json
import sys
import time
import traceback


class Runner:
    def load(self, model):
        """Loads the model version; returns the memory it holds, in MB."""
        raise NotImplementedError

    def infer(self, inputs):
        """Returns one JSON-serialisable output per input, in order."""
        raise NotImplementedError

    def memory_mb(self):
        return getattr(self, "_memory_mb", 0)


def _reply(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def serve(runner):
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except ValueError as err:
            print(f"runner: unreadable request: {err}", file=sys.stderr)
            continue
        rid = request.get("id")
        op = request.get("op")
        try:
            if op == "load":
                started = time.monotonic()
                runner._memory_mb = int(runner.load(request["model"]) or 0)
                _reply({"id": rid, "ok": True, "memoryMb": runner._memory_mb, "loadMs": round((time.monotonic() - started) * 1000)})
            elif op == "infer":
                inputs = request.get("inputs", [])
                outputs = runner.infer(inputs)
                if len(outputs) != len(inputs):
                    raise ValueError(f"infer returned {len(outputs)} outputs for {len(inputs)} inputs")
                _reply({"id": rid, "ok": True, "outputs": outputs})
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
