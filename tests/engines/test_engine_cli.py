"""The CLI against real engines, as a user runs it: a plain ``[[catalog]]`` entry in a config
file (no ``engine`` field: the engine is detected), then ``generate`` and ``lens``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

DRAGON = "Tell me a story about a dragon."


def cli(engine, tmp_path, *argv: str) -> subprocess.CompletedProcess:
    config = tmp_path / "playground.toml"
    config.write_text(f'[[catalog]]\nname = "peer"\nlocation = {json.dumps(engine.location)}\n'
                      f'base_url = "{engine.base_url}"\n', encoding="utf-8")
    env = {**os.environ, "PLAYGROUND_CONFIG": str(config), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "playground", *argv, "--model", "peer"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)


def two_samples(engine, tmp_path) -> dict:
    done = cli(engine, tmp_path, "generate", "--prompt", DRAGON, "--chat", "--n", "2",
               "--temperature", "1", "--seed", "3", "--max-new-tokens", "16", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout)


def test_two_seeds_on_transformers_serve_give_two_texts_or_say_why(transformers_serve, tmp_path):
    out = two_samples(transformers_serve, tmp_path)
    texts = [o["text"] for o in out["outputs"]]
    assert [o["seed"] for o in out["outputs"]] == [3, 4]
    # the promise: two different samples, or a warning that the engine did not sample
    assert texts[0] != texts[1] or any("did not sample" in w for w in out["warnings"])
    assert texts[0] != texts[1]  # and this engine does sample (generation_config do_sample)


def test_the_lens_on_transformers_serve_says_it_has_no_logprobs(transformers_serve, tmp_path):
    done = cli(transformers_serve, tmp_path, "lens", "--prompt", DRAGON, "--max-new-tokens", "3")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "no logprobs" in done.stderr


def test_two_seeds_on_llama_cpp_give_two_texts_without_warnings(llama_server, tmp_path):
    out = two_samples(llama_server, tmp_path)
    texts = [o["text"] for o in out["outputs"]]
    assert texts[0] != texts[1] and out["warnings"] == []
    again = two_samples(llama_server, tmp_path)  # seeds per slot: the same seeds, the same texts
    assert [o["text"] for o in again["outputs"]] == texts


def test_the_lens_on_llama_cpp_shows_its_top_n_per_step(llama_server, tmp_path):
    done = cli(llama_server, tmp_path, "lens", "--prompt", DRAGON, "--max-new-tokens", "4",
               "--top", "5", "--seed", "1", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["engine"] == "llama.cpp" and "not the full distribution" in out["label"]
    assert len(out["steps"]) == 4 and out["text"].startswith(out["steps"][0]["token"])
    for step in out["steps"]:  # five candidates, most likely first; the drawn token may be
        probs = [p for _token, p in step["candidates"]]  # outside them (sampled, T 0.8)
        assert len(probs) == 5 and probs == sorted(probs, reverse=True) and sum(probs) <= 1.001
        assert 0 < step["prob"] <= probs[0]
