"""Local documents: reading, chunking along paragraphs, and BM25 ranking on a corpus the test
writes itself."""

import os

import pytest

from playground.errors import DocumentError
from playground.rag.documents import (MAX_DOCUMENT_BYTES, Document, chunk, document_search,
                                      folder_documents, load_folder, pasted, rank, read_upload,
                                      terms)

LIBRARY = """# Aurora Library

The Aurora Library opens at 9 a.m. and closes at 6 p.m. on weekdays.
On Saturdays it is open from 10 a.m. to 2 p.m.

Members can borrow up to eight books for three weeks.
"""
MOUNTAIN = "Mount Kita is 3,193 metres high.\nClimbers usually start from Hirogawara.\n"
TEA = "Green tea is made from the leaves of Camellia sinensis.\n\nMatcha is a powdered tea.\n"
JAPANESE = "電気通信大学は東京都調布市にあります。\n\n富士山の高さは3776メートルです。\n"


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "library.md").write_text(LIBRARY, encoding="utf-8")
    (tmp_path / "mountain.txt").write_text(MOUNTAIN, encoding="utf-8")
    (tmp_path / "drinks").mkdir()
    (tmp_path / "drinks" / "tea.md").write_text(TEA, encoding="utf-8")
    (tmp_path / "script.py").write_text("print('not a document: mountain tea library')")
    return tmp_path


def test_chunks_keep_sentences_whole_and_remember_their_lines():
    chunks = chunk(Document("library.md", LIBRARY, "folder"), max_words=20)
    assert all(len(c.text.split()) <= 20 for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)  # cut between sentences, not inside
    assert " ".join(c.text for c in chunks).split() == LIBRARY.split()
    assert chunks[0].text.startswith("# Aurora Library The Aurora Library opens")
    assert (chunks[0].first_line, chunks[-1].first_line, chunks[-1].last_line) == (1, 6, 6)
    assert chunks[-1].to_source().title == f"library.md · chunk {len(chunks)}"
    assert chunks[-1].to_source().location == "library.md, line 6"


def test_small_paragraphs_are_joined_up_to_the_chunk_size():
    text = "\n\n".join(f"Paragraph {i} is here." for i in range(10))  # 4 words each
    chunks = chunk(Document("p.txt", text, "pasted"), max_words=12)
    assert [len(c.text.split()) for c in chunks] == [12, 12, 12, 4]
    assert (chunks[1].first_line, chunks[1].last_line) == (7, 11)


def test_a_sentence_longer_than_a_chunk_is_cut_between_words():
    words = " ".join(f"w{i}" for i in range(250))
    chunks = chunk(Document("long.txt", words, "pasted"), max_words=100)
    assert [len(c.text.split()) for c in chunks] == [100, 100, 50]
    assert " ".join(c.text for c in chunks) == words  # nothing lost or repeated


def test_the_folder_gives_only_text_and_markdown_files(corpus):
    names = sorted(d.name for d in load_folder(corpus))
    assert names == ["drinks/tea.md", "library.md", "mountain.txt"]
    assert folder_documents("") == []


def test_a_changed_file_is_read_again(corpus):
    assert "Matcha" in " ".join(d.text for d in load_folder(corpus))
    tea = corpus / "drinks" / "tea.md"
    tea.write_text("Hojicha is roasted green tea.\n", encoding="utf-8")
    os.utime(tea, ns=(tea.stat().st_atime_ns, tea.stat().st_mtime_ns + 10**9))
    text = " ".join(d.text for d in load_folder(corpus))
    assert "Hojicha" in text and "Matcha" not in text


def test_a_missing_folder_says_which_setting_to_check(tmp_path):
    with pytest.raises(DocumentError, match="search.docs_dir"):
        load_folder(tmp_path / "nope")


@pytest.mark.parametrize("question,expected", [
    ("When does the library close?", "library.md · chunk 1"),
    ("How high is Mount Kita?", "mountain.txt · chunk 1"),
    ("What is matcha?", "drinks/tea.md · chunk 1"),
])
def test_bm25_puts_the_passage_that_answers_first(corpus, question, expected):
    sources = document_search(question, load_folder(corpus))
    assert sources[0].title == expected and sources[0].origin == "document"
    assert sources[0].url is None and sources[0].score > 0
    assert [s.score for s in sources] == sorted((s.score for s in sources), reverse=True)


def test_japanese_text_is_searchable_without_spaces():
    docs = [pasted(JAPANESE)]
    top = document_search("富士山は何メートルですか", docs, k=1)[0]
    assert "3776" in top.snippet
    assert "調布" in document_search("調布市にある大学", docs, k=1)[0].snippet


def test_terms_drop_stopwords_and_plain_plurals():
    assert terms("What are the opening hours of the libraries?") == ["opening", "hour", "librarie"]
    assert "class" in terms("class")


def test_a_question_sharing_no_word_finds_nothing(corpus):
    assert rank("zebra giraffe", [c for d in load_folder(corpus) for c in chunk(d)]) == []
    with pytest.raises(DocumentError, match="shares a word"):
        document_search("zebra giraffe", load_folder(corpus))


def test_no_documents_at_all_asks_for_some():
    with pytest.raises(DocumentError, match="paste a text or upload"):
        document_search("anything", [])


@pytest.mark.parametrize("name,data,words", [
    ("notes.pdf", b"%PDF-1.4", "only .txt and .md"),
    ("notes.txt", b"", "empty"),
    ("notes.txt", b"\x00\x01\x02binary", "does not look like a text file"),
    ("big.md", b"a" * (MAX_DOCUMENT_BYTES + 1), "larger than"),
])
def test_bad_uploads_are_refused_with_a_reason(name, data, words):
    with pytest.raises(DocumentError, match=words):
        read_upload(name, data)


def test_an_upload_keeps_only_its_base_name_and_tolerates_bad_bytes():
    doc = read_upload("../../etc/notes.md", "café \xff".encode("latin-1"))
    assert doc.name == "notes.md" and doc.origin == "uploaded" and "caf" in doc.text
