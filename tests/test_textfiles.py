"""Participants' and the CLI's files: bounded, regular files only, encodings detected."""

import os

import pytest

from playground.cli import main
from playground.rag.documents import load_folder, read_upload
from playground.errors import DocumentError
from playground.textfiles import TextFileError, decode, read_bytes, read_text

JA = "富士山の高さは3776メートルです。北岳は日本で二番目に高い山です。"


@pytest.mark.parametrize("encoding", ["shift_jis", "utf-16", "euc_jp", "utf-8-sig"])
def test_japanese_text_in_common_encodings_is_decoded(encoding):
    assert decode(JA.encode(encoding)) == JA


def test_a_shift_jis_upload_is_text_not_mojibake():
    assert read_upload("notes.txt", JA.encode("shift_jis")).text == JA


def test_binary_bytes_are_refused_naming_the_reason():
    with pytest.raises(TextFileError, match="does not look like a text file"):
        decode(bytes(range(256)) * 8, "blob.txt")


def test_special_files_and_folders_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, words in [("/dev/zero", "not a regular file"), (fifo, "not a regular file"),
                        (tmp_path, "is a folder"), (tmp_path / "missing.txt", "does not exist")]:
        with pytest.raises(TextFileError, match=words):
            read_bytes(path)


def test_the_size_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2001)
    with pytest.raises(TextFileError, match="more than the limit of 2 kB"):
        read_text(big, limit_bytes=2000)
    assert read_text(big, limit_bytes=3000) == "a" * 2001


def test_the_documents_folder_serves_only_regular_files_inside_it(tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("root:x:0:0 secret")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("Mount Kita is 3193 m high.")
    (docs / "passwd.txt").symlink_to(secret)
    (docs / "sjis.txt").write_bytes(JA.encode("shift_jis"))
    names = {d.name: d.text for d in load_folder(docs)}
    assert set(names) == {"notes.md", "sjis.txt"} and names["sjis.txt"] == JA


@pytest.mark.parametrize("args", [
    ["template", "--messages", "/dev/zero"],
    ["template", "--messages", "{missing}"],
    ["template", "--messages", "{folder}"],
    ["template", "--messages", "{fifo}"],
    ["template", "--messages", "{latin}"],
    ["rag", "--question", "x", "--doc", "/dev/zero"],
    ["rag", "--question", "x", "--doc", "{missing}"],
    ["rag", "--question", "x", "--doc", "{folder}"],
    ["rag", "--question", "x", "--doc", "{fifo}"],
])
def test_cli_file_options_answer_with_a_message_never_a_traceback(args, tmp_path, capsys):
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'[{"role": "user", "content": "caf\xe9 \xff\xfe"}')
    paths = dict(missing=tmp_path / "missing.md", folder=tmp_path, fifo=fifo, latin=latin)
    code = main([a.format(**paths) for a in args])  # a FIFO would hang here before the fix
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and "Traceback" not in err


def test_nesting_counts_brackets_outside_strings_only():
    from playground.textfiles import check_nesting

    check_nesting('{"a": "' + "[" * 500 + '"}')  # inside a string: text, not nesting
    check_nesting("x = '" + "{" * 500 + "'")
    check_nesting('["say \\"[[[[\\" twice"]')  # escaped quotes stay inside the string
    check_nesting("[" * 64 + "]" * 64)
    with pytest.raises(TextFileError, match="nested more than 64 levels"):
        check_nesting("[" * 65 + "]" * 65)


def test_controls_are_shown_as_symbols_and_bidi_overrides_by_code_point():
    from playground.textfiles import visible
    assert visible("a\x00b\x1b[0m\x7f\x85c\u202ed\u2066e\n\tf 日本") == \
        "a␀b␛[0m␡<U+0085>c<U+202E>d<U+2066>e\n\tf 日本"
