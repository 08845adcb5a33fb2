"""View code for the decoding knobs of issue 32: max_length, repetition_penalty,
no_repeat_ngram_size and beam search print what the playground generated."""

import pytest

from playground.codegen import explicit_kwargs, generate_code
from playground.serving.chat import build_messages
from playground.serving.service import GenerationRequest, Prompt, generate
from playground.serving.settings import GenerationSettings
from tests.test_codegen import run_script


@pytest.mark.parametrize("settings", [
    GenerationSettings(max_length=48, repetition_penalty=1.3, no_repeat_ngram_size=3),
    GenerationSettings(num_beams=3, early_stopping=True, max_new_tokens=14),
], ids=["max_length-penalties", "beams"])
def test_shown_code_prints_what_the_playground_generated(smol, settings):
    prompt = Prompt.chat(build_messages("Name three colours.", "Answer briefly."))
    result = generate(smol, GenerationRequest.single(settings, prompt))
    code = generate_code(smol.spec, result.rendered[0], settings,
                         prompt_tokens=result.prompt_tokens[0])
    printed = "\n".join(run_script(code, smol))
    assert printed == result.texts()[0]


def test_sampling_code_says_top_k_50_is_transformers_default():
    settings = GenerationSettings.transformers_defaults(do_sample=True, temperature=0.9)
    assert explicit_kwargs(settings)["top_k"] == 50
    code = generate_code_for(settings)
    assert "top_k=50 is transformers' default" in code
    beams = generate_code_for(GenerationSettings(num_beams=4, max_length=30))
    assert "num_beams=4" in beams and "max_length=30" in beams and "max_new_tokens" not in beams
    assert "apart from its batched decode step" in beams


def generate_code_for(settings):
    from playground.serving.catalog import CATALOG
    from playground.serving.chat import render_raw
    return generate_code(CATALOG["meta-llama/Llama-2-7b-chat-hf"], render_raw("Hi"), settings)
