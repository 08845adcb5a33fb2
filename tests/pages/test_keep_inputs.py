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
