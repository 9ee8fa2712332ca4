"""bench:gpu: the cafe pipeline's four model steps for N dongs, through the runner processes the worker uses.

  python3 runners/bench_gpu.py [--dongs 20] [--concurrency 4] [--size tiny|realistic] [--out DIR]
      [--steps representative,describe,summarise,embed] [--vlm-tokens 32] [--summary-tokens 64] [--time-limit 540]

Needs Python with torch, transformers, tokenizers, safetensors and pillow; no Node, no network. The models are built
from configs by models/build_models.py (randomly initialised: the figures are about speed, not text), realistic
sizes straight on the GPU in bfloat16, and cached in --out (default ~/.cache/brewline/bench-models/<size>):
representative images = CLIP, image descriptions = Qwen2.5-VL, review summary = Gemma 3 text, embeddings = SigLIP 2.
Each is served by `runners/model_host.py models/<family> model.py:Model` (runners/PROTOCOL.md JSON lines), twice:

  resident: one runner per model, started on first use and kept loaded; dongs go --concurrency at a time, each
            through the four steps, and the requests waiting for a model are merged into batches across dongs as
            the worker's pool does (up to 32 inputs, or the load reply's batchSize; 20 ms to fill);
  reload:   a fresh runner per dong per step (start, load, infer, exit), one dong after another: the old way.

Then a plain transformers loop runs the VLM on the same folder, inputs and batch size (processor and generate(),
no protocol), so the runner's tokens/s can be held against it. The reload phase gets what is left of --time-limit:
when the next dong would not fit, it stops and its time for all dongs is the measured dongs' mean times N (the
report and the JSON say so: reload_dongs_measured). Progress goes to stderr, the report to stdout; the last line is
one JSON object: {device, dongs, resident_s, reload_s, speedup, vlm_tokens_per_s, vlm_plain_tokens_per_s, ...}.
"""
import argparse
import asyncio
import dataclasses
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "pipelines" / "cafe" / "sample"
BUILDER = ROOT / "models" / "build_models.py"
HOST = "runners/model_host.py"  # run from ROOT, as the worker names it
BATCH_MAX = 32  # the worker's BREWLINE_BATCH_MAX default
BATCH_WAIT_S = 0.02  # the worker's BREWLINE_BATCH_WAIT_MS default
REPLY_LIMIT = 256 * 2**20  # one reply line: 32 vectors of 1152 numbers are well under a megabyte
PLAIN_MAX_INPUTS = 96  # the plain loop's sample of the VLM inputs: a rate needs no more

# the cafe cells' own prompts (pipelines/cafe/cells/describe_images.py, summarise_reviews.py)
DESCRIBE_PROMPT = "이 카페 사진을 한 문장으로 설명해 주세요. 분위기, 인테리어, 보이는 메뉴가 있다면 함께 적어 주세요."
SUMMARY_SYSTEM = "당신은 서울의 카페를 소개하는 도우미입니다. 리뷰에 있는 내용만 사용해 한국어로 답하세요."

STARTED = time.monotonic()


def progress(message):
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """The benchmark cannot go on (a model failed to build or load, a runner died, an input failed)."""


# --- the dongs' inputs, from the sample crawl ---------------------------------------------------------------------

@dataclasses.dataclass
class Cafe:
    name: str
    images: list  # absolute paths
    reviews: list  # texts


def sample_dongs():
    """Each sample dong's cafes, in the sample's order (pipelines/cafe/sample/dongs.json)."""
    crawl = SAMPLE / "crawl"
    dongs = []
    for dong in json.loads((SAMPLE / "dongs.json").read_text(encoding="utf-8")):
        data = json.loads((crawl / f"{dong}.json").read_text(encoding="utf-8"))
        dongs.append([Cafe(c["name"], [str(crawl / i["url"]) for i in c["images"]], [r["text"] for r in c["reviews"]])
                      for c in data["cafes"]])
    return dongs


def summary_prompt(cafe):
    reviews = "\n".join(f"- {text.strip()}" for text in cafe.reviews)
    return f'카페 "{cafe.name}"의 방문자 리뷰입니다.\n{reviews}\n이 리뷰들을 두 문장으로 요약해 주세요.'


@dataclasses.dataclass
class Step:
    key: str  # as --steps names it
    id: str  # the cafe pipeline's step
    model: str  # models/build_models.py's name

    def inputs(self, cafes, args):
        if self.key == "representative":
            return [{"image": image} for cafe in cafes for image in cafe.images]
        if self.key == "describe":
            return [{"image": image, "prompt": DESCRIBE_PROMPT, "maxNewTokens": args.vlm_tokens, "temperature": 0}
                    for cafe in cafes for image in cafe.images[:5]]
        if self.key == "summarise":
            return [{"prompt": summary_prompt(cafe), "system": SUMMARY_SYSTEM, "maxNewTokens": args.summary_tokens,
                     "temperature": 0} for cafe in cafes if cafe.reviews]
        if self.key == "embed":
            return [*({"image": image} for cafe in cafes for image in cafe.images[:5]),
                    *({"text": " ".join(cafe.reviews)[:200]} for cafe in cafes)]
        raise ValueError(self.key)


STEPS = [
    Step("representative", "representative-images", "clip"),
    Step("describe", "describe-images", "qwen2_5_vl"),
    Step("summarise", "summarise-reviews", "gemma3_text"),
    Step("embed", "embed", "siglip2"),
]


# --- the models ---------------------------------------------------------------------------------------------------

def gpu_name():
    if not shutil.which("nvidia-smi"):
        return None
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=30, check=True).stdout
        return out.strip().splitlines()[0] if out.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def build_models(out, size, names, gpu):
    """Each named model's folder under out, built unless a build by this same builder is there. Returns
    {name: brewline-model.json's contents}."""
    out.mkdir(parents=True, exist_ok=True)
    # a model built by another version of the builder (other tokenizers, other sizes) is built again
    builder = hashlib.sha256(BUILDER.read_bytes()).hexdigest()
    marks_file = out / "built-by.json"
    marks = json.loads(marks_file.read_text()) if marks_file.exists() else {}

    def ready(name):
        meta = out / name / "brewline-model.json"
        return meta.exists() and marks.get(name) == f"{builder}:{size}"

    missing = [n for n in names if not ready(n)]
    started = time.monotonic()
    if missing:
        progress(f"building {size} models: {', '.join(missing)} (into {out})")
        for name in missing:
            if (out / name / "brewline-model.json").exists():  # a stale build of ours: nothing else is removed
                shutil.rmtree(out / name)
        command = [sys.executable, str(BUILDER), "--out", str(out), "--size", size, "--only", ",".join(missing)]
        if size == "realistic" and gpu:
            command += ["--device", "cuda", "--dtype", "bfloat16"]
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise BenchError(f"models/build_models.py failed (exit {done.returncode}): see its output above")
        for name in missing:
            marks[name] = f"{builder}:{size}"
        marks_file.write_text(json.dumps(marks))
    built = {n: json.loads((out / n / "brewline-model.json").read_text()) for n in names}
    return built, time.monotonic() - started, missing


# --- a runner process and its client ------------------------------------------------------------------------------

def runner_env():
    env = dict(os.environ)
    # nothing is fetched: the folders are complete; a lookup would only wait for a network there is not
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return env


class Runner:
    """One runners/model_host.py process serving one model folder: requests by id, replies matched by id."""

    def __init__(self, name, family, folder, verbose=False):
        self.name = name
        self.family = family
        self.folder = folder
        self.verbose = verbose
        self.pending = {}
        self.next_id = 0
        self.log = deque(maxlen=40)  # the end of its stderr, shown when it fails
        self.batch_size = None

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-u", HOST, f"models/{self.family}", "model.py:Model", cwd=ROOT, env=runner_env(),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            limit=REPLY_LIMIT)
        self.replies = asyncio.create_task(self._read_replies())
        self.logging = asyncio.create_task(self._read_log())

    def _failure(self, what):
        tail = "\n".join(f"    {line}" for line in self.log)
        ending = f"\n  its log ends:\n{tail}" if tail else ""
        return BenchError(f"runner {self.name} ({self.family}): {what}{ending}")

    async def _read_log(self):
        async for line in self.proc.stderr:
            text = line.decode("utf-8", "replace").rstrip()
            self.log.append(text)
            if self.verbose:
                print(f"  {self.name}: {text}", file=sys.stderr, flush=True)

    def _fail_waiting(self, error):
        for future in self.pending.values():
            if not future.done():
                future.set_exception(error)
        self.pending.clear()

    async def _read_replies(self):
        async for line in self.proc.stdout:
            try:
                reply = json.loads(line)
                waiting = self.pending.pop(reply["id"])
            except (ValueError, KeyError, TypeError):  # as the worker does: a reply it cannot read fails at once
                self._fail_waiting(self._failure(f"unreadable reply: {line[:200]!r}"))
                continue
            if not waiting.done():
                waiting.set_result(reply)
        await self.proc.wait()
        await self.logging
        if self.pending:
            self._fail_waiting(self._failure(f"exited (status {self.proc.returncode}) with requests waiting"))

    async def request(self, op, **fields):
        self.next_id += 1
        rid = self.next_id
        future = asyncio.get_running_loop().create_future()
        self.pending[rid] = future
        try:
            line = json.dumps({"id": rid, "op": op, **fields}, ensure_ascii=False) + "\n"
            self.proc.stdin.write(line.encode("utf-8"))
            await self.proc.stdin.drain()
            reply = await future
        except (BrokenPipeError, ConnectionResetError):
            await asyncio.wait_for(self.replies, 30)
            raise self._failure(f"exited (status {self.proc.returncode}) before {op}") from None
        finally:
            self.pending.pop(rid, None)
        if not reply.get("ok"):
            raise self._failure(f"{op} failed: {reply.get('error')}")
        return reply

    async def load(self):
        """Start and load; returns (seconds from the process's start to the load reply, the reply's loadMs)."""
        started = time.monotonic()
        await self.start()
        reply = await self.request("load", model={"name": self.name, "version": 1, "artifactUri": str(self.folder),
                                                  "framework": "model-code"})
        hint = reply.get("batchSize")
        self.batch_size = hint if isinstance(hint, int) and hint > 0 else None
        return time.monotonic() - started, int(reply.get("loadMs", 0))

    async def infer(self, inputs):
        reply = await self.request("infer", inputs=inputs)
        errors = reply.get("errors") or {}
        if errors:
            position, error = next(iter(errors.items()))
            raise self._failure(f"{len(errors)} of {len(inputs)} inputs failed; input {position}: {error}")
        return reply["outputs"]

    async def stop(self):
        if not hasattr(self, "proc"):  # never started
            return
        try:
            await asyncio.wait_for(self.request("shutdown"), 30)
            await asyncio.wait_for(self.proc.wait(), 30)
        except (BenchError, asyncio.TimeoutError):
            pass
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        await self.replies


# --- what each step did -------------------------------------------------------------------------------------------

@dataclasses.dataclass
class StepStats:
    inputs: int = 0
    images: int = 0
    tokens: int = 0
    batches: list = dataclasses.field(default_factory=list)  # (size, seconds) per infer request
    loads: list = dataclasses.field(default_factory=list)  # (seconds from process start to loaded, loadMs)

    def add_batch(self, inputs, outputs, seconds):
        self.inputs += len(inputs)
        self.images += sum(1 for i in inputs if "image" in i)
        self.tokens += sum(o["tokens"] for o in outputs if isinstance(o, dict) and isinstance(o.get("tokens"), int))
        self.batches.append((len(inputs), seconds))

    @property
    def busy_s(self):
        """The runner's time on this step's batches: a runner does one batch at a time, so they never overlap."""
        return sum(s for _, s in self.batches)

    def rates(self):
        busy = self.busy_s or float("nan")
        parts = [f"{self.images / busy:.1f} images/s"] if self.images else []
        parts += [f"{self.tokens / busy:.0f} tokens/s"] if self.tokens else []
        return ", ".join([*parts, f"{self.inputs / busy:.1f} inputs/s"])

    def mean_batch(self):
        return statistics.fmean(n for n, _ in self.batches) if self.batches else 0.0


class Batcher:
    """One model's resident runner, fed as the worker's pool feeds it: concurrent callers' inputs wait in one queue;
    a batch goes when it is full (BATCH_MAX or the model's batchSize) or BATCH_WAIT_S after its first input, and
    what arrives while a batch runs goes at once after it. The runner is started by the first batch."""

    def __init__(self, step, model, verbose):
        self.step = step
        self.model = model
        self.verbose = verbose
        self.stats = StepStats()
        self.runner = None
        self.queue = []  # (future of the caller, the caller's outputs, position, input)
        self.inflight = False
        self.timer = None

    async def infer(self, inputs):
        if not inputs:
            return []
        future = asyncio.get_running_loop().create_future()
        outputs = [None] * len(inputs)
        for position, item in enumerate(inputs):
            self.queue.append((future, outputs, position, item))
        self._schedule()
        return await future

    def _limit(self):
        return min(BATCH_MAX, self.runner.batch_size or BATCH_MAX) if self.runner else BATCH_MAX

    def _schedule(self):
        if self.inflight or not self.queue:
            return
        if len(self.queue) >= self._limit():
            if self.timer:
                self.timer.cancel()
                self.timer = None
            asyncio.ensure_future(self._flush())
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(BATCH_WAIT_S, self._timed_out)

    def _timed_out(self):
        self.timer = None
        asyncio.ensure_future(self._flush())

    async def _flush(self):
        if self.inflight:
            return
        self.inflight = True
        batch = []
        try:
            if self.runner is None:
                progress(f"resident: starting {self.step.model} ({self.model['family']})")
                self.runner = Runner(self.step.model, self.model["family"], self.model["dir"], self.verbose)
                self.stats.loads.append(await self.runner.load())
                progress(f"resident: {self.step.model} loaded in {self.stats.loads[-1][0]:.1f} s")
            while self.queue:
                batch, self.queue = self.queue[:self._limit()], self.queue[self._limit():]
                inputs = [item for _, _, _, item in batch]
                started = time.monotonic()
                outputs = await self.runner.infer(inputs)
                self.stats.add_batch(inputs, outputs, time.monotonic() - started)
                for (future, caller_outputs, position, _), output in zip(batch, outputs):
                    caller_outputs[position] = output
                    if position == len(caller_outputs) - 1 and not future.done():
                        future.set_result(caller_outputs)
                batch = []
        except Exception as err:  # every caller waiting on this model fails: the benchmark stops
            for future, *_ in [*batch, *self.queue]:
                if not future.done():
                    future.set_exception(err)
            self.queue = []
        finally:
            self.inflight = False


# --- the GPU's utilisation, sampled -------------------------------------------------------------------------------

class GpuSampler:
    def __init__(self, every_s=0.5):
        self.samples = []  # (monotonic time, utilisation %, memory used MiB)
        self.every_s = every_s
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True) if shutil.which("nvidia-smi") else None
        if self.thread:
            self.thread.start()

    def _run(self):
        while not self.stopping.wait(self.every_s):
            try:
                out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu,memory.used",
                                      "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=10)
                util, memory = out.stdout.strip().splitlines()[0].split(",")
                self.samples.append((time.monotonic(), float(util), float(memory)))
            except (OSError, subprocess.SubprocessError, ValueError, IndexError):
                pass

    def between(self, start, end):
        """'mean utilisation %, peak memory' over [start, end], or None without nvidia-smi."""
        window = [s for s in self.samples if start <= s[0] <= end]
        if not window:
            return None
        return f"mean {statistics.fmean(s[1] for s in window):.0f} %, peak memory {max(s[2] for s in window):.0f} MiB"

    def stop(self):
        self.stopping.set()


# --- the phases ---------------------------------------------------------------------------------------------------

async def resident(steps, models, dong_inputs, args):
    """All dongs, --concurrency at a time, through resident runners; returns (seconds, {step key: StepStats})."""
    batchers = {s.key: Batcher(s, models[s.model], args.verbose) for s in steps}
    queue = list(range(args.dongs))
    done = 0

    async def worker():
        nonlocal done
        while queue:
            dong = queue.pop(0)
            for step in steps:
                await batchers[step.key].infer(dong_inputs[dong][step.key])
            done += 1
            progress(f"resident: {done}/{args.dongs} dongs done")

    started = time.monotonic()
    try:
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        seconds = time.monotonic() - started
    finally:
        await asyncio.gather(*(b.runner.stop() for b in batchers.values() if b.runner))
    return seconds, {key: b.stats for key, b in batchers.items()}


async def reload(steps, models, dong_inputs, args, deadline):
    """Dong after dong, a fresh runner per step; stops early when the next dong would pass the deadline. Returns
    (seconds for the dongs done, how many, {step key: StepStats})."""
    stats = {s.key: StepStats() for s in steps}
    started = time.monotonic()
    slowest = 0.0
    measured = 0
    for dong in range(args.dongs):
        if measured and deadline is not None and time.monotonic() + slowest * 1.1 > deadline:
            progress(f"reload: stopping after {measured} of {args.dongs} dongs, before the time limit")
            break
        dong_started = time.monotonic()
        for step in steps:
            model = models[step.model]
            runner = Runner(step.model, model["family"], model["dir"], args.verbose)
            try:
                stats[step.key].loads.append(await runner.load())
                inputs = dong_inputs[dong][step.key]
                size = min(BATCH_MAX, runner.batch_size or BATCH_MAX)
                for first in range(0, len(inputs), size):
                    batch = inputs[first:first + size]
                    batch_started = time.monotonic()
                    outputs = await runner.infer(batch)
                    stats[step.key].add_batch(batch, outputs, time.monotonic() - batch_started)
            finally:
                await runner.stop()
        slowest = max(slowest, time.monotonic() - dong_started)
        measured += 1
        progress(f"reload: {measured}/{args.dongs} dongs done ({time.monotonic() - dong_started:.1f} s this dong)")
    return time.monotonic() - started, measured, stats


def plain_vlm(model, inputs, batch_size, verbose):
    """The VLM's plain transformers loop, in its own process (this file with --plain-vlm): its JSON reply."""
    command = [sys.executable, "-u", __file__, "--plain-vlm", str(model["dir"]), "--plain-batch", str(batch_size)]
    done = subprocess.run(command, cwd=ROOT, env=runner_env(), input=json.dumps(inputs, ensure_ascii=False),
                          capture_output=True, text=True)
    if verbose or done.returncode != 0:
        sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise BenchError(f"the plain transformers loop failed (exit {done.returncode}): see its output above")
    return json.loads(done.stdout.strip().splitlines()[-1])


def plain_loop_main(folder, batch_size):
    """The baseline: processor + generate() in a loop over the inputs on stdin, greedy, no protocol. Prints
    {loadS, seconds, tokens, inputs, batches, torch, transformers}."""
    import torch
    import transformers
    from brewline_model import default_dtype, pick_device  # the runner's device and dtype, for a fair comparison
    from PIL import Image

    inputs = json.load(sys.stdin)
    device = pick_device()
    dtype = default_dtype(device)
    started = time.monotonic()
    config = transformers.AutoConfig.from_pretrained(folder)
    # the builder names the class (a config written by another transformers version may not)
    built = json.loads((Path(folder) / "brewline-model.json").read_text())
    architecture = getattr(transformers, built["architecture"])
    model = architecture.from_pretrained(folder, dtype=dtype).to(device).eval()
    try:
        processor = transformers.AutoProcessor.from_pretrained(folder, use_fast=False)
    except ImportError:
        # without torchvision a processor cannot make its video processor; images and text need only the rest
        from transformers.models.auto.processing_auto import PROCESSOR_MAPPING_NAMES
        base = getattr(transformers, PROCESSOR_MAPPING_NAMES[type(config).model_type])
        # transformers 5 lists a processor's parts with get_attributes(), 4 with the attributes list
        if hasattr(base, "get_attributes"):
            kept = [a for a in base.get_attributes() if a != "video_processor"]
            images_only = type(base.__name__, (base,), {"get_attributes": classmethod(lambda cls: kept)})
        else:
            kept = [a for a in base.attributes if a != "video_processor"]
            images_only = type(base.__name__, (base,), {"attributes": kept})
        processor = images_only.from_pretrained(folder, use_fast=False)
    processor.tokenizer.padding_side = "left"
    eos = model.generation_config.eos_token_id
    eos = set(eos if isinstance(eos, list) else [eos])
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    load_s = time.monotonic() - started

    def generate(batch):
        """The new tokens of each of the batch's inputs, up to its end of turn."""
        texts = [processor.apply_chat_template(
            [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": item["prompt"]}]}],
            add_generation_prompt=True, tokenize=False) for item in batch]
        images = [Image.open(item["image"]).convert("RGB") for item in batch]
        # the template wrote the special tokens: the tokenizer adds none
        features = processor(text=texts, images=images, padding=True, add_special_tokens=False,
                             return_tensors="pt").to(device)
        features["pixel_values"] = features["pixel_values"].to(dtype)
        out = model.generate(**features, max_new_tokens=batch[0]["maxNewTokens"], do_sample=False)
        return [next((n for n, t in enumerate(row) if t in eos), len(row))
                for row in out[:, features["input_ids"].shape[1]:].tolist()]

    with torch.inference_mode():
        # one untimed batch first: the kernels' first-use costs stay out of the baseline's rate
        generate(inputs[:batch_size])
        tokens = batches = 0
        started = time.monotonic()
        for first in range(0, len(inputs), batch_size):
            tokens += sum(generate(inputs[first:first + batch_size]))
            batches += 1
    seconds = time.monotonic() - started
    print(json.dumps({"loadS": load_s, "seconds": seconds, "tokens": tokens, "inputs": len(inputs),
                      "batches": batches, "torch": torch.__version__, "transformers": transformers.__version__}))


# --- the report ---------------------------------------------------------------------------------------------------

def mean(values):
    return statistics.fmean(values) if values else 0.0


def rate(tokens, seconds):
    return tokens / seconds if seconds else None


@dataclasses.dataclass
class Results:
    device: str
    steps: list
    built: dict  # name -> brewline-model.json
    build_s: float
    fresh: list  # the models built by this run
    resident_s: float = 0.0
    resident: dict = None  # step key -> StepStats
    reload_s: float = 0.0  # for the dongs measured
    reload_measured: int = 0
    reload: dict = None
    plain: dict = None  # the plain loop's reply
    plain_batch: int = 0
    gpu: GpuSampler = None
    windows: dict = dataclasses.field(default_factory=dict)  # phase -> (start, end)


def report(args, r):
    reload_all_s = r.reload_s / r.reload_measured * args.dongs
    speedup = reload_all_s / r.resident_s
    described = r.resident.get("describe")
    vlm_tps = rate(described.tokens, described.busy_s) if described else None
    alone = r.reload.get("describe")  # a reload runner has the machine to itself
    alone_tps = rate(alone.tokens, alone.busy_s) if alone else None
    plain_tps = rate(r.plain["tokens"], r.plain["seconds"]) if r.plain else None

    versions = f"; torch {r.plain['torch']}, transformers {r.plain['transformers']}" if r.plain else ""
    out = [f"device: {r.device}; {args.size} models{versions}; {args.dongs} dongs, {args.concurrency} at a time "
           "when resident"]
    out.append(f"models {'built in ' + format(r.build_s, '.1f') + ' s' if r.fresh else 'cached'}: " + ", ".join(
        f"{s.model} {r.built[s.model]['architecture']} {r.built[s.model]['params'] / 1e6:.1f}M" for s in r.steps))
    loads = [load for s in r.resident.values() for load in s.loads]
    batches = [n for s in r.resident.values() for n, _ in s.batches]
    out.append(f"resident: {r.resident_s:.2f} s; {len(loads)} loads (mean {mean([t for t, _ in loads]):.1f} s from "
               f"process start, loadMs mean {mean([m for _, m in loads]):.0f}); batches of mean {mean(batches):.1f} "
               f"inputs (max {max(batches, default=0)})")
    for step in r.steps:
        s = r.resident[step.key]
        load_s, load_ms = s.loads[0] if s.loads else (0, 0)
        out.append(f"  {step.id} ({step.model}): {s.rates()}; batches of mean {s.mean_batch():.1f}; "
                   f"loaded in {load_s:.1f} s (loadMs {load_ms})")
    count = sum(len(s.loads) for s in r.reload.values())
    if r.reload_measured < args.dongs:
        out.append(f"reload:   {reload_all_s:.2f} s for {args.dongs} dongs at the pace of the {r.reload_measured} "
                   f"measured before the time limit ({r.reload_s:.2f} s, {count} loads)")
    else:
        out.append(f"reload:   {reload_all_s:.2f} s; {count} loads")
    for step in r.steps:
        s = r.reload[step.key]
        out.append(f"  {step.id} ({step.model}): {s.rates()}; batches of mean {s.mean_batch():.1f}; start + load "
                   f"mean {mean([t for t, _ in s.loads]):.1f} s (loadMs mean {mean([m for _, m in s.loads]):.0f})")
    if r.plain:
        out.append(f"plain transformers loop (VLM, batches of {r.plain_batch}, {r.plain['inputs']} inputs): "
                   f"{plain_tps:.0f} tokens/s (loaded in {r.plain['loadS']:.1f} s); through its runner: resident "
                   f"{vlm_tps:.0f} tokens/s (beside the other models), alone (reload) {alone_tps:.0f} tokens/s")
    if r.gpu.thread:
        for name, (start, end) in r.windows.items():
            out.append(f"GPU utilisation, {name}: {r.gpu.between(start, end) or 'no samples'}")
    else:
        out.append("GPU utilisation: n/a (no nvidia-smi)")
    vlm_ratio = f"; VLM tokens/s, plain loop / resident runner: {plain_tps / vlm_tps:.2f} (target <= 2)" if (
        vlm_tps and plain_tps) else ""
    out.append(f"speedup (reload / resident): {speedup:.2f}x (target >= 5x){vlm_ratio}")
    for line in out:
        print(line)

    def rounded(x):
        return round(x, 2) if x is not None else None

    print(json.dumps({
        "device": r.device, "dongs": args.dongs, "resident_s": rounded(r.resident_s), "reload_s": rounded(reload_all_s),
        "speedup": rounded(speedup), "vlm_tokens_per_s": rounded(vlm_tps), "vlm_plain_tokens_per_s": rounded(plain_tps),
        "vlm_alone_tokens_per_s": rounded(alone_tps), "size": args.size, "concurrency": args.concurrency,
        "steps": [s.key for s in r.steps], "reload_dongs_measured": r.reload_measured,
        "reload_measured_s": rounded(r.reload_s), "build_s": rounded(r.build_s), "vlm_tokens": args.vlm_tokens,
        "summary_tokens": args.summary_tokens,
    }, ensure_ascii=False), flush=True)


async def run(args, device, gpu_found):
    steps = [s for s in STEPS if s.key in args.steps]
    sample = sample_dongs()
    dong_inputs = [{s.key: s.inputs(sample[d % len(sample)], args) for s in steps} for d in range(args.dongs)]
    out = (Path(args.out) if args.out else Path.home() / ".cache" / "brewline" / "bench-models" / args.size).resolve()
    built, build_s, fresh = build_models(out, args.size, [s.model for s in steps], gpu_found)
    progress(f"models ready ({'built ' + ', '.join(fresh) if fresh else 'all cached'}) in {build_s:.1f} s")
    models = {name: {**meta, "dir": out / name} for name, meta in built.items()}
    r = Results(device, steps, built, build_s, fresh, gpu=GpuSampler())
    try:
        started = time.monotonic()
        r.resident_s, r.resident = await resident(steps, models, dong_inputs, args)
        r.windows["resident"] = (started, time.monotonic())
        describe = next((s for s in steps if s.key == "describe"), None)
        if describe:
            # the inputs the runner got, in order, in batches of the size it was given
            inputs = [i for d in dong_inputs for i in d["describe"]][:PLAIN_MAX_INPUTS]
            r.plain_batch = max((n for n, _ in r.resident["describe"].batches), default=1)
            progress(f"plain loop: the VLM on {len(inputs)} inputs in batches of {r.plain_batch}")
            started = time.monotonic()
            r.plain = plain_vlm(models[describe.model], inputs, r.plain_batch, args.verbose)
            r.windows["plain loop"] = (started, time.monotonic())
        deadline = STARTED + args.time_limit if args.time_limit else None
        started = time.monotonic()
        r.reload_s, r.reload_measured, r.reload = await reload(steps, models, dong_inputs, args, deadline)
        r.windows["reload"] = (started, time.monotonic())
    finally:
        r.gpu.stop()
    report(args, r)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dongs", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4, help="dongs at a time when resident")
    parser.add_argument("--size", choices=["tiny", "realistic"], help="default: realistic where nvidia-smi finds a GPU")
    parser.add_argument("--out", help="where the models are built (default ~/.cache/brewline/bench-models/<size>)")
    parser.add_argument("--steps", default=",".join(s.key for s in STEPS))
    parser.add_argument("--vlm-tokens", type=int, default=32, help="maxNewTokens of each image description")
    parser.add_argument("--summary-tokens", type=int, default=64, help="maxNewTokens of each review summary")
    parser.add_argument("--time-limit", type=float, default=540,
                        help="seconds for the whole run; the reload phase stops early to keep to it (0: none)")
    parser.add_argument("--verbose", action="store_true", help="show the runners' logs")
    parser.add_argument("--plain-vlm", help=argparse.SUPPRESS)  # internal: the baseline loop's own process
    parser.add_argument("--plain-batch", type=int, default=8, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_vlm:
        plain_loop_main(args.plain_vlm, args.plain_batch)
        return
    keys = [k.strip() for k in args.steps.split(",") if k.strip()]
    unknown = [k for k in keys if k not in {s.key for s in STEPS}]
    if unknown or not keys:
        parser.error(f"--steps: {', '.join(unknown) or 'none'}; known: {', '.join(s.key for s in STEPS)}")
    if args.dongs < 1 or args.concurrency < 1:
        parser.error("--dongs and --concurrency must be at least 1")
    args.steps = keys
    gpu = gpu_name()
    args.size = args.size or ("realistic" if gpu else "tiny")
    device = gpu or f"cpu ({cpu_name()}, {os.cpu_count()} cores)"
    if not gpu:
        # runners at once on a CPU, each with a thread per core, spin against each other: the figures would be noise
        os.environ.setdefault("BREWLINE_RUNNER_THREADS", "1")
    try:
        asyncio.run(run(args, device, gpu is not None))
    except BenchError as err:
        sys.exit(f"bench_gpu: {err}")


if __name__ == "__main__":
    main()
