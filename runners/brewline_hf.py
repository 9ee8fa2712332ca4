"""Helpers for model code that loads Hugging Face folders (save_pretrained's layout) with transformers 4 or 5: which
class a folder names, its image processor and its tokenizer. Model code imports them with
`from brewline_hf import architecture_of, load_image_processor, load_tokenizer` (model_host.py puts runners/ on the
path); they are apart from brewline_model, which model code without transformers imports too.
"""
import json
import os

import tokenizers
import transformers

TRANSFORMERS_5 = int(transformers.__version__.split(".")[0]) >= 5


def architecture_of(path):
    """The model class a folder names: config.json's architectures, else its text config's (transformers 4 saves a
    Qwen2.5-VL's there only, and 5 does not read them from there), else brewline-model.json's (build_models.py)."""
    def read(name):
        try:
            with open(os.path.join(path, name), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    config = read("config.json")
    for architectures in (config.get("architectures"), (config.get("text_config") or {}).get("architectures")):
        if architectures:
            return architectures[0]
    return read("brewline-model.json").get("architecture") or ""


def load_image_processor(path):
    """The folder's image processor in its PIL implementation: no torchvision needed, the same pixels on every
    machine. transformers 5 names it <type>Pil, and its AutoImageProcessor needs torchvision."""
    if not TRANSFORMERS_5:
        return transformers.AutoImageProcessor.from_pretrained(path, local_files_only=True, use_fast=False)
    settings, _ = transformers.ImageProcessingMixin.get_image_processor_dict(path, local_files_only=True)
    name = (settings.get("image_processor_type") or "").removesuffix("Fast").removesuffix("Pil")
    cls = getattr(transformers, f"{name}Pil", None)
    if cls is None:  # a type with no PIL class of that name: transformers picks (it needs torchvision)
        return transformers.AutoImageProcessor.from_pretrained(path, local_files_only=True, backend="pil")
    return cls.from_pretrained(path, local_files_only=True)


def load_tokenizer(path):
    """The folder's tokenizer, reading as its tokenizer.json is written. transformers 5 rebuilds some classes'
    pipelines (Gemma's: SentencePiece's spaces and byte fallback) from the file's vocabulary alone; a folder whose
    tokenizer.json has another pipeline (a byte-level Gemma tokenizer an older build_models.py wrote) then fails or
    reads other tokens, so it is read as written, as transformers 4 reads it."""
    tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
    file = os.path.join(path, "tokenizer.json")
    if not os.path.isfile(file) or not hasattr(tokenizer, "backend_tokenizer"):
        return tokenizer
    from_file = tokenizers.Tokenizer.from_file(file)
    probe = "Brewline 카페 ☕ 1.5\n  x"
    try:
        same = (tokenizer.backend_tokenizer.encode(probe, add_special_tokens=False).ids
                == from_file.encode(probe, add_special_tokens=False).ids)
    except Exception:  # the rebuilt pipeline cannot read the vocabulary (e.g. no unknown token in it)
        same = False
    if same:
        return tokenizer
    as_written = transformers.PreTrainedTokenizerFast.from_pretrained(path, local_files_only=True)
    # the class's sides, not the generic class's (Gemma pads on the left)
    as_written.padding_side, as_written.truncation_side = tokenizer.padding_side, tokenizer.truncation_side
    return as_written
