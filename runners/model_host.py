"""The runner for model code: serves a model version whose Python code was registered with it (see PROTOCOL.md).

  python runners/model_host.py CODE_DIR ENTRYPOINT

CODE_DIR holds the version's code files as registered; ENTRYPOINT is "module:Class" (e.g. "model.py:Model" or
"pkg.serve:Model"). The class is model code, written by a team or shipped in models/ for common families:

    class Model:
        batch_size = 16                      # optional: the most inputs one predict() gets
        def load(self, path, device): ...    # path: the weights folder or file (local); device: "cuda" or "cpu"
        def predict(self, batch): ...        # one JSON-serialisable output per input (an InputError fails one input)
        def memory_mb(self): ...             # optional: what the loaded model holds; else measured

An exception in predict() fails that batch's inputs; the reply carries the Python traceback, which the worker puts in
the failing step's log. Helpers for model code (InputError, load_image, generation_settings, ...) are in
brewline_model.
"""
import importlib
import importlib.util
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
from brewline_runner import Runner, serve  # noqa: E402
import brewline_model  # noqa: E402

TRACEBACK_CHARS = 8_000


class ModelCodeError(Exception):
    """predict() raised: the message carries the model code's traceback (without this host's frames)."""


def _import_entrypoint(code_dir, entrypoint):
    module_name, _, class_name = entrypoint.partition(":")
    if not module_name or not class_name:
        raise ValueError(f"entrypoint {entrypoint!r} must be 'module:Class'")
    sys.path.insert(0, code_dir)
    if module_name.endswith(".py"):
        file = os.path.join(code_dir, module_name)
        spec = importlib.util.spec_from_file_location(module_name[:-3].replace("/", "."), file)
        if spec is None or spec.loader is None:
            raise ValueError(f"entrypoint {entrypoint!r}: {module_name} cannot be imported")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    cls = getattr(module, class_name, None)
    if cls is None:
        raise ValueError(f"entrypoint {entrypoint!r}: {module_name} has no {class_name}")
    return cls


def _model_traceback():
    """The traceback from the model code's frames on (this host's own frames dropped), bounded."""
    kind, err, tb = sys.exc_info()
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    text = "".join(traceback.format_exception(kind, err, tb))
    return text if len(text) <= TRACEBACK_CHARS else "...\n" + text[-TRACEBACK_CHARS:]


class ModelHost(Runner):
    def __init__(self, code_dir, entrypoint):
        self.code_dir = code_dir
        self.entrypoint = entrypoint

    def load(self, model):
        cls = _import_entrypoint(self.code_dir, self.entrypoint)
        self.model = cls()
        device = brewline_model.pick_device()
        self.device = device
        brewline_model.limit_cpu_threads(device)
        path = brewline_model.file_path(model["artifactUri"])
        before = brewline_model.cuda_allocated_mb(device)
        self.model.load(path, device)
        hint = getattr(self.model, "batch_size", None)
        self.batch_size = int(hint) if isinstance(hint, int) and hint > 0 else None
        label = f'{model["name"]}@{model["version"]}'
        self.label = label
        print(f"runner: {label} {self.entrypoint} on {device}", file=sys.stderr, flush=True)
        if hasattr(self.model, "memory_mb"):
            return int(self.model.memory_mb())
        return brewline_model.measured_memory_mb(self.model, device, before)

    def load_reply(self):
        return {"batchSize": self.batch_size} if self.batch_size else {}

    def infer(self, inputs):
        started = time.monotonic()
        try:
            outputs = self.model.predict(inputs)
        except Exception:
            raise ModelCodeError(f"predict() raised:\n{_model_traceback()}") from None
        if not isinstance(outputs, (list, tuple)):
            raise ModelCodeError(f"predict() returned {type(outputs).__name__}, not a list of outputs")
        # every object output names the version that made it (provenance kept with the result)
        for output in outputs:
            if isinstance(output, dict) and "model" not in output:
                output["model"] = self.label
        log = os.environ.get("BREWLINE_RUNNER_LOG")
        if log:  # one line per batch, for an operator (and the tests) to see how inputs were batched
            with open(log, "a") as f:
                f.write(f"{self.label} pid={os.getpid()} batch={len(inputs)} "
                        f"ms={round((time.monotonic() - started) * 1000)}\n")
        return list(outputs)

    def memory_mb(self):
        if hasattr(getattr(self, "model", None), "memory_mb"):
            return int(self.model.memory_mb())
        return super().memory_mb()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: model_host.py CODE_DIR module:Class")
    serve(ModelHost(os.path.abspath(sys.argv[1]), sys.argv[2]))
