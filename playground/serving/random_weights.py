"""Random-weight models in real shapes: for benchmarks and device checks only.

A model built from a real Llama-shaped config with random weights costs as much memory and
time per token as the real one, so residency, batching and quantization can be measured on a
machine that has neither the Hub nor the real weights (the device machine's working tree is
limited to 64 MiB). Its text means nothing. Such a model is never in the catalog that the
pickers show, and a participant can never load one (``Registry.allowed`` says no): only a
registry built with ``benchmark_catalog`` knows the names, and only the instructor's tools
(``python -m playground gpucheck``) use it.

The tokenizer is the embedded model's (SmolLM2-135M-Instruct: 49,152 tokens, a chat
template), read from a folder of its tokenizer files; every shape's vocabulary is set to that
tokenizer's size, so each id it produces has an embedding row. For the 1B and 7B shapes this
changes the embedding and output matrices from the real vocabulary (128,256 and 32,000) to
49,152 rows: the transformer blocks are exactly the real ones. Random models have no
end-of-sequence token, so every row generates exactly its ``max_new_tokens`` and every phase
of a benchmark does the same work.

Package ``playground.serving``: may import only itself, ``config`` and ``errors`` (the bottom
layer).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from playground.errors import PlaygroundError
from playground.serving.catalog import ModelSpec

SOURCE = "random"
PREFIX = "random:"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "chat_template.jinja")

# LlamaConfig keyword arguments, as in each model's config.json on the Hugging Face Hub
# (rope settings in transformers 5's ``rope_parameters`` form). ``vocab_size`` is replaced by
# the tokenizer's size when the model is built; ``real_vocab_size`` records the original.
SHAPES: dict[str, dict] = {
    # HuggingFaceTB/SmolLM2-135M(-Instruct) config.json; the same numbers transformers reads
    # from the embedded GGUF file (the converted copy's config.json in the cache folder).
    "smollm2-135m": dict(
        hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
        num_key_value_heads=3, head_dim=64, max_position_embeddings=8192,
        rms_norm_eps=1e-5, rope_parameters={"rope_type": "default", "rope_theta": 100000.0},
        tie_word_embeddings=True, real_vocab_size=49152),
    # meta-llama/Llama-3.2-1B config.json (16 layers, grouped-query attention 32/8, llama3
    # rope scaling, tied embeddings).
    "llama-1b": dict(
        hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
        num_key_value_heads=8, head_dim=64, max_position_embeddings=131072, rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0,
                         "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                         "original_max_position_embeddings": 8192},
        tie_word_embeddings=True, real_vocab_size=128256),
    # meta-llama/Llama-2-7b-hf config.json (32 layers, full multi-head attention, 4k context,
    # separate output matrix): the tutorial's Llama-2-7b-chat-hf has the same shape.
    "llama-7b": dict(
        hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
        num_key_value_heads=32, head_dim=128, max_position_embeddings=4096, rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        tie_word_embeddings=False, real_vocab_size=32000),
    # A toy shape for tests and CI on a CPU (about 3.2M parameters, most of them embeddings).
    "tiny": dict(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, head_dim=16, max_position_embeddings=2048, rms_norm_eps=1e-5,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        tie_word_embeddings=True, real_vocab_size=None),
}


def shape_of(spec: ModelSpec) -> str:
    return spec.name.removeprefix(PREFIX)


def parse_shapes(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"llama-1b,llama-7b"`` -> known shape names, in the order given (duplicates once)."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text)]
    names = list(dict.fromkeys(n.removeprefix(PREFIX) for n in names if n.strip()))
    unknown = [n for n in names if n not in SHAPES]
    if unknown or not names:
        raise PlaygroundError(f"unknown shape(s) {', '.join(unknown) or '(none given)'}: "
                              f"choose from {', '.join(SHAPES)}")
    return tuple(names)


def check_tokenizer_dir(folder: str | Path) -> Path:
    """The folder, if it holds tokenizer files; else a message saying how to get them."""
    path = Path(folder).expanduser()
    if not (path / "tokenizer.json").is_file() and not (path / "tokenizer_config.json").is_file():
        raise PlaygroundError(f"no tokenizer files in {path}: run scripts/gpu_check.sh (it "
                              f"copies the embedded model's tokenizer) or pass --tokenizer")
    return path


def copy_tokenizer(source: str | Path, target: str | Path) -> Path:
    """Copy the tokenizer files (never the weights or config.json) of ``source`` to
    ``target``: what a random model needs, small enough to travel (about 3.5 MB)."""
    source, target = Path(source), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for name in TOKENIZER_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, target / name)
    return check_tokenizer_dir(target)


def random_spec(shape: str, tokenizer_dir: str | Path) -> ModelSpec:
    """The spec of a random model; ``location`` is the folder of its tokenizer files."""
    shape = parse_shapes([shape])[0]
    real = SHAPES[shape]["real_vocab_size"]
    return ModelSpec(f"{PREFIX}{shape}", SOURCE, str(tokenizer_dir), None,
                     f"random weights in the shape of {shape} (benchmarks only"
                     + (f"; vocabulary {real:,} -> the tokenizer's)" if real else ")"))


def benchmark_catalog(shapes, tokenizer_dir: str | Path) -> dict[str, ModelSpec]:
    """Specs for ``Registry(config, catalog=CATALOG | benchmark_catalog(...))``."""
    return {s.name: s for s in (random_spec(shape, tokenizer_dir) for shape in shapes)}


def load_tokenizer(folder: str | Path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(check_tokenizer_dir(folder))
    if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def shape_config(shape: str, tokenizer):
    """The LlamaConfig of ``shape`` with the tokenizer's vocabulary and special ids."""
    from transformers import LlamaConfig

    kwargs = {k: v for k, v in SHAPES[shape].items() if k != "real_vocab_size"}
    return LlamaConfig(**kwargs, vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id,
                       eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)


def parameter_count(shape: str, vocab_size: int) -> int:
    """Parameters of ``shape`` with ``vocab_size`` tokens (tied embeddings counted once),
    counted on the meta device: nothing is allocated, it takes ~0.1 s even for 7B."""
    from transformers import AutoModelForCausalLM, LlamaConfig

    kwargs = {k: v for k, v in SHAPES[shape].items() if k != "real_vocab_size"}
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(LlamaConfig(**kwargs, vocab_size=vocab_size))
    return sum(p.numel() for p in model.parameters())


def estimate_bytes(spec: ModelSpec, dtype: torch.dtype) -> int:
    """Memory the weights of ``spec`` take in ``dtype`` (for the registry's budget)."""
    vocab = len(load_tokenizer(spec.location))
    return parameter_count(shape_of(spec), vocab) * torch.empty((), dtype=dtype).element_size()


def build(spec: ModelSpec, device: torch.device, dtype: torch.dtype, seed: int = 0):
    """(tokenizer, model): ``spec``'s shape with random weights, made directly on ``device``
    in ``dtype`` (a 7B model never passes through CPU memory). The same seed gives the same
    weights; the process's own random state is left as it was."""
    from transformers import AutoModelForCausalLM

    tokenizer = load_tokenizer(spec.location)
    config = shape_config(shape_of(spec), tokenizer)
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), torch.device(device):
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    model.to(device)  # a no-op where the device context was honoured
    # No end-of-sequence token: rows always run to max_new_tokens (see the module docstring).
    model.generation_config.eos_token_id = []
    return tokenizer, model


def save(model, tokenizer, folder: str | Path) -> Path:
    """Write a random model as an ordinary checkpoint folder, so that loaders that need one
    (``from_pretrained`` with a BitsAndBytesConfig) can read it."""
    folder = Path(folder)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
