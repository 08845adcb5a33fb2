"""Local documents: pasted text, uploaded .txt/.md files, and an instructor's folder.

Documents are split into chunks of about ``CHUNK_WORDS`` words along paragraph boundaries and
ranked for a question with BM25 (the ``bm25s`` package). The top chunks become ``Source``s, shown
and cited exactly like web results. Nothing here is shared between sessions except the
instructor's folder, which is read-only.

Package ``playground.rag``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from playground.errors import DocumentError
from playground.rag.sources import Source
from playground.textfiles import TextFileError, decode, is_regular_inside, read_bytes

EXTENSIONS = (".txt", ".md")
MAX_DOCUMENT_BYTES = 1_000_000   # one pasted or uploaded document
MAX_FOLDER_FILES = 500           # the instructor's folder: files read, at most
CHUNK_WORDS = 120                # about 160 tokens: several chunks fit a small model's prompt
TOP_K = 5


@dataclass(frozen=True)
class Document:
    name: str      # shown as the source title ("pasted text", "notes.md")
    text: str
    origin: str    # "pasted" | "uploaded" | "folder"


@dataclass(frozen=True)
class Chunk:
    document: str
    index: int        # 1-based within its document
    text: str
    first_line: int   # 1-based, inclusive
    last_line: int

    def to_source(self, score: float | None = None) -> Source:
        lines = (f"line {self.first_line}" if self.first_line == self.last_line
                 else f"lines {self.first_line}–{self.last_line}")
        return Source(title=f"{self.document} · chunk {self.index}", url=None,
                      snippet=self.text, origin="document",
                      location=f"{self.document}, {lines}", score=score)


def pasted(text: str, name: str = "pasted text") -> Document:
    if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"the pasted text is larger than {MAX_DOCUMENT_BYTES // 1000} kB; "
                            f"paste a shorter part of it")
    return Document(name, text, "pasted")


def read_upload(name: str, data: bytes) -> Document:
    """An uploaded file as a document; only .txt and .md, at most 1 MB, text in UTF-8 or an
    encoding charset-normalizer recognises (Shift-JIS, EUC-JP, UTF-16, ...)."""
    base = Path(name).name
    if Path(base).suffix.lower() not in EXTENSIONS:
        raise DocumentError(f"{base}: only .txt and .md files can be used as documents")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{base} is larger than {MAX_DOCUMENT_BYTES // 1000} kB; "
                            f"upload a shorter file")
    try:
        text = decode(data, base)
    except TextFileError as err:
        raise DocumentError(str(err)) from None
    if not text.strip():
        raise DocumentError(f"{base} is empty")
    return Document(base, text, "uploaded")


def load_folder(folder: str | Path) -> list[Document]:
    """Every .txt/.md file under the instructor's folder (read once until a file changes)."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise DocumentError(f"the documents folder {root} does not exist on this server "
                            f"(ask the instructor to check search.docs_dir)")
    # only regular files really inside the folder: a symlink to /etc/passwd is not a source
    files = sorted(p for p in root.rglob("*")
                   if p.suffix.lower() in EXTENSIONS and is_regular_inside(p, root))
    files = files[:MAX_FOLDER_FILES]
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return list(_read_folder(str(root), stamp))


@functools.lru_cache(maxsize=8)
def _read_folder(root: str, stamp: tuple) -> tuple[Document, ...]:
    docs = []
    for path, _mtime, size in stamp:
        if size > MAX_DOCUMENT_BYTES or size == 0:
            continue  # too large for a prompt-sized passage search; skipped, not fatal
        try:
            text = decode(read_bytes(path, MAX_DOCUMENT_BYTES), Path(path).name)
        except TextFileError:
            continue  # not text (or changed meanwhile): skipped like an over-large file
        docs.append(Document(str(Path(path).relative_to(root)), text, "folder"))
    return tuple(docs)


def _paragraphs(text: str) -> list[tuple[str, int, int]]:
    """(text, first line, last line) of each blank-line-separated paragraph."""
    out, buf, first = [], [], 0
    for i, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if line.strip():
            if not buf:
                first = i
            buf.append(line.strip())
        elif buf:
            out.append((" ".join(buf), first, i - 1))
            buf = []
    if buf:
        out.append((" ".join(buf), first, first + len(buf) - 1))
    return out


_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def _size(word: str) -> int:
    """A word counts 1; Japanese/Chinese text, written without spaces, counts 1 per 2 chars."""
    return 1 + sum(len(run) for run in _CJK.findall(word)) // 2


def _pieces(text: str, max_words: int) -> list[list[str]]:
    """A paragraph as pieces of at most ``max_words``, cut between sentences where possible."""
    pieces, current, size = [], [], 0
    for sentence in _SENTENCE_END.split(text):
        words = []
        for w in sentence.split():  # a run with no spaces longer than a chunk is cut by chars
            words += [w[i:i + 2 * max_words] for i in range(0, len(w), 2 * max_words)] \
                if _size(w) > max_words else [w]
        if current and size + sum(_size(w) for w in words) > max_words:
            pieces.append(current)
            current, size = [], 0
        for w in words:  # only a sentence longer than a whole chunk is cut between words
            if current and size + _size(w) > max_words:
                pieces.append(current)
                current, size = [], 0
            current.append(w)
            size += _size(w)
    if current:
        pieces.append(current)
    return pieces


def chunk(doc: Document, max_words: int = CHUNK_WORDS) -> list[Chunk]:
    """Paragraphs joined up to ``max_words`` words; a longer paragraph is cut between
    sentences (between words only inside an over-long sentence)."""
    pieces = [(piece, first, last) for text, first, last in _paragraphs(doc.text)
              for piece in _pieces(text, max_words)]
    chunks: list[Chunk] = []
    words: list[str] = []
    first = last = size = 0
    for piece, p_first, p_last in pieces:
        piece_size = sum(_size(w) for w in piece)
        if words and size + piece_size > max_words:
            chunks.append(Chunk(doc.name, len(chunks) + 1, " ".join(words), first, last))
            words, size = [], 0
        if not words:
            first = p_first
        words, last, size = words + piece, p_last, size + piece_size
    if words:
        chunks.append(Chunk(doc.name, len(chunks) + 1, " ".join(words), first, last))
    return chunks




@functools.lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS  # question words (when, does) too
    return frozenset(STOPWORDS_EN_PLUS)


def terms(text: str) -> list[str]:
    """Index terms: lower-cased words without English stopwords and a plain plural "s";
    Japanese/Chinese/Korean runs (no spaces between words) become overlapping 2-character
    pieces, a standard trick for searching them without a dictionary."""
    out = []
    for run in _WORD.findall(text.lower()):
        for part in _CJK.split(run):  # latin letters glued to CJK in one \w run
            stem = part[:-1] if len(part) > 3 and part.endswith("s") and \
                not part.endswith("ss") else part
            if stem and part not in _stopwords() and stem not in _stopwords() and \
                    (len(part) > 1 or part.isdigit()):
                out.append(stem)
        for cjk in _CJK.findall(run):
            out.extend([cjk] if len(cjk) == 1 else [cjk[i:i + 2] for i in range(len(cjk) - 1)])
    return out


def rank(question: str, chunks: list[Chunk], k: int = TOP_K) -> list[tuple[Chunk, float]]:
    """The ``k`` chunks BM25 scores highest for ``question``; chunks sharing no term with it
    are left out (score 0), so an unrelated question finds nothing instead of noise."""
    import bm25s

    query = terms(question)
    if not chunks or not query:
        return []
    retriever = bm25s.BM25()
    retriever.index([terms(c.text) or ["\x00"] for c in chunks], show_progress=False)
    ids, scores = retriever.retrieve([query], k=min(k, len(chunks)), show_progress=False)
    return [(chunks[int(i)], float(s)) for i, s in zip(ids[0], scores[0]) if s > 0]


def document_search(question: str, documents: list[Document], k: int = TOP_K) -> list[Source]:
    """The best ``k`` chunks of ``documents`` for ``question``, as numbered-source records."""
    chunks = [c for d in documents for c in chunk(d)]
    if not chunks:
        raise DocumentError("there are no documents yet: paste a text or upload a .txt or .md "
                            "file")
    ranked = rank(question, chunks, k)
    if not ranked:
        raise DocumentError("no passage in your documents shares a word with the question; "
                            "rephrase it with words the documents use")
    return [c.to_source(round(score, 3)) for c, score in ranked]


def read_document_file(path: str) -> Document:
    """A file named on the command line (``rag --doc``), read like an upload: bounded,
    regular files only, encoding detected."""
    try:
        data = read_bytes(path, MAX_DOCUMENT_BYTES, "document")
    except TextFileError as err:
        raise DocumentError(str(err)) from None
    return read_upload(path, data)


def folder_documents(docs_dir: str) -> list[Document]:
    """The instructor's folder (``search.docs_dir``), or nothing when none is configured."""
    return load_folder(docs_dir) if docs_dir.strip() else []
