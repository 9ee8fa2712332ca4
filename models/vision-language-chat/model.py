"""Vision-language chat: Qwen2.5-VL (Qwen2_5_VLForConditionalGeneration) and Gemma 3 multimodal
(Gemma3ForConditionalGeneration) folders written by save_pretrained, with their processor and its chat template.

  {"image": path | "images": [paths], "prompt": "...", "system"?: "...", "maxNewTokens"?: 64, "temperature"?: 0,
   "topP"?: 1, "seed"?: 0, "returnInput"?: false}
  ->  {"text": "...", "tokens": n, "input"?: "..."}

The images and the prompt (and the system text) become one user turn through the processor's chat template, as the
model was trained; "input" (with returnInput) is the text the model was given, template and image tokens included.
Greedy by default (temperature 0: the same inputs give the same text, in any batch); with a temperature, sampling
from the seed. "tokens" counts the new tokens, up to the end of the turn.
"""

import torch
import transformers
from brewline_hf import TRANSFORMERS_5, architecture_of, load_image_processor, load_tokenizer
from brewline_model import (InputError, default_dtype, generate_kwargs, generation_settings, load_image, printable,
                            text_field)
from transformers.models.auto.processing_auto import PROCESSOR_MAPPING_NAMES

MAX_IMAGES = 16  # per input
SEQUENCE_KEYS = ("input_ids", "attention_mask", "token_type_ids", "mm_token_type_ids")


def parts_of(processor_cls):
    """The parts a processor class is made of (image_processor, tokenizer, ...), in its arguments' order."""
    return processor_cls.get_attributes() if TRANSFORMERS_5 else processor_cls.attributes


def images_only(processor_cls):
    """processor_cls without its video processor (which needs torchvision): text and images only. transformers 5
    reads a processor's parts from get_attributes() (its __init__'s arguments), 4 from the attributes list."""
    kept = [a for a in parts_of(processor_cls) if a != "video_processor"]
    if TRANSFORMERS_5:
        return type(processor_cls.__name__, (processor_cls,), {"get_attributes": classmethod(lambda cls: kept)})
    return type(processor_cls.__name__, (processor_cls,), {"attributes": kept})


class Model:
    batch_size = 8

    def load(self, path, device):
        self.device = device
        self.dtype = default_dtype(device)
        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
        architecture = architecture_of(path)
        cls = getattr(transformers, architecture, None)
        # the class's model type: a Qwen2.5-VL config answers its text config's for config.model_type
        processor_name = PROCESSOR_MAPPING_NAMES.get(type(config).model_type)
        if cls is None or not hasattr(cls, "generate") or not processor_name:
            raise ValueError(f"{path}: architecture {architecture!r} is no vision-language model with a processor "
                             "(Qwen2_5_VLForConditionalGeneration or Gemma3ForConditionalGeneration expected)")
        self.model = cls.from_pretrained(path, local_files_only=True, dtype=self.dtype).to(device).eval()
        processor_cls = images_only(getattr(transformers, processor_name))
        parts = {"image_processor": load_image_processor(path), "tokenizer": load_tokenizer(path)}
        settings, extra = processor_cls.get_processor_dict(path, local_files_only=True)
        self.processor = processor_cls.from_args_and_dict([parts[a] for a in parts_of(processor_cls)], settings,
                                                          **extra)
        if not self.processor.chat_template:
            raise ValueError(f"{path}: the processor has no chat template (chat_template.jinja)")
        self.tokenizer = self.processor.tokenizer
        eos = self.model.generation_config.eos_token_id
        eos = eos if isinstance(eos, list) else [eos]
        self.eos = [t for t in {*eos, self.tokenizer.eos_token_id} if t is not None]
        self.pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.eos[0]
        text_config = config.get_text_config()
        self.context = min(self.tokenizer.model_max_length, text_config.max_position_embeddings)

    def _prepare(self, item):
        """One input as (settings, processor features); InputError when it cannot be used."""
        settings = generation_settings(item)
        if "image" in item and "images" in item:
            raise InputError('give "image" or "images", not both')
        if "image" in item:
            paths = [item["image"]]
        else:
            paths = item.get("images", [])
            if not isinstance(paths, list) or len(paths) > MAX_IMAGES:
                raise InputError(f'"images" must be a list of at most {MAX_IMAGES} paths')
        images = [load_image(p, "image") for p in paths]
        prompt = text_field(item, "prompt")
        system = item.get("system")
        if system is not None and not isinstance(system, str):
            raise InputError('"system" must be a string')
        messages = [{"role": "system", "content": [{"type": "text", "text": system}]}] if system else []
        content = [{"type": "image"} for _ in images] + [{"type": "text", "text": prompt}]
        messages.append({"role": "user", "content": content})
        try:
            text = self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            # the template wrote the special tokens the model needs (Gemma's <bos>): the tokenizer adds none
            features = self.processor(text=[text], images=images or None, add_special_tokens=False,
                                      return_tensors="pt")
        except Exception as err:
            raise InputError(f"the input cannot be prepared: {err}") from None
        length = features["input_ids"].shape[1]
        if length + settings["max_new_tokens"] > self.context:
            raise InputError(f"the prompt and images take {length} tokens: with maxNewTokens "
                             f"{settings['max_new_tokens']}, more than the model's {self.context}")
        return settings, features

    def _collate(self, group):
        """The group's features as one batch: sequences padded on the left (each ends where generation starts),
        image tensors concatenated in order."""
        width = max(f["input_ids"].shape[1] for f in group)
        batch = {}
        for key in dict.fromkeys(k for f in group for k in f):
            values = [f[key] for f in group if key in f]
            if key in SEQUENCE_KEYS:
                fill = self.pad if key == "input_ids" else 0
                values = [torch.nn.functional.pad(v, (width - v.shape[1], 0), value=fill) for v in values]
            batch[key] = torch.cat(values).to(self.device)
            if batch[key].is_floating_point():
                batch[key] = batch[key].to(self.dtype)
        return batch

    def _decode(self, ids):
        ids = ids.tolist()
        tokens = next((n for n, t in enumerate(ids) if t in self.eos), len(ids))
        return {"text": printable(self.tokenizer.decode(ids[:tokens], skip_special_tokens=True)), "tokens": tokens}

    @torch.inference_mode()
    def predict(self, batch):
        outputs = [None] * len(batch)
        groups = {}  # inputs with the same settings share one generate() call
        for i, item in enumerate(batch):
            try:
                if not isinstance(item, dict):
                    raise InputError("expected an object")
                settings, features = self._prepare(item)
            except InputError as err:
                outputs[i] = err
                continue
            groups.setdefault(tuple(sorted(settings.items())), []).append((i, features))
        for key, members in groups.items():
            settings = dict(key)
            inputs = self._collate([f for _, f in members])
            torch.manual_seed(settings["seed"])
            ids = self.model.generate(**inputs, **generate_kwargs(settings), eos_token_id=self.eos,
                                      pad_token_id=self.pad)
            width = inputs["input_ids"].shape[1]
            for row, (i, _) in enumerate(members):
                outputs[i] = self._decode(ids[row, width:])
                if batch[i].get("returnInput") is True:
                    given = inputs["input_ids"][row][inputs["attention_mask"][row].bool()]
                    outputs[i]["input"] = self.tokenizer.decode(given, skip_special_tokens=False)
        return outputs
