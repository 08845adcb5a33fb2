"""AppTest: a sweep someone already ran is shown at once; the instructor can run it again."""

import pytest
from streamlit.testing.v1 import AppTest

from playground.room.shared import sweeps
from tests.conftest import ROOT


@pytest.fixture
def app(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    at.switch_page("pages/sampling_sweep.py").run()
    at.text_input(key="sweep_top_p").set_value("0.7")
    at.text_input(key="sweep_temperature").set_value("0.8")
    at.slider(key="sweep_n").set_value(2)
    at.slider(key="sweep_max_new").set_value(8)
    at.number_input(key="sweep_seed").set_value(4242).run()
    return at


def test_the_second_asker_gets_the_kept_result_and_the_instructor_can_rerun(app, smol):
    app.button(key="sweep_go").click().run()
    first = app.dataframe[0].value
    started = sweeps().started
    second = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    second.switch_page("pages/sampling_sweep.py").run()
    for key, value in (("sweep_top_p", "0.7"), ("sweep_temperature", "0.8")):
        second.text_input(key=key).set_value(value)
    second.slider(key="sweep_n").set_value(2)
    second.slider(key="sweep_max_new").set_value(8)
    second.number_input(key="sweep_seed").set_value(4242).run()
    second.button(key="sweep_go").click().run()
    assert not second.exception and sweeps().started == started  # nothing computed again
    assert second.dataframe[0].value.equals(first)
    assert any("already ran exactly this" in c.value for c in second.caption)
    assert not [b for b in second.button if b.key == "sweep_again_again"]  # participants: no
    second.session_state["admin_ok"] = True
    second.run()
    second.button(key="sweep_go").click().run()
    second.button(key="sweep_again_again").click().run()
    assert not second.exception and sweeps().started == started + 1
