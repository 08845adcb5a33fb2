"""The walk of issue 32 on the pages: the gloss follows its prompt, every result page has its
"Made with" line, a board post shows its prompt, RAG's made-with counts results."""

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.pages.test_japanese_actions import ACTIONS, by_key, offline_search  # noqa: F401


def open_page(page: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["lang"] = lang
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception
    return at


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_the_gloss_is_shown_only_for_the_prompt_it_translates(smol):
    at = open_page("generate")
    assert any("It means: ドラゴンの物語を聞かせて。" in c for c in captions(at))
    at.text_area(key="gen_prompt").set_value("Write a poem about the sea.").run()
    assert not any("It means" in c for c in captions(at))
    assert any("English only" in c for c in captions(at))  # the model note stays


def test_lens_prompt_lab_and_base_vs_chat_say_what_made_their_result(smol):
    for page in ("sampling_lens", "prompt_lab", "base_vs_chat"):
        at = open_page(page)
        assert not any(c.startswith(":material/tune:") for c in captions(at)), page
        if page == "sampling_lens":
            by_key(at, "slider", "lens_max_new").set_value(3).run()
            at.button(key="lens_go").click().run()
        elif page == "prompt_lab":
            by_key(at, "slider", "lab_max_new_tokens").set_value(3)
            at.button(key="lab_go").click().run()
        else:
            ACTIONS["base_vs_chat"](at)
        assert not at.exception, at.exception
        made = [c for c in captions(at) if "Made with:" in c]
        assert len(made) == 1 and "max_new_tokens 3" in made[0], (page, made)
        if page == "prompt_lab":  # its second result area, in the same tab
            at.button(key="lab_few_go").click().run()
            assert not at.exception, at.exception
            assert [c for c in captions(at) if "Made with:" in c]


def test_a_board_post_shows_its_prompt(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_ROOM_DB", str(tmp_path / "room.sqlite3"))
    from playground.room import board
    from playground.room.store import room_store

    board.add_post(room_store(), session="s", page="generate", text="Once upon a time…",
                   model="smollm2-135m-instruct", settings={"do_sample": False},
                   inputs={"prompt": "Tell me a story about a cat."}, posts_per_minute=0)
    at = open_page("board")
    texts = [x.value for x in at.text]
    assert "Prompt: Tell me a story about a cat." in texts
    assert texts.index("Prompt: Tell me a story about a cat.") < texts.index("Once upon a time…")


def test_rag_offline_labels_its_answer_with_the_number_of_results(smol, offline_search):
    at = open_page("rag", "ja")
    by_key(at, "slider", "rag_max_new_tokens").set_value(3)
    at.text_input(key="rag_question").input("富士山の高さは?")
    next(b for b in at.button if b.label == "検索して答える").click().run()
    next(b for b in at.button if b.label == "ウェブの情報なしで答える").click().run()
    assert not at.exception
    made = [c for c in captions(at) if "この結果の入力" in c]
    assert made and "検索結果の数 5" in made[0] and "サンプル数 5" not in made[0], made
