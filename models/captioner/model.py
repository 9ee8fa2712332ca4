"""Captioner: BLIP (BlipForConditionalGeneration) folders written by save_pretrained.

  {"image": "/path.png", "prompt"?: "a photo of", "maxNewTokens"?: 30, "temperature"?: 0, "topP"?: 1, "seed"?: 0,
   "returnInput"?: false}
  ->  {"text": "...", "tokens": n, "input"?: "..."}

A prompt is the caption's start: the model goes on from it, and "text" is what it added (the prompt not repeated).
"input" (with returnInput) is the prompt as the decoder was given it. Greedy by default, so the same image gives the
same caption, in any batch.
"""

import torch
import transformers
from brewline_hf import architecture_of, load_image_processor
from brewline_model import InputError, default_dtype, generate_kwargs, generation_settings, load_image, printable



class Model:
    batch_size = 16

    def load(self, path, device):
        self.device = device
        self.dtype = default_dtype(device)
        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
        architecture = architecture_of(path)
        if architecture != "BlipForConditionalGeneration":
            raise ValueError(f"{path}: architecture {architecture!r} is no BLIP captioner "
                             "(BlipForConditionalGeneration expected)")
        cls = transformers.BlipForConditionalGeneration
        self.model = cls.from_pretrained(path, local_files_only=True, dtype=self.dtype).to(device).eval()
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.images = load_image_processor(path)
        text = config.text_config
        # BLIP's decoder starts a caption with bos and ends it at sep
        self.eos = [t for t in {text.sep_token_id, *self._generation_eos()} if t is not None]
        self.pad = text.pad_token_id
        self.context = text.max_position_embeddings

    def _generation_eos(self):
        eos = self.model.generation_config.eos_token_id
        return eos if isinstance(eos, list) else [eos]

    def _prepare(self, item):
        """One input as (settings, prompt ids, pixels); InputError when it cannot be used."""
        settings = generation_settings(item, default_max_new_tokens=30)
        image = load_image(item.get("image"))
        prompt = item.get("prompt", "")
        if not isinstance(prompt, str):
            raise InputError('"prompt" must be a string')
        # [CLS] prompt [SEP]: BLIP's generate() turns [CLS] into its bos and drops [SEP], so the caption goes on
        ids = self.tokenizer(prompt)["input_ids"]
        if len(ids) - 1 + settings["max_new_tokens"] > self.context:
            raise InputError(f"the prompt takes {len(ids) - 1} tokens: with maxNewTokens "
                             f"{settings['max_new_tokens']}, more than the model's {self.context}")
        try:
            pixels = self.images(images=[image], return_tensors="pt")["pixel_values"]
        except Exception as err:  # a processor's refusal of one image fails that image only
            raise InputError(f"image {item['image']!r} cannot be prepared: {err}") from None
        return settings, ids, pixels

    def _decode(self, ids):
        ids = ids.tolist()
        tokens = next((n for n, t in enumerate(ids) if t in self.eos), len(ids))
        return {"text": printable(self.tokenizer.decode(ids[:tokens], skip_special_tokens=True)), "tokens": tokens}

    @torch.inference_mode()
    def predict(self, batch):
        outputs = [None] * len(batch)
        # one generate() call per prompt length and settings: BLIP's decoder has absolute positions, so the prompts
        # of a call must be of one length (padding would move them)
        groups = {}
        for i, item in enumerate(batch):
            try:
                if not isinstance(item, dict):
                    raise InputError("expected an object")
                settings, ids, pixels = self._prepare(item)
            except InputError as err:
                outputs[i] = err
                continue
            groups.setdefault((len(ids), *sorted(settings.items())), []).append((i, ids, pixels))
        for key, members in groups.items():
            length, settings = key[0], dict(key[1:])
            pixels = torch.cat([p for _, _, p in members]).to(self.device, self.dtype)
            input_ids = torch.tensor([ids for _, ids, _ in members], device=self.device)
            torch.manual_seed(settings["seed"])
            out = self.model.generate(pixel_values=pixels, input_ids=input_ids,
                                      attention_mask=torch.ones_like(input_ids), **generate_kwargs(settings))
            start = length - 1  # the output repeats the prompt (bos and its tokens, [SEP] dropped)
            for row, (i, _, _) in enumerate(members):
                outputs[i] = self._decode(out[row, start:])
                if batch[i].get("returnInput") is True:
                    outputs[i]["input"] = self.tokenizer.decode(out[row, :start], skip_special_tokens=False)
        return outputs
