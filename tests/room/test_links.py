"""Share links: encode -> decode gives the same inputs; bad values become defaults with a note."""

import pytest

from playground.room.links import (COMPACT, MAX_LINK, PAGES, LinkError, decode_link,
                                   encode_link, full_inputs)

TWO_COLUMNS = {"columns": 2, "col1.preset": "top_p 0.1 / T 0.8",
               "col2.preset": "top_p 0.9 / T 0.8", "seed": 3}


def test_a_compare_step_round_trips_and_only_changed_inputs_travel():
    link = encode_link("compare", TWO_COLUMNS)
    assert link.startswith("/sampling_compare?")
    assert "&n=" not in link and "col1.top_p" not in link  # defaults stay out of the link
    assert "prompt=" in link  # its default depends on the tab's language: it travels
    page, inputs, notes = decode_link(link)
    assert page == "sampling_compare" and notes == []
    assert {k: inputs[k] for k in TWO_COLUMNS} == TWO_COLUMNS
    # the preset decides its sliders
    assert (inputs["col1.top_p"], inputs["col1.temperature"]) == (0.1, 0.8)
    assert (inputs["col2.top_p"], inputs["col2.temperature"]) == (0.9, 0.8)


def test_the_default_page_is_the_root_path_and_a_whole_url_is_accepted():
    link = encode_link("generate", {"do_sample": True, "top_p": 0.5, "seed": 7})
    assert link.startswith("/?")
    page, inputs, notes = decode_link("http://room:8501" + link)
    assert page == "generate" and inputs["top_p"] == 0.5 and inputs["seed"] == 7


def test_top_p_7_is_replaced_by_the_default_with_the_settings_own_reason():
    page, inputs, notes = decode_link("/?do_sample=1&top_p=7&seed=3")
    assert inputs["top_p"] == 1.0 and inputs["seed"] == 3
    assert notes == ["top_p='7' ignored: top_p must be in (0, 1], got 7; using 1"]


def test_an_unknown_preset_and_an_unknown_input_are_named():
    _, inputs, notes = decode_link("/sampling_compare?col2.preset=bogus&colour=red")
    assert inputs["col2.preset"] == "top_p 0.1 / T 0.8"  # the page's default second column
    assert any(n.startswith("col2.preset='bogus' ignored: unknown col2.preset") for n in notes)
    assert any(n.startswith("colour:") for n in notes)


def test_settings_that_conflict_as_a_whole_go_back_to_their_defaults():
    _, inputs, notes = decode_link("/?do_sample=1&temperature=0&seed=4")
    assert inputs["temperature"] == 1.0 and inputs["do_sample"] is False
    assert "choose greedy decoding instead of sampling" in notes[0]


def test_a_value_above_the_widgets_range_is_refused_even_if_the_settings_allow_it():
    _, inputs, notes = decode_link("/?do_sample=1&top_k=500")  # valid setting, slider ends 200
    # back to the default, transformers' top_k 50 (issue 32)
    assert inputs["top_k"] == 50 and "[0, 200] on this page" in notes[0]


def test_lang_is_kept_and_never_reported():
    link = encode_link("toy", {"temperature": 1.5}, keep={"lang": "ja", "token": "x"})
    assert "lang=ja" in link and "token" not in link
    assert decode_link(link)[2] == []


def test_a_few_shot_set_goes_compact_and_round_trips():
    rows = [{"input": f"sentence number {i}", "output": f"文 {i}"} for i in range(10)]
    templates = "Translate: {content}\n---\nSummarize: {content}"
    link = encode_link("prompt_lab", {"examples": rows, "templates": templates})
    assert f"&{COMPACT}=" in link and "sentence" not in link
    _, inputs, notes = decode_link(link)
    assert notes == [] and inputs["examples"] == rows and inputs["templates"] == templates


def test_a_damaged_compact_part_is_a_note_not_an_error():
    link = encode_link("prompt_lab", {"templates": "a {content}\n---\nb {content}"})
    _, inputs, notes = decode_link(link[:-6])
    assert "damaged" in notes[0] and inputs["templates"] == PAGES["prompt_lab"].field(
        "templates").default_for({})


def test_a_link_over_the_limit_is_refused_with_the_limit_named():
    noise = "".join(chr(0x4e00 + (i * 7919) % 20000) for i in range(3900))  # incompressible
    with pytest.raises(LinkError, match="8,000"):
        encode_link("tokenizer", {"text": noise})
    with pytest.raises(LinkError):
        decode_link("/?" + "x" * MAX_LINK)


def test_making_a_link_refuses_what_decoding_would_ignore():
    with pytest.raises(LinkError, match="top_p must be in"):
        encode_link("generate", {"top_p": "7"})
    with pytest.raises(LinkError, match="no input 'hf_token'"):
        encode_link("generate", {"hf_token": "secret"})
    with pytest.raises(LinkError, match="unknown page"):
        encode_link("nowhere", {})


def test_no_page_input_is_a_secret_a_document_or_a_history():
    keys = {f.key for s in PAGES.values() for f in s.fields}
    for forbidden in ("hf_token", "admin_ok", "persona_history", "rag_paste", "rag_uploads",
                      "gen_last", "compare_last"):
        assert forbidden not in keys


def test_every_default_is_accepted_by_its_own_check():
    for spec in PAGES.values():
        values, notes = full_inputs(spec.name, {})
        assert notes == []
        again, notes = full_inputs(spec.name, {k: v for k, v in values.items()
                                               if v is not None})
        assert notes == [] and again == values, spec.name


def test_a_model_must_be_a_listed_name_or_a_hub_id():
    assert decode_link("/?model=HuggingFaceTB/SmolLM2-360M-Instruct")[2] == []
    _, inputs, notes = decode_link("/?model=../../etc")
    assert inputs["model"] == "smollm2-135m-instruct" and "unknown model" in notes[0]
