"""A read-only twin of a resident model for forward passes outside the generation service.

Why not call the resident model here: only its service's owner thread runs it (concurrent
``generate()`` calls break, transformers #32217), and attention weights need
``attn_implementation="eager"``, a change to the model's configuration that the service's model
must never see. Why not load a private copy: 0.5-1 GB more per model, and seconds to load.

The twin is built on the meta device from a copy of the configuration (eager attention), then
every parameter slot is pointed at the resident module's own tensor: the same storage, so no
memory is added, and tied embeddings stay tied (the few small buffers are copied). A forward pass only reads
weights, so the owner thread generating at the same moment is not disturbed (nothing is written
to a shared tensor; the twin has no cache, no hooks, no generation state). Steering hooks that
a lens request puts on the resident modules are not on the twin's modules.

Package ``playground.inside``: may import ``serving``, ``config``, ``errors``.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import weakref

import torch

from playground.errors import InsideError

_TWINS: "weakref.WeakKeyDictionary[torch.nn.Module, torch.nn.Module]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
# one look inside at a time per process: 30 tabs opening the page at once queue for the CPU
# instead of thrashing it (on a busy 2-core machine two torch passes at once are each several
# times slower than one after the other), and the owner thread keeps its share
_TURN = threading.Lock()


@contextlib.contextmanager
def turn():
    """Hold while running the twin (a forward pass, the lens's LM-head products)."""
    with _TURN:
        yield


def _share(twin: torch.nn.Module, source: torch.nn.Module) -> None:
    """Point each of ``twin``'s parameter and buffer slots at ``source``'s tensor."""
    mine = dict(twin.named_modules(remove_duplicate=False))
    for name, module in source.named_modules(remove_duplicate=False):
        target = mine.get(name)
        if target is None or type(target) is not type(module):
            raise InsideError(f"cannot look inside this model: its module {name or 'root'} "
                              "differs from a fresh copy of its architecture")
        for slot, tensor in module._parameters.items():
            target._parameters[slot] = tensor
        # buffers are small (rotary frequencies, scales) and some rotary kinds ("dynamic")
        # rewrite theirs during a forward pass: the twin gets copies, never the served ones
        for slot, tensor in module._buffers.items():
            target._buffers[slot] = None if tensor is None else tensor.clone()
        for attr in ("inv_freq", "original_inv_freq"):  # plain tensor attributes of rotary
            if isinstance(getattr(module, attr, None), torch.Tensor) and attr not in module._buffers:
                setattr(target, attr, getattr(module, attr).clone())


def _build(model: torch.nn.Module) -> torch.nn.Module:
    config = copy.deepcopy(model.config)
    with torch.device("meta"):
        twin = type(model)._from_config(config, attn_implementation="eager",
                                        dtype=model.dtype)
    _share(twin, model)
    left = [n for n, t in [*twin.named_parameters(), *twin.named_buffers()] if t.is_meta]
    if left:
        raise InsideError(f"cannot look inside this model: {left[0]} has no weights to share")
    twin.eval()
    twin.requires_grad_(False)
    return twin


def twin_of(loaded) -> torch.nn.Module:
    """The eager-attention twin of ``loaded.model`` (built once per resident model, ~0.1 s).

    Raises ``InsideError`` for a model on a remote engine (no weights here) or one whose
    weights are quantized (bitsandbytes layers are not plain tensors)."""
    model = getattr(loaded, "model", None)
    if not isinstance(model, torch.nn.Module) or not hasattr(model, "config"):
        raise InsideError(f"{loaded.name} runs on another engine: its weights are not on this "
                          "server, so there is nothing inside to show", key="inside.remote")
    if getattr(model, "is_quantized", False) or getattr(model, "hf_quantizer", None):
        raise InsideError(f"{loaded.name} is quantized: pick an unquantized model to look "
                          "inside", key="inside.quantized")
    with _LOCK:
        twin = _TWINS.get(model)
        if twin is None:
            twin = _TWINS[model] = _build(model)
        return twin


@contextlib.contextmanager
def locked(loaded):
    """The shared tokenizer's lock (fast tokenizers raise "Already borrowed" when two threads
    use one), or nothing for an object without one (a test's bare tokenizer)."""
    lock = getattr(loaded, "tokenizer_lock", None)
    with lock if lock is not None else contextlib.nullcontext():
        yield
