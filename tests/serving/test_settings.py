import pytest

from playground.errors import SettingsError
from playground.serving.settings import RANGES, TEMPERATURE, TOP_K, GenerationSettings


def problems(**kwargs) -> list[str]:
    with pytest.raises(SettingsError) as info:
        GenerationSettings(**kwargs)
    return info.value.problems


def test_defaults_are_valid_greedy():
    s = GenerationSettings()
    assert not s.do_sample and s.num_return_sequences == 1 and s.top_k == 0


@pytest.mark.parametrize("field,value,message", [
    ("top_p", 1.5, "top_p must be in (0, 1], got 1.5"),
    ("top_p", 0.0, "top_p must be in (0, 1], got 0"),
    ("top_k", -1, "top_k must be in [0, 10000], got -1"),
    ("min_p", 1.2, "min_p must be in [0, 1], got 1.2"),
    ("epsilon_cutoff", 1.0, "epsilon_cutoff must be in [0, 1), got 1"),
    ("temperature", 11.0, "temperature must be in (0, 10], got 11"),
    ("max_new_tokens", 0, "max_new_tokens must be in [1, 2048], got 0"),
    ("num_return_sequences", 17, "num_return_sequences must be in [1, 16], got 17"),
    ("seed", -3, "seed must be in [0, 2147483647], got -3"),
])
def test_out_of_range_values_are_named_with_their_range(field, value, message):
    assert problems(do_sample=True, **{field: value}) == [message]


def test_all_problems_are_reported_at_once():
    found = problems(do_sample=True, top_p=2.0, top_k=-5)
    assert len(found) == 2 and found[0].startswith("top_p") and found[1].startswith("top_k")


def test_greedy_with_several_samples_says_to_turn_on_sampling():
    (msg,) = problems(do_sample=False, num_return_sequences=3)
    assert "num_return_sequences must be 1 (got 3)" in msg and "sampling" in msg


def test_temperature_zero_with_sampling_points_to_greedy():
    (msg,) = problems(do_sample=True, temperature=0.0)
    assert "choose greedy" in msg


def test_greedy_ignores_temperature_zero():
    assert GenerationSettings(do_sample=False, temperature=0.0).temperature == 0.0


def test_non_integer_counts_are_refused_and_whole_floats_become_ints():
    assert problems(top_k=2.5) == ["top_k must be a whole number, got 2.5"]
    s = GenerationSettings(do_sample=True, top_k=3.0, num_return_sequences=2.0)
    assert isinstance(s.top_k, int) and s.num_return_sequences == 2


def test_nan_and_wrong_types_are_refused():
    assert problems(do_sample=True, top_p=float("nan"))[0].startswith("top_p must be in")
    assert problems(temperature="hot") == ["temperature must be a number, got 'hot'"]


def test_frozen_and_replace_verifies_again():
    s = GenerationSettings(do_sample=True)
    with pytest.raises(Exception):
        s.top_p = 0.5
    with pytest.raises(SettingsError):
        s.replace(top_p=3)


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(SettingsError, match="unknown setting 'topp'"):
        GenerationSettings.from_dict({"topp": 0.9})


def test_generate_kwargs_make_top_k_off_explicit_and_list_active_filters():
    kw = GenerationSettings(do_sample=True, top_p=0.9, temperature=0.8,
                            epsilon_cutoff=0.02).generate_kwargs()
    assert kw == {"max_new_tokens": 64, "do_sample": True, "temperature": 0.8, "top_k": 0,
                  "top_p": 0.9, "epsilon_cutoff": 0.02}
    assert GenerationSettings().generate_kwargs() == {"max_new_tokens": 64, "do_sample": False}


def test_row_seeds_count_up_from_the_seed():
    assert GenerationSettings(do_sample=True, num_return_sequences=3, seed=7).row_seeds() == [7, 8, 9]


def test_widget_ranges_come_from_the_checked_constants():
    for name, rng in RANGES.items():
        assert rng.low <= rng.slider_high <= rng.high, name
    # the slider cap is a UI convenience, not a limit: larger values stay valid
    assert GenerationSettings(do_sample=True, top_k=int(TOP_K.slider_high) + 100).top_k > 200
    assert TEMPERATURE.contains(10.0) and not TEMPERATURE.contains(0.0)
