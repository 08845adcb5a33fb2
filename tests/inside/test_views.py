"""The inside views on the real embedded model, checked against transformers itself."""

import pytest
import torch

from playground.errors import InsideError
from playground.inside import attention, forward, hidden, lens, similarity
from playground.inside.twin import twin_of

TEXT = "The capital of France is Paris. The capital of Japan is"


@pytest.fixture(scope="module")
def reference(smol):
    """transformers' own AutoModel (the base model, SDPA as shipped) on the same folder."""
    from transformers import AutoModel

    from playground.serving.registry import default_registry

    reg = default_registry()
    folder, _ = reg.source(reg.resolve("smollm2-135m-instruct"))
    model = AutoModel.from_pretrained(folder, dtype=torch.float32).eval()
    ids = smol.tokenizer(TEXT)["input_ids"]
    with torch.inference_mode():
        return ids, model(input_ids=torch.tensor([ids]), output_hidden_states=True)


def test_hidden_states_and_sentence_vectors_equal_automodel(smol, reference):
    ids, ref = reference
    p = forward.run(smol, TEXT)
    assert p.ids == ids and p.text_start == 0  # SmolLM2 adds no BOS to a raw prompt
    assert len(p.hidden) == len(ref.hidden_states) == 31
    for mine, theirs in zip(p.hidden, ref.hidden_states):
        assert mine.shape == theirs.shape == (1, len(ids), 576)
        torch.testing.assert_close(mine, theirs, atol=2e-4, rtol=1e-4)  # eager vs SDPA
    torch.testing.assert_close(p.hidden[-1], ref.last_hidden_state, atol=2e-4, rtol=1e-4)
    for layer in (0, 15, 30):
        torch.testing.assert_close(hidden.sentence_vector(p, layer, "mean"),
                                   ref.hidden_states[layer][0].mean(dim=0), atol=2e-4, rtol=1e-4)
        torch.testing.assert_close(hidden.sentence_vector(p, layer, "last"),
                                   ref.hidden_states[layer][0, -1], atol=2e-4, rtol=1e-4)
    view = hidden.hidden_view(smol, TEXT, layer=-1)
    assert view.shapes["last_hidden_state.shape"] == [1, len(ids), 576]
    assert view.shapes["len(hidden_states)"] == [31] and view.layer == 30
    assert len(view.token_norms) == len(ids) and len(view.vector) == 576
    assert view.dim_demo[1]["shape"] == [1, len(ids)]  # norm(dim=-1): the hidden axis is gone
    assert view.dim_demo[3]["values"] == [1.0]         # softmax over dim=-1 sums to 1


def test_the_lens_last_layer_is_the_models_own_next_token_distribution(smol):
    p = forward.run(smol, TEXT)
    with torch.inference_mode():
        own = smol.model(input_ids=torch.tensor([p.ids])).logits[0].float()
        mine = lens.layer_logits(twin_of(smol), p, p.layers, list(range(len(p.ids))))
    torch.testing.assert_close(torch.softmax(mine, -1), torch.softmax(own, -1),
                               atol=1e-5, rtol=1e-4)
    result = lens.lens_of(smol, p, [len(p.ids) - 1])
    top = int(own[-1].argmax())
    assert result.grid[-1][0].id == top and result.grid[-1][0].raw == " Tokyo"
    assert result.grid[-1][0].prob == pytest.approx(float(torch.softmax(own[-1], -1)[top]), abs=1e-4)
    first = result.first_correct[0]  # the first layer whose top token is the final answer
    assert 0 < first <= p.layers and result.grid[first][0].id == top
    assert all(result.grid[layer][0].id != top for layer in range(first))


def test_the_twin_shares_the_resident_weights_and_leaves_the_model_alone(smol):
    before = smol.model.config._attn_implementation
    twin = twin_of(smol)
    assert twin is twin_of(smol) and twin is not smol.model
    assert twin.config._attn_implementation == "eager"
    assert smol.model.config._attn_implementation == before  # the served model is untouched
    assert twin.get_input_embeddings().weight.data_ptr() == \
        smol.model.get_input_embeddings().weight.data_ptr()  # shared, not copied


def test_attention_rows_sum_to_one_and_never_look_ahead(smol):
    a = attention.attention_map(smol, "One two three four", layer=2, head=3)
    w = torch.tensor(a.weights)
    assert a.heads == 9 and a.layers == 30 and w.shape == (len(a.tokens), len(a.tokens))
    torch.testing.assert_close(w.sum(-1), torch.ones(len(a.tokens)), atol=1e-3, rtol=0)
    assert float(w.triu(1).abs().max()) == 0.0
    with pytest.raises(InsideError, match="1..30"):
        attention.attention_map(smol, "hi", layer=31)
    with pytest.raises(InsideError, match="0..8"):
        attention.attention_map(smol, "hi", layer=1, head=9)


def test_similarity_batched_vectors_equal_one_pass_each_and_the_map_is_2d(smol):
    sentences = ["The cat sat on the mat.", "A kitten sleeps.", "Stocks fell sharply today."]
    s = similarity.similarity(smol, sentences)
    alone = forward.run(smol, sentences[1])  # the padded row: padding on the right never
    for layer in (0, 20, 30):                # reaches a real token
        torch.testing.assert_close(s.vectors[layer, 1], hidden.sentence_vector(alone, layer),
                                   atol=2e-4, rtol=1e-4)
    m = torch.tensor(s.matrix(-1))
    assert m.shape == (3, 3) and torch.allclose(m.diagonal(), torch.ones(3), atol=1e-4)
    assert torch.allclose(m, m.T)
    coords, share = s.pca(10)
    assert len(coords) == 3 and all(len(c) == 2 for c in coords) and 0.99 < sum(share) <= 1.0001
    with pytest.raises(InsideError, match="2 to 16"):
        similarity.similarity(smol, ["only one"])


def test_cosine_and_pca_on_tiny_vectors():
    v = torch.tensor([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]])
    assert similarity.cosine_matrix(v).tolist() == [[1, 0, -1], [0, 1, 0], [-1, 0, 1]]
    coords, share = similarity.pca_2d(torch.tensor([[0.0, 0, 0], [2, 0, 0], [4, 0, 1e-3]]))
    assert coords[:, 0].tolist() == pytest.approx([-2, 0, 2], abs=1e-3) or \
        coords[:, 0].tolist() == pytest.approx([2, 0, -2], abs=1e-3)
    assert share[0] > 0.99


@pytest.mark.parametrize("text,match", [("", "empty"), ("   ", "empty"), ("x" * 5000, "too long")])
def test_bad_text_is_a_clear_error(smol, text, match):
    with pytest.raises(InsideError, match=match):
        forward.run(smol, text)


def test_looking_inside_while_the_service_generates_changes_nothing(smol):
    import threading

    from playground.serving.service import GenerationRequest, Prompt, generate
    from playground.serving.settings import GenerationSettings

    request = GenerationRequest((Prompt.raw("Once upon a time"),),
                                (GenerationSettings(do_sample=False, max_new_tokens=12),))
    alone = generate(smol, request, timeout=120).samples[0].text
    stop, errors, looks = threading.Event(), [], []

    def look():  # another tab on the Inside page, over and over
        while not stop.is_set():
            try:
                looks.append(forward.run(smol, TEXT, attentions=True).attentions is not None)
            except Exception as err:  # noqa: BLE001 - the test reports it
                errors.append(err)
                return

    thread = threading.Thread(target=look)
    thread.start()
    try:
        during = generate(smol, request, timeout=120).samples[0].text
    finally:
        stop.set()
        thread.join()
    assert during == alone and errors == [] and looks and all(looks)


def test_the_lens_starts_on_fewer_positions_for_a_larger_vocabulary(smol):
    assert lens.default_positions(smol) == lens.LAST_POSITIONS == 8
