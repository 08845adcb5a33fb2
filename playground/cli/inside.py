"""``inside``: the "Inside the model" page and the Tokenizer page's additions, headless.

``inside lens``, ``hidden``, ``attention``, ``similarity``, ``tokens``, ``pad``, ``bench``.
Bad input (empty text, a layer out of range, a sentences file that is not a JSON list of
strings) prints one line and exits 2.

Package ``playground.cli``: may import every package below it; never streamlit or ``ui``.
"""

from __future__ import annotations

import json

from playground.cli import print_json, say
from playground.cli.common import add_model_argument, load_model
from playground.errors import InsideError
from playground.inside import attention, bench, hidden, lens, similarity, tokenizing
from playground.textfiles import TextFileError, loads_json, read_text

MAX_SENTENCES_BYTES = 64 * 1024


def register(sub) -> None:
    p = sub.add_parser("inside", help="look inside the model: hidden states, similarity, the "
                                      "logit lens, attention, normalization, padding",
                       description="The views of the 'Inside the model' page, headless.")
    views = p.add_subparsers(dest="view", required=True, metavar="VIEW")

    def view(name, help_):
        v = views.add_parser(name, help=help_, description=help_)
        add_model_argument(v)
        v.add_argument("--json", action="store_true", help="print one JSON object")
        return v

    v = view("lens", "the logit lens: each layer's most likely next token")
    v.add_argument("--prompt", required=True)
    v.add_argument("--positions", type=int, default=1,
                   help="how many last positions to show (default 1: the next token only)")
    v.set_defaults(func=run_lens)
    v = view("hidden", "hidden states: shapes, per-token lengths, the sentence vector")
    v.add_argument("--text", required=True)
    v.add_argument("--layer", type=int, default=-1, help="0 = the embeddings; -1 = the last")
    v.add_argument("--pooling", choices=hidden.POOLING, default="mean")
    v.set_defaults(func=run_hidden)
    v = view("attention", "one layer's attention map (one head, or the mean of the heads)")
    v.add_argument("--text", required=True)
    v.add_argument("--layer", type=int, default=1, help="1..layers")
    v.add_argument("--head", type=int, default=None, help="0..heads-1 (default: the mean)")
    v.set_defaults(func=run_attention)
    v = view("similarity", "cosine similarity of sentence vectors (and a 2-D PCA map)")
    v.add_argument("--sentences", required=True, help="a JSON file: a list of strings")
    v.add_argument("--layer", type=int, default=-1)
    v.add_argument("--pooling", choices=hidden.POOLING, default="mean")
    v.add_argument("--center", action="store_true", help="subtract the mean vector first")
    v.set_defaults(func=run_similarity)
    v = view("tokens", "token counts before and after Unicode normalization")
    v.add_argument("--text", required=True)
    v.add_argument("--normalize", choices=tokenizing.NORMALIZATIONS, default="nfkc")
    v.set_defaults(func=run_tokens)
    v = view("pad", "a batch of texts padded (and truncated) as the model gets it")
    v.add_argument("--text", action="append", required=True, help="give it twice or more")
    v.add_argument("--padding-side", choices=tokenizing.PADDING_SIDES, default="left")
    v.add_argument("--max-length", type=int, default=None, help="truncate to this many tokens")
    v.set_defaults(func=run_pad)
    v = view("bench", "seconds each view takes for a ~30-token prompt")
    v.add_argument("--rounds", type=int, default=1, help="best of this many (default 1)")
    v.add_argument("--threads", type=int, default=None,
                   help="torch threads for this process (default: torch's own choice); on a "
                        "CPU shared with other busy processes 1 can be much faster")
    v.set_defaults(func=run_bench)


def run_lens(args) -> int:
    result = lens.logit_lens(load_model(args.model), args.prompt, last=args.positions)
    last = len(result.positions) - 1
    layers = [{"layer": i, "token": row[last].raw, "prob": row[last].prob}
              for i, row in enumerate(result.grid)]
    if args.json:
        print_json({"layers": layers, "first_correct_layer": result.first_correct[last],
                    "positions": [{"position": pos, "input": tok, "first_correct_layer": first,
                                   "layers": [{"layer": i, "token": row[k].raw,
                                               "prob": row[k].prob} for i, row in
                                              enumerate(result.grid)]}
                                  for k, (pos, tok, first) in enumerate(
                                      zip(result.positions, result.tokens,
                                          result.first_correct))]})
        return 0
    print(f"layer  {'token':<20} prob   (layer 0 = the embeddings)")
    for row in layers:
        mark = "  <- first layer with the final answer" if \
            row["layer"] == result.first_correct[last] else ""
        print(f"{row['layer']:>5}  {json.dumps(row['token'], ensure_ascii=False):<20} "
              f"{row['prob']:.3f}{mark}")
    return 0


def run_hidden(args) -> int:
    v = hidden.hidden_view(load_model(args.model), args.text, args.layer, args.pooling)
    data = {"tokens": v.tokens, "layers": v.layers, "hidden_size": v.hidden_size,
            "layer": v.layer, "pooling": v.pooling, "shapes": v.shapes,
            "token_norms": v.token_norms, "vector_norm": round(v.vector_norm, 4),
            "vector_head": [round(x, 4) for x in v.vector[:8]], "dim_demo": v.dim_demo}
    if args.json:
        print_json(data)
        return 0
    for k, shape in v.shapes.items():
        print(f"{k:<32} {shape}")
    for d in v.dim_demo:
        print(f"{d['expr']:<48} shape {d['shape']}  {d['means']}  {d['values']}")
    print(f"sentence vector ({v.pooling}, layer {v.layer}): {v.hidden_size} numbers, length "
          f"{v.vector_norm:.2f}, first: {[round(x, 3) for x in v.vector[:4]]}")
    return 0


def run_attention(args) -> int:
    a = attention.attention_map(load_model(args.model), args.text, args.layer, args.head)
    if args.json:
        print_json({"tokens": a.tokens, "layer": a.layer, "head": a.head, "layers": a.layers,
                    "heads": a.heads, "weights": a.weights, "strongest": a.strongest})
        return 0
    who = "the mean of the heads" if a.head is None else f"head {a.head}"
    print(f"layer {a.layer} of {a.layers}, {who} ({a.heads} heads)")
    for i, tok in enumerate(a.tokens):
        print(f"{i:>3} {tok!r:<16} looks most at {a.strongest[i]:>3} {a.tokens[a.strongest[i]]!r}"
              f" ({a.weights[i][a.strongest[i]]:.2f})")
    return 0


def read_sentences(path: str) -> list:
    try:
        value = loads_json(read_text(path, MAX_SENTENCES_BYTES, "sentences file"),
                           "the sentences file")
    except TextFileError as err:
        raise InsideError(str(err)) from None
    except json.JSONDecodeError as err:
        raise InsideError(f"the sentences file is not valid JSON: {err.msg} (line "
                          f"{err.lineno})") from None
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise InsideError("the sentences file must hold a JSON list of strings")
    return value


def run_similarity(args) -> int:
    sentences = read_sentences(args.sentences)
    s = similarity.similarity(load_model(args.model), sentences, args.pooling, args.center)
    matrix = s.matrix(args.layer)
    coords, share = s.pca(args.layer)
    if args.json:
        print_json({"sentences": s.sentences, "layer": args.layer % (s.layers + 1),
                    "layers": s.layers, "pooling": s.pooling, "center": s.center,
                    "matrix": matrix, "pca": [[round(a, 4), round(b, 4)] for a, b in coords],
                    "pca_variance_share": [round(x, 4) for x in share]})
        return 0
    say("a 135M/270M decoder is not an embedding model: these are its mean hidden states, "
        "not a trained similarity")
    for i, row in enumerate(matrix):
        print(" ".join(f"{x:6.3f}" for x in row), " ", s.sentences[i])
    return 0


def run_tokens(args) -> int:
    result = tokenizing.normalization(load_model(args.model), args.text, args.normalize)
    if args.json:
        print_json(result.to_dict() | {"changes": [list(c) for c in result.changes]})
        return 0
    print(f"{result.form}: {result.text!r} ({result.count} tokens) -> {result.normalized!r} "
          f"({result.normalized_count} tokens)")
    return 0


def run_pad(args) -> int:
    b = tokenizing.batch(load_model(args.model), args.text, args.padding_side,
                         truncation=args.max_length is not None, max_length=args.max_length)
    data = {"input_ids": b.input_ids, "attention_mask": b.attention_mask, "tokens": b.tokens,
            "padding_side": b.padding_side, "max_length": b.max_length,
            "pad_token": b.pad_token, "pad_id": b.pad_id, "truncated": b.truncated}
    if args.json:
        print_json(data)
        return 0
    print(f"padding_side={b.padding_side!r}, pad token {b.pad_token!r} (id {b.pad_id})")
    print("input_ids      =", b.input_ids)
    print("attention_mask =", b.attention_mask)
    return 0


def run_bench(args) -> int:
    if args.threads is not None:
        if not 1 <= args.threads <= 256:
            raise InsideError(f"--threads must be in 1..256, got {args.threads}")
        import torch

        torch.set_num_threads(args.threads)  # this command's own process only
    result = bench.bench(load_model(args.model), rounds=args.rounds)
    if args.json:
        print_json(result)
        return 0
    print(f"{result['model']}, a {result['prompt_tokens']}-token prompt, "
          f"{result['torch_threads']} torch thread(s):")
    for name, s in result["views"].items():
        print(f"  {name:<11} {s:6.2f} s  {'ok' if s <= result['target_s'] else 'over'} "
              f"(target <= {result['target_s']:.0f} s)")
    return 0
