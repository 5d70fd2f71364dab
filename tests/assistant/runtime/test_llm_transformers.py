"""The transformers backend on a tiny randomly initialised Qwen2 model built here (no download)."""
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from assistant.runtime.llm import STOP, TransformersLLM, chatml  # noqa: E402


@pytest.fixture(scope="module")
def tiny_llm():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    chars = sorted(set("资料问题回答是否天津港口节省成本元左右。，？[]0123456789\nsystemuserassistant你为严谨的助手"))
    vocab = {"<unk>": 0, "<pad>": 1, **{c: i + 2 for i, c in enumerate(chars)}}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>")
    fast.add_special_tokens({"additional_special_tokens": list(STOP)})
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512)
    return TransformersLLM(Qwen2ForCausalLM(config), fast, name="tiny-qwen2", threads=1)


PROMPT = chatml("你为严谨的助手", [], "资料：天津港节省成本1000元。问题：节省多少？")


def test_stream_yields_text_pieces(tiny_llm):
    pieces = list(tiny_llm.stream(PROMPT, max_tokens=8))
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert tiny_llm.count_tokens("".join(pieces)) <= 8 + 2


def test_generation_is_deterministic(tiny_llm):
    assert list(tiny_llm.stream(PROMPT, max_tokens=6)) == list(tiny_llm.stream(PROMPT, max_tokens=6))


def test_option_probabilities_are_a_distribution(tiny_llm):
    probs = tiny_llm.option_probabilities(PROMPT + "是否", ["0", "1", "2"])
    assert len(probs) == 3 and abs(sum(probs) - 1) < 1e-6 and all(0 < p < 1 for p in probs)


def test_closing_the_stream_stops_generation_and_frees_the_model(tiny_llm, monkeypatch):
    model = tiny_llm._model
    original, lengths = model.generate, []

    def generate(**kwargs):
        kwargs["eos_token_id"] = None  # only the stop criterion or max_new_tokens can end it
        out = original(**kwargs)
        lengths.append(out.shape[-1] - kwargs["input_ids"].shape[-1])
        return out

    monkeypatch.setattr(model, "generate", generate)
    stream = tiny_llm.stream(PROMPT, max_tokens=400)
    next(stream)
    stream.close()  # what Stop does in the app
    assert tiny_llm._lock.acquire(timeout=60)  # generate() has ended and released the model
    tiny_llm._lock.release()
    assert lengths and lengths[0] < 400


def test_count_tokens_counts_characters_and_specials(tiny_llm):
    assert tiny_llm.count_tokens("天津港") == 3
    assert tiny_llm.count_tokens("<|im_end|>") == 1
