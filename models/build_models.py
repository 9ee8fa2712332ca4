"""Builds models of the built-in families from configs, randomly initialised, into folders their model code loads.

Nothing is downloaded: each folder holds what `save_pretrained` writes (config.json, generation_config.json,
model.safetensors, the tokenizer, the image processor or the processor with its chat template) and
brewline-model.json. The architectures are the real ones, so the model code's path is the one trained weights take;
a team registers its trained weights as a model version whose folder has the same layout.

  python models/build_models.py --out DIR [--size tiny|realistic] [--only clip,qwen2_text,...] [--seed 0]
      [--device cpu|cuda|meta] [--dtype float32|bfloat16|float16] [--check]

Prints one JSON line per model: {"model", "dir", "family", "architecture", "params", "bytes", "gpuMemoryMb", "size"}.
Sizes: tiny is a few MB and builds in seconds on a CPU (tests, CI, a laptop demo); realistic has the sizes teams run
on a GPU (Qwen2.5-VL-7B, Gemma 3 4B, Gemma 3 1B, Qwen2.5-1.5B, SigLIP so400m, SigLIP 2 so400m, CLIP ViT-L/14,
BLIP large), built in bfloat16 straight on the device, so a 7B model takes seconds on a GPU. --check (or
--device meta) builds the configs, tokenizers and processors and the model on the meta device, writes nothing, and
prints what the model would be.

The tokenizers are byte-level (one token per UTF-8 byte, so any language goes in and comes out intact) with each
family's special tokens and chat template in the family's own format; the vocabulary of a realistic model keeps
its real size (the ids past the bytes and special tokens are never produced by the tokenizer).
"""
import argparse
import json
import os
import sys
import time

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import GenerationConfig, PreTrainedTokenizerFast


def byte_symbols():
    """The printable character standing for each byte (GPT-2's byte-level scheme): bytes that are printable Latin-1
    stand for themselves, the others take the characters from U+0100 on, in byte order."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    symbols = {}
    extra = 0
    for byte in range(256):
        if byte in printable:
            symbols[byte] = chr(byte)
        else:
            symbols[byte] = chr(256 + extra)
            extra += 1
    return [symbols[b] for b in range(256)]


SPACE = "\u2581"  # how SentencePiece writes a space in a token


def byte_tokenizer(cls, specials, template=None, max_length=2048, sentencepiece=False, **tokens):
    """A tokenizer of class cls: ids 0..255 are the bytes, then the special tokens in the order given. template is
    a post-processor pattern such as "<bos> $A" (the tokens around one text), or None for none.

    The bytes are GPT-2's byte-level symbols, or with sentencepiece as SentencePiece writes them (Gemma's layout):
    "<0x41>" tokens a character falls back to, a space as SPACE (the id after the special tokens), the special
    tokens in the vocabulary too. transformers 5 rebuilds a Gemma tokenizer's pipeline from its vocabulary (byte
    fallback, SPACE for spaces), so a Gemma tokenizer must be in that layout to read the same on 4 and 5."""
    if sentencepiece:
        vocab = {f"<0x{b:02X}>": b for b in range(256)}
        vocab.update({t: 256 + n for n, t in enumerate(specials)})
        vocab[SPACE] = len(vocab)
        unk = tokens.get("unk_token")
        backend = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token=unk, fuse_unk=True, byte_fallback=True))
        backend.normalizer = normalizers.Replace(" ", SPACE)
        backend.pre_tokenizer = pre_tokenizers.Split(" ", behavior="merged_with_previous")
        backend.decoder = decoders.Sequence([decoders.Replace(SPACE, " "), decoders.ByteFallback(),
                                             decoders.Fuse()])
    else:
        vocab = {symbol: i for i, symbol in enumerate(byte_symbols())}
        backend = Tokenizer(models.BPE(vocab=vocab, merges=[]))
        backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
        backend.decoder = decoders.ByteLevel()
    backend.add_special_tokens(specials)
    if template:
        backend.post_processor = processors.TemplateProcessing(
            single=template, special_tokens=[(t, 256 + specials.index(t)) for t in template.split() if t in specials]
        )
    return cls(tokenizer_object=backend, model_max_length=max_length, **tokens)


# --- chat templates, in each family's own format --------------------------------------------------------------------

# ChatML as Qwen writes it: a system turn (a default one when the messages have none), then each turn between
# <|im_start|>role and <|im_end|>; an image in a user turn is <|vision_start|><|image_pad|><|vision_end|>
QWEN_TEMPLATE = r"""
{%- if messages[0].role != 'system' -%}
{{- '<|im_start|>system\n' + default_system + '<|im_end|>\n' -}}
{%- endif -%}
{%- for message in messages -%}
{{- '<|im_start|>' + message.role + '\n' -}}
{%- if message.content is string -%}
{{- message.content -}}
{%- else -%}
{%- for part in message.content -%}
{%- if part.type == 'image' -%}{{- '<|vision_start|><|image_pad|><|vision_end|>' -}}
{%- elif part.type == 'text' -%}{{- part.text -}}
{%- endif -%}
{%- endfor -%}
{%- endif -%}
{{- '<|im_end|>\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\n' -}}{%- endif -%}
"""

# Gemma's turns: <bos>, then <start_of_turn>user|model ... <end_of_turn>; Gemma has no system turn, so a system
# message opens the first user turn; an image is <start_of_image> (the processor widens it to the image's tokens)
GEMMA_TEMPLATE = r"""
{{- bos_token -}}
{%- if messages[0].role == 'system' -%}
{%- set system = (messages[0].content if messages[0].content is string else messages[0].content[0].text) -%}
{%- set turns = messages[1:] -%}
{%- else -%}
{%- set system = '' -%}
{%- set turns = messages -%}
{%- endif -%}
{%- for message in turns -%}
{{- '<start_of_turn>' + ('model' if message.role == 'assistant' else message.role) + '\n' -}}
{%- if loop.first and system -%}{{- system + '\n\n' -}}{%- endif -%}
{%- if message.content is string -%}
{{- message.content | trim -}}
{%- else -%}
{%- for part in message.content -%}
{%- if part.type == 'image' -%}{{- '<start_of_image>' -}}
{%- elif part.type == 'text' -%}{{- part.text | trim -}}
{%- endif -%}
{%- endfor -%}
{%- endif -%}
{{- '<end_of_turn>\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<start_of_turn>model\n' -}}{%- endif -%}
"""


def qwen_template(default_system):
    return "{%- set default_system = " + json.dumps(default_system) + " -%}" + QWEN_TEMPLATE


QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
                 "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
                 "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]
GEMMA_SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>",
                  "<start_of_image>", "<end_of_image>", "<image_soft_token>"]


def qwen_tokenizer(max_length, default_system):
    tok = byte_tokenizer(transformers.Qwen2TokenizerFast, QWEN_SPECIALS, None, max_length, eos_token="<|im_end|>",
                         pad_token="<|endoftext|>", unk_token=None, bos_token=None)
    tok.chat_template = qwen_template(default_system)
    return tok


def gemma_tokenizer(max_length):
    tok = byte_tokenizer(
        transformers.GemmaTokenizerFast, GEMMA_SPECIALS, "<bos> $A", max_length, sentencepiece=True, bos_token="<bos>",
        eos_token="<eos>", pad_token="<pad>", unk_token="<unk>",
        extra_special_tokens={"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>",
                              "image_token": "<image_soft_token>"},
    )
    tok.chat_template = GEMMA_TEMPLATE
    return tok


def ids(tok, **names):
    """Config fields naming token ids, e.g. ids(tok, eos_token_id="<|im_end|>")."""
    return {field: tok.convert_tokens_to_ids(token) for field, token in names.items()}


def vocab(tok, tiny, real):
    """A tiny model's vocabulary is its tokenizer's; a realistic one keeps the real size."""
    return len(tok) if tiny else real


def images_only(processor_cls):
    """processor_cls without its video processor, which needs torchvision (not always installed): the same class
    name, text and images only, so the folder reads as the real processor's."""
    if hasattr(processor_cls, "get_attributes"):  # transformers 5 reads the parts from __init__'s signature
        kept = [a for a in processor_cls.get_attributes() if a != "video_processor"]
        return type(processor_cls.__name__, (processor_cls,), {"get_attributes": classmethod(lambda cls: kept)})
    attributes = [a for a in processor_cls.attributes if a != "video_processor"]
    return type(processor_cls.__name__, (processor_cls,), {"attributes": attributes})


def qwen_video_processor(tiny):
    """Qwen2-VL's video processor (the checkpoint's bounds: 128 to 768 merged tokens a frame; tiny: 1 to 4), or None
    without torchvision, which it needs. With it the folder is whole: AutoProcessor loads it as a checkpoint's."""
    size = {"shortest_edge": 28 * 28, "longest_edge": 28 * 28 * 4} if tiny else {}
    try:
        return transformers.Qwen2VLVideoProcessor(**({"size": size} if size else {}))
    except ImportError:
        return None


# --- the families' models: (model class, config, tokenizer, image processor or processor, generation eos) -----------

def tower(tiny, hidden, intermediate, layers, heads, **extra):
    """A transformer tower's config: the real sizes given, or 2 layers of width 32 when tiny."""
    return dict(hidden_size=32 if tiny else hidden, intermediate_size=64 if tiny else intermediate,
                num_hidden_layers=2 if tiny else layers, num_attention_heads=2 if tiny else heads, **extra)


def decoder(tiny, hidden, intermediate, layers, heads, kv_heads, **extra):
    """A decoder's sizes: the real ones given, or 2 layers of width 32 (2 heads, 1 key-value head) when tiny."""
    return dict(**tower(tiny, hidden, intermediate, layers, heads), num_key_value_heads=1 if tiny else kv_heads,
                **extra)


def clip(tiny):
    """CLIP ViT-L/14 (224 px)."""
    tok = byte_tokenizer(PreTrainedTokenizerFast, ["<|startoftext|>", "<|endoftext|>"],
                         "<|startoftext|> $A <|endoftext|>", 77, bos_token="<|startoftext|>",
                         eos_token="<|endoftext|>", pad_token="<|endoftext|>", unk_token="<|endoftext|>")
    text = tower(tiny, 768, 3072, 12, 12, vocab_size=vocab(tok, tiny, 49408), max_position_embeddings=77,
                 **ids(tok, bos_token_id="<|startoftext|>", eos_token_id="<|endoftext|>", pad_token_id="<|endoftext|>"))
    vision = tower(tiny, 1024, 4096, 24, 16, image_size=32 if tiny else 224, patch_size=8 if tiny else 14)
    config = transformers.CLIPConfig(text_config=text, vision_config=vision, projection_dim=32 if tiny else 768)
    side = vision["image_size"]
    image = transformers.CLIPImageProcessor(size={"shortest_edge": side}, crop_size={"height": side, "width": side})
    return transformers.CLIPModel, config, tok, image, None


def siglip(tiny):
    """SigLIP so400m/14 at 384 px; texts padded to 64 tokens, as it was trained."""
    tok = byte_tokenizer(PreTrainedTokenizerFast, ["</s>", "<unk>"], "$A </s>", 64, eos_token="</s>",
                         pad_token="</s>", unk_token="<unk>")
    special = ids(tok, eos_token_id="</s>", pad_token_id="</s>")
    text = tower(tiny, 1152, 4304, 27, 16, vocab_size=vocab(tok, tiny, 32000), max_position_embeddings=64, **special)
    vision = tower(tiny, 1152, 4304, 27, 16, image_size=32 if tiny else 384, patch_size=8 if tiny else 14)
    config = transformers.SiglipConfig(text_config=text, vision_config=vision)
    side = vision["image_size"]
    image = transformers.SiglipImageProcessor(size={"height": side, "width": side})
    return transformers.SiglipModel, config, tok, image, None


def siglip2(tiny):
    """SigLIP 2 so400m (NaFlex: each image keeps its aspect ratio in up to 576 patches of 16 px, a 384-px image's
    count); a Gemma tokenizer, texts padded to 64 tokens."""
    # add_bos_token stated: given add_eos_token alone, transformers 5 rewrites the template without <bos>
    tok = byte_tokenizer(transformers.GemmaTokenizerFast, GEMMA_SPECIALS, "<bos> $A <eos>", 64, sentencepiece=True,
                         bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>",
                         add_bos_token=True, add_eos_token=True)
    special = ids(tok, bos_token_id="<bos>", eos_token_id="<eos>", pad_token_id="<pad>")
    text = tower(tiny, 1152, 4304, 27, 16, vocab_size=vocab(tok, tiny, 256000), max_position_embeddings=64, **special)
    vision = tower(tiny, 1152, 4304, 27, 16, num_patches=16 if tiny else 256, patch_size=8 if tiny else 16)
    config = transformers.Siglip2Config(text_config=text, vision_config=vision)
    image = transformers.Siglip2ImageProcessor(patch_size=vision["patch_size"], max_num_patches=16 if tiny else 576)
    return transformers.Siglip2Model, config, tok, image, None


def qwen2_5_vl(tiny):
    """Qwen2.5-VL-7B-Instruct."""
    tok = qwen_tokenizer(2048 if tiny else 128000, "You are a helpful assistant.")
    head_dim = 16 if tiny else 128
    text = decoder(
        tiny, 3584, 18944, 28, 28, 4, vocab_size=vocab(tok, tiny, 152064), max_position_embeddings=tok.model_max_length,
        rope_theta=1_000_000.0, rms_norm_eps=1e-6,
        rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3] if tiny else [16, 24, 24]},
        tie_word_embeddings=False, **ids(tok, bos_token_id="<|endoftext|>", eos_token_id="<|im_end|>",
                                         pad_token_id="<|endoftext|>"),
    )
    assert sum(text["rope_scaling"]["mrope_section"]) * 2 == head_dim
    vision = dict(depth=2 if tiny else 32, hidden_size=32 if tiny else 1280, intermediate_size=64 if tiny else 3420,
                  num_heads=2 if tiny else 16, out_hidden_size=text["hidden_size"], patch_size=14, spatial_merge_size=2,
                  temporal_patch_size=2, window_size=112, fullatt_block_indexes=[1] if tiny else [7, 15, 23, 31],
                  tokens_per_second=2)
    config = transformers.Qwen2_5_VLConfig(
        text_config=text, vision_config=vision,
        **ids(tok, image_token_id="<|image_pad|>", video_token_id="<|video_pad|>",
              vision_start_token_id="<|vision_start|>", vision_end_token_id="<|vision_end|>"),
    )
    # tiny: a few merged tokens per image; realistic: the checkpoint's bounds (4 to 16384 tokens)
    image = transformers.Qwen2VLImageProcessor(
        min_pixels=28 * 28 * (1 if tiny else 4), max_pixels=28 * 28 * (4 if tiny else 16384), patch_size=14,
        merge_size=2, temporal_patch_size=2)
    video = qwen_video_processor(tiny)
    if video is None:
        processor = images_only(transformers.Qwen2_5_VLProcessor)(image, tok, chat_template=tok.chat_template)
    else:
        processor = transformers.Qwen2_5_VLProcessor(image, tok, video, chat_template=tok.chat_template)
    eos = [tok.convert_tokens_to_ids("<|im_end|>"), tok.convert_tokens_to_ids("<|endoftext|>")]
    return transformers.Qwen2_5_VLForConditionalGeneration, config, tok, processor, eos


def gemma3_vlm(tiny):
    """Gemma 3 4B (instruction-tuned, multimodal): a SigLIP so400m tower at 896 px, 256 tokens per image."""
    tok = gemma_tokenizer(2048 if tiny else 131072)
    text = decoder(
        tiny, 2560, 10240, 34, 8, 4, vocab_size=vocab(tok, tiny, 262208), head_dim=16 if tiny else 256,
        query_pre_attn_scalar=16 if tiny else 256, sliding_window=512 if tiny else 1024,
        max_position_embeddings=tok.model_max_length, rope_theta=1_000_000.0, rope_local_base_freq=10_000.0,
        rope_scaling=None if tiny else {"rope_type": "linear", "factor": 8.0},
        layer_types=["sliding_attention", "full_attention"] if tiny else None,
        **ids(tok, bos_token_id="<bos>", eos_token_id="<eos>", pad_token_id="<pad>"),
    )
    vision = tower(tiny, 1152, 4304, 27, 16, image_size=32 if tiny else 896, patch_size=8 if tiny else 14,
                   vision_use_head=False)
    config = transformers.Gemma3Config(
        text_config=text, vision_config=vision, mm_tokens_per_image=4 if tiny else 256,
        **ids(tok, boi_token_index="<start_of_image>", eoi_token_index="<end_of_image>",
              image_token_index="<image_soft_token>"),
    )
    side = vision["image_size"]
    image = transformers.Gemma3ImageProcessor(size={"height": side, "width": side})
    processor = transformers.Gemma3Processor(image, tok, chat_template=tok.chat_template,
                                             image_seq_length=config.mm_tokens_per_image)
    eos = [tok.convert_tokens_to_ids("<eos>"), tok.convert_tokens_to_ids("<end_of_turn>")]
    return transformers.Gemma3ForConditionalGeneration, config, tok, processor, eos


def gemma3_text(tiny):
    """Gemma 3 1B (instruction-tuned, text only)."""
    tok = gemma_tokenizer(2048 if tiny else 32768)
    config = transformers.Gemma3TextConfig(**decoder(
        tiny, 1152, 6912, 26, 4, 1, vocab_size=vocab(tok, tiny, 262144), head_dim=16 if tiny else 256,
        query_pre_attn_scalar=16 if tiny else 256, sliding_window=512,
        max_position_embeddings=tok.model_max_length, rope_theta=1_000_000.0, rope_local_base_freq=10_000.0,
        layer_types=["sliding_attention", "full_attention"] if tiny else None,
        **ids(tok, bos_token_id="<bos>", eos_token_id="<eos>", pad_token_id="<pad>"),
    ))
    eos = [tok.convert_tokens_to_ids("<eos>"), tok.convert_tokens_to_ids("<end_of_turn>")]
    return transformers.Gemma3ForCausalLM, config, tok, None, eos


def qwen2_text(tiny):
    """Qwen2.5-1.5B-Instruct."""
    tok = qwen_tokenizer(2048 if tiny else 32768,
                         "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
    config = transformers.Qwen2Config(**decoder(
        tiny, 1536, 8960, 28, 12, 2, vocab_size=vocab(tok, tiny, 151936), max_position_embeddings=tok.model_max_length,
        rope_theta=1_000_000.0, rms_norm_eps=1e-6, tie_word_embeddings=True,
        **ids(tok, bos_token_id="<|endoftext|>", eos_token_id="<|im_end|>", pad_token_id="<|endoftext|>"),
    ))
    eos = [tok.convert_tokens_to_ids("<|im_end|>"), tok.convert_tokens_to_ids("<|endoftext|>")]
    return transformers.Qwen2ForCausalLM, config, tok, None, eos


def blip(tiny):
    """BLIP large captioning (ViT-L at 384 px, a BERT-base decoder). A caption starts with [DEC] and ends at [SEP]."""
    tok = byte_tokenizer(PreTrainedTokenizerFast, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"],
                         "[CLS] $A [SEP]", 512, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                         sep_token="[SEP]", mask_token="[MASK]", bos_token="[DEC]")
    vision = tower(tiny, 1024, 4096, 24, 16, image_size=32 if tiny else 384, patch_size=8 if tiny else 16)
    text = tower(tiny, 768, 3072, 12, 12, vocab_size=vocab(tok, tiny, 30524), max_position_embeddings=512,
                 encoder_hidden_size=vision["hidden_size"],
                 **ids(tok, pad_token_id="[PAD]", bos_token_id="[DEC]", eos_token_id="[SEP]", sep_token_id="[SEP]"))
    config = transformers.BlipConfig(text_config=text, vision_config=vision)
    side = vision["image_size"]
    image = transformers.BlipImageProcessor(size={"height": side, "width": side})
    return transformers.BlipForConditionalGeneration, config, tok, image, [tok.convert_tokens_to_ids("[SEP]")]


# name -> (the models/<family> folder that serves it, builder)
MODELS = {
    "clip": ("image-text-embedder", clip),
    "siglip2": ("image-text-embedder", siglip2),
    "siglip": ("image-text-embedder", siglip),
    "qwen2_5_vl": ("vision-language-chat", qwen2_5_vl),
    "gemma3_vlm": ("vision-language-chat", gemma3_vlm),
    "gemma3_text": ("text-chat", gemma3_text),
    "qwen2_text": ("text-chat", qwen2_text),
    "blip": ("captioner", blip),
}


# tiny models whose default init (std 0.02) makes greedy decoding repeat one token whatever the input: a wider init
# makes their outputs depend on the input, so that tests can tell one input's output from another's
TINY_INIT = {"qwen2_text": 0.4, "blip": 0.1}


def build(name, out, size, seed, device, dtype, check=False):
    family, builder = MODELS[name]
    cls, config, tok, processor, eos = builder(size == "tiny")
    if size == "tiny" and name in TINY_INIT:
        for part in (config, getattr(config, "text_config", None), getattr(config, "vision_config", None)):
            if part is not None:
                part.initializer_range = TINY_INIT[name]
    started = time.monotonic()
    torch.manual_seed(seed)
    # built as from_pretrained would load it: in dtype, on the device (meta: shapes only, no memory)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device("meta" if check else device):
            model = cls(config).eval()
    finally:
        torch.set_default_dtype(previous)
    if eos is not None:
        model.generation_config = GenerationConfig(
            eos_token_id=eos, pad_token_id=tok.pad_token_id, bos_token_id=config.get_text_config().bos_token_id,
            do_sample=False)
    unique = {id(p): p for p in model.parameters()}.values()  # tied weights count once
    params = sum(p.numel() for p in unique)
    nbytes = sum(p.numel() * p.element_size() for p in unique)
    # what admission should reserve: the weights plus room for a batch's activations (and a generator's cache)
    gpu_mb = int(nbytes / 2**20 * 1.3) + (64 if size == "tiny" else 2048)
    built = {"model": name, "dir": os.path.abspath(out), "family": family, "architecture": cls.__name__,
             "params": params, "bytes": nbytes, "gpuMemoryMb": gpu_mb, "size": size, "seed": seed,
             "dtype": str(dtype).removeprefix("torch."), "note": "randomly initialised from a config"}
    if check:
        return {**built, "dir": None, "checked": True}
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    if processor is not None:
        processor.save_pretrained(out)
    built["buildMs"] = round((time.monotonic() - started) * 1000)
    with open(os.path.join(out, "brewline-model.json"), "w") as f:
        json.dump(built, f)
    return built


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="the folder that gets one folder per model (not needed with --check)")
    parser.add_argument("--size", choices=["tiny", "realistic"], default="tiny")
    parser.add_argument("--only", default=",".join(MODELS), help=f"comma-separated, of {', '.join(MODELS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="cpu, cuda (default: cuda when there is one) or meta")
    parser.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], default=None)
    parser.add_argument("--check", action="store_true", help="build configs and meta models only; write nothing")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f"--only: unknown model {', '.join(unknown)} (known: {', '.join(MODELS)})")
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    check = args.check or device == "meta"
    if not check and not args.out:
        sys.exit("--out is needed (or --check)")
    dtype = getattr(torch, args.dtype or ("float32" if args.size == "tiny" else "bfloat16"))
    for name in names:
        out = os.path.join(args.out, name) if args.out else name
        print(json.dumps(build(name, out, args.size, args.seed, device, dtype, check)), flush=True)


if __name__ == "__main__":
    main()
