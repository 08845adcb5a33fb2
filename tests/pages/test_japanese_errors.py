"""The errors and warnings a Japanese tab met in English (issue 32), made by the real code and
shown as the pages show them: no English left outside the allow-list, and one word for gated."""

import re

from unittest.mock import Mock

import pytest
from huggingface_hub import errors as hub
from streamlit.testing.v1 import AppTest

from playground.diagnostics import device_summary
from playground.errors import PromptError
from playground.i18n import catalogue, translate
from playground.prompting.persona import fit_history
from playground.quant.presets import PRESETS, Machine, caveat
from playground.serving.catalog import CATALOG
from playground.serving.registry import _hub_error
from tests.conftest import ROOT
from tests.pages.test_japanese_ui import english_left

LLAMA = CATALOG["meta-llama/Llama-2-7b-chat-hf"]


def shown_in_japanese(err: Exception) -> str:
    return translate("ja", str(err))  # what playground.ui.i18n.error_text shows (no key)


def test_gated_and_unreachable_hub_errors_read_in_japanese():
    gated = _hub_error(LLAMA, hub.GatedRepoError("Access to model is restricted",
                                                  response=Mock(headers={})))
    offline = _hub_error(LLAMA, hub.OfflineModeIsEnabled("offline mode is enabled"))
    for err, word in ((gated, "利用制限付き"), (offline, "接続できません")):
        text = shown_in_japanese(err)
        assert word in text and LLAMA.location in text
        assert english_left([text]) == [], text


def test_the_persona_token_budget_error_reads_in_japanese():
    with pytest.raises(PromptError) as info:
        fit_history("You are a pirate.", [{"role": "user", "content": "Hello"}],
                    lambda messages: 300, max_new_tokens=64, budget=256)
    text = shown_in_japanese(info.value)
    assert "300" in text and "256" in text and english_left([text]) == [], text


def test_the_bitsandbytes_cpu_caveat_and_the_cpu_name_read_in_japanese():
    machine = Machine("cpu", device_summary()["name"], False, True, "0.50")
    for preset in ("int8", "nf4", "bf16"):
        text = translate("ja", caveat(PRESETS[preset], machine))
        assert english_left([text]) == [], text
    name = translate("ja", device_summary()["name"])
    assert "コア" in name and not re.search(r"\bcores\b", name)


def test_gated_has_one_japanese_word():
    en, ja = catalogue("en"), catalogue("ja")
    gated = [k for k, v in en.items() if re.search(r"\bgated\b", v)]
    assert gated and all("利用制限付き" in ja[k] for k in gated), [ja[k] for k in gated]
    assert not [v for v in ja.values() if "ゲート" in v or "利用制限つき" in v]


def test_the_persona_budget_error_on_the_page_reads_in_japanese(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["lang"] = "ja"
    at.switch_page("pages/persona_chat.py")
    at.run()
    at.number_input(key="persona_budget").set_value(128).run()
    at.chat_input[0].set_value("こんにちは! " * 40).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and english_left(errors) == [], errors
