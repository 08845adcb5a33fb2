"""Presenter view is one behaviour on every page with a main action, in a real browser.

The projector is the instructor's own tab (logged in on Admin, in Japanese). For each page the
instructor opens a one-step lesson plan (small generation settings, so the page's action takes
seconds), presses the page's main button, then turns on the presenter view. The projector must
show: the room strip with the broadcast banner at the top, then the title, then the result,
then the inputs; no sidebar and none of the instructor's controls; tables as large HTML tables
(no canvas grid), chart labels large, and no chart drawn over the element above it.

With PLAYGROUND_SHOTS set, each page's projector is saved there as ``presenter_<page>.png``.
"""

import os
from pathlib import Path

import pytest

from playground.i18n import lookup
from playground.ui import presenter
from tests.e2e.conftest import serve, wait_idle

# slow, opt-in: tests/ui/test_presenter.py (what the projector draws, per page)
pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "presenter-test-password"

# the page, its step's inputs (small: each action takes seconds), and whether its result has a
# table and a chart
STEPS = {
    "generate": ({"max_new_tokens": 4}, False),
    "sampling_compare": ({"columns": 2, "n": 2, "max_new_tokens": 8}, True),
    "sampling_lens": ({"max_new_tokens": 2}, True),
    "sampling_sweep": ({"top_p": "0.5", "temperature": "1.0", "n": 2, "max_new_tokens": 8},
                       True),
    "prompt_lab": ({"max_new_tokens": 4}, False),
    "base_vs_chat": ({"max_new_tokens": 4}, False),
    "rag": ({"question": "What is a dragon?", "max_new_tokens": 4}, False),
    "quantization": ({"presets": ["fp32"], "max_new_tokens": 4}, True),
}


def ja(key: str) -> str:
    return lookup("ja", key)


def _toml(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return f'"{value}"' if isinstance(value, str) else str(value)


@pytest.fixture(scope="module")
def presenter_url(tmp_path_factory):
    """A server whose lesson plans are one step per page, with an admin password."""
    folder = tmp_path_factory.mktemp("streamlit-presenter")
    plans = folder / "plans"
    plans.mkdir()
    for name, (inputs, _) in STEPS.items():
        (plans / f"{name}.toml").write_text(
            f'title = "{name}"\n\n[[step]]\npage = "{name}"\n'
            f'note = "Look at the result of {name}"\nnote_ja = "{name} の結果を見てください"\n'
            "[step.inputs]\n" + "".join(f'{k} = {_toml(v)}\n' for k, v in inputs.items()))
    (folder / "playground.toml").write_text(f'[room]\nlesson_dir = "{plans}"\n')
    yield from serve(folder, {"PLAYGROUND_ADMIN_PASSWORD": PASSWORD,
                              "PLAYGROUND_CONFIG": str(folder / "playground.toml")})


@pytest.fixture(scope="module")
def projector(browser, presenter_url):
    """The instructor's tab, logged in, in Japanese (shared by this module's tests: each test
    sets the presenter toggle and the lesson plan it needs)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.goto(f"{presenter_url}/admin?lang=ja")
    wait_idle(page)
    page.locator("input[type='password']").fill(PASSWORD)
    page.locator("input[type='password']").press("Enter")
    page.wait_for_timeout(300)
    wait_idle(page)
    yield page
    ctx.close()


def set_presenter(page, on: bool) -> None:
    toggle = page.locator(f".st-key-{presenter.TOGGLE} input[type='checkbox']")
    if toggle.is_checked() != on:
        page.locator(f".st-key-{presenter.TOGGLE} label").first.click()
        page.wait_for_timeout(300)
        wait_idle(page)


def open_step(page, name: str) -> None:
    """The instructor's Lesson plan popover: choose ``name``'s plan, press Start."""
    page.get_by_role("button", name=ja("room_bar.lesson_plan")).click()
    page.locator(".st-key-room_plan").click()
    page.get_by_role("option", name=f"{name}.toml", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name=ja("room_bar.start"), exact=True).click()
    page.wait_for_timeout(500)
    wait_idle(page)
    page.keyboard.press("Escape")
    page.wait_for_url(f"**/{'' if name == 'generate' else name}?*", timeout=30_000)
    wait_idle(page)


LAYOUT = """([marker, top]) => {
  const box = e => e.getBoundingClientRect();
  const shown = e => box(e).height > 0;
  const isBlock = e => e && e.matches('[data-testid="stVerticalBlock"]');
  let node = null;
  for (const m of document.querySelectorAll('.' + marker)) {   // the visible tab's marker
    let n = m;
    while (n.parentElement && !isBlock(n.parentElement)) n = n.parentElement;
    if (n.parentElement && shown(n.parentElement)) { node = n; break; }
  }
  if (!node) return null;
  const kids = [...node.parentElement.children];
  const at = kids.indexOf(node);
  const strip = document.querySelector('.st-key-' + top);
  const title = document.querySelector('h1');
  const inputs = kids.slice(0, at).filter(shown).filter(e => !e.contains(strip)
      && !e.contains(title) && e.querySelector('input, textarea, button, [role="slider"]'));
  const results = kids.slice(at + 1).filter(shown);
  const banner = document.querySelector('.st-key-room_banner');
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(c => {
    // what is drawn just above the chart (on screen, not in the page's order)
    const el = c.closest('[data-testid="stElementContainer"]');
    const above = [...el.parentElement.children].filter(e => e !== el && shown(e)
        && box(e).top < box(el).top).sort((a, b) => box(b).top - box(a).top);
    const prev = above[0];
    const texts = [...c.querySelectorAll('svg text')].filter(t => t.textContent.trim());
    // ink: the chart's texts and marks; the element above: its text, else its box
    const marks = [...c.querySelectorAll('svg g[class*="mark-"] path')].filter(shown);
    const ink = e => { const r = document.createRange(); r.selectNodeContents(e);
                       return r.getBoundingClientRect(); };
    return {above_bottom: prev ? ink(prev).bottom : null,
            own_top: box(el).top,
            ink_top: Math.min(...texts.concat(marks).map(t => box(t).top)),
            label_px: texts.map(t => parseFloat(getComputedStyle(t).fontSize)),
            above: prev ? prev.innerText.slice(0, 40) : null};
  });
  return {
    inputs: inputs.length, inputs_top: Math.min(...inputs.map(e => box(e).top)),
    results: results.length, results_top: Math.min(...results.map(e => box(e).top)),
    results_bottom: Math.max(...results.map(e => box(e).bottom)),
    result_text: results.map(e => e.innerText).join(' ').trim().slice(0, 300),
    strip_top: box(strip).top, title_top: box(title).top,
    banner: banner ? [box(banner).top, box(banner).bottom, strip.contains(banner)] : null,
    body_px: parseFloat(getComputedStyle(document.documentElement).fontSize),
    table_px: [...document.querySelectorAll('[data-testid="stTable"] td')]
        .map(td => parseFloat(getComputedStyle(td).fontSize)),
    grids: results.map(e => e.querySelectorAll('[data-testid="stDataFrame"]').length)
        .reduce((a, b) => a + b, 0),
    charts: charts,
    sidebar: document.querySelector('[data-testid="stSidebar"]') ?
        document.querySelector('[data-testid="stSidebar"]').offsetParent !== null : false,
  };
}"""


# Quantization's projector view (a comparison: the slowest action) is opt-in; the static check
# that every page's main button goes through presenter.results_start covers its layout
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "quantization"
                                  else n for n in STEPS])
def test_the_projector_shows_banner_title_result_then_inputs(projector, name):
    page = projector
    set_presenter(page, False)
    open_step(page, name)
    page.locator("[data-testid='stMain'] [data-testid='stBaseButton-primary']:visible").first.click()
    page.wait_for_timeout(500)
    wait_idle(page, timeout=300_000)
    set_presenter(page, True)
    page.locator(".st-key-room_banner").wait_for(timeout=10_000)  # the fragment's next poll
    wait_idle(page)
    shots = os.environ.get("PLAYGROUND_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"presenter_{name}.png"))
    got = page.evaluate(LAYOUT, [presenter.RESULTS, presenter.TOP])
    assert got is not None, "no results marker on the page"
    assert got["inputs"] and got["results"], got
    assert got["result_text"], got  # the action drew something after the marker
    # from the top: the room strip with the banner, the title, the result, the inputs
    top, bottom, in_strip = got["banner"]
    assert in_strip and got["strip_top"] <= top < bottom <= got["title_top"], got
    assert got["title_top"] < got["results_top"], got
    assert got["results_bottom"] <= got["inputs_top"] + 1, got
    # no instructor's controls and no sidebar on the projector
    for key in ("room_bar.lesson_plan", "room_bar.share_with_the_room"):
        assert page.get_by_role("button", name=ja(key)).count() == 0, key
    assert not got["sidebar"]
    # large type: body, tables, charts; no chart over what is above it
    assert got["body_px"] >= presenter.FONT_PX, got
    assert got["grids"] == 0, "a result in a canvas table (st.dataframe) cannot be enlarged"
    assert all(px >= presenter.FONT_PX for px in got["table_px"]), got["table_px"]
    for chart in got["charts"]:
        assert min(chart["label_px"]) >= presenter.CHART_FONT_PX, chart
        # nothing cut off at its top, nothing over the element above it (a text's box includes
        # the font's leading above the glyphs: a quarter of its size is not ink)
        lead = presenter.CHART_FONT_PX / 4
        assert chart["ink_top"] >= chart["own_top"] - lead, chart
        assert chart["above_bottom"] is None or chart["ink_top"] >= chart["above_bottom"] - lead, chart
    if STEPS[name][1]:
        assert got["table_px"] and got["charts"], got
