"""Every page's inputs belong to the session (persist_state=KEEP, playground.ui.inputs): a page drawn again after
visits to other pages shows the inputs it had, whatever was visited in between."""

from playground.serving.settings import GenerationSettings


def _by_key(widgets, key):
    return next(w for w in widgets if w.key == key)


def test_generate_inputs_survive_visits_to_other_pages(app):
    _by_key(app.sidebar.radio, "gen_mode").set_value("Sampling").run()
    _by_key(app.sidebar.slider, "gen_temperature").set_value(1.3)
    _by_key(app.text_area, "gen_prompt").set_value("A poem about tea.")
    _by_key(app.sidebar.number_input, "gen_seed").set_value(77).run()
    for page in ("pages/sampling_compare.py", "pages/tokenizer_model.py",
                 "pages/persona_chat.py"):
        app.switch_page(page).run()
        assert not app.exception
    app.switch_page("pages/generate.py").run()
    assert not app.exception
    assert _by_key(app.text_area, "gen_prompt").value == "A poem about tea."
    assert _by_key(app.sidebar.radio, "gen_mode").value == "Sampling"
    assert _by_key(app.sidebar.slider, "gen_temperature").value == 1.3
    assert _by_key(app.sidebar.number_input, "gen_seed").value == 77


def test_a_slider_hidden_by_greedy_comes_back_with_its_value(app):
    _by_key(app.sidebar.radio, "gen_mode").set_value("Sampling").run()
    _by_key(app.sidebar.slider, "gen_top_p").set_value(0.5).run()
    _by_key(app.sidebar.radio, "gen_mode").set_value("Greedy").run()
    _by_key(app.sidebar.radio, "gen_mode").set_value("Sampling").run()
    assert _by_key(app.sidebar.slider, "gen_top_p").value == 0.5
    assert GenerationSettings().top_p != 0.5


def test_compare_and_persona_inputs_come_back(app):
    app.switch_page("pages/sampling_compare.py").run()
    _by_key(app.slider, "compare_k").set_value(2)
    _by_key(app.selectbox, "compare_col0_preset").set_value(
        _by_key(app.selectbox, "compare_col0_preset").options[-1])
    _by_key(app.number_input, "compare_seed").set_value(5).run()
    preset = _by_key(app.selectbox, "compare_col0_preset").value
    app.switch_page("pages/persona_chat.py").run()
    system = next(w for w in app.text_area if (w.key or "").startswith("persona_system_"))
    system.set_value("You answer in haiku.").run()
    app.switch_page("pages/generate.py").run()
    app.switch_page("pages/sampling_compare.py").run()
    assert _by_key(app.slider, "compare_k").value == 2
    assert _by_key(app.selectbox, "compare_col0_preset").value == preset
    assert _by_key(app.number_input, "compare_seed").value == 5
    app.switch_page("pages/persona_chat.py").run()
    system = next(w for w in app.text_area if (w.key or "").startswith("persona_system_"))
    assert system.value == "You answer in haiku."


def test_a_sample_cut_by_max_new_tokens_says_so_in_words(app):
    _by_key(app.sidebar.slider, "gen_max_new_tokens").set_value(4)
    next(b for b in app.button if b.label == "Generate").click().run()  # greedy: 4 tokens cannot finish the story
    assert not app.exception
    notes = [m.value for m in app.markdown if m.value.endswith(")*")]
    assert notes and all("*(max_new_tokens reached)*" in n for n in notes)


def _table(app, key):
    """The rows a data editor was drawn with (``.value``: its data, before the edits it holds)."""
    return app.data_editor(key=key).value.to_dict("records")


def test_few_shot_rows_edited_in_the_prompt_lab_survive_visits_to_other_pages(app):
    """st.data_editor takes no persist_state: its edits were lost when the page was left."""
    app.switch_page("pages/prompt_lab.py").run()
    start = _table(app, "lab_few_examples")
    app.session_state["lab_few_examples"] = {  # what the browser sends after three edits
        "edited_rows": {0: {"output": "猫"}}, "deleted_rows": [1],
        "added_rows": [{"input": "fish", "output": "魚"}]}
    app.run()
    edited = [{**start[0], "output": "猫"}, *start[2:], {"input": "fish", "output": "魚"}]
    assert app.session_state["lab_few_examples_rows"] == edited
    for page in ("pages/chat_template.py", "pages/generate.py", "pages/sampling_toy.py"):
        app.switch_page(page).run()
        assert not app.exception
    app.switch_page("pages/prompt_lab.py").run()
    assert not app.exception
    assert _table(app, "lab_few_examples") == edited  # drawn again from the kept rows
    prompts = [c.value for c in app.code if "fish" in c.value]
    assert prompts and "猫" in prompts[-1] and start[1]["input"] not in prompts[-1]


def test_chat_messages_edited_on_the_chat_template_page_come_back(app):
    app.switch_page("pages/chat_template.py").run()
    app.session_state["tmpl_messages"] = {
        "edited_rows": {0: {"content": "You are a cat."}}, "deleted_rows": [2, 3],
        "added_rows": []}
    app.run()
    assert '"You are a cat."' in app.code[-2].value or any(
        '"You are a cat."' in c.value for c in app.code)
    app.switch_page("pages/generate.py").run()
    app.switch_page("pages/prompt_lab.py").run()
    app.switch_page("pages/chat_template.py").run()
    assert not app.exception
    assert [r["content"] for r in _table(app, "tmpl_messages")] == [
        "You are a cat.", "Hello! Who are you?"]
    assert any('"You are a cat."' in c.value for c in app.code)  # the JSON of the messages
    # an edit after coming back applies to the kept rows, not to the page's starting rows
    app.session_state["tmpl_messages"] = {"edited_rows": {1: {"content": "Meow?"}},
                                          "deleted_rows": [], "added_rows": []}
    app.run()
    assert app.session_state["tmpl_messages_rows"] == [
        {"role": "system", "content": "You are a cat."}, {"role": "user", "content": "Meow?"}]


def test_few_shot_edits_stay_when_the_tab_switches_to_japanese(app):
    """The editor's column labels are translated: a new language is a new editor in Streamlit's
    eyes, which starts without the old one's edits; it is drawn again from the rows it held."""
    app.switch_page("pages/prompt_lab.py").run()
    app.session_state["lab_few_examples"] = {"edited_rows": {0: {"output": "猫"}},
                                             "added_rows": [], "deleted_rows": []}
    app.run()
    app.query_params["lang"] = "ja"
    app.run()
    assert not app.exception
    assert _table(app, "lab_few_examples")[0]["output"] == "猫"
    assert app.session_state["lab_few_examples_rows"][0]["output"] == "猫"
