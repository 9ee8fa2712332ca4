"""A runner for Hugging Face transformers models saved with save_pretrained (framework "transformers").

The model version's artifactUri is a local folder (or file:// URI) holding config.json, the weights, the
tokenizer and, for image models, the image processor; nothing is downloaded (local_files_only). What the runner
does follows from the architecture named in config.json:

- embedding (CLIP, SigLIP, any model with get_image_features / get_text_features):
    {"image": "/path.png"} or {"text": "..."}  ->  {"vector": [...], "dim": n}   (unit length, one space)
- captioning (BLIP and other *ForConditionalGeneration vision-to-text models):
    {"image": "/path.png", "maxNewTokens"?: 30}  ->  {"text": "...", "tokens": n}
- generation (any *ForCausalLM):
    {"prompt": "...", "maxNewTokens"?: 64}  ->  {"text": "...", "tokens": n}

Every output also names the model version ("model": "name@version"). Decoding is greedy, so the same inputs give
the same outputs. An input that cannot be used (an unreadable image, one of more than MAX_IMAGE_PIXELS or with sides
more than MAX_ASPECT times apart, a missing field) fails alone: the batch runs without it. \
Settings (BREWLINE_RUNNER_*): DEVICE (cuda when available, else
cpu), DTYPE (bfloat16 on a GPU, float32 on a CPU), THREADS (CPU threads), LOG (a file that gets one line per batch).
"""
import os
import re
import sys
import time
import unicodedata
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from brewline_runner import InputError, Runner, file_path, serve  # noqa: E402

import torch  # noqa: E402
import transformers  # noqa: E402
from PIL import Image  # noqa: E402

MAX_NEW_TOKENS = 256
# a decompression bomb (a small file of a huge image) fails its input instead of filling memory: 64 megapixels
# holds any camera's photo; PIL warns past the bound (and raises past twice it), the warning becomes an error
MAX_IMAGE_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)
# a sliver (1 x 20000) is a bomb too: processors that scale the short side up to 224 would make it gigapixels
MAX_ASPECT = 32


def _version(text):
    return tuple(int(p) for p in re.findall(r"\d+", text)[:2])


def _printable(text):
    """Drops what a model may emit that is no text: control characters and undecodable bytes."""
    return "".join(ch for ch in text if ch in "\n " or (ch != "\ufffd" and unicodedata.category(ch)[0] != "C")).strip()


def local_path(uri):
    if uri.startswith("file://"):
        return uri[len("file://"):]
    if "://" in uri:
        raise ValueError(f"artifactUri {uri!r}: the transformers runner reads a local folder (or file://)")
    return uri


class TransformersRunner(Runner):
    def load(self, model):
        path = local_path(model["artifactUri"])
        if not os.path.isfile(os.path.join(path, "config.json")):
            raise ValueError(f"artifactUri {model['artifactUri']!r}: no config.json in that folder "
                             "(save_pretrained output expected)")
        self.label = f'{model["name"]}@{model["version"]}'
        self.device = os.environ.get("BREWLINE_RUNNER_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype_name = os.environ.get("BREWLINE_RUNNER_DTYPE") or (
            "bfloat16" if self.device.startswith("cuda") else "float32")
        self.dtype = getattr(torch, dtype_name)
        if os.environ.get("BREWLINE_RUNNER_THREADS"):
            torch.set_num_threads(int(os.environ["BREWLINE_RUNNER_THREADS"]))
        torch.manual_seed(0)

        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
        architecture = (config.architectures or [None])[0]
        cls = getattr(transformers, architecture or "", None)
        if cls is None:
            raise ValueError(f"config.json names architecture {architecture!r}, "
                             "which this transformers version does not have")
        before = torch.cuda.memory_allocated() if self.device.startswith("cuda") else 0
        # transformers 4.56 renamed torch_dtype to dtype
        dtype_kw = "dtype" if _version(transformers.__version__) >= (4, 56) else "torch_dtype"
        self.model = cls.from_pretrained(path, local_files_only=True, **{dtype_kw: self.dtype}).to(self.device).eval()
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        has_images = os.path.isfile(os.path.join(path, "preprocessor_config.json"))
        self.images = (transformers.AutoImageProcessor.from_pretrained(path, local_files_only=True, use_fast=False)
                       if has_images else None)

        if hasattr(self.model, "get_image_features") and hasattr(self.model, "get_text_features"):
            self.task = "embedding"
        elif architecture.endswith("ForCausalLM"):
            self.task = "generation"
            self.tokenizer.padding_side = "left"  # batched prompts end where generation starts
            self.tokenizer.truncation_side = "left"  # a long prompt keeps its end (the instruction)
        elif has_images and hasattr(self.model, "generate"):
            self.task = "captioning"
        else:
            raise ValueError(f"architecture {architecture} is neither an image-text embedder, "
                             "a captioner nor a causal LM")
        print(f"runner: {self.label} {architecture} ({self.task}) on {self.device} {dtype_name}",
              file=sys.stderr, flush=True)

        if self.device.startswith("cuda"):
            return max(1, round((torch.cuda.memory_allocated() - before) / 2**20))
        return max(1, round(sum(p.numel() * p.element_size() for p in self.model.parameters()) / 2**20))

    # --- inputs: each checked and read alone, so that a bad one fails only itself -----------------------------
    def _image(self, item):
        if not isinstance(item, dict) or not isinstance(item.get("image"), str):
            raise InputError('expected {"image": "<path>"}')
        try:
            with Image.open(file_path(item["image"])) as img:
                if max(img.size) > MAX_ASPECT * min(img.size):
                    raise InputError(f"image {item['image']!r} is {img.size[0]} x {img.size[1]}: "
                                     f"sides more than {MAX_ASPECT} times apart")
                return img.convert("RGB")
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as err:
            raise InputError(f"image {item['image']!r} is too large to decode: {err}") from None
        except InputError:
            raise
        except Exception as err:  # PIL raises many kinds for a file that is no image (OSError, ValueError, SyntaxError)
            raise InputError(f"image {item['image']!r} cannot be read: {err}") from None

    def _text(self, item, key):
        if not isinstance(item, dict) or not isinstance(item.get(key), str):
            raise InputError(f'expected {{"{key}": "..."}}')
        return item[key]

    def _new_tokens(self, item, default):
        wanted = item.get("maxNewTokens", default)
        try:
            return max(1, min(MAX_NEW_TOKENS, int(wanted)))
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"maxNewTokens must be a whole number, not {wanted!r}") from None

    def _prepare(self, item):
        """What the task needs of one input: ("image", img) or ("text", str) to embed; (img, tokens) to caption;
        (prompt, tokens) to continue."""
        if self.task == "embedding":
            if isinstance(item, dict) and "image" in item:
                return ("image", self._image(item))
            return ("text", self._text(item, "text"))
        if self.task == "captioning":
            return (self._image(item), self._new_tokens(item, 30))
        return (self._text(item, "prompt"), self._new_tokens(item, 64))

    # --- tasks --------------------------------------------------------------------------------------------
    @torch.inference_mode()
    def infer(self, inputs):
        log = os.environ.get("BREWLINE_RUNNER_LOG")
        started = time.monotonic()
        outputs = [None] * len(inputs)
        ready = []
        for i, item in enumerate(inputs):
            try:
                ready.append((i, self._prepare(item)))
            except InputError as err:
                outputs[i] = err
        if ready:
            for (i, _), out in zip(ready, getattr(self, f"_{self.task}")([p for _, p in ready])):
                out["model"] = self.label
                outputs[i] = out
        if log:
            with open(log, "a") as f:
                f.write(f"{self.label} pid={os.getpid()} {self.task} batch={len(inputs)} "
                        f"ms={round((time.monotonic() - started) * 1000)}\n")
        return outputs

    def _features(self, output):
        # some versions return a model output rather than the projected tensor
        if not torch.is_tensor(output):
            output = (getattr(output, "pooler_output", None) if getattr(output, "pooler_output", None) is not None
                      else output[0])
        return torch.nn.functional.normalize(output.float(), dim=-1).cpu()

    def _embedding(self, inputs):
        images = [(i, value) for i, (kind, value) in enumerate(inputs) if kind == "image"]
        texts = [(i, value) for i, (kind, value) in enumerate(inputs) if kind == "text"]
        vectors = [None] * len(inputs)
        if images:
            pixels = self.images(images=[img for _, img in images],
                                 return_tensors="pt")["pixel_values"].to(self.device, self.dtype)
            for (i, _), v in zip(images, self._features(self.model.get_image_features(pixel_values=pixels))):
                vectors[i] = v
        if texts:
            # SigLIP pools the last position and was trained on texts padded to full length (no attention mask):
            # pad every text to that length, so a text's vector does not depend on the batch it came in
            siglip = self.model.config.model_type == "siglip"
            padding = "max_length" if siglip else True
            tok = self.tokenizer([t for _, t in texts], padding=padding, truncation=True,
                                 return_tensors="pt").to(self.device)
            kwargs = {"input_ids": tok["input_ids"]}
            if "attention_mask" in tok and not siglip:
                kwargs["attention_mask"] = tok["attention_mask"]
            for (i, _), v in zip(texts, self._features(self.model.get_text_features(**kwargs))):
                vectors[i] = v
        return [{"vector": [round(x, 6) for x in v.tolist()], "dim": len(v)} for v in vectors]

    def _decode(self, ids):
        eos = self.tokenizer.eos_token_id
        ids = ids.tolist()
        tokens = next((n for n, t in enumerate(ids) if t == eos), len(ids))
        return {"text": _printable(self.tokenizer.decode(ids[:tokens], skip_special_tokens=True)), "tokens": tokens}

    def _captioning(self, inputs):
        pixels = self.images(images=[img for img, _ in inputs],
                             return_tensors="pt")["pixel_values"].to(self.device, self.dtype)
        ids = self.model.generate(pixel_values=pixels, max_new_tokens=max(n for _, n in inputs), do_sample=False)
        # the decoder starts from <s>: drop it
        start = 1 if ids.shape[1] and int(ids[0, 0]) == self.tokenizer.bos_token_id else 0
        return [self._decode(row[start:]) for row in ids]

    def _generation(self, inputs):
        prompts = [prompt for prompt, _ in inputs]
        new = max(n for _, n in inputs)
        limit = max(8, (self.tokenizer.model_max_length or 2048) - new)
        tok = self.tokenizer(prompts, padding=True, truncation=True, max_length=limit,
                             return_tensors="pt").to(self.device)
        ids = self.model.generate(input_ids=tok["input_ids"], attention_mask=tok["attention_mask"], max_new_tokens=new,
                                  do_sample=False, pad_token_id=self.tokenizer.pad_token_id)
        return [self._decode(row[tok["input_ids"].shape[1]:]) for row in ids]


if __name__ == "__main__":
    serve(TransformersRunner())
