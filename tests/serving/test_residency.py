"""Several models resident within a memory budget; LRU eviction that really frees memory."""

import gc
import shutil

import pytest

from playground.config import Config, ModelsConfig
from playground.serving.registry import Registry
from playground.serving.residency import (MemoryBudgetError, ModelNotAllowedError, choose_evictions,
                                          estimate_bytes, is_allowed)
from playground.serving.service import GenerationRequest, Prompt
from playground.serving.settings import GenerationSettings


class Fake:
    def __init__(self, name, mb, last_used, busy=False):
        self.name, self.footprint_bytes, self.last_used, self._busy = name, mb * 2**20, last_used, busy

    def busy(self):
        return self._busy


def test_eviction_picks_the_least_recently_used_idle_models():
    resident = [Fake("a", 100, 1), Fake("b", 100, 3), Fake("c", 100, 2)]
    victims = choose_evictions(resident, need=150 * 2**20, budget=300 * 2**20, keep="new")
    assert [v.name for v in victims] == ["a", "c"]


def test_busy_models_are_never_evicted_and_the_error_names_them():
    resident = [Fake("a", 200, 1, busy=True), Fake("b", 50, 2)]
    with pytest.raises(MemoryBudgetError, match="a in use"):
        choose_evictions(resident, need=200 * 2**20, budget=300 * 2**20, keep="new")


def test_estimate_reads_safetensors_headers(smol):
    folder = Registry().config.cache_dir / "smollm2-135m-instruct"
    params = sum(p.numel() for p in smol.model.parameters())
    assert estimate_bytes(folder, smol.dtype) == pytest.approx(params * 4, rel=0.01)
    assert estimate_bytes(None, smol.dtype) is None


def test_allow_list_semantics():
    catalog = {"x": 1, "y": 2}
    assert is_allowed("x", [], catalog) and not is_allowed("org/big", [], catalog)
    assert is_allowed("org/big", ["*"], catalog)
    assert is_allowed("org/big", ["org/big"], catalog) and not is_allowed("x", ["org/big"], catalog)


def test_participants_cannot_load_unlisted_models_but_the_instructor_can(smol, tmp_path):
    reg = Registry(Config(models=ModelsConfig(allowed=("smollm2-135m-instruct",))))
    with pytest.raises(ModelNotAllowedError, match="ask the instructor"):
        reg.load("org/unlisted-model")
    assert reg.load("smollm2-135m-instruct").name == "smollm2-135m-instruct"


def test_loading_past_the_budget_evicts_the_idle_model_and_frees_it(smol, tmp_path):
    copy = tmp_path / "smol-copy"
    shutil.copytree(Registry().config.cache_dir / "smollm2-135m-instruct", copy)
    one = smol.footprint_bytes
    reg = Registry(Config(models=ModelsConfig(memory_budget_mb=1.5 * one / 2**20,
                                              allowed=("*",))))
    first = reg.load("smollm2-135m-instruct")
    service = first.service
    weights = first.model.model.embed_tokens.weight
    import weakref
    ref = weakref.ref(weights)
    del weights
    second = reg.load(str(copy), instructor=True)  # folders: the instructor's only
    assert [m.name for m in reg.resident()] == [second.name]
    assert "make room" in reg.evicted["smollm2-135m-instruct"]
    assert reg.used_bytes() <= reg.budget_bytes
    gc.collect()
    assert ref() is None  # the evicted weights are really gone, not just unlisted
    with pytest.raises(Exception, match="unloaded"):
        service.submit(GenerationRequest.single(GenerationSettings(), Prompt.raw("hi")))
    reg.unload(second.name)


def test_a_busy_model_is_kept_and_the_new_load_refused(smol, tmp_path, chat_prompt):
    copy = tmp_path / "smol-copy"
    shutil.copytree(Registry().config.cache_dir / "smollm2-135m-instruct", copy)
    reg = Registry(Config(models=ModelsConfig(memory_budget_mb=1.5 * smol.footprint_bytes / 2**20,
                                              allowed=("*",))))
    first = reg.load("smollm2-135m-instruct")
    handle = first.service.submit(GenerationRequest.single(GenerationSettings(max_new_tokens=60),
                                                           chat_prompt))
    next(iter(handle.stream(timeout=60)))
    with pytest.raises(MemoryBudgetError, match="in use right now"):
        reg.load(str(copy), instructor=True)
    assert handle.result(timeout=120).new_tokens > 0
    assert [m.name for m in reg.resident()] == ["smollm2-135m-instruct"]
    reg.unload("smollm2-135m-instruct")


def test_residency_command_shows_eviction_and_memory_falling_back(smol, tmp_path, capsys):
    import json

    from playground.cli import main

    copy = tmp_path / "smol-copy"
    shutil.copytree(Registry().config.cache_dir / "smollm2-135m-instruct", copy)
    one_mb = smol.footprint_bytes / 2**20
    code = main(["residency", "--budget-mb", str(1.5 * one_mb), "smollm2-135m-instruct",
                 str(copy), "--json"])
    start, first, second = json.loads(capsys.readouterr().out)["steps"]
    assert code == 0
    assert first["resident"] == ["smollm2-135m-instruct"] and second["resident"] == [str(copy)]
    assert second["evicted"] == ["smollm2-135m-instruct"] and second["model_mb"] <= 1.5 * one_mb
    # the first copy's memory was given back: one model's worth, not two
    assert second["rss_mb"] - first["rss_mb"] < 0.5 * one_mb


def test_recently_used_models_are_kept_for_participants_with_a_message():
    resident = [Fake("room-model", 200, last_used=1000.0), Fake("old", 50, last_used=10.0)]
    with pytest.raises(MemoryBudgetError, match="room-model used by the room in the last 5 min"):
        choose_evictions(resident, need=200 * 2**20, budget=300 * 2**20, keep="new",
                         protect_s=300, now=1100.0)
    # the instructor (no protection), or the same load after the quiet time, may evict it
    assert [v.name for v in choose_evictions(resident, 200 * 2**20, 300 * 2**20, "new",
                                             protect_s=0, now=1100.0)] == ["old", "room-model"]
    assert [v.name for v in choose_evictions(resident, 200 * 2**20, 300 * 2**20, "new",
                                             protect_s=300, now=1400.0)] == ["old", "room-model"]


def test_a_participants_load_never_evicts_the_model_the_room_just_used(smol, monkeypatch):
    from playground.serving import registry as reg_mod
    from playground.serving.hubsize import HubSize

    one = smol.footprint_bytes
    reg = Registry(Config(models=ModelsConfig(memory_budget_mb=1.5 * one / 2**20)))
    first = reg.load("smollm2-135m-instruct")
    first.touch()  # another session generated with it a moment ago
    monkeypatch.setattr(reg_mod, "hub_size",
                        lambda repo, token=None: HubSize(repo, one, 0, one // 4))
    loads = reg.loads
    with pytest.raises(MemoryBudgetError, match="smollm2-135m-instruct used by the room"):
        reg.load("org/another-model")
    assert reg.loads == loads and [m.name for m in reg.resident()] == ["smollm2-135m-instruct"]
    assert "smollm2-135m-instruct" not in reg.evicted
    reg.unload("smollm2-135m-instruct")


def test_a_negative_budget_is_refused_naming_the_range(capsys):
    from playground.cli import main

    assert main(["residency", "--budget-mb", "-5", "smollm2-135m-instruct"]) == 1
    err = capsys.readouterr().err
    assert "--budget-mb must be above 0 MiB, got -5" in err and "try again" not in err


# -- a budget that cannot hold both embedded models (SmolLM2 513 MiB + gemma 1023 MiB in fp32) --
BOTH_DO_NOT_FIT_MB = 1200
GEMMA = "gemma-3-270m"
SMOL = "smollm2-135m-instruct"


def test_when_the_budget_cannot_hold_both_the_room_is_told_which_is_loaded_and_why():
    from playground.i18n import translate

    reg = Registry(Config(models=ModelsConfig(memory_budget_mb=BOTH_DO_NOT_FIT_MB,
                                              protect_recent_s=0)))
    reg.load(SMOL)
    assert reg.budget_note(SMOL) is None and not reg.budget_notes  # room for it: nothing to say
    reg.load(GEMMA)  # a participant's load: SmolLM2 is idle, so it goes
    assert [m.name for m in reg.resident()] == [GEMMA]
    line = reg.budget_note(GEMMA).text()
    assert line == (f"{GEMMA} is loaded; {SMOL} was unloaded to make room (the model memory "
                    f"budget of {BOTH_DO_NOT_FIT_MB} MiB cannot hold them together)")
    ja = translate("ja", line)
    assert ja.startswith(f"{GEMMA} を読み込んでいます。") and SMOL in ja and "1200 MiB" in ja
    why = reg.evicted[SMOL]  # what a tab still on SmolLM2 is shown
    assert f"make room for {GEMMA}" in why and f"budget of {BOTH_DO_NOT_FIT_MB} MiB" in why
    assert "1200 MiB" in translate("ja", why) and "解放しました" in translate("ja", why)
    reg.load(SMOL)  # back again: now gemma goes, and the line says so the other way round
    assert reg.budget_note(GEMMA) is None
    assert reg.budget_note(SMOL).unloaded == (GEMMA,)
    reg.unload(SMOL)


def test_a_refused_load_names_the_model_that_stays_loaded_and_the_budget_in_both_languages():
    from playground.i18n import lookup

    reg = Registry(Config(models=ModelsConfig(memory_budget_mb=BOTH_DO_NOT_FIT_MB)))
    reg.load(SMOL).touch()  # the room is using it: a participant's load may not push it out
    with pytest.raises(MemoryBudgetError) as caught:
        reg.load(GEMMA)
    err = caught.value
    assert str(err) == (f"not enough model memory for {GEMMA}: it needs about 1023 MiB and the "
                        f"budget is {BOTH_DO_NOT_FIT_MB} MiB, with {SMOL} used by the room in the "
                        f"last 5 min; try again in a few minutes, pick a smaller model, or ask "
                        f"the instructor")
    ja = lookup("ja", err.key, **err.params)
    assert GEMMA in ja and SMOL in ja and "1200 MiB" in ja and "5 分" in ja
    note = reg.budget_notes[-1]  # the Admin page's record of it
    assert note.model == GEMMA and note.refused == str(err) and note.unloaded == ()
    assert [m.name for m in reg.resident()] == [SMOL] and SMOL not in reg.evicted
    reg.unload(SMOL)


def test_a_model_larger_than_the_whole_budget_leaves_the_loaded_one_and_says_so():
    resident = [Fake("small", 500, last_used=1)]
    with pytest.raises(MemoryBudgetError, match="less than it alone needs, so small stays "
                                                "loaded") as caught:
        choose_evictions(resident, need=1000 * 2**20, budget=800 * 2**20, keep="big")
    assert caught.value.key == "errors.budget_small_loaded"


def test_residency_command_prints_the_rooms_line_and_a_refusal(capsys):
    import json

    from playground.cli import main

    code = main(["residency", "--budget-mb", str(BOTH_DO_NOT_FIT_MB), SMOL, GEMMA, "--json"])
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert code == 0 and steps[1]["budget_note"] is None
    assert steps[2]["budget_note"].startswith(f"{GEMMA} is loaded; {SMOL} was unloaded")
    assert main(["residency", "--budget-mb", "800", SMOL, GEMMA]) == 1  # gemma alone > 800 MiB
    out = capsys.readouterr().out
    assert f"after refusing {GEMMA}: resident ['{SMOL}']" in out
    assert f"needs about 1023 MiB and the budget is 800 MiB, less than it alone needs, so {SMOL} " \
           f"stays loaded" in out
