"""The lesson steps on why greedy decoding loops and what each remedy does (issue 32): they
follow the greedy loop on gemma-3-270m and turn on one remedy each, in both languages."""

from playground.room.lessons import SHIPPED, load_plan
from playground.room.links import decode_link

PLAN = load_plan(SHIPPED / "tutorial.toml")


def test_the_loop_step_is_followed_by_one_remedy_per_step():
    titles = [s.title for s in PLAN.steps]
    loop = titles.index("Japanese: greedy loops")
    remedies = PLAN.steps[loop + 1:loop + 3]
    assert [s.title for s in remedies] == ["Japanese: breaking the loop",
                                           "Japanese: a softer remedy"]
    changed = []
    for step in [PLAN.steps[loop], *remedies]:
        _, inputs, notes = decode_link(step.link)
        assert not notes and inputs["model"] == "gemma-3-270m"
        assert inputs["prompt"] == "昔々、あるところに" and inputs["do_sample"] is False
        changed.append((inputs["no_repeat_ngram_size"], inputs["repetition_penalty"]))
    assert changed == [(0, 1.0), (2, 1.0), (0, 1.3)]
    for step, words in zip(remedies, (("no_repeat_ngram_size", "二度"),
                                      ("repetition_penalty", "割る"))):
        assert words[0] in step.note and words[0] in step.note_ja and words[1] in step.note_ja
