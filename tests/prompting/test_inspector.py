"""Chat-template inspector: SmolLM2's ChatML structure, per-role counts, both fallbacks."""

import copy

import pytest

from playground.prompting.inspector import (NO_SYSTEM_TEMPLATE, TEMPLATE_ROLE, inspect_chat,
                                            role_spans, system_support, with_template)
from playground.errors import PromptError

MESSAGES = [
    {"role": "system", "content": "You are a pirate."},
    {"role": "user", "content": "Hello!"},
    {"role": "assistant", "content": "Arr, ahoy!"},
    {"role": "user", "content": "Where is the treasure?"},
]
# Gemma's older template refuses a system message outright, like this one
RAISES_ON_SYSTEM = ("{% if messages[0]['role'] == 'system' %}"
                    "{{ raise_exception('System role not supported') }}{% endif %}"
                    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
                    "<|im_end|>\n{% endfor %}"
                    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
# some templates simply leave the system message out
DROPS_SYSTEM = ("{% for m in messages %}{% if m['role'] != 'system' %}<|im_start|>{{ m['role'] }}"
                "\n{{ m['content'] }}<|im_end|>\n{% endif %}{% endfor %}"
                "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


@pytest.fixture(scope="module")
def tok(smol):
    return copy.deepcopy(smol.tokenizer)  # the tests change chat_template on a private copy


def test_smollm_renders_chatml_with_special_tokens_marked(smol):
    ins = inspect_chat(smol.tokenizer, MESSAGES, lock=smol.tokenizer_lock)
    assert ins.system == "supported" and ins.rendered.fallback is None
    assert ins.rendered.text.startswith("<|im_start|>system\nYou are a pirate.<|im_end|>\n")
    assert ins.rendered.text.endswith("<|im_start|>user\nWhere is the treasure?<|im_end|>\n"
                                      "<|im_start|>assistant\n")
    assert ins.without_prompt.text == ins.rendered.text[:-len("<|im_start|>assistant\n")]
    specials = [v.shown for v in ins.tokens.views if v.special]
    assert specials.count("<|im_start|>") == 5 and specials.count("<|im_end|>") == 4
    assert all(r == TEMPLATE_ROLE for v, r in zip(ins.tokens.views, ins.roles) if v.special)


def test_token_counts_per_role_add_up_and_match_each_message(smol):
    ins = inspect_chat(smol.tokenizer, MESSAGES)
    counts = ins.counts()
    assert sum(counts.values()) == ins.tokens.count
    alone = len(smol.tokenizer("Where is the treasure?", add_special_tokens=False)["input_ids"])
    hello = len(smol.tokenizer("Hello!", add_special_tokens=False)["input_ids"])
    assert counts["user"] == alone + hello
    assert counts["system"] > 0 and counts["assistant"] > 0 and counts[TEMPLATE_ROLE] >= 9


def test_repeated_texts_are_matched_to_their_own_turns():
    text = "U: hi\nA: hi\nU: hi"
    spans = role_spans(text, [{"role": "user", "content": "hi"},
                              {"role": "assistant", "content": "hi"},
                              {"role": "user", "content": "hi"}])
    assert [s[0] for s in spans] == [3, 9, 15] and spans[1][2] == "assistant"


@pytest.mark.parametrize("template", [RAISES_ON_SYSTEM, DROPS_SYSTEM], ids=["raises", "drops"])
def test_a_template_without_system_role_gets_the_merged_fallback(tok, template):
    tok.chat_template = template
    ins = inspect_chat(tok, MESSAGES)
    assert system_support(tok) == "merged" and ins.rendered.fallback == "system-merged"
    assert ins.rendered.text.startswith("<|im_start|>user\nYou are a pirate.\n\nHello!")
    assert ins.counts()["system"] > 0  # the system text is still found and counted


def test_a_tokenizer_without_chat_template_gets_the_plain_transcript(tok):
    tok.chat_template = None
    ins = inspect_chat(tok, MESSAGES)
    assert system_support(tok) == "no-template" and ins.rendered.fallback == "plain-text"
    assert ins.rendered.text.splitlines() == ["System: You are a pirate.", "User: Hello!",
                                              "Assistant: Arr, ahoy!",
                                              "User: Where is the treasure?", "Assistant:"]


def test_stand_in_templates_leave_the_shared_tokenizer_unchanged(smol):
    before = smol.tokenizer.chat_template
    assert inspect_chat(with_template(smol.tokenizer, "no-system"), MESSAGES).system == "merged"
    assert inspect_chat(with_template(smol.tokenizer, "none"), MESSAGES).system == "no-template"
    assert smol.tokenizer.chat_template == before and NO_SYSTEM_TEMPLATE != before


@pytest.mark.parametrize("messages, message", [
    ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
     "two user messages in a row"),
    ([{"role": "assistant", "content": "a"}], "must start with a user message"),
    ([{"role": "user", "content": "a"}, {"role": "system", "content": "b"}],
     "system prompt must come first"),
], ids=["two-users", "assistant-first", "late-system"])
def test_role_order_violations_are_explained(smol, messages, message):
    with pytest.raises(PromptError, match=message):
        inspect_chat(smol.tokenizer, messages)
