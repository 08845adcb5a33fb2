"""The "view code" of a fine-tuning run: a trl + peft script that reproduces it.

It uses trl's ``SFTTrainer`` (prompt/completion data, loss on the completion only, as the
page's "response only" switch) with the page's ``TrainingArguments`` names and peft's
``LoraConfig``. The playground itself trains with the plain loop in ``loop.py`` (same
settings); the script is what a participant runs at home on the Hub's copy of the model.

Package ``playground.tuning``: may import ``serving``, ``config``, ``errors``, ``textfiles``.
"""

from __future__ import annotations

from playground.tuning.loop import TrainJob

HUB_IDS = {"gemma-3-270m": "google/gemma-3-270m",
           "smollm2-135m-instruct": "HuggingFaceTB/SmolLM2-135M-Instruct"}


def training_script(job: TrainJob, data_file: str = "train.jsonl") -> str:
    s = job.settings
    model = HUB_IDS.get(job.model, job.model)
    completion_only = s.loss_on == "response"
    return f'''# pip install torch transformers peft trl datasets
# {data_file}: one JSON object a line with "prompt" and "completion" (the page's response)
from datasets import load_dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

dataset = load_dataset("json", data_files="{data_file}")["train"]
dataset = dataset.train_test_split(test_size={s.validation_fraction}, seed={s.seed})

peft_config = LoraConfig(
    r={s.lora_r},
    lora_alpha={s.lora_alpha},
    lora_dropout={s.lora_dropout},
    target_modules={list(s.target_modules)!r},
    task_type="CAUSAL_LM",
)
args = SFTConfig(
    output_dir="{job.label}",
    num_train_epochs={s.num_train_epochs},
    per_device_train_batch_size={s.per_device_train_batch_size},
    gradient_accumulation_steps={s.gradient_accumulation_steps},
    learning_rate={s.learning_rate:g},
    lr_scheduler_type="{s.lr_scheduler_type}",
    warmup_ratio={s.warmup_ratio:g},
    max_grad_norm={s.max_grad_norm:g},
    logging_steps={s.logging_steps},
    eval_strategy="epoch",
    seed={s.seed},
    max_length={s.max_length},
    completion_only_loss={completion_only},  # loss on the response only
    report_to="tensorboard",
)
trainer = SFTTrainer(
    model="{model}",
    args=args,
    train_dataset=dataset["train"],
    eval_dataset=dataset["test"],
    peft_config=peft_config,
)
trainer.model.print_trainable_parameters()
trainer.train()
trainer.save_model("{job.label}")  # adapter_config.json + adapter_model.safetensors
'''
