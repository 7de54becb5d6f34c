"""The library at county size, over real HTTP against the API as `make run` serves it (SQLite, one
process):

- **search**: 50,000 resources, queries by words and by meaning as a teacher (her visibility, the
  word match, the vectors, the page's counts) — p95 against a bare query of the same index in the
  same run (the query's encoding and one matrix product over the same 50,000 vectors, in this process);
- **upload**: recordings of 100 and 300 MiB streamed to the local disk and to an S3-compatible
  server (moto, a process on loopback), MiB/s against a raw write of the same bytes to the same store
  from this process (services/library/storage.py, no HTTP, no checks); the API's resident memory
  above its level before each upload, against what receiving a file holds by design
  (`UPLOAD_HELD_BYTES`), and /health probed every 50 ms meanwhile. Each API is measured once it has
  finished starting (its encoder loads in a thread after it first answers: +121 MiB in 2-3 s, which
  an upload measured meanwhile was charged with), and after a first small upload, whose one-time
  cost is shown apart.

    .venv/bin/python -m benchmarks.bench_resources [--resources 50000]
"""

import argparse
import asyncio
import random
import statistics
import threading
import time
import uuid
from contextlib import AsyncExitStack

import httpx
import numpy as np
import psutil
from sqlalchemy import insert, select

from benchmarks.api_servers import serving
from benchmarks.county_stack import Stack, bearer, dev_server, sqlite_county, user_id
from contracts.library.api import ResourceKind, Visibility
from models import Resource, ResourceVector, School, Teacher
from scripts.run_stack import api_workers
from services import sentence_vectors
from services.library.storage import PART_BYTES, blob_store
from services.library.uploads import UPLOAD_HELD_BYTES
from services.library.vectors import VectorIndex
from tests.library_support import BUCKET, s3_server, s3_settings

SUBJECTS = ["语文", "数学", "英语", "科学", "道德与法治", "音乐", "体育", "美术"]
TOPICS = ["单元整体教学设计", "课堂提问策略", "分层作业设计", "小组合作学习", "作文素材积累", "计算错误的纠正", "实验探究活动",
          "阅读理解方法", "课堂纪律管理", "家校沟通经验", "复习课的组织", "评价量规的使用", "信息技术融合", "跨学科主题学习"]
GRADES = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级"]
QUERIES = ["怎样让学生写作文有话可说", "提高计算准确率的办法", "课堂上如何提出好问题", "学生分组讨论怎么组织", "作业怎样分层布置",
           "实验课的设计", "期末复习怎么上", "如何跟家长沟通", "课堂秩序", "阅读策略", "跨学科项目", "评价标准怎么定"]
UNIQUE_TEXTS = 2_000  # encoded once; the other resources take one of their vectors, slightly moved
CHUNK_ROWS = 2_000
MiB = 1024 * 1024
UPLOAD_SIZES = [100 * MiB, 300 * MiB]
FIRST_UPLOAD = 3 * PART_BYTES
PART = MiB
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41"
PROBE_EVERY_S = 0.05
SETTLED_CPU = 0.05  # a started API's share of a core when nothing is asked of it


def p95(values: list[float]) -> float:
    return sorted(values)[max(int(len(values) * 0.95) - 1, 0)]


async def fill(stack: Stack, count: int) -> None:
    """`count` county-visible resources over every school, with their vectors, written directly."""
    rng = random.Random(7)
    texts = [f"{rng.choice(GRADES)}{rng.choice(SUBJECTS)}：{rng.choice(TOPICS)}（{n}）" for n in range(UNIQUE_TEXTS)]
    base = await asyncio.to_thread(sentence_vectors.encode, texts)
    async with stack.sessions() as session:
        authors = (await session.execute(select(Teacher.user_id, Teacher.school_id, School.cluster_id)
                                         .join(School, School.id == Teacher.school_id))).all()
        for start in range(0, count, CHUNK_ROWS):
            rows, vectors = [], []
            for n in range(start, min(start + CHUNK_ROWS, count)):
                user, school, cluster = authors[n % len(authors)]
                pick = n % UNIQUE_TEXTS
                rows.append({"id": n + 1, "kind": ResourceKind.lesson_plan, "title": texts[pick], "description": "",
                             "subject": SUBJECTS[n % len(SUBJECTS)], "tags": [], "visibility": Visibility.county,
                             "school_id": school, "cluster_id": cluster, "author_user_id": user, "term": "2026秋",
                             "text": ""})
                moved = base[pick] + rng.gauss(0, 0.02)
                vectors.append({"resource_id": n + 1, "model": sentence_vectors.MODEL,
                                "vector": sentence_vectors.to_bytes(moved / np.linalg.norm(moved))})
            await session.execute(insert(Resource), rows)
            await session.execute(insert(ResourceVector), vectors)
        await session.commit()


async def search_over_http(api_url: str, headers: dict, rounds: int) -> list[float]:
    async with httpx.AsyncClient(base_url=api_url, timeout=60, headers=headers) as client:
        first = await client.get("/api/v1/library/resources", params={"q": QUERIES[0]})  # the matrix loads once
        assert first.status_code == 200, first.text
        timings = []
        for n in range(rounds):
            start = time.perf_counter()
            answer = await client.get("/api/v1/library/resources", params={"q": QUERIES[n % len(QUERIES)]})
            timings.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200 and answer.json()["total"] > 0, answer.text[:300]
    return timings


async def bare_queries(stack: Stack, rounds: int) -> list[float]:
    index = VectorIndex()
    async with stack.sessions() as session:
        await index.catch_up(session)
    timings = []
    for n in range(rounds):
        start = time.perf_counter()
        [vector] = await asyncio.to_thread(sentence_vectors.encode, [QUERIES[n % len(QUERIES)]])
        index.nearest(vector, limit=200, at_least=0.35)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def chunks(size: int):
    body = bytes(PART)

    async def stream():
        yield MP4_HEAD + body[len(MP4_HEAD):]
        for _ in range(size // PART - 1):
            yield body

    return stream()


def api_process(api_url: str) -> psutil.Process:
    port = int(api_url.rsplit(":", 1)[1])
    [pid] = {c.pid for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port and c.status == "LISTEN"}
    return psutil.Process(pid)


def resident(process: psutil.Process) -> int:
    """The API's resident memory: its process and those it started (workers)."""
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


async def settled(api_url: str, timeout_s: float = 120) -> float:
    """Waits until the API has finished starting (its CPU idle for half a second); the seconds waited.
    It answers before its encoder is loaded, and whatever is measured meanwhile is charged with that."""
    process, start = api_process(api_url), time.perf_counter()
    busy = sum(process.cpu_times()[:2])
    while time.perf_counter() - start < timeout_s:
        await asyncio.sleep(0.5)
        now = sum(process.cpu_times()[:2])
        if now - busy < SETTLED_CPU * 0.5:
            return time.perf_counter() - start
        busy = now
    raise SystemExit(f"the API at {api_url} was still busy {timeout_s:.0f} s after answering")


async def upload_over_http(api_url: str, headers: dict, size: int) -> dict:
    process, done, probes = api_process(api_url), threading.Event(), []
    before = resident(process)
    peak = [before]

    def sample():
        while not done.wait(0.01):
            peak[0] = max(peak[0], resident(process))

    async def probe(client):
        while not done.is_set():
            start = time.perf_counter()
            status = (await client.get("/api/v1/health")).status_code
            probes.append(((time.perf_counter() - start) * 1000, status))
            await asyncio.sleep(PROBE_EVERY_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    async with httpx.AsyncClient(base_url=api_url, timeout=300) as client, \
            httpx.AsyncClient(base_url=api_url, timeout=30) as prober:
        probing = asyncio.create_task(probe(prober))
        start = time.perf_counter()
        answer = await client.post("/api/v1/library/uploads", params={"kind": "recording", "filename": "公开课.mp4"},
                                   content=chunks(size),
                                   headers={**headers, "Content-Type": "application/octet-stream"})
        seconds = time.perf_counter() - start
        done.set()
        await probing
    sampler.join()
    assert answer.status_code == 201, answer.text
    return {"seconds": seconds, "grown_mib": (peak[0] - before) / MiB, "probes": probes}


async def uploads_over_http(api_url: str, headers: dict) -> dict:
    """A first small upload (the process's one-time cost), then each size in UPLOAD_SIZES."""
    first = await upload_over_http(api_url, headers, FIRST_UPLOAD)
    return {"first": first, **{size: await upload_over_http(api_url, headers, size) for size in UPLOAD_SIZES}}


async def raw_write(settings) -> float:
    store = blob_store(settings)
    start = time.perf_counter()
    await store.put(f"raw/{uuid.uuid4().hex}", chunks(UPLOAD_SIZES[0]))
    return time.perf_counter() - start


async def main(count: int, rounds: int) -> bool:
    async with AsyncExitStack() as resources:
        temporal = await resources.enter_async_context(dev_server())
        stack = await resources.enter_async_context(sqlite_county(temporal, prefix="bench-resources"))
        started = time.perf_counter()
        await fill(stack, count)
        print(f"{count} resources written in {time.perf_counter() - started:.1f} s", flush=True)
        teacher = bearer(await user_id(stack, "t0021"), stack.settings)
        library_dir = stack.log_dir / "library"
        env = stack.env | {"LIBRARY_DIR": str(library_dir)}
        workers = api_workers(stack.settings.database_url)
        with serving("webapp:app", env=env, workers=workers, log=stack.log_dir / "api.log") as api_url:
            print(f"API settled {await settled(api_url):.1f} s after answering", flush=True)
            searched = await search_over_http(api_url, teacher, rounds)
            local = await uploads_over_http(api_url, teacher)
        local_raw = await raw_write(stack.settings.model_copy(update={"library_dir": library_dir}))
        with s3_server() as endpoint:
            s3 = s3_settings(stack.settings, endpoint)
            s3_env = env | {"LIBRARY_STORAGE": "s3", "LIBRARY_S3_ENDPOINT": endpoint, "LIBRARY_S3_BUCKET": BUCKET,
                            "LIBRARY_S3_ACCESS_KEY": "test", "LIBRARY_S3_SECRET_KEY": "test"}
            with serving("webapp:app", env=s3_env, workers=workers, log=stack.log_dir / "api-s3.log") as api_url:
                print(f"API (S3) settled {await settled(api_url):.1f} s after answering", flush=True)
                remote = await uploads_over_http(api_url, teacher)
            remote_raw = await raw_write(s3)
        bare = await bare_queries(stack, rounds)

    print(f"\n| measure | through the API | baseline in the same run | ratio |\n|---|---|---|---|")
    print(f"| search, {count} resources, {rounds} queries as a teacher | p50 {statistics.median(searched):.1f} ms, "
          f"**p95 {p95(searched):.1f} ms** | bare query of the same index: p50 {statistics.median(bare):.1f} ms, "
          f"p95 {p95(bare):.1f} ms | **{p95(searched) / p95(bare):.1f}×** |")
    held = UPLOAD_HELD_BYTES / MiB
    for name, api, raw in [("local disk", local, local_raw), ("S3 (moto)", remote, remote_raw)]:
        mib, base = UPLOAD_SIZES[0] / MiB, api[UPLOAD_SIZES[0]]
        grown = "; ".join(f"{size // MiB} MiB **+{api[size]['grown_mib']:.0f} MiB**" for size in UPLOAD_SIZES)
        first = api["first"]["grown_mib"]
        health = [ms for run in api.values() for ms, _ in run["probes"]]
        print(f"| upload, {name} | {mib / base['seconds']:.0f} MiB/s ({mib:.0f} MiB); API memory: {grown} (by "
              f"design {held:.0f} MiB); first upload after start ({FIRST_UPLOAD // MiB} MiB) +{first:.0f} MiB once; "
              f"/health {len(health)} probes, p95 {p95(health):.0f} ms, max {max(health):.0f} ms | raw write of the "
              f"same bytes to the same store: {mib / raw:.0f} MiB/s | **{raw / base['seconds']:.2f}×** |", flush=True)
    return all(status == 200 for api in (local, remote) for run in api.values() for _, status in run["probes"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    raise SystemExit(0 if asyncio.run(main(args.resources, args.rounds)) else 1)
