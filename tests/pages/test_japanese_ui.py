"""Every page in Japanese (?lang=ja): no English left a participant would read, except what
stays English on purpose (parameter names, model ids, code, file names, metric and library
names) and the model's own output (none is shown before Generate)."""

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from playground.lab.toy import TUTORIAL_TOKENS
from tests.conftest import ROOT

TOY_WORDS = [word for word, _ in TUTORIAL_TOKENS]  # the toy's made-up next words

PAGES = ["generate", "sampling_compare", "sampling_lens", "sampling_toy", "sampling_sweep",
         "prompt_lab", "base_vs_chat", "chat_template", "tokenizer_model", "inside_model",
         "persona_chat", "rag", "quantization", "admin", "board", "finetune"]
# English on purpose: transformers' parameter names, model ids, metric/library/format names
KEEP = re.compile(r"""
    Tell\ me\ a\ story\ about\ a\ dragon\.                     # the tutorial's prompt
  | `[^`]*` | \$[^$]*\$ | "[^"]*" | “[^”]*” | 「[^」]*」    # code spans, formulas, quoted text
  | 例:\ .*                                              # an example input (English: the model)
  | [\w.-]+\ \+\ [\w-]+\ \(LoRA\)                            # a model with an adapter
  | https?://\S+ | \b[\w-]+\.(?:co|com|org|io)\b | (?:[\w.-]*/)+[\w.@-]+                  # addresses, org/model, paths
  | \b[\w.]+\((?:\.\.\.|…)?\)                             # a call: model.generate(...)
  | \b\w+=[\w.]+                                        # code arguments: dtype=torch.float32
  | \b[a-z]\w*_\w+\b | \[[a-z_]+\] | \b\w*ForCausalLM\b   # identifiers, [room], classes
  | \b[a-z]{2}-[a-z]{2}\b | Llama-2-7b[\w.-]*              # region codes, the tutorial's model
  | [\w-]+\.(?:json|toml|py|txt|md|gguf)\b                # file names
  | \b(?:langchain-community|temperature|top_p|top_k|min_p|epsilon_cutoff|epsilon|max_new_tokens|seed
      |num_return_sequences|do_sample|apply_chat_template|add_generation_prompt
      |smollm2-135m-instruct|gemma-3-270m|SmolLM2[\w.-]*|Qwen[\w.-]*
      |Self-BLEU|BLEU|chrF|distinct-n|distinct-\d|n-gram|Zhu|BM25|RAG|JSON|Jinja|ID|GPU|CPU|RAM|cpu|cuda
      |MiB|GiB|MB|GB|tok/s|fp32|fp16|bf16|int8|nf4|fp4|dq|bnb|bitsandbytes|DuckDuckGo|Hugging\ Face
      |transformers|PyTorch|llama\.cpp|vLLM|vllm|sacrebleu|MeCab|ja-mecab|13a|langchain|ddgs|softmax|argmax|logits?
      |top-k|top-p|min-p|few-shot|shot|User|Assistant|system|user|assistant|role|content
      |greedy|LLM|HF_HOME|HF_HUB_CACHE|config|openai|Ġ|Ċ|BPE|SentencePiece|byte-level
      |CUDA|RSS|dtype|x86_64|wt-wt|jp-jp|us-en|any|tokenizer|decode|ids|get_memory_footprint
      |pipeline|perplexity|raw|id|piece|token|tokens|PAD|BOS|EOS|UNK|eos|bos|pad|unk
      |English|Language|en|ja|input|output|float32|float16|bfloat16|NormalFloat|Gemma
      |CSV|JSONL|LoRA|PEFT|peft|trl|linear|cosine|constant|prompt|response|DuckDuckGoSearchResults|Unicode|NFKC|NFC|Tell\ me\ a\ story\ about\ a\ dragon\.|T)\b
""", re.X)


def visible_texts(at) -> list[str]:
    """What a participant reads: labels, help, options, captions, messages, headers."""
    texts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning",
                 "error", "success", "exception"):
        texts += [e.value for e in getattr(at, kind)]
    for kind in ("button", "radio", "selectbox", "multiselect", "slider", "select_slider",
                 "text_input", "text_area", "number_input", "toggle", "checkbox", "expander",
                 "metric", "tabs", "chat_input"):
        for e in getattr(at, kind):
            texts += [str(getattr(e, a, "") or "") for a in ("label", "help", "placeholder")]
            if kind in ("radio", "selectbox", "multiselect", "select_slider"):
                texts += [str(o) for o in e.options]
            if kind in ("selectbox", "multiselect") and not e.proto.placeholder and (
                    kind == "multiselect" or _nothing_chosen(e)):
                texts.append("Choose an option")  # Streamlit's own placeholder, in English
    # the model's text as tokens (a tokenizer table, the toy's made-up next words): a table
    # cell that is a piece of what the model reads or writes is not the app's wording
    model = [w.value for w in (*at.text_area, *at.text_input) if w.value] + TOY_WORDS
    for table in (*at.dataframe, *at.table):  # headers and cells (figures, words like 'never')
        frame = table.value
        texts += [str(c) for c in frame.columns]
        if not getattr(table.proto, "editing_mode", 0):  # an editor's cells: what one typed
            texts += [str(v) for v in frame.to_numpy().ravel()  # booleans: drawn as check boxes
                      if not isinstance(v, (bool, np.bool_)) and not _a_piece_of(str(v), model)]
    texts += [e.value for e in at.toast]
    # token chips (the model's input, as tokens) and HTML legends: only their text counts
    texts = [x for x in texts if not x.startswith('<div style="line-height')]
    return [re.sub(r"<[^>]*>", " ", x) for x in texts if x]


def _a_piece_of(cell: str, model_texts: list[str]) -> bool:
    piece = cell.replace("␣", " ").replace("Ġ", " ").replace("▁", " ").strip()
    return bool(piece) and any(piece in text for text in model_texts)


def _nothing_chosen(select) -> bool:
    """A selectbox with nothing chosen (index=None or no options) shows its placeholder; None
    as one of its options ("all pages") is a choice."""
    if not select.options:
        return True
    if select.value is not None:
        return False
    try:
        return str(select.format_func(None)) not in select.options
    except Exception:
        return True


# English words of two letters that a Japanese sentence never needs ("(2 cores)", "or")
SHORT = re.compile(r"\b(?:or|of|to|in|is|on|at|by|an|as|it|be|we|if|no)\b", re.I)


def english_left(texts: list[str]) -> list[str]:
    left = set()
    for text in texts:
        kept = KEEP.sub(" ", text)
        left |= set(re.findall(r"[A-Za-z]{3,}", kept)) | set(SHORT.findall(kept))
    return sorted(left)


def first_run_in_japanese(page: str) -> AppTest:
    # a fresh app per page: AppTest matches a radio's value against its shown (translated)
    # options when it reruns, which a format_func makes differ; a first run has no state yet
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["lang"] = "ja"
    at.switch_page(f"pages/{page}.py")
    return at.run()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_japanese_has_no_english_left(smol, page):
    at = first_run_in_japanese(page)
    assert not at.exception
    texts = visible_texts(at)
    assert any(re.search(r"[\u3040-\u30ff]", x) for x in texts)  # the page is in Japanese
    assert english_left(texts) == []


def test_the_scan_sees_english(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()  # English
    assert "prompt" in {w.lower() for w in english_left(visible_texts(at))}


def test_the_sidebar_selector_switches_this_session_and_writes_lang(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    assert at.title[0].value == "Generate"  # no ?lang=, no Japanese browser: configuration (en)
    at.selectbox(key="i18n_lang_select").set_value("ja").run()
    assert at.title[0].value == "生成" and at.query_params["lang"] == "ja"
    other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    assert other.title[0].value == "Generate"  # another session keeps its own language


def test_the_chat_pages_say_the_embedded_model_writes_english_only(smol):
    """A Japanese tab's raw-text pages start on gemma-3-270m (tests/pages/test_japanese_models);
    the chat pages stay on the English-only SmolLM2 and say so, and the picker says which model
    writes which language."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["lang"] = "ja"
    at.run()  # the Generate page
    picker = [s for s in at.sidebar.selectbox if s.label == "モデル"]
    assert picker and "gemma-3-270m" in picker[0].help and "日本語" in picker[0].help
    # the chat template page stays on SmolLM2 and says so; Persona chat and RAG answer with
    # gemma-3-270m + the Kansai adapter where setup trained it (and say which model answers)
    from playground.room.langdefaults import JA_CHAT_MODEL, ja_chat_available

    template = first_run_in_japanese("chat_template")
    assert template.session_state["model_name"] == "smollm2-135m-instruct"
    persona = first_run_in_japanese("persona_chat")  # the Kansai preset asks for Japanese
    if ja_chat_available():
        assert persona.session_state["model_name"] == JA_CHAT_MODEL
    else:
        assert any("英語しか" in c.value for c in persona.caption)


def test_the_tokenizer_page_measures_what_japanese_costs(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    at.switch_page("pages/tokenizer_model.py").run()
    cost = next(c.value for c in at.caption if "per character" in c.value)
    ratio = float(re.search(r"costs ([\d.]+)×", cost).group(1))
    assert 5 < ratio < 10  # SmolLM2's byte-level BPE: about 7x the tokens per character


def test_rag_defaults_to_the_japanese_region_in_japanese(smol):
    assert first_run_in_japanese("rag").selectbox(key="rag_region").value == "jp-jp"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    at.switch_page("pages/rag.py").run()
    assert at.selectbox(key="rag_region").value == "wt-wt"



@pytest.fixture
def through_app(monkeypatch, tmp_path):
    """Runs go through app.py (the room strip, the banner, the sidebar), as on a server (see
    tests/room/conftest.py's nav_app), with a room of this test's own (its banner and posts
    would show on every later page)."""
    from streamlit.runtime.pages_manager import PagesManager

    monkeypatch.setenv("PLAYGROUND_ROOM_DB", str(tmp_path / "room.sqlite3"))

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    # put back afterwards too: later tests in this process run pages alone, as AppTest does
    monkeypatch.setattr(PagesManager, "uses_pages_directory", PagesManager.uses_pages_directory,
                        raising=False)


def board_in_japanese(state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["lang"] = "ja"
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.switch_page("pages/board.py")
    return at.run()


def test_the_board_a_post_and_the_lesson_banner_in_japanese(smol, through_app):
    from playground.room import board, broadcast
    from playground.room.lessons import list_plans, load_plan
    from playground.room.store import room_store

    store = room_store()
    board.add_post(store, session="other", page="sampling_compare", text="A dragon story.",
                   model="smollm2-135m-instruct", metric_name="Self-BLEU", metric=42.0,
                   settings={"do_sample": True, "top_p": 0.9, "temperature": 1.0, "seed": 0},
                   posts_per_minute=0)
    step = load_plan(list_plans()[0]).steps[0]
    assert step.note_ja  # the shipped plan is written in both languages
    broadcast.publish(store, step.link, step.note)  # the English note, as the instructor's
    at = board_in_japanese()
    assert not at.exception
    meta = next(x.value for x in at.text if "smollm2-135m-instruct" in x.value)
    assert english_left([meta]) == []  # name, page, age: 匿名 · 設定の比較 · … · たった今
    banner = [m.value for m in at.markdown if "講師より" in m.value]
    assert banner and step.note_ja[:10] in banner[0]  # each tab reads the step in its language
    assert any(b.label == "開く" for b in at.button)
    assert english_left(visible_texts(at)) == []

    instructor = board_in_japanese({"admin_ok": True})  # + share, lesson plan, export, clear
    assert not instructor.exception
    assert any(step.note_ja[:10] in c.value for c in instructor.caption)
    assert any("ステップ" in c.value for c in instructor.caption)  # the lesson plan's line
    assert english_left(visible_texts(instructor)) == []


@pytest.mark.parametrize("page", ["prompt_lab", "base_vs_chat", "persona_chat"])
def test_a_japanese_tab_starts_with_japanese_inputs(smol, page):
    """The default inputs are the tab's language too: the instruction templates, the
    base-vs-chat prompts, the persona's system prompt (the English sentence that the translation
    prompts translate stays English, on purpose)."""
    at = first_run_in_japanese(page)
    assert not at.exception
    # Prompt lab's few-shot block is the tutorial's own prompt, word for word, on purpose
    tutorial = ("lab_few_instruction", "lab_few_in_label", "lab_few_out_label")
    values = [w.value for w in (*at.text_area, *at.text_input) if w.value and w.key not in tutorial]
    assert values and english_left(values) == [], values
