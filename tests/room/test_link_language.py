"""A link made in a Japanese tab opens the same inputs in an English tab: the inputs whose
default depends on the tab's language (the raw-text pages' model and prompt) travel."""

from playground.room import langdefaults
from playground.room.langdefaults import JA_MODEL, JA_PROMPT, speaking
from playground.room.links import decode_link, encode_link


def test_a_japanese_tabs_defaults_travel_and_open_the_same_in_english():
    with speaking("ja"):
        link = encode_link("generate", {"model": JA_MODEL, "prompt": JA_PROMPT, "seed": 4})
    assert "model=gemma-3-270m" in link
    with speaking("en"):
        page, values, notes = decode_link(link)
    assert (page, notes) == ("generate", [])
    assert (values["model"], values["prompt"], values["seed"]) == (JA_MODEL, JA_PROMPT, 4)


def test_an_english_tabs_defaults_travel_too_and_the_rest_stay_out():
    with speaking("en"):
        link = encode_link("sampling_compare", {"columns": 2})
    with speaking("ja"):
        page, values, notes = decode_link(link)
    assert "model=smollm2-135m-instruct" in link and "prompt=Tell" in link
    assert "seed" not in link and "n=" not in link  # the same default in every language
    assert values["model"] == "smollm2-135m-instruct" and values["columns"] == 2


def test_speaking_is_undone_after_the_block():
    before = langdefaults.language()
    with speaking("ja"):
        assert langdefaults.language() == "ja"
    assert langdefaults.language() == before
