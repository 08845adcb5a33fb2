"""No label cut off at 1,400 px (#26 item 3): the room strip's buttons, the chat-template
switch of the prompt pages (here the lens's) and the sidebar's page list, in Japanese and
English, in a real browser."""

import pytest

from tests.e2e.conftest import wait_idle

pytestmark = pytest.mark.browser

# every text node inside a button, a toggle/checkbox/radio label or a sidebar link whose box
# is narrower than its text (an ellipsis or a clip)
CUT = """() => {
  const out = [];
  const sel = "button, label, [data-testid='stSidebarNav'] a";
  for (const host of document.querySelectorAll(sel)) {
    for (const el of [host, ...host.querySelectorAll('*')]) {
      const cs = getComputedStyle(el);
      const clips = cs.textOverflow === 'ellipsis' || cs.overflowX === 'hidden'
                    || cs.overflowX === 'clip';
      if (!clips || !el.textContent.trim() || !el.getClientRects().length) continue;
      if (el.scrollWidth > el.clientWidth + 1)
        out.push(el.textContent.trim().slice(0, 60) + ` (${el.scrollWidth} > ${el.clientWidth} px)`);
    }
  }
  return [...new Set(out)];
}"""


# Japanese: test_walk32_browser.py's test_labels_are_whole_at_1400_px[ja] (the same check)
@pytest.mark.parametrize("lang", [pytest.param("ja", marks=pytest.mark.slow), "en"])
@pytest.mark.parametrize("path", ["", pytest.param("sampling_lens", marks=pytest.mark.slow),
                                  pytest.param("quantization", marks=pytest.mark.slow)])
def test_no_label_is_cut_at_1400_px(new_session, lang, path):
    page = new_session(f"{path}?lang={lang}")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.wait_for_timeout(300)
    wait_idle(page)
    for label in {"ja": ("このステップへのリンク", "プレゼンター表示", "量子化 (32〜4 ビット)"),
                  "en": ("Link to this step", "Presenter", "Quantization (32 to 4 bits)")}[lang]:
        page.get_by_text(label, exact=True).first.wait_for(timeout=60_000)  # drawn, in full
    wait_idle(page)
    assert page.evaluate(CUT) == []
