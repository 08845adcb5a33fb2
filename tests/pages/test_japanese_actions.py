"""Every page's main action in a Japanese tab (?lang=ja) leaves no English a participant would
read, outside the allow-list of tests/pages/test_japanese_ui.py: progress lines, result labels,
tables, errors and warnings after Generate, Compare, a sweep, a comparison, a post, ...

The model's own output is not the app's text (SmolLM2 writes English): it is taken out of the
scan by what the page kept of it (its result in the session), nothing else is skipped."""

import re

import pytest
from ddgs.exceptions import DDGSException
from streamlit.testing.v1 import AppTest

from playground.ui.text import as_text
from tests.conftest import ROOT
from tests.pages.test_japanese_ui import english_left, through_app, visible_texts  # noqa: F401


def open_ja(page: str, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["lang"] = "ja"
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception
    return at


def by_key(at, kind: str, key: str):
    """A widget by key, in the page or the sidebar."""
    found = [w for w in getattr(at, kind) if w.key == key]
    assert found, f"no {kind} {key}"
    return found[0]


def generate(at):
    by_key(at, "slider", "gen_max_new_tokens").set_value(3)
    next(b for b in at.button if b.label == "生成").click().run()


def compare(at):
    by_key(at, "slider", "compare_k").set_value(2).run()
    by_key(at, "slider", "compare_max_new").set_value(3)
    by_key(at, "slider", "compare_n").set_value(2)
    at.button(key="compare_go").click().run()


def lens(at):
    by_key(at, "slider", "lens_max_new").set_value(3).run()
    at.button(key="lens_go").click().run()
    by_key(at, "slider", "lens_step").set_value(2).run()
    at.button(key="lens_draw_go").click().run()


def toy(at):
    select = by_key(at, "selectbox", "toy_example")
    select.set_value(select.options[1]).run()
    by_key(at, "slider", "toy_temperature").set_value(1.5).run()


def sweep(at):
    at.text_input(key="sweep_top_p").set_value("0.9")  # one cell: the labels are the same
    at.text_input(key="sweep_temperature").set_value("1.0")
    by_key(at, "slider", "sweep_n").set_value(2)
    by_key(at, "slider", "sweep_max_new").set_value(3).run()
    at.button(key="sweep_go").click().run()


def prompt_lab(at):
    by_key(at, "slider", "lab_max_new_tokens").set_value(3)
    at.button(key="lab_go").click().run()
    at.button(key="lab_few_go").click().run()


def base_vs_chat(at):
    at.selectbox(key="bvc_model_1").set_value("smollm2-135m-instruct")
    by_key(at, "slider", "bvc_max_new_tokens").set_value(3)
    at.button(key="bvc_go").click().run()


def chat_template(at):
    choice = at.radio(key="tmpl_choice")
    choice.set_value(choice.options[-1]).run()


def tokenizer_model(at):
    at.text_area(key="tok_text").set_value("Hello world ドラゴン").run()
    at.toggle(key="tok_add_special").set_value(True).run()


def persona_chat(at):
    by_key(at, "slider", "persona_max_new_tokens").set_value(3)
    at.chat_input[0].set_value("Hello!").run()


def rag(at):
    by_key(at, "slider", "rag_max_new_tokens").set_value(3)
    at.text_input(key="rag_question").input("富士山の高さは?")
    next(b for b in at.button if b.label == "検索して答える").click().run()


def quantization(at):
    at.multiselect(key="quant_presets").set_value(["fp32"])  # its text is the same for two
    by_key(at, "slider", "quant_max_new").set_value(3)
    at.button(key="quant_go").click().run()


def admin(at):
    at.text_input[0].input("secret")  # the password form
    at.button[0].click().run()  # 入る
    at.selectbox(key="admin_load_name").set_value("smollm2-135m-instruct")
    at.button(key="admin_load").click().run()  # resident already: a quick load


ACTIONS = {"generate": generate, "sampling_compare": compare, "sampling_lens": lens,
           "sampling_toy": toy, "sampling_sweep": sweep, "prompt_lab": prompt_lab,
           "base_vs_chat": base_vs_chat, "chat_template": chat_template,
           "tokenizer_model": tokenizer_model, "persona_chat": persona_chat, "rag": rag,
           "quantization": quantization, "admin": admin}
# what each action leaves on the page (so a scan of a page whose action did nothing fails)
DONE = {"generate": lambda at: "gen_last" in at.session_state,
        "sampling_compare": lambda at: "compare_last" in at.session_state,
        "sampling_lens": lambda at: "lens_last" in at.session_state,
        "sampling_toy": lambda at: at.dataframe,
        "sampling_sweep": lambda at: "sweep_last" in at.session_state,
        "prompt_lab": lambda at: any("1" in m.value for m in at.markdown),
        "base_vs_chat": lambda at: "bvc_last" in at.session_state,
        "chat_template": lambda at: at.warning or at.info,
        "tokenizer_model": lambda at: at.table and at.dataframe,
        "persona_chat": lambda at: len(at.chat_message) == 2,
        "rag": lambda at: at.error,  # offline: the search error, in Japanese
        "quantization": lambda at: "quant_last" in at.session_state,
        "admin": lambda at: at.success}


def model_output(at) -> list[str]:
    """The texts the model wrote (and the participant typed), as the session keeps them."""
    out: list[str] = []

    def walk(value, depth=0):
        if depth > 6 or value is None:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                if k in ("content", "text", "answer") and isinstance(v, str):
                    out.append(v)
                else:
                    walk(v, depth + 1)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, depth + 1)
        elif hasattr(value, "__dataclass_fields__"):
            for k in value.__dataclass_fields__:
                v = getattr(value, k, None)
                if k in ("text", "texts", "answer", "content", "decoded") and isinstance(v, str):
                    out.append(v)
                elif k == "texts" and isinstance(v, (list, tuple)):
                    out.extend(x for x in v if isinstance(x, str))
                else:
                    walk(v, depth + 1)

    for key in list(at.session_state):
        walk(at.session_state[key])
    return sorted({x for x in out if len(x.strip()) > 1}, key=len, reverse=True)


def without_output(texts: list[str], outputs: list[str]) -> list[str]:
    kept = []
    for text in texts:
        for o in outputs:
            for form in (o, as_text(o), o.strip(), as_text(o.strip())):
                text = text.replace(form, " ")
        kept.append(text)
    return kept


@pytest.fixture
def offline_search(monkeypatch):
    """DuckDuckGo unreachable, as on a machine without the internet."""
    import ddgs

    from playground.rag import gate

    class Offline:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def text(self, query, **kwargs):
            raise DDGSException("DNSError: error sending request for url > error resolving DNS")

    monkeypatch.setattr(ddgs, "DDGS", Offline)
    monkeypatch.setattr(gate, "_gate", None)


@pytest.mark.parametrize("page", list(ACTIONS))
def test_after_the_main_action_a_japanese_tab_has_no_english_left(smol, offline_search, page,
                                                                 monkeypatch):
    monkeypatch.setenv("PLAYGROUND_ADMIN_PASSWORD", "secret")
    at = open_ja(page)
    ACTIONS[page](at)
    assert not at.exception, at.exception
    assert DONE[page](at), f"{page}: the action left no result"
    texts = without_output(visible_texts(at), model_output(at))
    left = english_left(texts)
    assert left == [], [x[:160] for x in texts if any(re.search(rf"\b{w}\b", x) for w in left)]


def test_a_post_under_a_lesson_step_reads_in_japanese_on_the_board(smol, through_app):
    """The instructor shares a titled lesson step (its English note, as they see it); a Japanese
    student generates and posts: the banner, the post's step label and the step filter read
    the step's title_ja, and the Board has no English left but the post's own text."""
    from playground.room import broadcast
    from playground.room.lessons import list_plans, load_plan
    from playground.room.store import room_store

    step = next(s for s in load_plan(list_plans()[0]).steps if s.title_ja)
    broadcast.publish(room_store(), step.link, step.note)
    at = open_ja("generate")
    assert any(step.title_ja in m.value for m in at.markdown)  # the banner
    by_key(at, "slider", "gen_max_new_tokens").set_value(3)
    next(b for b in at.button if b.label == "生成").click().run()
    at.button(key="gen_post_go").click().run()
    assert at.success and not at.error, at.error
    at.switch_page("pages/board.py").run()
    assert not at.exception
    meta = [x.value for x in at.text if "smollm2-135m-instruct" in x.value or "gemma" in x.value]
    assert meta and t_step(step.title_ja) in meta[0], meta
    assert step.title_ja in at.selectbox(key="board_step").options
    outputs = [x.value for x in at.text if x.value not in meta]  # the post: text, settings
    settings = [x for x in outputs if x.startswith("設定: ")]  # not a raw English dump
    assert settings and english_left(settings) == [], outputs
    assert english_left(visible_texts(at) + meta) == [], outputs


def t_step(title: str) -> str:
    return f"ステップ: {title}"


def test_a_comparisons_progress_lines_read_in_japanese(smol):
    """Every progress line a real comparison reports (fp32, on the embedded model, in
    this process), as the Quantization page shows it in a Japanese tab: translated, one full
    stop at the end (it read 'fp32: loading (dtype=torch.float32)….')."""
    from playground.i18n import translate
    from playground.quant.compare import ComparisonRequest, run_comparison
    from playground.serving.registry import default_registry
    from playground.ui.quant_view import _line

    lines: list[str] = []
    request = ComparisonRequest(model="smollm2-135m-instruct", presets=("fp32",),
                                prompt="Hi", max_new_tokens=2)
    run_comparison(request, default_registry(), progress=lambda _f, m: lines.append(m))
    assert len(lines) >= 4 and any("generating" in m for m in lines), lines  # English, made
    shown = [_line(translate("ja", m), "") for m in dict.fromkeys(lines)]
    assert english_left(shown) == [], shown
    assert not [s for s in shown if s.endswith(("….", "。.", ".."))], shown
