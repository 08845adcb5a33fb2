"""Arguments and helpers several commands share.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import argparse

from playground.cli import say
from playground.serving.registry import LoadedModel, default_registry
from playground.serving.settings import TRANSFORMERS_TOP_K, GenerationSettings


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None,
                        help="catalog name, Hugging Face id or local folder "
                             "(default: the configured default, smollm2-135m-instruct)")


def add_settings_arguments(parser: argparse.ArgumentParser,
                           top_k: int = TRANSFORMERS_TOP_K) -> None:
    """The decoding options. ``top_k``: the sampling default (transformers' 50; the lens,
    like its page, starts with every filter off)."""
    g = parser.add_argument_group("decoding (sampling unless --greedy or --num-beams)")
    g.add_argument("--greedy", action="store_true", help="always take the most likely token")
    g.add_argument("--temperature", type=float, default=1.0)
    g.add_argument("--top-p", type=float, default=1.0, help="1 = off")
    g.add_argument("--top-k", type=int, default=top_k,
                   help=f"0 = off (default {top_k}"
                        + (": transformers' default when sampling; greedy decoding ignores it)"
                           if top_k == TRANSFORMERS_TOP_K else ")"))
    g.add_argument("--min-p", type=float, default=0.0, help="0 = off")
    g.add_argument("--epsilon", type=float, default=0.0, help="epsilon_cutoff; 0 = off")
    g.add_argument("--max-new-tokens", type=int, default=64)
    g.add_argument("--max-length", type=int, default=0,
                   help="prompt + new tokens, instead of --max-new-tokens; 0 = off")
    g.add_argument("--repetition-penalty", type=float, default=1.0,
                   help="divides the logits of tokens already in the prompt or the text; "
                        "1 = off")
    g.add_argument("--no-repeat-ngram-size", type=int, default=0,
                   help="no n-gram of this many tokens twice (the prompt counts); 0 = off")
    g.add_argument("--num-beams", type=int, default=1,
                   help="beam search with this many beams; 1 = off. Beam search is "
                        "deterministic here: it implies --greedy, as in transformers")
    g.add_argument("--early-stopping", action="store_true",
                   help="beam search stops once num_beams candidates have finished")
    g.add_argument("--n", type=int, default=1, help="number of samples (num_return_sequences)")
    g.add_argument("--seed", type=int, default=0, help="sample i uses seed + i")


def settings_from_args(args: argparse.Namespace) -> GenerationSettings:
    return GenerationSettings(
        do_sample=not args.greedy and args.num_beams <= 1, temperature=args.temperature, top_p=args.top_p,
        top_k=args.top_k, min_p=args.min_p, epsilon_cutoff=args.epsilon,
        max_new_tokens=args.max_new_tokens, num_return_sequences=args.n, seed=args.seed,
        max_length=args.max_length, repetition_penalty=args.repetition_penalty,
        no_repeat_ngram_size=args.no_repeat_ngram_size, num_beams=args.num_beams,
        early_stopping=args.early_stopping)


def model_name(name: str | None) -> str:
    """The model a command means: ``--model``, or the configuration's default."""
    return name or default_registry().config.models.default


def load_model(name: str | None) -> LoadedModel:
    # the command line is the instructor's tool: the participants' allow-list does not apply
    return default_registry().load(model_name(name), progress=say, instructor=True)


def in_range(low: float, high: float, kind=int):
    """An argparse ``type=`` that takes numbers in ``low..high`` only, with the pages' message
    ("must be in 1..256, got -1"); argparse prints it and exits with status 2."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be {'a whole number' if kind is int else 'a number'}, got {text!r}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be in {low}..{high}, got {text}")
        return value
    return parse
