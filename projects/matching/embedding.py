"""Dense text embeddings for matching: WordLlama's static token embeddings, shipped in its package.

WordLlama (MIT-licensed code; its ``l2_supercat`` weights are derived from Llama 2's token
embeddings, see the README) embeds a text as the weighted average of its tokens' vectors:
no network, no GPU, a few microseconds per text. The weights and the tokenizer come from
the installed package; nothing is downloaded (the loader is told so), and a missing file
is an error rather than a fetch.

Texts are split into sentences for the explanations: the sentence of a candidate's public
text closest in meaning to the proposal is what the card quotes.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from functools import cache
from itertools import chain
from pathlib import Path

import numpy as np
from scipy import sparse

MODEL = "WordLlama l2_supercat"
# The shipped weights have 256 dimensions; their leading 128 (Matryoshka-trained) ranked the
# paraphrase set as well and take half the memory and time (README, "Partner matching").
FULL_DIMENSIONS = 256
DIMENSIONS = 128

_lock = threading.Lock()
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


@cache
def _model(dimensions: int):
    # Should the package's tokenizer file ever be missing, its loader would fall back to a
    # model hub: offline, that is an error here instead of a download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import wordllama
    from wordllama import WordLlama

    package = Path(wordllama.__file__).parent
    with _lock:
        # The package ships weights/ and tokenizers/: as cache_dir it is where both are found.
        model = WordLlama.load(
            cache_dir=package,
            disable_download=True,
            trunc_dim=dimensions if dimensions != FULL_DIMENSIONS else None,
        )
        # Texts are pooled here from their own tokens, so they need no padding to a batch.
        model.tokenizer.no_padding()
        return model


def embed(texts: list[str], *, dimensions: int = DIMENSIONS) -> np.ndarray:
    """Unit-length embeddings, one row per text (float32); an empty text is a zero row.

    WordLlama's own ``embed`` averages each text's token vectors; this does the same over
    one flat array of every text's tokens (no padding to the longest text of a batch),
    which is what makes embedding the whole alliance at index build cheap.
    """
    out = np.zeros((len(texts), dimensions), dtype=np.float32)
    if not texts:
        return out
    model = _model(dimensions)
    encoded = model.tokenizer.encode_batch(texts, add_special_tokens=False)
    lengths = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(texts))
    filled = np.flatnonzero(lengths)
    if not len(filled):
        return out
    ids = np.fromiter(chain.from_iterable(e.ids for e in encoded), dtype=np.int64)
    np.clip(ids, 0, model.embedding.shape[0] - 1, out=ids)
    # Texts × vocabulary token counts times the token vectors: the sums without gathering
    # a vector per token.
    counts = sparse.csr_matrix(
        (np.ones(len(ids), dtype=np.float32), ids, np.concatenate(([0], np.cumsum(lengths)))),
        shape=(len(texts), model.embedding.shape[0]),
    )
    sums = np.asarray(counts[filled] @ model.embedding, dtype=np.float32)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    out[filled] = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
    return out


_remembered: OrderedDict[str, np.ndarray] = OrderedDict()
REMEMBERED = 20_000  # sentences, about 10 MB at 128 dimensions


def embed_remembered(texts: list[str]) -> np.ndarray:
    """``embed``, remembering the latest texts' vectors: explanations quote the same public
    sentences request after request. Only public texts may be passed (the memory is shared
    by every viewer of this process)."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    missing = []
    with _lock:
        for k, text in enumerate(texts):
            vector = _remembered.get(text)
            if vector is None:
                missing.append(k)
            else:
                _remembered.move_to_end(text)
                out[k] = vector
    if missing:
        fresh = embed([texts[k] for k in missing])
        out[missing] = fresh
        with _lock:
            for k, vector in zip(missing, fresh, strict=True):
                _remembered[texts[k]] = vector
            while len(_remembered) > REMEMBERED:
                _remembered.popitem(last=False)
    return out


def sentences(text: str) -> list[str]:
    """The text's sentences (and lines), stripped, without empty ones."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]
