"""Training data: the built-in sets, a participant's upload, and the ``datasets.Dataset`` they
become (the notes' "one row is one record, a record has columns").

A record is ``prompt`` + ``response`` (+ an optional ``system``): an instruction and the answer
the model should learn to give. Uploads (CSV or JSONL, at most ``MAX_UPLOAD_BYTES``) are
bounded before they are read, decoded with their real encoding, and checked column by column;
a bad line is named, never half-read.

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from playground.errors import PlaygroundError
from playground.textfiles import TextFileError, decode

DATA = Path(__file__).resolve().parent / "data"
MAX_UPLOAD_BYTES = 1_000_000
MAX_FIELD_CHARS = 2_000
COLUMNS = ("prompt", "response", "system")


class DataError(PlaygroundError, ValueError):
    """The training data cannot be used as given (the message says which record and why)."""


@dataclass(frozen=True)
class Record:
    prompt: str
    response: str
    system: str = ""


@dataclass(frozen=True)
class Builtin:
    name: str
    model: str          # the catalog model it is written for
    lang: str           # "ja" | "en"
    file: str
    heldout: str = ""   # held-out prompts for before/after, one per line
    labelled: bool = False  # a classification set: text + label (+ split)
    description: str = ""


BUILTINS = {b.name: b for b in [
    Builtin("kansai", "gemma-3-270m", "ja", "kansai.jsonl", "kansai_heldout.txt",
            description="Kansai-ben (関西弁) chat: questions in standard Japanese, answers in "
                        "Osaka dialect"),
    Builtin("captain", "smollm2-135m-instruct", "en", "persona_en.jsonl",
            "persona_en_heldout.txt",
            description="a ship's captain persona: one short sentence, ending with an anchor"),
    Builtin("sentiment", "smollm2-135m-instruct", "en", "sentiment.jsonl", labelled=True,
            description="labelled reviews (positive / negative) with a held-out test split"),
    Builtin("sentiment-ja", "gemma-3-270m", "ja", "sentiment_ja.jsonl", labelled=True,
            description="日本語のレビュー (positive / negative), with a held-out test split"),
]}
# the Kansai persona's system prompt in a Japanese tab (Persona chat's preset,
# ``room.langdefaults.JA_PERSONAS``); half the built-in Kansai set carries it, so the adapter
# answers in Kansai-ben with it and without it
KANSAI_SYSTEM = "あなたは大阪出身の明るいアシスタントです。いつも関西弁で、親しみやすく答えてください。"
LABEL_PROMPT = {"en": "Review: {text}\nSentiment:", "ja": "レビュー: {text}\n評価:"}


def builtin(name: str) -> Builtin:
    try:
        return BUILTINS[name]
    except KeyError:
        raise DataError(f"unknown built-in set {name!r}: choose one of "
                        f"{', '.join(BUILTINS)}") from None


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def load_builtin(name: str, split: str | None = None) -> list[Record]:
    """A built-in set as records (a labelled set as prompt/response pairs; ``split``: only
    its ``train`` or ``test`` part)."""
    b = builtin(name)
    rows = _jsonl(DATA / b.file)
    if b.labelled:
        return [Record(LABEL_PROMPT[b.lang].format(text=r["text"]), " " + r["label"])
                for r in rows if split is None or r.get("split") == split]
    return [Record(r["prompt"], r["response"], r.get("system", "")) for r in rows]


def heldout_prompts(name: str) -> list[str]:
    b = builtin(name)
    if not b.heldout:
        return []
    return [line.strip() for line in (DATA / b.heldout).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def labels_of(name: str) -> list[str]:
    """A labelled set's label names, in a fixed order (``ClassLabel``'s names)."""
    return sorted({r["label"] for r in _jsonl(DATA / builtin(name).file)})


def _record(row: dict, where: str) -> Record:
    if not isinstance(row, dict):
        raise DataError(f"{where}: expected an object with prompt and response")
    missing = [c for c in ("prompt", "response") if not str(row.get(c) or "").strip()]
    if missing:
        raise DataError(f"{where}: {' and '.join(missing)} is empty or missing (columns: "
                        f"prompt, response, optionally system)")
    values = {c: str(row.get(c) or "") for c in COLUMNS}
    long = [c for c, v in values.items() if len(v) > MAX_FIELD_CHARS]
    if long:
        raise DataError(f"{where}: {long[0]} is longer than {MAX_FIELD_CHARS} characters")
    return Record(values["prompt"], values["response"], values["system"])


def parse_upload(data: bytes, filename: str, max_records: int = 2000) -> list[Record]:
    """CSV (a header row naming prompt, response[, system]) or JSONL (one object a line)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DataError(f"{filename} is {len(data):,} bytes; at most {MAX_UPLOAD_BYTES:,} "
                        f"bytes can be uploaded")
    try:
        text = decode(data, filename)
    except TextFileError as err:
        raise DataError(str(err)) from None
    records: list[Record] = []
    if filename.lower().endswith((".jsonl", ".json", ".ndjson")):
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise DataError(f"{filename} line {i} is not JSON") from None
            records.append(_record(row, f"{filename} line {i}"))
            if len(records) > max_records:
                break
    else:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "prompt" not in header or "response" not in header:
            raise DataError(f"{filename}: the first row must name the columns prompt and "
                            f"response (and optionally system)")
        try:
            for i, row in enumerate(reader, 2):
                row = {(k or "").strip().lower(): v for k, v in row.items()}
                records.append(_record(row, f"{filename} row {i}"))
                if len(records) > max_records:
                    break
        except csv.Error as err:
            raise DataError(f"{filename}: not valid CSV ({err})") from None
    check_records(records, max_records)
    return records


def check_records(records: list[Record], max_records: int = 2000) -> None:
    if len(records) < 2:
        raise DataError("at least 2 records are needed (one to train on, one to validate)")
    if len(records) > max_records:
        raise DataError(f"more than {max_records} records; this server trains on at most "
                        f"{max_records}")


def records_from_rows(rows: list[dict], max_records: int = 2000) -> list[Record]:
    """The page's editable table (rows of prompt/response/system) as records; empty rows
    are skipped."""
    out = [_record(r, f"row {i}") for i, r in enumerate(rows, 1)
           if str(r.get("prompt") or "").strip() or str(r.get("response") or "").strip()]
    check_records(out, max_records)
    return out


def to_dataset(records: list[Record]):
    """The records as a ``datasets.Dataset`` with the columns prompt, response, system."""
    from datasets import Dataset

    return Dataset.from_list([asdict(r) for r in records])


def split(records: list[Record], validation_fraction: float, seed: int
          ) -> tuple[list[Record], list[Record]]:
    """The notes' train/validation split: ``Dataset.train_test_split`` with ``seed`` (the same
    rows every time), at least one record on each side."""
    if not 0 < validation_fraction < 1:
        raise DataError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
    n_val = min(len(records) - 1, max(1, round(len(records) * validation_fraction)))
    parts = to_dataset(records).train_test_split(test_size=n_val, seed=seed)
    return ([Record(**row) for row in parts["train"]],
            [Record(**row) for row in parts["test"]])


def to_jsonl(records: list[Record]) -> str:
    return "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in records)
