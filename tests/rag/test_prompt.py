"""The RAG prompt on the real embedded model's tokenizer (token budget, numbering), citations
mapped to the right sources, and safe rendering of untrusted text."""

import pytest

from playground.errors import PromptError
from playground.rag.prompt import (MIN_TRIMMED_WORDS, answer_markdown, build_prompt, cited,
                                   source_anchor)
from playground.rag.sources import Source, escape_markdown, markdown_link, safe_url
from playground.serving.service import generate
from playground.serving.settings import GenerationSettings

FIVE = [Source(f"Result {i}", f"https://example.org/page-{i}",
               f"Passage {i}: " + " ".join(f"fact{i}_{j}" for j in range(60)), "web",
               "example.org") for i in range(1, 6)]


def token_count(loaded, rendered):
    return len(loaded.service.tokenize(rendered))


def test_five_sources_are_numbered_in_order_and_counted_exactly(smol):
    rag = build_prompt(smol, "What is fact 3?", FIVE, max_new_tokens=64, budget_tokens=4096)
    assert rag.sources == tuple(FIVE) and rag.dropped == 0 and not rag.trimmed
    text = rag.rendered.text
    positions = [text.index(f"[{i}] Passage {i}: fact{i}_0") for i in range(1, 6)]
    assert positions == sorted(positions)
    assert text.index("Question: What is fact 3?") < positions[0]
    assert rag.prompt_tokens == token_count(smol, rag.rendered)
    assert "[1]" in text and "square brackets" in text  # the citation instruction is there


@pytest.mark.parametrize("budget", [300, 450, 700])
def test_a_small_budget_keeps_the_prompt_within_it(smol, budget):
    rag = build_prompt(smol, "What is fact 3?", FIVE, max_new_tokens=32, budget_tokens=budget)
    assert rag.prompt_tokens == token_count(smol, rag.rendered) <= budget
    assert 0 < len(rag.sources) < 5 and rag.dropped == 5 - len(rag.sources)
    assert [s.title for s in rag.sources] == [f"Result {i}"
                                              for i in range(1, len(rag.sources) + 1)]
    if rag.trimmed:  # the last one was cut to fit, never below the minimum
        last = rag.sources[-1].snippet
        assert last.endswith(" …") and MIN_TRIMMED_WORDS <= len(last.split()) - 1


def test_the_model_context_is_a_hard_limit_whatever_the_budget(smol):
    huge = [Source(f"Doc {i}", None, "word " * 3000, "document") for i in range(5)]
    new = 256
    rag = build_prompt(smol, "Anything?", huge, max_new_tokens=new, budget_tokens=100_000)
    assert rag.budget_tokens == smol.context_length - new
    assert rag.prompt_tokens + new <= smol.context_length
    assert rag.prompt_tokens == token_count(smol, rag.rendered)


def test_a_question_longer_than_the_budget_is_a_clear_error(smol):
    with pytest.raises(PromptError, match="question and instructions alone"):
        build_prompt(smol, "why " * 400, FIVE, max_new_tokens=32, budget_tokens=200)
    with pytest.raises(PromptError, match="type a question"):
        build_prompt(smol, "  ", FIVE, max_new_tokens=32)


def test_one_batched_request_answers_with_and_without_sources(smol):
    rag = build_prompt(smol, "What is fact 2?", FIVE[:2], max_new_tokens=6)
    request = rag.request(GenerationSettings(max_new_tokens=6))
    assert len(request.prompts) == 2 and len(request.variants) == 1
    result = generate(smol, request, timeout=300)
    assert len(result.samples) == 2 and all(s.n_tokens > 0 for s in result.samples)
    assert result.rendered[0].text == rag.rendered.text  # row 0 is exactly what was shown
    assert "Sources:" not in result.rendered[1].text and "What is fact 2?" in \
        result.rendered[1].text


def test_without_sources_only_the_plain_answer_is_requested(smol):
    rag = build_prompt(smol, "How high is Mount Fuji?", [], max_new_tokens=8)
    assert rag.with_context is None and len(rag.request(GenerationSettings()).prompts) == 1


def test_citations_link_to_the_right_sources():
    answer = "Fact three [3]. Facts one and five [1, 5]. Invented [9]. Year [2024]."
    md = answer_markdown(answer, FIVE)
    assert cited(answer) == [3, 1, 5, 9]  # a four-digit year in brackets is not a citation
    for k in (1, 3, 5):
        assert f"[\\[{k}\\]](https://example.org/page-{k} \"Result {k}\")" in md
    assert "page-2" not in md and "page-4" not in md  # not cited, not linked
    assert "\\[9\\]" in md and "](" not in md.split("\\[9\\]")[1][:3]  # no source 9: no link
    assert "\\[2024\\]" in md


def test_document_citations_link_to_their_card_on_the_page():
    docs = [Source("notes.md · chunk 1", None, "text", "document", "notes.md, line 1")]
    md = answer_markdown("It opens at nine [1].", docs)
    assert f"(#{source_anchor(1)} " in md


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>",
                                 "file:///etc/passwd", "//evil.example", "https://", "ftp://x.org",
                                 "https://ok.org/a b"])
def test_only_http_and_https_links_are_allowed(url):
    assert safe_url(url) is None
    assert markdown_link("label", url) == "label"
    md = answer_markdown("see [1]", [Source("t", url, "s")])
    assert "](" not in md.replace("](#rag-source-1", "")


def test_untrusted_text_is_escaped_not_rendered():
    evil = "<script>alert(1)</script> ![x](https://track.example/p.png) **bold** $x$ :red[hi]"
    md = escape_markdown(evil)
    for raw in ("<script>", "![x](", "**bold**", "$x$", ":red["):
        assert raw not in md
    assert all(md[i - 1] == "\\" for i, c in enumerate(md) if c in "<>[]()*$:")
    assert md.replace("\\", "") == evil  # every character is still there, as text
    answer = answer_markdown("<img src=x onerror=alert(1)> [1]", FIVE)
    assert "\\<img" in answer and "https://example.org/page-1" in answer
