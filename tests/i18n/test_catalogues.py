"""The two catalogues agree key for key and placeholder for placeholder, every key the UI asks
for exists, and no user-visible literal in pages/ or playground/ui/ bypasses the lookup."""

import ast
import re
import string

import pytest

from playground.i18n import LANGUAGES, catalogue, lookup, normalize
from tests.conftest import ROOT

UI_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"),
                   *(ROOT / "playground" / "ui").glob("*.py")])
# streamlit calls whose first argument (or label-like keyword) a participant reads
SHOWN = {"title", "header", "subheader", "caption", "markdown", "write", "info", "warning",
         "error", "success", "button", "radio", "selectbox", "multiselect", "slider",
         "select_slider", "text_input", "text_area", "number_input", "toggle", "checkbox",
         "expander", "metric", "download_button", "file_uploader", "progress", "spinner",
         "form_submit_button", "chat_input", "popover", "link_button", "status", "toast",
         "Page", "update", "text", "TextColumn", "SelectboxColumn", "NumberColumn",
         "CheckboxColumn", "Column"}
LABEL_KWARGS = {"help", "placeholder", "label", "text", "title", "caption"}
WITH_OPTIONS = {"radio", "selectbox", "multiselect", "select_slider"}
# shown as they are in both languages: transformers' parameter names, the language selector
ALLOWED = {"temperature", "top_p", "top_k", "min_p", "epsilon_cutoff", "max_new_tokens", "seed",
           "max_length", "padding_side",
           "言語 / Language", "Self-BLEU", "chrF", "BLEU", "distinct-1", "distinct-2",
           "role", "content", "system", "user", "assistant",  # chat message fields (code)
           # TrainingArguments' and LoraConfig's names (the Fine-tuning page), as typed in code
           "learning_rate", "num_train_epochs", "per_device_train_batch_size",
           "gradient_accumulation_steps", "warmup_ratio", "lr_scheduler_type", "max_grad_norm",
           "logging_steps", "r", "lora_alpha", "lora_dropout", "prompt", "response",
           "train.jsonl"}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_key_exists_in_both_languages():
    en, ja = catalogue("en"), catalogue("ja")
    assert sorted(set(en) - set(ja)) == [], "missing in ja.toml"
    assert sorted(set(ja) - set(en)) == [], "missing in en.toml"
    assert not [k for k in ja if not ja[k].strip()], "an empty translation"


def test_placeholders_are_named_the_same_in_both_languages():
    en, ja = catalogue("en"), catalogue("ja")
    assert {k: fields(v) for k, v in en.items()} == {k: fields(ja[k]) for k in en}


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            yield node, (f.attr if isinstance(f, ast.Attribute) else
                         f.id if isinstance(f, ast.Name) else None)


def test_every_key_the_ui_asks_for_is_in_the_catalogue():
    keys = set(catalogue("en"))
    asked = {}
    for path in UI_FILES:
        for node, name in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            if name == "t" and node.args and isinstance(node.args[0], ast.Constant):
                asked.setdefault(node.args[0].value, path.name)
    assert asked, "the scan found no lookup at all"
    assert {k: f for k, f in asked.items() if k not in keys} == {}


def visible_literals(source: str) -> list[tuple[int, str]]:
    """String literals a participant would read in English: arguments of streamlit display and
    widget calls (and options lists without a format_func) that do not go through t()."""
    found = []

    def scan(node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {
                "t", "error_text"}:
            return  # looked up
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = re.sub(r"<[^<>]*>|^[^<]*>|<[^>]*$", "", node.value)  # HTML markup
            if re.search(r"[A-Za-z]{2,}", text) and node.value.strip() not in ALLOWED:
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.Compare):
            return  # a condition, not a text
        elif isinstance(node, ast.Subscript):
            scan(node.value)  # the key of a lookup is not shown
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in {"get", "pop", "setdefault"}:
            return
        elif isinstance(node, ast.JoinedStr):
            for v in node.values:
                if isinstance(v, ast.Constant):
                    scan(v)
        else:
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, (ast.FormattedValue,)):
                    scan(child)

    for node, name in _calls(ast.parse(source)):
        if name not in SHOWN:
            continue
        if node.args and not isinstance(node.args[0], (ast.Call,)) or (
                node.args and isinstance(node.args[0], ast.Call)):
            if name not in {"Page"}:
                scan(node.args[0])
        for kw in node.keywords:
            if kw.arg in LABEL_KWARGS:
                scan(kw.value)
        if name in WITH_OPTIONS and len(node.args) > 1 and not any(
                kw.arg == "format_func" for kw in node.keywords):
            scan(node.args[1])
    return found


def test_no_visible_literal_bypasses_the_lookup():
    left = {path.relative_to(ROOT).as_posix(): visible_literals(path.read_text(encoding="utf-8"))
            for path in UI_FILES}
    assert {p: v for p, v in left.items() if v} == {}


def test_the_scan_finds_a_literal_that_bypasses_the_lookup():
    source = ('st.caption("Hello there")\nst.button(t("x.y"), help="Stops it")\n'
              'st.radio(t("x.z"), ["Greedy", "Sampling"])\nst.slider("temperature", 0, 1)\n'
              'st.selectbox(t("a.b"), ["en", "ja"], format_func=t)\n')
    assert [v for _, v in visible_literals(source)] == ["Hello there", "Stops it", "Greedy",
                                                       "Sampling"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_lookup_fills_placeholders_and_falls_back(lang):
    assert lookup(lang, "widgets.waiting_for_the_model", ahead=3).count("3") == 1
    assert lookup(lang, "no.such.key") == "no.such.key"


def test_language_codes_are_normalized():
    assert [normalize(x) for x in ("ja", "ja-JP", "JA_jp", "en-US", "fr", "", None)] == [
        "ja", "ja", "ja", "en", None, None, None]


def test_messages_made_in_playground_are_translated_by_their_wording():
    from playground.errors import SettingsError
    from playground.i18n import translate
    from playground.serving.settings import GenerationSettings

    with pytest.raises(SettingsError) as err:
        GenerationSettings(do_sample=True, top_p=1.5)
    problem = err.value.problems[0]
    assert problem.startswith("top_p must be in") and translate("en", problem) == problem
    ja = translate("ja", problem)
    assert "top_p" in ja and "1.5" in ja and "範囲" in ja
    assert translate("ja", "Kansai-dialect assistant") == "関西弁のアシスタント"
    assert translate("ja", "no such text") == "no such text"


def test_errors_participants_meet_carry_a_key_the_catalogues_have():
    from playground.errors import PlaygroundError
    from playground.serving.catalog import resolve

    keys = set()
    for path in (ROOT / "playground").rglob("*.py"):
        for node, _ in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            for kw in node.keywords:
                if kw.arg == "key" and isinstance(kw.value, ast.Constant) and str(
                        kw.value.value).startswith("errors."):
                    keys.add(kw.value.value)
    assert len(keys) >= 10 and keys <= set(catalogue("en")) & set(catalogue("ja"))
    with pytest.raises(PlaygroundError) as err:
        resolve("no such model!")
    assert err.value.key == "errors.unknown_model"
    assert "no such model!" in lookup("ja", err.value.key, **err.value.params)
    assert "unknown model" in str(err.value)  # the CLI's English message is unchanged


def test_room_messages_made_in_playground_reach_a_japanese_page_translated(tmp_path):
    from playground.errors import BoardError, OverBudgetError
    from playground.i18n import translate
    from playground.room import board
    from playground.room.links import decode_link
    from playground.room.store import RoomStore
    from playground.serving.fairshare import SessionLedger

    store = RoomStore(tmp_path / "room.sqlite3")
    board.add_post(store, session="s", page="generate", text="one", posts_per_minute=1)
    with pytest.raises(BoardError) as err:
        board.add_post(store, session="s", page="generate", text="two", posts_per_minute=1)
    assert err.value.key == "errors.board_too_often" and "try again" in str(err.value)
    assert "1 分に 1 回" in lookup("ja", err.value.key, **err.value.params)

    ledger = SessionLedger(tokens_per_minute=10)
    ledger.touch("a", "generate")  # a browser tab: budgeted
    for _ in range(10):
        ledger.count_token("a/generate")
    with pytest.raises(OverBudgetError) as over:
        ledger.check("a/generate")
    assert over.value.key == "errors.over_budget_tokens" and over.value.retry_after_s > 0
    assert "割り当て" in lookup("ja", over.value.key, **over.value.params)

    _, _, notes = decode_link("/sampling_compare?seed=-5&bogus=1")
    ja = [translate("ja", n) for n in notes]
    assert len(ja) == 2 and not [n for n in ja if "ignored" in n or "no such" in n], ja
    assert any("-5" in n and "0 を使います" in n for n in ja)
    assert translate("ja", "5 min ago") == "5 分前" and translate("ja", "just now") == "たった今"


def test_remote_engine_warnings_and_cache_messages_read_in_japanese(tmp_path):
    """What a remote engine could not do (the capability check, settings it cannot apply), an
    instructor's unload and a missing Hugging Face cache: made in English in playground/ (the
    CLI prints them), shown translated on a Japanese page."""
    from types import SimpleNamespace

    from playground.errors import PlaygroundError
    from playground.i18n import translate
    from playground.room.admin import cache_report
    from playground.serving import capcheck
    from playground.serving.remote import unsupported_warnings
    from playground.serving.settings import GenerationSettings
    from tests.pages.test_japanese_ui import english_left

    spec = SimpleNamespace(name="Qwen2.5-0.5B", base_url="http://127.0.0.1:9/v1", location="x",
                           unsupported=("seed",), engine="llama.cpp")
    loaded = SimpleNamespace(spec=spec, engine="llama.cpp", capabilities=None)
    with capcheck._LOCK:
        capcheck._CACHE[capcheck._key(loaded)] = {"samples": False, "seed": False, "error": None}
    try:
        made = capcheck.warnings_for(loaded)
    finally:
        with capcheck._LOCK:
            capcheck._CACHE.pop(capcheck._key(loaded), None)
    assert len(made) == 2
    sampled = GenerationSettings(do_sample=True, temperature=0.7, epsilon_cutoff=0.02)
    for name in ("llama.cpp", "vllm", "transformers"):
        made += [w for w in unsupported_warnings(spec, (sampled,), name) if w not in made]
    assert len(made) >= 4  # a seed ignored, a setting not applied
    made.append("Qwen2.5-0.5B was unloaded by the instructor; pick it again to reload it")
    with pytest.raises(PlaygroundError) as err:
        cache_report(tmp_path / "no-cache-here")
    assert "no Hugging Face cache" in str(err.value)  # the CLI's English
    ja = [translate("ja", m) for m in made] + [lookup("ja", err.value.key, **err.value.params)]
    assert all(re.search(r"[\u3040-\u30ff]", m) for m in ja), ja
    assert english_left(ja) == [], "\n".join(ja)
