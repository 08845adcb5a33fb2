"""Prompt lab logic: templates, few-shot rendering, one batched request, output split on ids."""

import pytest

from playground.errors import PromptError
from playground.prompting.templates import (DEFAULT_FEW_SHOT, MAX_PROMPTS, FewShot, fill_template,
                                            lab_prompts, output_views, split_blocks)
from playground.serving.service import GenerationRequest, Prompt, generate
from playground.serving.settings import GenerationSettings


def test_blocks_split_on_separator_lines_only_and_keep_inner_newlines():
    text = "first line\nsecond line\n---\nB ---not a separator\n  ---  \n\n---\nC"
    assert split_blocks(text) == ["first line\nsecond line", "B ---not a separator", "C"]


def test_template_fills_every_slot_and_leaves_other_braces():
    assert fill_template("{content} / {content} {x}", "hi") == "hi / hi {x}"
    with pytest.raises(PromptError, match=r"no \{content\} slot"):
        fill_template("Translate this:", "hi")


def test_every_template_meets_every_content_in_template_order():
    prompts = lab_prompts(["A: {content}", "B: {content}"], ["x", "y"])
    assert [p.text for p in prompts] == ["A: x", "A: y", "B: x", "B: y"]
    assert prompts[1].label == "template 1 · content 2"


def test_too_many_prompts_or_nothing_to_fill_are_clear_errors():
    with pytest.raises(PromptError, match=f"at most {MAX_PROMPTS}"):
        lab_prompts(["{content}"] * 3, ["a", "b", "c"])
    with pytest.raises(PromptError, match="content is empty"):
        lab_prompts(["{content}"], ["  "])
    with pytest.raises(PromptError, match="no instruction template"):
        lab_prompts([""], ["a"])


def test_few_shot_plain_text_ends_with_the_output_label_for_the_model_to_fill():
    text = DEFAULT_FEW_SHOT.as_text()
    blocks = text.split("\n\n")
    assert len(blocks) == 3
    assert blocks[0] == ("Please translate to Japanese:\nEnglish: How are you?\n"
                         "Japanese: お元気ですか？")
    assert blocks[-1].endswith("English: Tell me a story about a dragon.\nJapanese:")


def test_few_shot_chat_view_alternates_and_ends_with_the_query():
    few = FewShot("Translate:", (("a", "b"), ("c", "d")), "q", system="Be brief.")
    messages = few.as_messages()
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant",
                                             "user"]
    assert messages[2]["content"] == "Japanese: b" and messages[-1]["content"].endswith("q")


def test_zero_shot_keeps_only_the_query_and_labels_can_be_empty():
    few = FewShot("", (("in", "out"),), "query", input_label="", output_label="")
    assert few.with_shots(0).as_text() == "query"
    assert few.as_text() == "in\nout\n\nquery"


def test_few_shot_survives_its_json_and_rejects_bad_files():
    assert FewShot.from_dict(DEFAULT_FEW_SHOT.to_dict()) == DEFAULT_FEW_SHOT
    with pytest.raises(PromptError, match="unknown few-shot key"):
        FewShot.from_dict({"query": "q", "exmaples": []})
    with pytest.raises(PromptError, match="needs both an input and an output"):
        FewShot.from_dict({"query": "q", "examples": [{"input": "x", "output": " "}]})
    with pytest.raises(PromptError, match="query is empty"):
        FewShot("i", (), "")


def test_several_prompts_run_as_one_request_each_with_its_own_output(smol):
    prompts = lab_prompts(["Q: {content}\nA:", "{content} means"], ["The sky is blue."])
    request = GenerationRequest(prompts=tuple(Prompt.raw(p.text) for p in prompts),
                                variants=(GenerationSettings(max_new_tokens=6),))
    result = generate(smol, request, timeout=120)
    assert [s.prompt_index for s in result.samples] == [0, 1]
    assert [r.text for r in result.rendered] == [p.text for p in prompts]
    alone = generate(smol, GenerationRequest.single(GenerationSettings(max_new_tokens=6),
                                                    Prompt.raw(prompts[1].text)), timeout=120)
    assert result.samples[1].text == alone.samples[0].text  # batching does not change a row


def test_newline_stop_ends_the_answer_on_its_line(smol):
    few = FewShot("", (("1, 2, 3", "4, 5, 6"), ("10, 11, 12", "13, 14, 15")), "20, 21, 22",
                  input_label="Numbers", output_label="Next")
    request = GenerationRequest.single(GenerationSettings(max_new_tokens=24),
                                       Prompt.raw(few.as_text()), stop_strings=("\n",))
    sample = generate(smol, request, timeout=120).samples[0]
    assert sample.finish_reason == "stop string" and "\n" not in sample.text
    assert sample.text.strip()


def test_output_is_split_on_token_ids_not_by_string_length(smol):
    prompt = Prompt.chat([{"role": "user", "content": "Say hello."}])
    result = generate(smol, GenerationRequest.single(GenerationSettings(max_new_tokens=8),
                                                     prompt), timeout=120)
    rendered, sample = result.rendered[0], result.samples[0]
    ids = smol.service.tokenize(rendered)
    views = output_views(smol.tokenizer, rendered.text, ids, sample.token_ids, sample.text)
    assert views.generated == sample.text
    assert views.generated == smol.tokenizer.decode(sample.token_ids, skip_special_tokens=True)
    assert views.prompt == rendered.text  # decoding the prompt ids, special tokens kept
    assert views.with_prompt == rendered.text + sample.text
    # the chat template's special tokens vanish when decoding skips them, so cutting the
    # decoded string at len(prompt) cuts into the wrong place
    assert not views.slicing_agrees and views.naive != views.generated


def test_string_slicing_agrees_for_plain_text_prompts(smol):
    result = generate(smol, GenerationRequest.single(GenerationSettings(max_new_tokens=5),
                                                     Prompt.raw("The capital of France is")),
                      timeout=120)
    ids = smol.service.tokenize(result.rendered[0])
    views = output_views(smol.tokenizer, result.rendered[0].text, ids,
                         result.samples[0].token_ids, result.samples[0].text)
    assert views.slicing_agrees and views.with_prompt.startswith("The capital of France is")
