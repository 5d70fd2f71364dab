"""The greedy loop and the streamed text of assistant.runtime.decoding, on scripted logits (no model)."""
import numpy as np

from assistant.runtime.decoding import greedy, text_pieces

STOP = ("<|im_end|>", "<|endoftext|>")


def scripted(choices: list[int], n_vocab: int = 8):
    """logits() that make choices[i] the argmax after i feeds, and the list of fed tokens."""
    fed: list[int] = []

    def logits():
        out = np.zeros(n_vocab, dtype=np.float32)
        out[choices[len(fed)]] = 1.0
        return out

    return logits, fed.append, fed


def test_greedy_stops_at_a_stop_token_and_does_not_feed_the_last_token():
    logits, feed, fed = scripted([3, 5, 7, 2])
    assert list(greedy(logits, feed, 10, stop=lambda t: t == 7)) == [3, 5]
    assert fed == [3, 5]  # 5 was fed: the stop token came from its logits
    logits, feed, fed = scripted([3, 5, 7, 2])
    assert list(greedy(logits, feed, 2, stop=lambda t: False)) == [3, 5]
    assert fed == [3]  # max_tokens: the last token's logits are never needed


def test_closing_the_generator_early_leaves_what_was_fed():
    logits, feed, fed = scripted([3, 5, 7, 2])
    tokens = greedy(logits, feed, 10, stop=lambda t: False)
    assert next(tokens) == 3 and next(tokens) == 5
    tokens.close()
    assert fed == [3]


def pieces(chunks: list[bytes]) -> list[str]:
    return list(text_pieces(range(len(chunks)), lambda ids: chunks[ids[0]], STOP))


def test_a_character_split_over_tokens_comes_whole():
    data = "节省1000元".encode("utf-8")
    chunks = [data[:1], data[1:4], data[4:5], data[5:11], data[11:]]  # cuts inside 节, 省 and 元
    out = pieces(chunks)
    assert "".join(out) == "节省1000元" and all("\ufffd" not in p for p in out)
    assert pieces(chunks[:4]) == ["节", "省1000"]  # the tokens ended inside 元: dropped, not replaced


def test_the_text_is_cut_before_a_stop_string_spelled_over_tokens():
    assert "".join(pieces([b"ok", b"<|im", b"_end|>", b"more"])) == "ok"
    assert pieces([b"a<|", b"b"]) == ["a", "<|b"]  # held back while it could begin a stop string, then released
    assert pieces([b"a<"]) == ["a", "<"]  # the end of the tokens releases what was held
