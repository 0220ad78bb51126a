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
from pathlib import Path

import numpy as np

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
        return WordLlama.load(
            cache_dir=package,
            disable_download=True,
            trunc_dim=dimensions if dimensions != FULL_DIMENSIONS else None,
        )


def embed(texts: list[str], *, dimensions: int = DIMENSIONS) -> np.ndarray:
    """Unit-length embeddings, one row per text (float32); an empty text is a zero row."""
    out = np.zeros((len(texts), dimensions), dtype=np.float32)
    filled = [k for k, text in enumerate(texts) if text.strip()]
    if filled:
        vectors = _model(dimensions).embed([texts[k] for k in filled], norm=True)
        out[filled] = np.nan_to_num(np.asarray(vectors, dtype=np.float32))
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
