"""AppTest for the Generate page (the app's default page)."""

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_first_run_shows_the_page_and_the_model_input(app):
    assert app.title[0].value == "Generate"
    assert not app.error
    assert any("<|im_start|>user" in c.value for c in app.code)


def test_generate_greedy_shows_text_timings_and_code(app):
    app.slider(key="gen_max_new_tokens").set_value(12)
    app.button[0].click().run()
    assert not app.exception and not app.error
    sample = [m.value for m in app.markdown if m.value and not m.value.startswith("**")]
    assert sample and len(sample[0]) > 5
    assert any("tok/s" in c.value for c in app.caption)
    assert any("model.generate(" in c.value for c in app.code)


def test_bad_settings_show_an_error_and_disable_generate(app):
    app.radio(key="gen_mode").set_value("Sampling").run()
    app.slider(key="gen_temperature").set_value(0.0).run()
    assert any("choose greedy" in e.value for e in app.error)
    assert app.button[0].disabled


def test_sampling_samples_are_reproducible_across_sessions(smol):
    texts = []
    for _ in range(2):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
        at.radio(key="gen_mode").set_value("Sampling").run()
        at.slider(key="gen_n").set_value(2)
        at.slider(key="gen_max_new_tokens").set_value(10)
        at.button[0].click().run()
        texts.append([m.value for m in at.markdown if m.value and not m.value.startswith("**")][:2])
    assert texts[0] == texts[1] and texts[0][0] != texts[0][1]


def test_empty_raw_prompt_is_a_message_not_a_traceback(app):
    app.radio(key="gen_input").set_value("Raw text (plain continuation)").run()
    app.text_area(key="gen_prompt").set_value("   ").run()
    assert not app.exception
    assert any("prompt is empty" in e.value for e in app.error)



def test_the_seed_promise_follows_the_servers_device(smol, monkeypatch):
    import torch

    from playground.serving.determinism import SEED_PROMISE_CPU, SEED_PROMISE_GPU
    from playground.serving.registry import default_registry

    def captions():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
        at.run()
        assert not at.exception
        return " ".join(c.value for c in at.caption)

    assert SEED_PROMISE_CPU in captions()
    # the page reads the registry's device; the model already resident is used as it is
    monkeypatch.setattr(default_registry(), "device", torch.device("cuda"))
    text = captions()
    assert SEED_PROMISE_GPU in text and SEED_PROMISE_CPU not in text
