"""The tutorial's remaining decoding knobs from the command line (issue 32, item 1): top_k 50
when sampling, max_length, beam search equal to transformers' generate, and n-gram blocking
that breaks gemma-3-270m's greedy Japanese loop."""

import json

import pytest

from playground.cli import main
from playground.lab.metrics import distinct_n
from playground.serving.settings import GenerationSettings
from tests.serving.test_history import reference_tokens


def run_json(capsys, *argv) -> dict:
    assert main(["generate", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_sampling_reports_transformers_top_k_50_and_greedy_is_unaffected(smol, capsys):
    sampled = run_json(capsys, "--prompt", "Hello", "--temperature", "0.9",
                       "--max-new-tokens", "2")
    assert sampled["settings"]["top_k"] == 50 and sampled["settings"]["do_sample"] is True
    greedy = run_json(capsys, "--prompt", "Hello", "--greedy", "--max-new-tokens", "6")
    off = run_json(capsys, "--prompt", "Hello", "--greedy", "--top-k", "0",
                   "--max-new-tokens", "6")
    assert greedy["outputs"][0]["text"] == off["outputs"][0]["text"]


def test_max_length_counts_the_prompt(smol, capsys):
    out = run_json(capsys, "--prompt", "The capital of France is", "--greedy",
                   "--max-length", "12")
    assert out["timings"]["prompt_tokens"] == 5
    assert out["outputs"][0]["tokens"] == 7 and out["outputs"][0]["finish_reason"] == "length"


def test_max_length_that_leaves_no_room_is_a_clear_error(smol, capsys):
    code = main(["generate", "--prompt", "The capital of France is", "--greedy",
                 "--max-length", "5"])
    err = capsys.readouterr().err
    assert code == 1 and "max_length 5 leaves 0 new tokens" in err and "Traceback" not in err


def test_beam_search_equals_transformers_generate(smol, capsys):
    prompt = "The capital of France is"
    out = run_json(capsys, "--prompt", prompt, "--num-beams", "4", "--max-new-tokens", "12")
    assert out["settings"]["num_beams"] == 4 and out["settings"]["do_sample"] is False
    theirs = reference_tokens(smol, prompt, GenerationSettings(num_beams=4, max_new_tokens=12))
    assert out["outputs"][0]["text"] == smol.tokenizer.decode(theirs, skip_special_tokens=True)
    greedy = run_json(capsys, "--prompt", prompt, "--greedy", "--max-new-tokens", "12")
    assert greedy["outputs"][0]["text"] != out["outputs"][0]["text"]  # the beams chose


def test_beam_search_with_sampling_is_refused_with_what_to_do():
    from playground.errors import SettingsError

    with pytest.raises(SettingsError) as info:
        GenerationSettings(do_sample=True, num_beams=3)
    assert info.value.problems == ["beam search here is deterministic: num_beams 3 needs greedy "
                                   "decoding; turn off sampling, or set num_beams to 1"]


@pytest.fixture(scope="module")
def gemma():
    from playground.serving.registry import default_registry
    return default_registry().load("gemma-3-270m")


def test_no_repeat_ngram_size_breaks_gemmas_greedy_japanese_loop(gemma, capsys):
    argv = ["--model", "gemma-3-270m", "--prompt", "昔々、あるところに", "--greedy",
            "--max-new-tokens", "48"]
    looped = run_json(capsys, *argv)["outputs"][0]["text"]
    blocked = run_json(capsys, *argv, "--no-repeat-ngram-size", "2")["outputs"][0]["text"]
    before, after = distinct_n([looped], 2), distinct_n([blocked], 2)
    assert before < 0.3, looped  # the loop: the same few phrases again and again
    assert after > before + 0.4, (looped, blocked)
