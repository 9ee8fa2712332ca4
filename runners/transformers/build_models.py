"""Builds the cafe pipeline's models from configs, randomly initialised, into folders a runner loads.

Nothing is downloaded: each folder holds what `save_pretrained` writes (config.json, model.safetensors), a
byte-level tokenizer built here, and the image processor. The architectures are the real ones (CLIP, SigLIP,
BLIP, Qwen2), so the runner code path is the one real weights take; a team registers its trained weights as a
new model version pointing at a folder of the same layout.

  python runners/transformers/build_models.py --out DIR [--size tiny|realistic] [--only clip,siglip,vlm,text]
      [--seed 0] [--device cpu|cuda] [--dtype float32|bfloat16|float16]

Prints one JSON line per model: {"model", "dir", "architecture", "params", "bytes", "gpuMemoryMb"}.
Sizes: tiny builds in seconds on a CPU (tests, CI, a laptop demo); realistic matches the models the team runs
on a GPU (a CLIP ViT-B/16, a SigLIP base, a BLIP large captioner, a ~1.5B Qwen2 text model).
"""
import argparse
import json
import os
import sys

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]


def byte_tokenizer(max_length, close=True):
    """A byte-level tokenizer: one token per UTF-8 byte (any language), ids 4..259, <s> ... </s> around a text
    (a prompt for generation gets no </s>: the model goes on from its end)."""
    vocab = {tok: i for i, tok in enumerate(SPECIALS)}
    for ch in pre_tokenizers.ByteLevel.alphabet():
        vocab.setdefault(ch, len(vocab))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>" if close else "<s> $A",
                                                       special_tokens=[("<s>", BOS), ("</s>", EOS)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        model_max_length=max_length
    )


VOCAB = 4 + 256
IDS = dict(pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS)


def tower(tiny, hidden, layers, heads, **extra):
    """A transformer tower's config: the realistic sizes given, or 2 layers of width 32 when tiny."""
    return dict(hidden_size=32 if tiny else hidden, intermediate_size=64 if tiny else 4 * hidden,
                num_hidden_layers=2 if tiny else layers, num_attention_heads=2 if tiny else heads, **extra)


def vision_tower(tiny, image_size, hidden, layers, heads):
    return tower(tiny, hidden, layers, heads, image_size=32 if tiny else image_size, patch_size=8 if tiny else 16)


def clip(size):
    t = size == "tiny"
    text = tower(t, 512, 12, 8, vocab_size=VOCAB if t else 49408, max_position_embeddings=77, **IDS)
    vision = vision_tower(t, 224, 768, 12, 12)  # ViT-B/16
    config = transformers.CLIPConfig(text_config=text, vision_config=vision, projection_dim=32 if t else 512)
    side = vision["image_size"]
    image = transformers.CLIPImageProcessor(size={"shortest_edge": side}, crop_size={"height": side, "width": side})
    return transformers.CLIPModel, config, image, 77


def siglip(size):
    t = size == "tiny"
    text = tower(t, 768, 12, 12, vocab_size=VOCAB if t else 32000, max_position_embeddings=64, **IDS)
    vision = vision_tower(t, 224, 768, 12, 12)  # base, patch 16
    config = transformers.SiglipConfig(text_config=text, vision_config=vision)
    image = transformers.SiglipImageProcessor(size={"height": vision["image_size"], "width": vision["image_size"]})
    return transformers.SiglipModel, config, image, 64


def vlm(size):
    t = size == "tiny"
    vision = vision_tower(t, 384, 1024, 24, 16)  # BLIP large
    text = tower(t, 768, 12, 12, vocab_size=VOCAB if t else 30524, max_position_embeddings=512,
                 encoder_hidden_size=vision["hidden_size"], pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS,
                 sep_token_id=EOS)
    config = transformers.BlipConfig(text_config=text, vision_config=vision)
    image = transformers.BlipImageProcessor(size={"height": vision["image_size"], "width": vision["image_size"]})
    return transformers.BlipForConditionalGeneration, config, image, 512


def text_model(size):
    t = size == "tiny"
    config = transformers.Qwen2Config(
        vocab_size=VOCAB if t else 151936, hidden_size=32 if t else 1536, intermediate_size=64 if t else 8960,
        num_hidden_layers=2 if t else 28, num_attention_heads=2 if t else 12, num_key_value_heads=1 if t else 2,
        max_position_embeddings=2048 if t else 32768, tie_word_embeddings=not t, **IDS)
    return transformers.Qwen2ForCausalLM, config, None, 2048


BUILDERS = {"clip": clip, "siglip": siglip, "vlm": vlm, "text": text_model}


def build(kind, out, size, seed, device, dtype):
    cls, config, image_processor, max_length = BUILDERS[kind](size)
    torch.manual_seed(seed)
    with torch.device(device):
        model = cls(config).to(dtype).eval()
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer = byte_tokenizer(max_length, close=kind != "text")
    tokenizer.save_pretrained(out)
    if image_processor is not None:
        image_processor.save_pretrained(out)
    params = sum(p.numel() for p in model.parameters())
    nbytes = sum(p.numel() * p.element_size() for p in model.parameters())
    # what admission should reserve: the weights plus room for activations of a batch
    gpu_mb = int(nbytes / 2**20 * 1.3) + 64
    built = {"model": kind, "dir": os.path.abspath(out), "architecture": cls.__name__, "params": params,
             "bytes": nbytes, "gpuMemoryMb": gpu_mb, "size": size, "seed": seed,
             "note": "randomly initialised from a config"}
    with open(os.path.join(out, "brewline-model.json"), "w") as f:
        json.dump(built, f)
    return built


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--size", choices=["tiny", "realistic"], default="tiny")
    parser.add_argument("--only", default=",".join(BUILDERS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], default=None)
    args = parser.parse_args()
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in BUILDERS]
    if unknown:
        sys.exit(f"--only: unknown model {', '.join(unknown)} (known: {', '.join(BUILDERS)})")
    dtype = getattr(torch, args.dtype or ("float32" if args.size == "tiny" else "bfloat16"))
    for kind in kinds:
        print(json.dumps(build(kind, os.path.join(args.out, kind), args.size, args.seed, args.device, dtype)),
              flush=True)


if __name__ == "__main__":
    main()
