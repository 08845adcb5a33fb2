"""compare --presets: preset names that hold commas are read whole."""

from playground.cli.compare import split_presets


def test_a_name_with_commas_is_one_preset_and_unknown_names_stay_for_the_error():
    assert split_presets("top_k 3,ancestral (top_k 0, top_p 1, T 1),epsilon 0.02") == [
        "top_k 3", "ancestral (top_k 0, top_p 1, T 1)", "epsilon 0.02"]
    assert split_presets("greedy, top_p 0.9 / T 0.8") == ["greedy", "top_p 0.9 / T 0.8"]
    assert split_presets("bogus,greedy") == ["bogus", "greedy"]
