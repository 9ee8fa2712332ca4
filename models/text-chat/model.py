"""Text chat: Gemma 3 text (Gemma3ForCausalLM) and Qwen2 / Qwen2.5 (Qwen2ForCausalLM) folders written by
save_pretrained, with a tokenizer that has a chat template.

  {"prompt": "..." | "messages": [{"role": "system" | "user" | "assistant", "content": "..."}], "system"?: "...",
   "maxNewTokens"?: 64, "temperature"?: 0, "topP"?: 1, "seed"?: 0, "returnInput"?: false}
  ->  {"text": "...", "tokens": n, "input"?: "..."}

A prompt is one user turn; the tokenizer's chat template turns the messages into the text the model was trained on
and opens the model's turn. A prompt too long for the model loses its start (the end holds the question); "input"
(with returnInput) is the text the model was given. Greedy by default (temperature 0: the same inputs give the same
text, in any batch); with a temperature, sampling from the seed. "tokens" counts the new tokens, up to the end of
the turn.
"""

import torch
import transformers
from brewline_hf import architecture_of, load_tokenizer
from brewline_model import InputError, default_dtype, generate_kwargs, generation_settings, printable

ROLES = ("system", "user", "assistant")
MAX_MESSAGES = 256


def messages_of(item):
    """The chat an input asks for, checked: a prompt or messages, with an optional system text first."""
    if "prompt" in item and "messages" in item:
        raise InputError('give "prompt" or "messages", not both')
    if "prompt" in item:
        if not isinstance(item["prompt"], str):
            raise InputError('"prompt" must be a string')
        messages = [{"role": "user", "content": item["prompt"]}]
    elif "messages" in item:
        messages = item["messages"]
        if not isinstance(messages, list) or not 0 < len(messages) <= MAX_MESSAGES:
            raise InputError(f'"messages" must be a list of 1 to {MAX_MESSAGES} messages')
        for n, m in enumerate(messages):
            if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
                raise InputError(f'messages[{n}] must be {{"role": "system" | "user" | "assistant", "content": "..."}}')
        messages = [{"role": m["role"], "content": m["content"]} for m in messages]
    else:
        raise InputError('expected {"prompt": "..."} or {"messages": [...]}')
    system = item.get("system")
    if system is not None:
        if not isinstance(system, str):
            raise InputError('"system" must be a string')
        if messages[0]["role"] == "system":
            raise InputError('give "system" or a first message of role system, not both')
        messages.insert(0, {"role": "system", "content": system})
    return messages


class Model:
    batch_size = 16

    def load(self, path, device):
        self.device = device
        self.dtype = default_dtype(device)
        config = transformers.AutoConfig.from_pretrained(path, local_files_only=True)
        architecture = architecture_of(path)
        cls = getattr(transformers, architecture, None)
        if cls is None or not architecture.endswith("ForCausalLM"):
            raise ValueError(f"{path}: architecture {architecture!r} is no causal LM "
                             "(Gemma3ForCausalLM or Qwen2ForCausalLM expected)")
        self.model = cls.from_pretrained(path, local_files_only=True, dtype=self.dtype).to(device).eval()
        self.tokenizer = load_tokenizer(path)
        if not self.tokenizer.chat_template:
            raise ValueError(f"{path}: the tokenizer has no chat template")
        eos = self.model.generation_config.eos_token_id
        eos = eos if isinstance(eos, list) else [eos]
        self.eos = [t for t in {*eos, self.tokenizer.eos_token_id} if t is not None]
        self.pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.eos[0]
        self.context = min(self.tokenizer.model_max_length, config.max_position_embeddings)

    def _prepare(self, item):
        """One input as (settings, token ids); InputError when it cannot be used."""
        settings = generation_settings(item)
        messages = messages_of(item)
        try:
            text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        except Exception as err:  # a template may refuse a chat (e.g. turns out of order)
            raise InputError(f"the chat template refused the messages: {err}") from None
        # the template wrote the special tokens the model needs (Gemma's <bos>): the tokenizer adds none
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        room = self.context - settings["max_new_tokens"]
        if room < 1:
            raise InputError(f"maxNewTokens {settings['max_new_tokens']} leaves no room in the model's "
                             f"{self.context} tokens")
        return settings, ids[-room:]  # too long: the start goes

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
                settings, ids = self._prepare(item)
            except InputError as err:
                outputs[i] = err
                continue
            groups.setdefault(tuple(sorted(settings.items())), []).append((i, ids))
        for key, members in groups.items():
            settings = dict(key)
            width = max(len(ids) for _, ids in members)
            # padded on the left: every prompt ends where generation starts
            input_ids = torch.tensor([[self.pad] * (width - len(ids)) + ids for _, ids in members], device=self.device)
            mask = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for _, ids in members], device=self.device)
            torch.manual_seed(settings["seed"])
            out = self.model.generate(input_ids=input_ids, attention_mask=mask, **generate_kwargs(settings),
                                      eos_token_id=self.eos, pad_token_id=self.pad)
            for row, (i, ids) in enumerate(members):
                outputs[i] = self._decode(out[row, width:])
                if batch[i].get("returnInput") is True:
                    outputs[i]["input"] = self.tokenizer.decode(ids, skip_special_tokens=False)
        return outputs
