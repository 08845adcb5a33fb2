"""Every page's inputs, as share links, broadcasts and lesson plans carry them.

One ``PageSpec`` per page with inputs: its name (the page file's stem), its URL path, a short
alias for the command line, and its ``Field`` list in the order the page creates its widgets
(a preset comes before the sliders it fills). What is never here, on purpose: access tokens,
passwords, uploaded or pasted documents, chat histories, results.

The widget labels below (radio options) are the pages' own; a page that renames an option must
rename it here too (tests/room/test_pages.py opens every page with every value).

Package ``playground.room``: may import the feature packages, ``serving``, ``config``,
``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.lab.compare import DEFAULT_COLUMNS, MAX_COLUMNS, MIN_COLUMNS, PRESETS, preset
from playground.lab.sweep import parse_values
from playground.lab.toy import EXAMPLES
from playground.prompting.inspector import TEMPLATE_CHOICES
from playground.prompting.persona import PERSONAS
from playground.prompting.templates import (DEFAULT_CONTENT, DEFAULT_FEW_SHOT, DEFAULT_TEMPLATES,
                                            MAX_EXAMPLES, SEPARATOR, STOP_CHOICES)
from playground.quant.compare import DEFAULT_PROMPT, MAX_NEW_TOKENS as QUANT_MAX_NEW
from playground.quant.presets import DEFAULT_PRESETS, PRESETS as QUANT_PRESETS
from playground.rag.prompt import BUDGET
from playground.rag.search import MAX_RESULTS, REGIONS, TIME_LABELS
from playground.room import langdefaults as lang
from playground.room.fields import (MAX_ROWS, Field, FieldError, LinkError, filter_fields,
                                    settings_fields)
from playground.serving.settings import SEED, TEMPERATURE, TOP_P, GenerationSettings
from playground.serving.steps import MAX_CANDIDATES

MODEL_KEY = "model_name"  # = playground.ui.resources.MODEL_KEY (the sidebar's model)
DRAGON = "Tell me a story about a dragon."


@dataclass(frozen=True)
class PageSpec:
    name: str             # the page file's stem: pages/<name>.py
    title: str
    alias: str            # what the command line also accepts
    fields: tuple[Field, ...]
    path: str | None = None  # the URL path; None = the name ("" = the default page, "/")

    @property
    def url_path(self) -> str:
        return self.path if self.path is not None else self.name

    @property
    def script(self) -> str:
        return f"pages/{self.name}.py"

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _model_check(name: str) -> None:
    from playground.config import load_config
    from playground.serving.catalog import CATALOG, HF_ID, with_config_entries

    if name in with_config_entries(CATALOG, load_config().catalog):
        return
    if name.endswith(" (LoRA)"):  # an adapter the room may use (shared, or set up)
        from playground.serving.registry import default_registry
        spec = default_registry().adapter_specs.get(name)
        if spec is not None and not spec.owner:
            return
        raise FieldError(f"the adapter {name!r} is not shared with the room on this server")
    if not HF_ID.match(name) or ".." in name:
        raise FieldError(f"unknown model {name!r}: a link names a model of the list or a "
                         f"Hugging Face id (org/name)")


def configured_model() -> str:
    from playground.config import load_config
    return load_config().models.default


def _model(page: str = "") -> Field:
    """The page's model: in a Japanese tab a raw-text page starts on gemma-3-270m
    (``langdefaults.default_model``); the sidebar's picker shows and sets it."""
    return Field("model", MODEL_KEY, "text",
                 lambda values: lang.default_model(page, configured_model()),
                 check=_model_check, max_len=200)


def _prompt(prefix: str, default: str = DRAGON, page: str = "") -> list[Field]:
    """``ui.sampling_lab.prompt_input``: the prompt box and the chat switch (model's default)."""
    return [Field("prompt", f"{prefix}_prompt", "text", lang.prompt(page, default)),
            Field("chat", f"{prefix}_chat", "bool", None)]


def _stop(prefix: str) -> list[Field]:
    """``ui.prompt_widgets.stop_strings``."""
    labels = {"none": list(STOP_CHOICES)[0], "newline": list(STOP_CHOICES)[1],
              "custom": "a string of my own"}
    return [Field("stop_at", f"{prefix}_stop_at", "choice", "none", options=tuple(labels),
                  widget=labels),
            Field("stop_text", f"{prefix}_stop_text", "text", "", max_len=200)]


def _grid(name: str):
    rng = {"top_p": TOP_P, "temperature": TEMPERATURE}[name]

    def check(text: str) -> None:
        bad = [v for v in parse_values(text, name) if not rng.contains(v)]
        if bad:
            raise FieldError(f"{name} values must be in {rng.describe()}, got "
                             + ", ".join(f"{v:g}" for v in bad))
    return check


def _few_shot_rows(rows: list) -> None:
    if len(rows) > MAX_EXAMPLES:
        raise FieldError(f"{len(rows)} examples; at most {MAX_EXAMPLES} are allowed")


def _messages(rows: list) -> None:
    for r in rows:
        if r["role"] not in ("system", "user", "assistant", ""):
            raise FieldError(f"unknown role {r['role']!r}: system, user or assistant")


def _compare_fields() -> list[Field]:
    out = [Field("columns", "compare_k", "int", 4, MIN_COLUMNS, MAX_COLUMNS),
           Field("n", "compare_n", "int", 3, 2, 8),
           Field("max_new_tokens", "compare_max_new", "int", 48, 8, 256),
           Field("seed", "compare_seed", "int", 0, SEED.low, SEED.high), *_prompt("compare", page="sampling_compare")]
    for i in range(MAX_COLUMNS):
        p = f"col{i + 1}."
        out.append(Field(p + "preset", f"compare_col{i}_preset", "choice", DEFAULT_COLUMNS[i],
                         options=tuple(PRESETS)))
        out += filter_fields(f"compare_col{i}", p, lambda v, p=p: preset(v[p + "preset"]),
                             group=f"col{i + 1}")
    return out


GEN_LABELS = {True: "Chat (the model's chat template)", False: "Raw text (plain continuation)"}
LAB_SEND = {"chat": "chat template (chat models)", "raw": "raw text (base models)"}
VIEW = {"without": "without the prompt", "with": "with the prompt"}
BVC_SEND = {"own": "each its own way: chat template for chat models, raw text for base models",
            "raw": "raw text for both (what the tutorial's pipeline did)",
            "chat": "chat template for both (a base model gets the plain transcript)"}
BVC_PROMPTS = [
    "Please translate to Japanese: Tell me a story about a dragon.",
    "Please write a short sentence: Tell me a story about a dragon.",
    "Please paraphrase this sentence: Tell me a story about a dragon.",
]
RAG_SOURCE = {"web": "Web search (DuckDuckGo)", "docs": "Local documents"}
CHAT_START = [
    {"role": "system", "content": "You are a helpful pirate."},
    {"role": "user", "content": "Hello! Who are you?"},
    {"role": "assistant", "content": "Arr, I be Captain Smol."},
    {"role": "user", "content": "Where is the treasure?"},
]
# The lens's defaults keep several tokens at most steps (T 0.8 / top_p 0.9 kept 1 of 49,152 at a
# third of the steps of the lesson's prompt, so Draw and "another token" had nothing to show);
# top_k below the candidates shown, so that top-k and top-p removals both show up.
LENS = {"do_sample": True, "temperature": 1.0, "top_p": 0.95, "top_k": 10, "epsilon_cutoff": 0.02}
PERSONA = GenerationSettings.transformers_defaults(do_sample=True, temperature=0.7, top_p=0.9, max_new_tokens=128)


def _rag_fields() -> list[Field]:
    from playground.config import load_config
    search = load_config().search
    regions = tuple(REGIONS) if search.region in REGIONS else (search.region, *REGIONS)
    return [
        Field("region", "rag_region", "choice", search.region, options=regions),
        Field("time", "rag_time", "choice", search.time if search.time in TIME_LABELS
              else "any", options=tuple(TIME_LABELS)),
        Field("n", "rag_n", "int", min(max(search.max_results, 1), 10), MAX_RESULTS.low,
              MAX_RESULTS.high),
        Field("budget", "rag_budget", "int", 1024, BUDGET.low, BUDGET.slider_high),
        *settings_fields("rag", GenerationSettings.transformers_defaults(max_new_tokens=96)),
        Field("source", "rag_source", "choice", "web", options=tuple(RAG_SOURCE),
              widget=RAG_SOURCE),
        Field("question", "rag_question", "text", "", max_len=500),
        _model("rag")]


LEARNING_RATES = ("1e-05", "5e-05", "0.0001", "0.0002", "0.0003", "0.0005", "0.001", "0.003",
                  "0.01", "0.05")  # the Fine-tuning page's learning_rate slider (0.05: too high)
LORA_RS = ("1", "2", "4", "8", "16", "32", "64")
LORA_ALPHAS = ("1", "2", "4", "8", "16", "32", "64", "128")


def _finetune_fields() -> list[Field]:
    """``ui.finetune_view``'s inputs: the data source and every hyperparameter."""
    from playground.tuning.data import BUILTINS
    from playground.tuning.loop import ALL_LINEAR
    from playground.tuning.schedule import SCHEDULERS

    def numbers(options, kind):
        return {o: kind(o) for o in options}

    return [
        Field("data", "ft_source", "choice", lang.by_language("captain", "kansai"),
              options=(*BUILTINS, "upload")),
        Field("loss_on", "ft_loss_on", "choice", "response", options=("response", "all")),
        Field("learning_rate", "ft_lr", "choice", "0.0002", options=LEARNING_RATES,
              widget=numbers(LEARNING_RATES, float)),
        Field("num_train_epochs", "ft_epochs", "int", 1, 1, 10),
        Field("per_device_train_batch_size", "ft_batch", "int", 4, 1, 16),
        Field("gradient_accumulation_steps", "ft_accum", "int", 1, 1, 8),
        Field("warmup_ratio", "ft_warmup", "float", 0.0, 0.0, 0.5),
        Field("lr_scheduler_type", "ft_sched", "choice", "linear", options=SCHEDULERS),
        Field("max_grad_norm", "ft_clip", "float", 1.0, 0.0, 5.0),
        Field("logging_steps", "ft_logging", "int", 1, 1, 20),
        Field("seed", "ft_seed", "int", 0, SEED.low, SEED.high),
        Field("lora_r", "ft_r", "choice", "16", options=LORA_RS, widget=numbers(LORA_RS, int)),
        Field("lora_alpha", "ft_alpha", "choice", "32", options=LORA_ALPHAS,
              widget=numbers(LORA_ALPHAS, int)),
        Field("lora_dropout", "ft_dropout", "float", 0.05, 0.0, 0.5),
        Field("target_modules", "ft_targets", "list", list(ALL_LINEAR), options=ALL_LINEAR),
        _model("finetune")]


def _build() -> dict[str, PageSpec]:
    few = DEFAULT_FEW_SHOT
    specs = [
        PageSpec("generate", "Generate", "generate", (
            *settings_fields("gen"),
            Field("chat", "gen_input", "bool", None, widget=GEN_LABELS),
            Field("system", "gen_system", "text", "", max_len=2000),
            Field("prompt", "gen_prompt", "text", lang.prompt("generate", DRAGON)),
            _model("generate")), path=""),
        PageSpec("sampling_compare", "Compare settings", "compare",
                 (*_compare_fields(), _model("sampling_compare"))),
        PageSpec("sampling_lens", "Decoding lens", "lens", (
            *filter_fields("lens", "", lambda v: LENS, group="settings"),
            Field("max_new_tokens", "lens_max_new", "int", 16, 1, 64),
            Field("seed", "lens_seed", "int", 0, SEED.low, SEED.high),
            Field("candidates", "lens_top", "int", 15, 5, MAX_CANDIDATES),
            *_prompt("lens", page="sampling_lens"), _model("sampling_lens"))),
        PageSpec("sampling_toy", "Toy distribution", "toy", (
            Field("example", "toy_example", "choice", list(EXAMPLES)[0],
                  options=tuple(EXAMPLES)),
            *filter_fields("toy", "", lambda v: EXAMPLES[v["example"]], group="settings",
                           toggle=False))),
        PageSpec("sampling_sweep", "Sweep", "sweep", (
            Field("top_p", "sweep_top_p", "text", "0.1, 0.5, 0.9", check=_grid("top_p"),
                  max_len=200),
            Field("temperature", "sweep_temperature", "text", "0.5, 1.0, 1.5",
                  check=_grid("temperature"), max_len=200),
            Field("n", "sweep_n", "int", 3, 2, 8),
            Field("max_new_tokens", "sweep_max_new", "int", 32, 8, 128),
            Field("seed", "sweep_seed", "int", 0, SEED.low, SEED.high),
            *_prompt("sweep", page="sampling_sweep"), _model("sampling_sweep"))),
        PageSpec("prompt_lab", "Prompt lab", "prompt_lab", (
            *settings_fields("lab", GenerationSettings.transformers_defaults(max_new_tokens=48)), *_stop("lab"),
            Field("templates", "lab_templates", "text", lang.by_language(
                f"\n{SEPARATOR}\n".join(DEFAULT_TEMPLATES),
                f"\n{SEPARATOR}\n".join(lang.JA_TEMPLATES))),
            Field("content", "lab_content", "text", DEFAULT_CONTENT),
            Field("send", "lab_send", "choice", None, options=tuple(LAB_SEND), widget=LAB_SEND),
            Field("view", "lab_tpl_view", "choice", "without", options=tuple(VIEW),
                  widget=VIEW),
            Field("instruction", "lab_few_instruction", "text", few.instruction, max_len=500),
            Field("input_label", "lab_few_in_label", "text", few.input_label, max_len=100),
            Field("output_label", "lab_few_out_label", "text", few.output_label, max_len=100),
            Field("examples", "lab_few_examples", "rows",
                  [{"input": x, "output": y} for x, y in few.examples],
                  columns=("input", "output"), check=_few_shot_rows, max_len=500),
            Field("query", "lab_few_query", "text", few.query, max_len=500),
            Field("few_send", "lab_few_send", "choice", None, options=tuple(LAB_SEND),
                  widget=LAB_SEND),
            Field("shots_compare", "lab_few_compare", "bool", True),
            _model("prompt_lab"))),
        PageSpec("base_vs_chat", "Base vs chat", "base_vs_chat", (
            *settings_fields("bvc", GenerationSettings.transformers_defaults(max_new_tokens=40)), *_stop("bvc"),
            Field("model_a", "bvc_model_0", "text", "smollm2-135m-instruct",
                  check=_model_check, max_len=200, extra={"other_id": True}),
            Field("model_b", "bvc_model_1", "text", "gemma-3-270m", check=_model_check,
                  max_len=200, extra={"other_id": True}),
            Field("prompts", "bvc_prompts", "text", lang.by_language(
                f"\n{SEPARATOR}\n".join(BVC_PROMPTS), f"\n{SEPARATOR}\n".join(lang.JA_BVC_PROMPTS))),
            Field("send", "bvc_send", "choice", "own", options=tuple(BVC_SEND),
                  widget=BVC_SEND))),
        PageSpec("chat_template", "Chat template", "chat_template", (
            Field("template", "tmpl_choice", "choice", "own", options=tuple(TEMPLATE_CHOICES)),
            Field("messages", "tmpl_messages", "rows", CHAT_START, columns=("role", "content"),
                  check=_messages, max_len=2000),
            _model("chat_template"))),
        PageSpec("tokenizer_model", "Tokenizer & model", "tokenizer", (
            Field("text", "tok_text", "text", lang.prompt(
                "tokenizer_model", "Tell me a story about a dragon.\n"
                "Supercalifragilisticexpialidocious! ドラゴンの物語")),
            Field("add_special", "tok_add_special", "bool", False), _model("tokenizer_model"))),
        PageSpec("persona_chat", "Persona chat", "persona", (
            Field("persona", "persona_preset", "choice", list(PERSONAS)[0],
                  options=tuple(PERSONAS)),
            Field("system", "persona_system_{persona}", "text",
                  lambda v: lang.persona_prompt(v["persona"], PERSONAS[v["persona"]]), max_len=2000),
            *(f for f in settings_fields("persona", PERSONA)  # one reply: no samples
              if f.name != "num_return_sequences"),
            Field("show_prompt", "persona_show_prompt", "bool", False), _model("persona_chat"))),
        PageSpec("rag", "RAG: answers from sources", "rag", tuple(_rag_fields())),
        PageSpec("quantization", "Quantization (32 to 4 bits)", "quantization", (
            Field("quick", "quant_quick", "bool", False),
            Field("presets", "quant_presets", "list", list(DEFAULT_PRESETS),
                  options=tuple(QUANT_PRESETS)),
            Field("prompt", "quant_prompt", "text", lang.prompt("quantization", DEFAULT_PROMPT),
                  max_len=2000),
            Field("max_new_tokens", "quant_max_new", "int", 32, QUANT_MAX_NEW.low,
                  QUANT_MAX_NEW.high),
            Field("raw", "quant_raw", "bool", False), _model("quantization"))),
        PageSpec("finetune", "Fine-tuning", "finetune", tuple(_finetune_fields())),
    ]
    return {s.name: s for s in specs}


PAGES: dict[str, PageSpec] = _build()
assert MAX_ROWS >= MAX_EXAMPLES


def page_spec(page: str) -> PageSpec:
    """By name (``sampling_compare``), alias (``compare``), URL path or script path."""
    text = (page or "").strip().strip("/").removeprefix("pages/").removesuffix(".py")
    for spec in PAGES.values():
        if text in (spec.name, spec.alias, spec.url_path):
            return spec
    raise LinkError(f"unknown page {page!r}: choose one of "
                    + ", ".join(s.alias for s in PAGES.values()))
