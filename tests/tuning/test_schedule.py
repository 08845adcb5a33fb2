"""The step arithmetic and the learning-rate schedule, held to transformers' own scheduler."""

import pytest
import torch
from transformers import get_scheduler

from playground.tuning.schedule import SCHEDULERS, StepPlan, curve, lr_at


def test_the_notes_quiz_both_ways():
    assert StepPlan(10_000, 2, 1, 3).steps == 15_000
    assert StepPlan(10_000, 2, 1, 3).updates == 15_000
    assert StepPlan(10_000, 2, 2, 3).updates == 7_500


def test_an_epochs_last_short_batch_and_accumulation_group_count():
    plan = StepPlan(10, 4, 2, 3)  # 3 batches an epoch (4, 4, 2); updates after 2 and after 1
    assert (plan.steps_per_epoch, plan.steps, plan.updates_per_epoch, plan.updates) == \
        (3, 9, 2, 6)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@pytest.mark.parametrize("warmup", [0.0, 0.2])
def test_the_schedule_is_transformers_own(scheduler, warmup):
    total, lr = 20, 3e-4
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr)
    warmup_steps = 0 if scheduler == "constant" else -(-int(total * warmup * 10) // 10)
    theirs = get_scheduler(scheduler, optimizer, num_warmup_steps=warmup_steps,
                           num_training_steps=total)
    expected = []
    for _ in range(total):
        expected.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        theirs.step()
    assert curve(total, lr, scheduler, warmup) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_an_unknown_scheduler_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="linear, cosine"):
        lr_at(0, 10, 1e-4, "exponential")
