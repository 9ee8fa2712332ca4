"""The reference runner: a deterministic stand-in model with no dependencies beyond Python.

It "loads" by reading its weights file (any bytes; a missing file fails the load), holds the memory the
model version declares, and embeds each input (a string, or {"text": ...}, or {"path": ...} of a file) into a
unit vector derived from a hash seeded by the weights. Test hooks: an input "crash" ends the process (a
runner crash); "fail" raises an error (a bad input); "hang" never answers (a stuck runner); BREWLINE_RUNNER_LOG
appends one line per batch.
"""
import hashlib
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from brewline_runner import Runner, serve  # noqa: E402

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
            with open(item["path"], "rb") as f:
                return f.read()
        if isinstance(item, dict):
            item = item.get("text", "")
        return str(item).encode()

    def infer(self, inputs):
        log = os.environ.get("BREWLINE_RUNNER_LOG")
        if log:
            with open(log, "a") as f:
                f.write(f"{self.label} pid={os.getpid()} batch={len(inputs)} {' '.join(str(i.get('tag', '')) if isinstance(i, dict) else '' for i in inputs)}\n")
        outputs = []
        for item in inputs:
            if item == "crash" or (isinstance(item, dict) and item.get("text") == "crash"):
                os._exit(3)
            if item == "hang":
                while True:
                    time.sleep(60)
            if item == "fail" or (isinstance(item, dict) and item.get("text") == "fail"):
                raise ValueError("this input cannot be embedded")
            digest = hashlib.sha256(self.seed + self._text(item)).digest()
            vector = [b / 255.0 - 0.5 for b in digest[:DIM]]
            norm = math.sqrt(sum(v * v for v in vector)) or 1.0
            outputs.append({"vector": [round(v / norm, 6) for v in vector], "model": self.label})
        return outputs


if __name__ == "__main__":
    serve(ReferenceRunner())
