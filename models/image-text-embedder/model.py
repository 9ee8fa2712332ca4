"""Image-text embedder: CLIP (CLIPModel), SigLIP (SiglipModel) and SigLIP 2 (Siglip2Model) folders written by
save_pretrained.

  {"image": "/path.png"} or {"text": "..."}  ->  {"vector": [...], "dim": n}

Images and texts land in one space; every vector has unit length (a dot product is the cosine similarity), its
numbers rounded to 6 places. A text's vector does not depend on the texts batched with it.
"""
import inspect

import torch
import transformers
from brewline_hf import architecture_of, load_image_processor, load_tokenizer
from brewline_model import InputError, default_dtype, load_image, text_field



class Model:
    batch_size = 32

    def load(self, path, device):
        self.device = device
        self.dtype = default_dtype(device)
        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
        architecture = architecture_of(path)
        cls = getattr(transformers, architecture, None)
        if cls is None or not hasattr(cls, "get_image_features") or not hasattr(cls, "get_text_features"):
            raise ValueError(f"{path}: architecture {architecture!r} is no image-text embedder "
                             "(CLIPModel, SiglipModel or Siglip2Model expected)")
        self.model = cls.from_pretrained(path, local_files_only=True, dtype=self.dtype).to(device).eval()
        self.tokenizer = load_tokenizer(path)
        self.images = load_image_processor(path)
        self.max_length = config.text_config.max_position_embeddings
        # SigLIP and SigLIP 2 pool a text's last position and were trained on texts padded to full length with no
        # attention mask: padded so, a text's vector is the same in any batch
        self.padded = config.model_type in ("siglip", "siglip2")
        # SigLIP 2 was trained on lower-cased texts
        self.lowercase = config.model_type == "siglip2"
        accepted = inspect.signature(self.model.get_image_features).parameters
        self.image_keys = None if any(p.kind == p.VAR_KEYWORD for p in accepted.values()) else set(accepted)

    def _pixels(self, value):
        """One image's processor output (SigLIP 2's also has pixel_attention_mask and spatial_shapes)."""
        image = load_image(value)
        try:
            features = self.images(images=[image], return_tensors="pt")
        except Exception as err:  # a processor's refusal of one image fails that image only
            raise InputError(f"image {value!r} cannot be prepared: {err}") from None
        return {k: v for k, v in features.items() if self.image_keys is None or k in self.image_keys}

    @torch.inference_mode()
    def predict(self, batch):
        outputs = [None] * len(batch)
        images, texts = [], []
        for i, item in enumerate(batch):
            try:
                if isinstance(item, dict) and "image" in item:
                    images.append((i, self._pixels(item["image"])))
                else:
                    text = text_field(item, "text")
                    texts.append((i, text.lower() if self.lowercase else text))
            except InputError as err:
                outputs[i] = err
        if images:
            features = {key: torch.cat([f[key] for _, f in images]).to(self.device) for key in images[0][1]}
            features["pixel_values"] = features["pixel_values"].to(self.dtype)
            for (i, _), vector in zip(images, self._unit(self.model.get_image_features(**features))):
                outputs[i] = vector
        if texts:
            tokens = self.tokenizer([t for _, t in texts], padding="max_length" if self.padded else True,
                                    truncation=True, max_length=self.max_length, return_tensors="pt")
            kwargs = {"input_ids": tokens["input_ids"].to(self.device)}
            if not self.padded:
                kwargs["attention_mask"] = tokens["attention_mask"].to(self.device)
            for (i, _), vector in zip(texts, self._unit(self.model.get_text_features(**kwargs))):
                outputs[i] = vector
        return outputs

    def _unit(self, features):
        if not torch.is_tensor(features):  # some versions return a model output rather than the pooled tensor
            pooled = getattr(features, "pooler_output", None)
            features = pooled if pooled is not None else features[0]
        vectors = torch.nn.functional.normalize(features.float(), dim=-1).cpu()
        return [{"vector": [round(x, 6) for x in v.tolist()], "dim": len(v)} for v in vectors]
