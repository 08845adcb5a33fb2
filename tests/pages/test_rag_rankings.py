"""The RAG page's local documents: BM25, the model's vectors and the hybrid, side by side."""

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.rag.test_dense import DOC


def test_the_three_rankings_show_side_by_side(smol):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    at.switch_page("pages/rag.py").run()
    at.radio(key="rag_source").set_value("Local documents").run()
    at.text_area(key="rag_paste").input(DOC.text)
    at.text_input(key="rag_question").input("How high is Mount Fuji in Japan?").run()
    at.button(key="rag_dense_go").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[-1].value
    assert list(table.columns[:4]) == ["passage", "BM25 rank", "vector rank", "hybrid rank"]
    assert table["hybrid rank"].tolist() == list(range(1, len(table) + 1))
    assert "not an embedding model" in " ".join(c.value for c in at.caption)
