"""Lesson plans: the shipped plan walks the tutorial and every step opens its page; the
instructor's Next shares each step; a malformed plan is reported with its line."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from playground.room import broadcast
from playground.room.lessons import SHIPPED, LessonError, load_plan, parse_plan
from playground.room.pages import PAGES

PLAN = load_plan(SHIPPED / "tutorial.toml")
NOT_INSTALLED = "is not installed on this server"  # gemma-3-270m, an optional install


def test_the_shipped_plan_walks_every_section_of_the_tutorial():
    pages = [s.page for s in PLAN.steps]
    for page in ("generate", "tokenizer_model", "sampling_toy", "sampling_compare",
                 "sampling_lens", "sampling_sweep", "quantization", "prompt_lab",
                 "base_vs_chat", "chat_template", "persona_chat", "rag"):
        assert page in pages, page
    presets = {v for s in PLAN.steps if s.page == "sampling_compare"
               for k, v in s.inputs.items() if k.endswith(".preset")}
    assert {"top_p 0.1 / T 0.8", "top_p 0.9 / T 0.8", "top_k 3", "epsilon 0.02",
            "top_p 1.0 / T 10"} <= presets  # top-p, temperature, top-k, epsilon
    assert pages.index("generate") < pages.index("sampling_compare") < \
        pages.index("quantization") < pages.index("prompt_lab") < pages.index("persona_chat") \
        < pages.index("rag")  # the tutorial's order
    assert all(s.note for s in PLAN.steps)


@pytest.mark.parametrize("index", range(len(PLAN.steps)))
def test_each_step_opens_its_page_without_an_error(nav_app, index):
    step = PLAN.steps[index]
    at = nav_app(PAGES[step.page].script, dict(parse_qsl(urlsplit(step.link).query)))
    assert not at.exception, at.exception
    assert not [e.value for e in at.error if NOT_INSTALLED not in e.value]
    assert not [w.value for w in at.warning if "ignored" in w.value]
    assert at.title[0].value.split()[0].strip(":") == PAGES[step.page].title.split()[0].strip(":")


def test_next_shares_each_step_and_opens_it_in_the_instructors_tab(nav_app):
    from playground.room.store import room_store

    at = nav_app(state={"admin_ok": True})
    for i, step in enumerate(PLAN.steps[:4]):
        at.button(key="room_next").click().run()
        assert not at.exception, at.exception
        shared = broadcast.current(room_store())
        assert shared.link == step.link and shared.note == step.note
        assert any(f"Step {i + 1} of {len(PLAN.steps)}" in m.value for m in at.markdown)
    at.button(key="room_prev").click().run()
    assert broadcast.current(room_store()).link == PLAN.steps[2].link


def test_a_toml_mistake_names_its_line_and_column():
    with pytest.raises(LessonError, match=r"plan.toml: .*at line 3, column \d+"):
        parse_plan('title = "x"\n[[step]]\npage = "compare\n')


def test_a_bad_step_names_the_line_of_its_table():
    text = ('title = "x"\n\n[[step]]\npage = "compare"\nnote = "ok"\n\n'
            '[[step]]\npage = "compare"\n[step.inputs]\n"col1.top_p" = 7\n')
    with pytest.raises(LessonError, match=r"step 2 \(line 7\): top_p must be in \(0, 1\]"):
        parse_plan(text)
    with pytest.raises(LessonError, match=r"step 1 \(line 1\): unknown page 'nowhere'"):
        parse_plan('[[step]]\npage = "nowhere"\n')
    with pytest.raises(LessonError, match="unknown key 'inptus'"):
        parse_plan('[[step]]\npage = "toy"\n[step.inptus]\ntemperature = 2\n')
    with pytest.raises(LessonError, match="no steps"):
        parse_plan('title = "empty"\n')


def test_a_plan_file_that_is_not_text_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LessonError, match="not UTF-8"):
        load_plan(bad)


def test_a_bad_plan_file_is_shown_on_the_page_with_its_line(nav_app, tmp_path, monkeypatch):
    from playground.ui import room_bar

    bad = tmp_path / "broken.toml"
    bad.write_text('title = "A plan"\n[[step]]\npage = \n')
    monkeypatch.setattr(room_bar, "list_plans", lambda _folder: [bad])
    at = nav_app(state={"admin_ok": True})
    assert not at.exception
    assert any("line 3" in e.value for e in at.error), [e.value for e in at.error]


def test_a_step_has_a_title_and_a_japanese_title_checked_as_one_line():
    plan = parse_plan('[[step]]\npage = "toy"\ntitle = "Sharper"\ntitle_ja = "鋭く"\n')
    step = plan.steps[0]
    assert (step.title_for("en"), step.title_for("ja")) == ("Sharper", "鋭く")
    assert parse_plan('[[step]]\npage = "toy"\ntitle = "Only English"\n').steps[0].title_for(
        "ja") == "Only English"
    with pytest.raises(LessonError, match=r"step 1 \(line 1\): title_ja must be one line"):
        parse_plan('[[step]]\npage = "toy"\ntitle_ja = "二\\n行"\n')
    with pytest.raises(LessonError, match="title must be one line"):
        parse_plan('[[step]]\npage = "toy"\ntitle = 3\n')


def test_the_plans_japanese_steps_use_gemma_with_japanese_titles():
    ja_steps = [s for s in PLAN.steps if s.inputs.get("model") == "gemma-3-270m"]
    assert {s.page for s in ja_steps} >= {"generate", "sampling_compare", "sampling_lens",
                                          "prompt_lab"}
    assert all(s.title_ja and s.note_ja and s.title for s in ja_steps)


def test_a_step_carries_only_what_it_names_so_each_tab_keeps_its_own_model():
    """A step's link used to carry the instructor's English defaults (model=smollm2-135m-
    instruct), and a Japanese tab left gemma-3-270m for the rest of the lesson."""
    from playground.room.langdefaults import speaking
    from playground.room.links import decode_link

    for step in PLAN.steps:
        assert ("model=" in step.link) == ("model" in step.inputs), (step.page, step.link)
    first = PLAN.steps[0]
    for lang, model in (("ja", "gemma-3-270m"), ("en", "smollm2-135m-instruct")):
        with speaking(lang):
            page, values, notes = decode_link(first.link)
        assert page == "generate" and values["model"] == model and not notes
        assert values["prompt"] == "Tell me a story about a dragon." and values["chat"] is False
