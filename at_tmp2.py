import time, torch
from playground.registry import default_registry
from playground.service import GenerationRequest, Prompt
from playground.settings import GenerationSettings as S
lm = default_registry().load("smollm2-135m-instruct")
req = GenerationRequest.single(S(max_new_tokens=64), Prompt.chat([{"role":"user","content":"Tell me a story about a dragon."}]))
for mode in ["result","updates","stream"]:
    h = lm.service.submit(req)
    if mode=="updates":
        for _ in h.updates(0.08): pass
    elif mode=="stream":
        for _ in h.stream(): pass
    r = h.result(); print(mode, round(r.tokens_per_s,1), torch.get_num_threads())
