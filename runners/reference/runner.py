"""The reference runner: a deterministic stand-in model with no dependencies beyond Python.

It "loads" by reading its weights file (any bytes; a missing file fails the load), holds the memory the
model version declares, and embeds each input (a string, or {"text": ...}, or {"path": ...} of a file) into a
unit vector derived from a hash seeded by the weights. Test hooks (an input, or its "text"): "crash" ends the
process (a runner crash); "fail" fails that input (a bad input); "fail-batch" raises (the whole call fails);
"nan" and "inf" answer a vector holding NaN or Infinity (a model gone numerically wrong); "hang" never answers (a
stuck runner); BREWLINE_RUNNER_LOG appends one line per batch.
"""
import hashlib
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from brewline_runner import InputError, Runner, file_path, serve  # noqa: E402

DIM = 16


class ReferenceRunner(Runner):
    def load(self, model):
        uri = model["artifactUri"]
        path = uri[len("file://"):] if uri.startswith("file://") else uri
        with open(path, "rb") as f:
            self.seed = hashlib.sha256(f.read()).digest()
        self.label = f'{model["name"]}@{model["version"]}'
        return int(os.environ.get("BREWLINE_RUNNER_MEMORY_MB", "0")) or 100

    def _text(self, item):
        if isinstance(item, dict) and "path" in item:
            try:
                with open(file_path(str(item["path"])), "rb") as f:
                    return f.read()
            except OSError as err:
                raise InputError(f"path {item['path']!r} cannot be read: {err.strerror or err}") from None
        if isinstance(item, dict):
            item = item.get("text", "")
        return str(item).encode()

    def infer(self, inputs):
        log = os.environ.get("BREWLINE_RUNNER_LOG")
        if log:
            with open(log, "a") as f:
                f.write(f"{self.label} pid={os.getpid()} batch={len(inputs)} "
                        f"{' '.join(str(i.get('tag', '')) if isinstance(i, dict) else '' for i in inputs)}\n")
        outputs = []
        for item in inputs:
            hook = item.get("text") if isinstance(item, dict) else item
            if hook == "crash":
                os._exit(3)
            if hook == "hang":
                while True:
                    time.sleep(60)
            if hook == "fail-batch":
                raise ValueError("this batch cannot be embedded")
            if hook == "fail":
                outputs.append(InputError("this input cannot be embedded"))
                continue
            try:
                digest = hashlib.sha256(self.seed + self._text(item)).digest()
            except InputError as err:
                outputs.append(err)
                continue
            vector = [b / 255.0 - 0.5 for b in digest[:DIM]]
            norm = math.sqrt(sum(v * v for v in vector)) or 1.0
            vector = [round(v / norm, 6) for v in vector]
            if hook in ("nan", "inf"):
                vector[0] = float(hook)
            outputs.append({"vector": vector, "model": self.label})
        return outputs


if __name__ == "__main__":
    serve(ReferenceRunner())
