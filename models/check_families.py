"""Checks the built-in model families end to end on this machine's Python: builds the models (or takes folders built
before, perhaps by another transformers version), serves each through `runners/model_host.py models/<family>
model.py:Model` over the runner protocol (runners/PROTOCOL.md), asks each its family's inputs, and checks the answers.

  python models/check_families.py [--models DIR] [--out DIR] [--size tiny|realistic] [--only clip,qwen2_text,...]
      [--no-meta-check] [--jobs N] [--timeout 600]

Without --models it builds the models with models/build_models.py into --out (default: a temporary folder, removed
after) in --size (default tiny); first it runs `build_models.py --size realistic --check` (configs and meta models of
the realistic sizes; --no-meta-check skips it). Each model must load, answer its family's inputs (Korean among them)
with outputs of the right shape, fail an unreadable image alone, answer the same inputs the same way again, and (on a
CPU, where the arithmetic is exact enough) answer each input in a batch as it does alone. Needs only Python with the
runners' packages: no Node, no network. Prints one JSON line per model ({"model", "ok", "problems", "loadMs",
"inferMs", "device", "sample"}) and a last line {"ok", "transformers", "torch", "failed"}; exits 1 when any failed.
"""
import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILDER = ROOT / "models" / "build_models.py"
NAMES = ["clip", "siglip2", "siglip", "qwen2_5_vl", "gemma3_vlm", "gemma3_text", "qwen2_text", "blip"]
KOREAN = "이 카페의 분위기를 한 문장으로 설명해 주세요."


class Runner:
    """One model_host.py process, asked one request at a time."""

    def __init__(self, family, device):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if device == "cpu":
            env.setdefault("BREWLINE_RUNNER_THREADS", "1")  # runners side by side on a small machine
        self.process = subprocess.Popen(
            [sys.executable, "-u", "runners/model_host.py", f"models/{family}", "model.py:Model"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        self.replies = queue.Queue()
        self.log = []
        threading.Thread(target=self._read, args=(self.process.stdout, self.replies.put), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.log.append), daemon=True).start()
        self.next_id = 0

    @staticmethod
    def _read(stream, put):
        for line in stream:
            put(line)
        put(None)

    def request(self, timeout, **message):
        self.next_id += 1
        self.process.stdin.write(json.dumps({"id": self.next_id, **message}, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.replies.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"no reply to {message['op']} in {timeout} s") from None
            if line is None:
                raise RuntimeError(f"the runner exited (code {self.process.wait()}) during {message['op']}")
            reply = json.loads(line)
            if reply.get("id") == self.next_id:
                if not reply.get("ok"):
                    raise RuntimeError(f"{message['op']} failed: {reply.get('error')}")
                return reply

    def stop(self):
        try:
            self.request(10, op="shutdown")
        except Exception:  # already gone or stuck: it is ended below either way
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines=30):
        return "".join(self.log[-lines:])


def make_images(folder):
    """Three small photos of different sizes and colours, and a file that is no image."""
    from PIL import Image, ImageDraw

    paths = {}
    for name, size, colour in [("a", (64, 48), (200, 120, 40)), ("b", (40, 72), (30, 90, 200)),
                               ("c", (96, 96), (20, 160, 60))]:
        image = Image.new("RGB", size, colour)
        ImageDraw.Draw(image).ellipse([size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2], fill=(250, 250, 250))
        paths[name] = str(folder / f"{name}.png")
        image.save(paths[name])
    paths["bad"] = str(folder / "menu.png")
    Path(paths["bad"]).write_text("not a picture, a menu")
    return paths


def family_inputs(family, img):
    """Two callers' inputs for a family; the last input of the second is one that must fail alone (or None)."""
    if family == "image-text-embedder":
        return ([{"image": img["a"]}, {"text": f"{KOREAN} 조용한 카페, good coffee"}],
                [{"image": img["b"]}, {"text": "loud"}, {"image": img["bad"]}])
    settings = {"maxNewTokens": 8, "returnInput": True}
    if family == "vision-language-chat":
        return ([{"image": img["a"], "prompt": KOREAN, **settings}],
                [{"images": [img["b"], img["c"]], "prompt": "Describe the cafe.", "system": "Answer briefly.",
                  **settings}, {"image": img["bad"], "prompt": "x"}])
    if family == "text-chat":
        return ([{"prompt": KOREAN, **settings}],
                [{"messages": [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Hi"},
                               {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Coffee?"}],
                  **settings}, {"prompt": 5}])
    if family == "captioner":
        return ([{"image": img["a"], "maxNewTokens": 8}],
                [{"image": img["b"], "prompt": "카페 사진:", **settings}, {"image": img["bad"]}])
    raise ValueError(f"unknown family {family}")


# what the text each generator was given must hold, by model (its chat template applied, images widened)
TEMPLATE_MARKS = {
    "qwen2_5_vl": ["<|im_start|>system\n", "<|vision_start|><|image_pad|>", KOREAN, "<|im_start|>assistant\n"],
    "gemma3_vlm": ["<bos><start_of_turn>user\n", "<start_of_image><image_soft_token>", KOREAN,
                   "<start_of_turn>model\n"],
    "gemma3_text": [f"<bos><start_of_turn>user\n{KOREAN}<end_of_turn>\n<start_of_turn>model\n"],
    "qwen2_text": [f"<|im_start|>user\n{KOREAN}<|im_end|>\n<|im_start|>assistant\n"],
}


def check_outputs(name, family, inputs, reply):
    """What is wrong with a reply to inputs (the last of which must fail alone), as a list of sentences."""
    problems = []
    outputs, errors = reply["outputs"], reply.get("errors") or {}
    last = str(len(inputs) - 1)
    if outputs[-1] is not None or last not in errors:
        problems.append(f"input {last} ({json.dumps(inputs[-1], ensure_ascii=False)}) did not fail alone: "
                        f"{outputs[-1]!r}")
    if set(errors) - {last}:
        problems.append(f"inputs failed: {dict((k, v) for k, v in errors.items() if k != last)}")
    good = [o for o in outputs[:-1] if o is not None]
    for n, o in enumerate(good):
        if o.get("model") != f"{name}@1":
            problems.append(f"output {n} names model {o.get('model')!r}, not {name}@1")
        if family == "image-text-embedder":
            norm = sum(x * x for x in o["vector"]) ** 0.5
            if o["dim"] != len(o["vector"]) or abs(norm - 1) > 1e-3:
                problems.append(f"output {n}: dim {o['dim']}, {len(o['vector'])} numbers, length {norm:.4f}")
        else:
            limit = inputs[n].get("maxNewTokens", 30)
            if not isinstance(o.get("text"), str) or "\ufffd" in o["text"] or not 0 <= o.get("tokens", -1) <= limit:
                problems.append(f"output {n} is no text of at most {limit} tokens: {o!r}")
    if family == "image-text-embedder" and len({json.dumps(o["vector"]) for o in good}) != len(good):
        problems.append("two inputs got the same vector")
    if name in TEMPLATE_MARKS and good:
        given = good[0].get("input", "")
        missing = [m for m in TEMPLATE_MARKS[name] if m not in given]
        if missing:
            problems.append(f"the chat template was not applied as expected: {missing} missing from {given!r}")
    if name == "qwen2_5_vl" and len(good) > 1 and good[1].get("input", "").count("<|vision_start|>") != 2:
        problems.append(f"two images did not give two image spans: {good[1].get('input')!r}")
    return problems


def same(a, b, exact):
    """Two replies' outputs agree: vectors to 1e-4 (to 2e-2 off a CPU), texts exactly."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x is None or y is None:
            if x is not y:
                return False
        elif "vector" in x:
            if max(abs(p - q) for p, q in zip(x["vector"], y["vector"])) > (1e-4 if exact else 2e-2):
                return False
        elif x != y:
            return False
    return True


def check_model(name, folder, img, device, timeout):
    result = {"model": name, "dir": str(folder), "device": device, "ok": False, "problems": []}
    try:
        family = result["family"] = json.loads((folder / "brewline-model.json").read_text())["family"]
    except (OSError, ValueError, KeyError) as err:
        result["problems"].append(f"no model built there (brewline-model.json: {err})")
        return result
    runner = Runner(family, device)
    try:
        started = time.monotonic()
        loaded = runner.request(timeout, op="load", model={"name": name, "version": 1, "artifactUri": str(folder),
                                                           "framework": "python"})
        result["loadMs"] = round((time.monotonic() - started) * 1000)
        result["memoryMb"] = loaded.get("memoryMb")
        first, second = family_inputs(family, img)
        inputs = first + second
        started = time.monotonic()
        together = runner.request(timeout, op="infer", inputs=inputs)
        result["inferMs"] = round((time.monotonic() - started) * 1000)
        exact = device == "cpu"
        result["problems"] += check_outputs(name, family, inputs, together)
        again = runner.request(timeout, op="infer", inputs=inputs)
        if not same(again["outputs"], together["outputs"], exact):
            result["problems"].append("the same inputs got different outputs the second time")
        alone = [*runner.request(timeout, op="infer", inputs=first)["outputs"],
                 *runner.request(timeout, op="infer", inputs=second)["outputs"]]
        if not same(alone, together["outputs"], exact):
            # on a GPU in bfloat16 a batch's arithmetic can tip a near-tie (models/README.md): noted, not failed
            if exact:
                result["problems"].append("inputs asked together were answered unlike each caller's alone")
            else:
                result["note"] = "a batch's answers differ from each caller's alone (bfloat16 near-ties)"
        sample = together["outputs"][0]
        result["sample"] = ({"dim": sample["dim"]} if "vector" in sample
                            else {"text": sample["text"][:60], "tokens": sample["tokens"]})
    except Exception as err:
        result["problems"].append(str(err)[-2000:])
        result["log"] = runner.log_tail()
    finally:
        runner.stop()
    result["ok"] = not result["problems"]
    return result


def versions():
    import torch
    import transformers

    return {"transformers": transformers.__version__, "torch": torch.__version__,
            "cuda": torch.cuda.is_available()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", help="a folder of built model folders (build_models.py --out): build none")
    parser.add_argument("--out", help="where to build the models (default: a temporary folder, removed after)")
    parser.add_argument("--size", choices=["tiny", "realistic"], default="tiny")
    parser.add_argument("--only", default=",".join(NAMES), help=f"comma-separated, of {', '.join(NAMES)}")
    parser.add_argument("--no-meta-check", action="store_true", help="skip build_models.py --size realistic --check")
    parser.add_argument("--jobs", type=int, default=2, help="models checked side by side (default 2)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for one load or infer (default 600)")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    about = versions()
    device = os.environ.get("BREWLINE_RUNNER_DEVICE") or ("cuda" if about["cuda"] else "cpu")
    print(json.dumps({"checking": names, **about, "device": device}), file=sys.stderr, flush=True)
    failed = []
    scratch = Path(tempfile.mkdtemp(prefix="brewline-check-families-"))
    try:
        if not args.no_meta_check:
            run = subprocess.run([sys.executable, str(BUILDER), "--size", "realistic", "--check", "--only",
                                  ",".join(names)], cwd=ROOT, capture_output=True, text=True)
            checked = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
            ok = run.returncode == 0 and len(checked) == len(names)
            print(json.dumps({"realisticCheck": ok, "params": {c["model"]: c["params"] for c in checked}}),
                  flush=True)
            if not ok:
                failed.append("realistic --check")
                print(run.stderr[-4000:], file=sys.stderr)
        if args.models:
            models = Path(args.models).resolve()
        else:
            models = Path(args.out).resolve() if args.out else scratch / "models"
            run = subprocess.run([sys.executable, str(BUILDER), "--out", str(models), "--size", args.size, "--only",
                                  ",".join(names)], cwd=ROOT, capture_output=True, text=True)
            if run.returncode != 0:
                print(run.stderr[-4000:], file=sys.stderr)
                sys.exit(f"build_models.py failed (exit {run.returncode})")
        images = scratch / "images"
        images.mkdir()
        img = make_images(images)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            jobs = [pool.submit(check_model, n, models / n, img, device, args.timeout) for n in names]
            for job in jobs:
                result = job.result()
                print(json.dumps(result, ensure_ascii=False), flush=True)
                if not result["ok"]:
                    failed.append(result["model"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({"ok": not failed, **about, "device": device, "failed": failed}), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
