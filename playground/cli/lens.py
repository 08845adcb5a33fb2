"""``lens``: every decoding step of a real generation, candidates and filters.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

from playground.serving.chat import build_messages
from playground.cli import print_json
from playground.cli.common import (add_model_argument, add_settings_arguments, in_range,
                                   load_model, settings_from_args)
from playground.errors import SettingsError
from playground.lab import lens
from playground.serving.handles import GenerationRequest, Prompt
from playground.serving.steps import MAX_CANDIDATES, MAX_DRAWS


def register(sub) -> None:
    p = sub.add_parser("lens", help="show the next-token distribution at each step",
                       description="Generate one sample and print, per step, the top "
                                   "candidates: raw and tempered probability, the filter that "
                                   "removed them (or kept), and the renormalized probability.")
    p.add_argument("--prompt", default="Tell me a story about a dragon.",
                   help="user message (chat template) unless --raw")
    p.add_argument("--raw", action="store_true", help="continue the raw text instead")
    p.add_argument("--top", type=in_range(1, 50), default=10,
                   help=f"candidates shown per step (1-{MAX_CANDIDATES})")
    p.add_argument("--step", type=in_range(0, 511), default=None,
                   help="show only this step (0 = first)")
    p.add_argument("--branch", metavar="STEP:TOKEN", default=None,
                   help="then choose TOKEN (an id, or a candidate's text as shown, e.g. "
                        "␣dragon) at STEP and continue with the same settings and seed")
    p.add_argument("--draw", metavar="STEP", type=in_range(0, 511), default=None,
                   help=f"then draw --n tokens (default {lens.DEFAULT_DRAWS:,}, at most "
                        f"{MAX_DRAWS:,}) at STEP with the sampler: frequencies next to the "
                        f"renormalized probabilities")
    add_model_argument(p)
    add_settings_arguments(p, top_k=0)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run, max_new_tokens=16, n=None)  # --n: the number of draws here


def _parse_branch(text: str) -> tuple[int, str]:
    step, sep, token = text.partition(":")
    if not sep or not step.strip().isdigit() or not token:
        raise SettingsError([f"--branch takes STEP:TOKEN, e.g. 3:␣dragon or 3:1542 "
                             f"(got {text!r})"])
    return int(step), token


def run(args) -> int:
    draws = args.n or lens.DEFAULT_DRAWS
    args.n = 1
    settings = settings_from_args(args).replace(num_return_sequences=1)
    branch_at = _parse_branch(args.branch) if args.branch else None
    loaded = load_model(args.model)
    prompt = Prompt.raw(args.prompt) if args.raw else Prompt.chat(build_messages(args.prompt))
    if getattr(loaded, "dtype", None) == "remote":
        return _remote(args, loaded, prompt, settings)
    result = loaded.service.submit(GenerationRequest((prompt,), (settings,),
                                                     record_steps=args.top)).result()
    sample = result.samples[0]
    if branch_at is not None or args.draw is not None:
        return _steer(args, loaded, prompt, settings, sample, branch_at, draws)
    steps = sample.steps if args.step is None else [s for s in sample.steps
                                                    if s.step == args.step]
    if args.json:
        print_json({"model": loaded.name, "settings": settings.to_dict(), "text": sample.text,
                    "steps": [{"step": s.step, "chosen": s.chosen_text, "greedy": s.greedy,
                               "kept_tokens": s.kept_tokens, "kept_mass": round(s.kept_mass, 4),
                               "removed": s.removed,
                               "entropy_raw_bits": round(s.entropy_raw_bits, 3),
                               "entropy_final_bits": round(s.entropy_final_bits, 3),
                               "candidates": [{"token": c.text, "id": c.token_id,
                                               "raw": round(c.raw, 4),
                                               "tempered": round(c.tempered, 4),
                                               "status": c.status, "final": round(c.final, 4),
                                               "chosen": c.chosen} for c in s.candidates]}
                              for s in steps]})
        return 0
    print(sample.text)
    for s in steps:
        print(f"\nstep {s.step}: chose {s.chosen_text!r}; {s.kept_tokens} tokens kept holding "
              f"{s.kept_mass:.1%}; entropy {s.entropy_raw_bits:.2f} -> "
              f"{s.entropy_final_bits:.2f} bits")
        for c in s.candidates:
            mark = "*" if c.chosen else " "
            print(f" {mark} {c.text:<16} raw {c.raw:6.3f}  tempered {c.tempered:6.3f}  "
                  f"{c.status:<8} final {c.final:6.3f}")
    return 0


def _steer(args, loaded, prompt, settings, sample, branch_at, draws) -> int:
    """--branch and --draw: each one request through the generation service."""
    out = {"model": loaded.name, "settings": settings.to_dict(), "text": sample.text}
    if branch_at is not None:
        step, token = branch_at
        if step >= len(sample.steps):
            raise SettingsError([f"--branch: the text has steps 0-{len(sample.steps) - 1}"])
        token_id = lens.resolve_token(sample.steps[step], token)
        b = lens.branch(loaded, prompt, settings, sample.token_ids, step, token_id)
        out["branch"] = {"step": step, "token_id": token_id, "text": b.text,
                         "original_token": sample.steps[step].chosen_text}
    if args.draw is not None:
        tally = lens.draw(loaded, prompt, settings, sample.token_ids, args.draw, draws,
                          args.top)
        rows = lens.draw_rows(tally)
        worst = lens.largest_difference(tally)
        out["draw"] = {"step": tally.step, "n": tally.n,
                       "largest_difference": round(worst.difference, 4),
                       "tokens": [{"token": r.text, "id": r.token_id,
                                   "probability": round(r.probability, 4), "count": r.count,
                                   "frequency": round(r.frequency, 4),
                                   "std_error": round(r.std_error, 4)} for r in rows]}
    if args.json:
        print_json(out)
        return 0
    print(f"original: {sample.text}")
    if "branch" in out:
        br = out["branch"]
        print(f"branch at step {br['step']} ({br['original_token']} -> "
              f"{lens.resolve_label(sample.steps[br['step']], br['token_id'])}): {br['text']}")
    if "draw" in out:
        d = out["draw"]
        print(f"\n{d['n']:,} draws at step {d['step']}: frequency vs renormalized probability")
        for t in d["tokens"]:
            print(f"  {t['token']:<16} p {t['probability']:7.2%}  drawn {t['count']:>5} "
                  f"= {t['frequency']:7.2%}  (± {t['std_error']:.2%} s.e.)")
        print(f"largest difference: {d['largest_difference']:+.2%}")
    return 0


def _remote(args, loaded, prompt, settings) -> int:
    """A remote engine: its top-N candidates per step (logprobs), labelled as such."""
    from playground.serving.remote_lens import top_candidates

    lens_ = top_candidates(loaded, prompt, settings, top=min(args.top, 20))
    if args.json:
        print_json({"model": loaded.name, "engine": loaded.engine, "label": lens_["label"],
                    "text": lens_["text"], "steps": lens_["steps"]})
        return 0
    print(lens_["label"])
    for i, step in enumerate(lens_["steps"]):
        if args.step is not None and i != args.step:
            continue
        cands = ", ".join(f"{t!r} {p:.3f}" for t, p in step["candidates"])
        print(f"step {i}: chose {step['token']!r} ({step['prob']:.3f}); top: {cands}")
    return 0
