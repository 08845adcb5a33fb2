"""compute_metrics(EvalPrediction): accuracy and macro F1 on hand-made predictions."""

import numpy as np
import pytest
from transformers import EvalPrediction

from playground.tuning.metrics import compute_metrics


def test_accuracy_and_macro_f1_by_hand():
    # truth: 0 0 0 1 1; predicted: 0 0 1 1 0
    logits = np.array([[2, 1], [3, 0], [0, 1], [0, 5], [1, 0]], dtype=float)
    out = compute_metrics(EvalPrediction(predictions=logits, label_ids=np.array([0, 0, 0, 1, 1])))
    assert out["accuracy"] == pytest.approx(3 / 5)
    f1_0 = 2 * (2 / 3) * (2 / 3) / (4 / 3)   # P = 2/3, R = 2/3
    f1_1 = 2 * 0.5 * 0.5 / 1.0               # P = 1/2, R = 1/2
    assert out["f1"] == pytest.approx((f1_0 + f1_1) / 2)


def test_a_model_that_always_says_one_label_gets_no_f1_for_the_other():
    logits = np.array([[1, 0]] * 4, dtype=float)
    out = compute_metrics(EvalPrediction(predictions=logits, label_ids=np.array([0, 0, 1, 1])))
    assert out["accuracy"] == 0.5 and out["f1"] == pytest.approx((2 / 3) / 2)
