"""Every page: the link a session gives ("Link to this step") opens a fresh session with the
same inputs, through app.py as on the server; bad values open with defaults and a note."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from playground.room.links import encode_link
from playground.room.pages import PAGES

# non-default inputs per page, set through the widgets as a participant would
SAMPLES = {
    "generate": {"do_sample": True, "temperature": 0.7, "top_p": 0.5, "top_k": 20, "seed": 3,
                 "num_return_sequences": 2, "max_new_tokens": 30, "chat": False,
                 "prompt": "Once upon a time", "repetition_penalty": 1.2,
                 "no_repeat_ngram_size": 3, "max_length": 60},
    "sampling_compare": {"columns": 2, "n": 2, "seed": 3, "max_new_tokens": 16,
                         "prompt": "A dragon", "col1.preset": "top_p 0.9 / T 0.8",
                         "col2.preset": "top_k 3", "col2.temperature": 1.2},
    "sampling_lens": {"temperature": 1.1, "top_k": 5, "max_new_tokens": 8, "seed": 2,
                      "candidates": 10, "prompt": "Hello"},
    "sampling_toy": {"example": "top_k = 3", "temperature": 1.5},
    "sampling_sweep": {"top_p": "0.2, 0.8", "temperature": "0.7", "n": 2, "max_new_tokens": 16,
                       "seed": 5, "prompt": "Hi"},
    "prompt_lab": {"do_sample": True, "temperature": 0.5, "stop_at": "custom",
                   "stop_text": "END", "templates": "Say: {content}", "content": "hello",
                   "send": "raw", "view": "with", "instruction": "Translate:",
                   "query": "Good night.", "few_send": "raw", "shots_compare": False},
    "base_vs_chat": {"model_b": "smollm2-135m-instruct", "prompts": "Hello", "send": "raw",
                     "max_new_tokens": 20, "stop_at": "newline", "num_beams": 2,
                     "early_stopping": True},
    "chat_template": {"template": "none"},
    "tokenizer_model": {"text": "ドラゴン", "add_special": True},
    "persona_chat": {"persona": "Pirate", "system": "You are a terse pirate.",
                     "temperature": 0.9, "show_prompt": True},
    "rag": {"region": "jp-jp", "time": "w", "n": 3, "budget": 512, "source": "docs",
            "question": "What is BM25?", "max_new_tokens": 64},
    "quantization": {"presets": ["fp32", "nf4"], "prompt": "Hi there", "max_new_tokens": 8,
                     "raw": True},
    "finetune": {"data": "captain", "num_train_epochs": 2, "per_device_train_batch_size": 2,
                 "lr_scheduler_type": "cosine", "seed": 4, "loss_on": "all",
                 "target_modules": ["q_proj", "v_proj"], "lora_dropout": 0.1},
}
# one bad value per page: (input, value, what the widget then holds)
BAD = {
    "generate": ("top_p", "7", None), "sampling_compare": ("col2.preset", "bogus", None),
    "sampling_lens": ("top_p", "7", None), "sampling_toy": ("example", "bogus", None),
    "sampling_sweep": ("top_p", "0.5, 7", None), "prompt_lab": ("top_p", "7", None),
    "base_vs_chat": ("send", "bogus", None), "chat_template": ("template", "bogus", None),
    "tokenizer_model": ("add_special", "maybe", None), "persona_chat": ("persona", "bogus", None),
    "rag": ("region", "xx-yy", None), "quantization": ("presets", "fp32,fp7", None),
    "finetune": ("lr_scheduler_type", "bogus", None),
}
WIDGETS = ("slider", "number_input", "text_area", "text_input", "radio", "toggle", "selectbox",
           "multiselect", "checkbox")
NOT_INSTALLED = "is not installed on this server"  # gemma-3-270m, an optional install


def find_widget(at, key):
    for kind in WIDGETS:
        for w in getattr(at, kind):
            if w.key == key:
                return w
    return None


def page_errors(at):
    return [e.value for e in at.error if NOT_INSTALLED not in e.value]


def state(at, key):
    try:
        return at.session_state[key]
    except KeyError:
        return None


def test_every_page_has_a_sample_and_a_bad_value():
    assert set(SAMPLES) == set(BAD) == set(PAGES)


@pytest.mark.parametrize("page", sorted(SAMPLES))
def test_the_link_from_a_page_opens_a_fresh_session_with_the_same_inputs(nav_app, page):
    spec = PAGES[page]
    a = nav_app(spec.script)
    values = {}
    for f in spec.fields:  # in the page's order: a preset before the sliders it fills
        if f.name in SAMPLES[page]:
            values[f.name] = SAMPLES[page][f.name]
            key = f.session_key({**{g.name: g.default_for(values) for g in spec.fields
                                    if g.name in ("persona",)}, **values})
            widget = find_widget(a, key)
            assert widget is not None, f"{page}: no widget {key}"
            widget.set_value(f.to_widget(values[f.name])).run()
            assert not a.exception, a.exception
    assert not page_errors(a)
    links = [c.value for c in a.code if c.value.startswith("/") and "?" in c.value
             and urlsplit(c.value).path.strip("/") == spec.url_path]
    assert len(links) == 1, [c.value for c in a.code][:3]
    query = dict(parse_qsl(urlsplit(links[0]).query))
    b = nav_app(spec.script, query)
    assert not b.exception and not page_errors(b)
    assert not [w for w in b.warning if "ignored" in w.value]
    values = {}
    for f in spec.fields:
        values[f.name] = SAMPLES[page].get(f.name, f.default_for(values))
        key = f.session_key(values)
        if f.kind != "rows" and state(a, key) is not None:
            assert state(b, key) == state(a, key), (page, f.name)
    for name, value in SAMPLES[page].items():
        f = spec.field(name)
        assert f.from_widget(state(b, f.session_key(values))) == value, (page, name)


@pytest.mark.parametrize("page", sorted(BAD))
def test_a_bad_value_opens_with_the_default_and_a_note_naming_it(nav_app, page):
    spec = PAGES[page]
    name, raw, _ = BAD[page]
    query = {name: raw, "seed": "4"} if "seed" in {f.name for f in spec.fields} else {name: raw}
    at = nav_app(spec.script, query)
    assert not at.exception and not page_errors(at)
    notes = [w.value for w in at.warning if "ignored" in w.value]
    assert len(notes) == 1 and f"{name}={raw!r} ignored" in notes[0]
    values = {}
    for f in spec.fields:
        values[f.name] = f.default_for(values)
    f = spec.field(name)
    held = state(at, f.session_key(values))
    assert held is None or f.from_widget(held) == values[name]
    if "seed" in query:  # the good values of the same link are kept
        assert state(at, spec.field("seed").session_key(values)) == 4


def test_chat_messages_and_few_shot_examples_travel_in_the_link(nav_app):
    messages = [{"role": "system", "content": "You are a cat."},
                {"role": "user", "content": "Say hello in one word."}]
    link = encode_link("chat_template", {"messages": messages})
    at = nav_app("pages/chat_template.py", dict(parse_qsl(urlsplit(link).query)))
    assert not at.exception and not page_errors(at)
    assert any('"You are a cat."' in c.value for c in at.code)  # the JSON the page shows
    rows = [{"input": "cat", "output": "猫"}, {"input": "dog", "output": "犬"},
            {"input": "bird", "output": "鳥"}]
    link = encode_link("prompt_lab", {"examples": rows, "query": "fish"})
    at = nav_app("pages/prompt_lab.py", dict(parse_qsl(urlsplit(link).query)))
    assert not at.exception and not page_errors(at)
    plain = [c.value for c in at.code if "fish" in c.value and not c.value.startswith("/")]
    assert plain and all(w in plain[0] for w in ("cat", "猫", "dog", "犬", "bird", "鳥"))


def test_a_link_is_applied_once_so_later_edits_stay(nav_app):
    at = nav_app("pages/sampling_compare.py", {"seed": "3", "lang": "ja"})
    assert at.number_input(key="compare_seed").value == 3
    at.number_input(key="compare_seed").set_value(9).run()
    at.run()
    assert at.number_input(key="compare_seed").value == 9
    assert at.query_params["lang"] == ["ja"] or at.query_params["lang"] == "ja"


def test_edited_table_rows_are_the_starting_rows_with_streamlits_edits():
    from playground.ui.inputs import edited_rows as _edited

    base = [{"input": "a", "output": "1"}, {"input": "b", "output": "2"},
            {"input": "c", "output": "3"}]
    delta = {"edited_rows": {"0": {"output": "one"}}, "added_rows": [{"input": "d",
                                                                      "output": "4"}],
             "deleted_rows": [1]}
    assert _edited(base, delta) == [{"input": "a", "output": "one"},
                                    {"input": "c", "output": "3"}, {"input": "d", "output": "4"}]
    assert _edited(base, None) == base and base[0]["output"] == "1"  # the base is not changed


def test_a_link_sets_the_kept_inputs_once_and_navigation_keeps_them(nav_app):
    """One mechanism: the link's inputs become the session's kept inputs (widgets and data
    editors alike); the participant's later edits and visits to other pages keep them."""
    rows = [{"input": "cat", "output": "猫"}, {"input": "dog", "output": "犬"}]
    link = encode_link("prompt_lab", {"examples": rows, "query": "fish", "do_sample": True,
                                      "seed": 5})
    at = nav_app("pages/prompt_lab.py", dict(parse_qsl(urlsplit(link).query)))
    assert at.data_editor(key="lab_few_examples").value.to_dict("records") == rows
    at.session_state["lab_few_examples"] = {"edited_rows": {1: {"output": "いぬ"}},
                                            "added_rows": [], "deleted_rows": []}
    at.run()
    for page in ("pages/generate.py", "pages/chat_template.py", "pages/prompt_lab.py"):
        at.query_params.clear()  # the sidebar's links carry no query (AppTest keeps it)
        at.switch_page(page).run()
        assert not at.exception
    assert at.data_editor(key="lab_few_examples").value.to_dict("records") == [
        rows[0], {"input": "dog", "output": "いぬ"}]
    assert at.text_input(key="lab_few_query").value == "fish"
    assert at.sidebar.radio(key="lab_mode").value == "Sampling"
    assert at.sidebar.number_input(key="lab_seed").value == 5
    plain = [c.value for c in at.code if "fish" in c.value and not c.value.startswith("/")]
    assert plain and "いぬ" in plain[0] and "犬" not in plain[0]
