"""The transformers backend on a tiny randomly initialised Qwen2 model built here (no download)."""
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from assistant.llm import STOP, TransformersLLM, chatml  # noqa: E402


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


def test_yes_probability_is_a_probability(tiny_llm):
    p = tiny_llm.yes_probability(PROMPT + "是否")
    assert 0.0 < p < 1.0


def test_count_tokens_counts_characters_and_specials(tiny_llm):
    assert tiny_llm.count_tokens("天津港") == 3
    assert tiny_llm.count_tokens("<|im_end|>") == 1
