"""The Generate page's decoding knobs of issue 32: top_k 50 when sampling, max_length with
the prompt's share of it, beam search with its note, the history-reading knobs."""


def test_sampling_starts_at_transformers_top_k_50_and_says_so(app):
    app.radio(key="gen_mode").set_value("Sampling").run()
    top_k = app.slider(key="gen_top_k")
    assert top_k.value == 50 and "transformers' default" in top_k.label
    assert not app.error and not app.button[0].disabled
    assert any("Beam search (num_beams) is offered with greedy" in c.value for c in app.caption)


def test_max_length_shows_the_prompts_share_and_beams_give_their_text(app):
    app.radio(key="gen_input").set_value("Raw text (plain continuation)").run()
    app.text_area(key="gen_prompt").set_value("The capital of France is").run()
    app.slider(key="gen_max_length").set_value(12).run()
    assert any("The prompt takes 5 of max_length 12 tokens" in c.value and "up to 7 new" in c.value
               for c in app.caption)
    app.slider(key="gen_num_beams").set_value(3).run()
    app.slider(key="gen_repetition_penalty").set_value(1.2)
    app.slider(key="gen_no_repeat_ngram_size").set_value(2).run()
    assert any("outside the shared batch" in c.value for c in app.caption)
    app.button[0].click().run()
    assert not app.exception and not app.error
    assert any("generated 7 tokens" in c.value for c in app.caption)
    assert any("(max_length reached)" in m.value for m in app.markdown)
    code = "\n".join(c.value for c in app.code)
    assert ("num_beams=3" in code and "max_length=12" in code and "repetition_penalty=1.2" in code
            and "no_repeat_ngram_size=2" in code)
    assert "counts the prompt's tokens too: this prompt is 5 tokens, so up to 7 new" in code
