"""Persona chat: presets, history fitted to the context (oldest turns out, system kept)."""

import pytest

from playground.errors import PromptError
from playground.prompting.persona import (PERSONAS, chat_request, conversation, fit_history,
                                          persona_prompt, reply_settings, token_counter,
                                          without_last_reply)
from playground.serving.service import generate
from playground.serving.settings import GenerationSettings


def words(messages):  # a stand-in tokenizer: one token per word
    return sum(len(m["content"].split()) for m in messages)


def chat(n_exchanges: int, words_each: int = 10) -> list[dict]:
    turns = []
    for i in range(n_exchanges):
        turns += [{"role": "user", "content": f"question {i} " + "w " * (words_each - 2)},
                  {"role": "assistant", "content": f"answer {i} " + "w " * (words_each - 2)}]
    return turns + [{"role": "user", "content": "last question"}]


def test_presets_are_found_case_insensitively_and_unknown_names_list_the_choices():
    assert persona_prompt("pirate") == PERSONAS["Pirate"]
    with pytest.raises(PromptError, match="unknown persona 'ninja'.*'Pirate'"):
        persona_prompt("ninja")


def test_nothing_is_dropped_while_everything_fits():
    fitted = fit_history("Be kind.", chat(2), words, max_new_tokens=10, budget=1000)
    assert fitted.dropped == 0 and fitted.note is None
    assert fitted.messages == conversation("Be kind.", chat(2))


def test_oldest_exchanges_go_first_in_pairs_and_the_system_prompt_stays():
    turns = chat(5)  # 5 x 20 words + 2
    fitted = fit_history("Be kind.", turns, words, max_new_tokens=20, budget=70)
    assert fitted.prompt_tokens + 20 <= 70
    assert fitted.dropped % 2 == 0 and fitted.dropped > 0
    assert fitted.messages[0] == {"role": "system", "content": "Be kind."}
    assert fitted.messages[1]["role"] == "user"
    assert fitted.messages[1:] == turns[fitted.dropped:]  # the newest turns, unchanged
    assert fitted.messages[-1]["content"] == "last question"
    assert f"{fitted.dropped} oldest messages" in fitted.note


def test_a_message_too_long_even_alone_is_a_clear_error():
    turns = [{"role": "user", "content": "w " * 100}]
    with pytest.raises(PromptError, match="more than the 64-token budget"):
        fit_history("", turns, words, max_new_tokens=10, budget=64)
    with pytest.raises(PromptError, match="no new message"):
        fit_history("", [], words, max_new_tokens=10, budget=64)


def test_regenerate_drops_only_the_last_reply_and_each_reply_gets_its_own_seed():
    turns = chat(1)[:2]
    assert without_last_reply(turns) == turns[:1]
    with pytest.raises(PromptError, match="no reply to regenerate"):
        without_last_reply(turns[:1])
    sampling = GenerationSettings(do_sample=True, seed=7)
    assert [reply_settings(sampling, n).seed for n in range(3)] == [7, 8, 9]
    assert reply_settings(GenerationSettings(), 5) == GenerationSettings()


def test_twenty_turns_on_the_embedded_model_are_trimmed_to_the_budget_and_answered(smol):
    settings = GenerationSettings(max_new_tokens=8)
    turns = chat(20, words_each=12)
    request, fitted = chat_request(smol, PERSONAS["Pirate"], turns, settings, budget=300)
    count = token_counter(smol)
    assert fitted.dropped > 0 and fitted.prompt_tokens == count(fitted.messages)
    assert fitted.prompt_tokens + 8 <= 300
    # one exchange more would not have fitted: the fewest turns were dropped
    wider = conversation(PERSONAS["Pirate"], turns[fitted.dropped - 2:])
    assert count(wider) + 8 > 300
    assert PERSONAS["Pirate"] in request.prompts[0].messages[0]["content"]
    result = generate(smol, request, timeout=120)
    assert result.prompt_tokens[0] == fitted.prompt_tokens and result.samples[0].n_tokens > 0


def test_the_whole_context_is_the_default_budget(smol):
    _, fitted = chat_request(smol, "", chat(2), GenerationSettings(max_new_tokens=8))
    assert fitted.budget == smol.context_length and fitted.dropped == 0
    with pytest.raises(PromptError, match="at least 128 tokens"):
        chat_request(smol, "", chat(1), GenerationSettings(), budget=50)
