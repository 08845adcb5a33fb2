"""Training data: built-in sets, uploads (bounded, decoded, checked), the Dataset and its split."""

import json

import pytest

from playground.tuning import data
from playground.tuning.data import DataError, Record


def test_the_builtin_sets_are_what_the_page_promises():
    kansai = data.load_builtin("kansai")
    assert len(kansai) >= 150 and all(r.prompt and r.response for r in kansai)
    assert len({r.prompt for r in kansai}) == len(kansai)
    # varied in topic: no dish dominates the replies (the lesson on over-fitting needs a
    # varied set to begin with)
    assert sum("お好み焼き" in r.response for r in kansai) <= 3
    held = set(data.heldout_prompts("kansai"))
    assert len(held) >= 6 and not held & {r.prompt for r in kansai}
    assert len(data.load_builtin("captain")) >= 50
    train, test = data.load_builtin("sentiment", "train"), data.load_builtin("sentiment", "test")
    assert train and test and not {r.prompt for r in train} & {r.prompt for r in test}
    assert data.labels_of("sentiment") == ["negative", "positive"]


def test_a_csv_and_a_jsonl_upload_give_the_same_records():
    rows = [{"prompt": "hi, there", "response": "ho\n\"quoted\"", "system": ""},
            {"prompt": "日本語", "response": "やで", "system": "be kind"}]
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    csv = ('prompt,response,system\n"hi, there","ho\n""quoted""",\n日本語,やで,be kind\n'
           ).encode("utf-8")
    assert data.parse_upload(jsonl, "a.jsonl") == data.parse_upload(csv, "a.csv") == \
        [Record(**r) for r in rows]


@pytest.mark.parametrize("payload, name, message", [
    (b"x" * 1_000_001, "big.csv", "at most 1,000,000 bytes"),
    (b"question,answer\na,b\nc,d\n", "bad.csv", "must name the columns prompt and response"),
    (b'{"prompt": "a", "response": "b"}\nnot json\n', "bad.jsonl", "line 2 is not JSON"),
    (b'{"prompt": "a", "response": ""}\n{"prompt": "b", "response": "c"}\n', "e.jsonl",
     "line 1: response is empty"),
    (b'{"prompt": "a", "response": "b"}\n', "one.jsonl", "at least 2 records"),
])
def test_a_bad_upload_is_named_not_half_read(payload, name, message):
    with pytest.raises(DataError, match=message):
        data.parse_upload(payload, name)


def test_the_dataset_and_its_seeded_split():
    records = [Record(f"q{i}", f"a{i}") for i in range(20)]
    ds = data.to_dataset(records)
    assert ds.column_names == ["prompt", "response", "system"] and ds.num_rows == 20
    train, val = data.split(records, 0.1, seed=3)
    assert (len(train), len(val)) == (18, 2) and not set(train) & set(val)
    assert data.split(records, 0.1, seed=3) == (train, val)
    assert data.split(records, 0.1, seed=4) != (train, val)
