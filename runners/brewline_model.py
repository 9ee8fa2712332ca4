"""Helpers for model code (the classes model_host.py serves): reading inputs safely, choosing a device, generation
settings. Model code imports them with `from brewline_model import InputError, load_image, ...`.
"""
import os
import unicodedata
import warnings

from brewline_runner import InputError, file_path  # noqa: F401  (re-exported for model code)

# a decompression bomb (a small file of a huge image) fails its input instead of filling memory: 64 megapixels
# holds any camera's photo
MAX_IMAGE_PIXELS = 64_000_000
# a sliver (1 x 20000) is a bomb too: processors that scale the short side up would make it gigapixels
MAX_ASPECT = 32
# the most tokens one input may ask a generator for
MAX_NEW_TOKENS = 1024


def _torch():
    try:
        import torch
        return torch
    except ImportError:
        return None


def pick_device():
    """BREWLINE_RUNNER_DEVICE, else "cuda" where torch sees a GPU, else "cpu"."""
    if os.environ.get("BREWLINE_RUNNER_DEVICE"):
        return os.environ["BREWLINE_RUNNER_DEVICE"]
    torch = _torch()
    return "cuda" if torch is not None and torch.cuda.is_available() else "cpu"


def limit_cpu_threads(device):
    """On a CPU, torch's threads: BREWLINE_RUNNER_THREADS, else half the cores. A runner shares the machine with the
    worker, the steps and other runners; torch's default (every core) oversubscribes it, and its spinning threads
    then make a batch many times slower (measured here: 25 images 20x slower on a busy 2-core machine)."""
    torch = _torch()
    if torch is None:
        return
    if os.environ.get("BREWLINE_RUNNER_THREADS"):
        torch.set_num_threads(int(os.environ["BREWLINE_RUNNER_THREADS"]))
    elif not str(device).startswith("cuda"):
        torch.set_num_threads(max(1, (os.cpu_count() or 2) // 2))


def default_dtype(device):
    """BREWLINE_RUNNER_DTYPE, else bfloat16 on a GPU and float32 on a CPU (a torch dtype)."""
    torch = _torch()
    name = os.environ.get("BREWLINE_RUNNER_DTYPE") or ("bfloat16" if str(device).startswith("cuda") else "float32")
    return getattr(torch, name)


def cuda_allocated_mb(device):
    torch = _torch()
    if torch is None or not str(device).startswith("cuda"):
        return 0
    return torch.cuda.memory_allocated() / 2**20


def measured_memory_mb(model, device, before_mb=0):
    """What a loaded model holds: the GPU memory its load allocated, or on a CPU the bytes of the torch modules'
    parameters it has as attributes (0 when it has none)."""
    torch = _torch()
    if torch is None:
        return 0
    if str(device).startswith("cuda"):
        return max(1, round(cuda_allocated_mb(device) - before_mb))
    total = 0
    seen = set()
    for value in vars(model).values():
        if isinstance(value, torch.nn.Module):
            for p in value.parameters():
                if id(p) not in seen:
                    seen.add(id(p))
                    total += p.numel() * p.element_size()
    return max(1, round(total / 2**20)) if total else 0


def load_image(value, field="image"):
    """An input's image as an RGB PIL image, or InputError: unreadable, over MAX_IMAGE_PIXELS, or with sides more
    than MAX_ASPECT times apart. `value` is a local path or file:// URI (the worker checked it lies in the step's
    folders)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    if not isinstance(value, str):
        raise InputError(f'expected {{"{field}": "<path>"}}')
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file_path(value)) as img:
                if max(img.size) > MAX_ASPECT * min(img.size):
                    raise InputError(f"{field} {value!r} is {img.size[0]} x {img.size[1]}: "
                                     f"sides more than {MAX_ASPECT} times apart")
                return img.convert("RGB")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as err:
        raise InputError(f"{field} {value!r} is too large to decode: {err}") from None
    except InputError:
        raise
    except Exception as err:  # PIL raises many kinds for a file that is no image (OSError, ValueError, SyntaxError)
        raise InputError(f"{field} {value!r} cannot be read: {err}") from None


def text_field(item, key):
    if not isinstance(item, dict) or not isinstance(item.get(key), str):
        raise InputError(f'expected {{"{key}": "..."}}')
    return item[key]


def generation_settings(item, default_max_new_tokens=64):
    """An input's generation settings, checked: maxNewTokens (1..MAX_NEW_TOKENS), temperature (0: greedy, the
    default, so the same inputs give the same text), topP (0..1], seed (sampling only). Returns a dict usable as a
    key for grouping inputs that can share one generate() call."""
    if not isinstance(item, dict):
        raise InputError("expected an object")

    def number(name, default, low, high, whole=False):
        value = item.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and int(value) != value):
            raise InputError(f"{name} must be a {'whole ' if whole else ''}number, not {value!r}")
        if not low <= value <= high:
            raise InputError(f"{name} must be between {low} and {high}, not {value!r}")
        return int(value) if whole else float(value)

    settings = {
        "max_new_tokens": number("maxNewTokens", default_max_new_tokens, 1, MAX_NEW_TOKENS, whole=True),
        "temperature": number("temperature", 0, 0, 10),
        "top_p": number("topP", 1, 0.000001, 1),
        "seed": number("seed", 0, 0, 2**31 - 1, whole=True),
    }
    return settings


def generate_kwargs(settings):
    """transformers generate() arguments for settings: greedy at temperature 0, else sampling."""
    if settings["temperature"] == 0:
        return {"max_new_tokens": settings["max_new_tokens"], "do_sample": False}
    return {"max_new_tokens": settings["max_new_tokens"], "do_sample": True,
            "temperature": settings["temperature"], "top_p": settings["top_p"]}


def printable(text):
    """Drops what a model may emit that is no text: control characters and undecodable bytes."""
    return "".join(ch for ch in text if ch in "\n " or (ch != "\ufffd" and unicodedata.category(ch)[0] != "C")).strip()
