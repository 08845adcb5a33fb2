"""Evaluation as the notes write it: ``compute_metrics(EvalPrediction)`` -> accuracy and F1.

For a labelled set the model is asked each test record in the training format; its
"prediction" is the logit of each label's first answer token at the answer's position (the
label the model would start to write), so ``EvalPrediction.predictions`` has one column per
label and ``label_ids`` the index of the true one, exactly what a classifier's Trainer passes.

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""

from __future__ import annotations

import numpy as np
import torch

from playground.tuning.data import Record, builtin, labels_of, load_builtin
from playground.tuning.format import prompt_ids, render_example


def compute_metrics(pred) -> dict[str, float]:
    """accuracy = correct / all; F1 per label = 2PR / (P + R), averaged over labels (macro)."""
    predictions = np.argmax(pred.predictions, axis=-1)
    labels = np.asarray(pred.label_ids)
    accuracy = float((predictions == labels).mean()) if len(labels) else 0.0
    f1s = []
    for c in range(np.asarray(pred.predictions).shape[-1]):
        tp = int(((predictions == c) & (labels == c)).sum())
        fp = int(((predictions == c) & (labels != c)).sum())
        fn = int(((predictions != c) & (labels == c)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return {"accuracy": accuracy, "f1": float(np.mean(f1s)) if f1s else 0.0}


@torch.no_grad()
def evaluate_labelled(model, tokenizer, name: str) -> dict[str, float]:
    """accuracy and F1 of ``model`` on the test split of the labelled built-in set ``name``."""
    from transformers import EvalPrediction

    names = labels_of(name)
    test = load_builtin(name, split="test")
    lang_prompt = test[0].prompt
    first_ids = []
    for label in names:  # each label's first answer token, in the training format
        ex = render_example(tokenizer, Record(lang_prompt, " " + label), "all", 512)
        first_ids.append(ex.input_ids[len(prompt_ids(tokenizer, lang_prompt))])
    if len(set(first_ids)) < len(first_ids):
        raise ValueError(f"the labels of {name} start with the same token")
    rows, truth = [], []
    model.eval()
    for r in test:
        ids = torch.tensor([prompt_ids(tokenizer, r.prompt)])
        logits = model(input_ids=ids).logits[0, -1]
        rows.append(logits[first_ids].float().numpy())
        truth.append(names.index(r.response.strip()))
    out = compute_metrics(EvalPrediction(predictions=np.stack(rows),
                                         label_ids=np.array(truth)))
    out["n"] = len(test)
    return out


def is_labelled(name: str) -> bool:
    try:
        return builtin(name).labelled
    except Exception:  # noqa: BLE001 - an unknown name is simply not a labelled set
        return False
