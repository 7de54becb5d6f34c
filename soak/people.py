"""Simulated people over HTTP. Each acts as herself with a bearer token (a fresh login's, made
without the login round trip: 5,000 password checks would measure the hash, not the term). Every
response is recorded (who, what, status, latency, when), and every acknowledged write (a 2xx on a
write) is kept with the row it promises, for the end's check that it is in the database."""

import asyncio
import random
import time
from dataclasses import dataclass, field

import httpx

from benchmarks.county_stack import bearer

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Response:
    at: float  # soak clock, seconds
    who: str  # "teacher", "staff", "organiser", "burst"
    what: str  # the action's name, e.g. "submit_problem"
    method: str
    status: int  # 0: no answer (connection refused or reset, timeout)
    latency: float  # seconds


@dataclass(frozen=True)
class Ack:
    """An acknowledged write and the row that must hold it: `table` with these column values."""

    what: str
    table: str
    where: dict
    at: float


@dataclass
class People:
    base_url: str
    settings: object
    clock: object  # () -> seconds on the soak's clock
    rng: random.Random
    responses: list[Response] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = httpx.AsyncClient(base_url=f"{self.base_url}/api/v1", timeout=60,
                                      limits=httpx.Limits(max_connections=80, max_keepalive_connections=40))
        self._headers: dict[int, dict[str, str]] = {}

    async def close(self) -> None:
        await self.http.aclose()

    def headers(self, user_id: int) -> dict[str, str]:
        if user_id not in self._headers:
            self._headers[user_id] = bearer(user_id, self.settings)
        return self._headers[user_id]

    async def call(self, user_id: int, method: str, path: str, *, who: str, what: str, json=None,
                   ack: tuple[str, dict] | None = None, content: bytes | None = None) -> httpx.Response | None:
        """One request as `user_id`; None when nothing answered. `ack`: (table, columns) the row a 2xx
        promises; a column given as a callable takes the answer's JSON (e.g. the new row's id).
        `content`: a raw body instead of JSON (an upload)."""
        started = time.monotonic()
        try:
            response = await self.http.request(method, path, json=json, content=content,
                                               headers=self.headers(user_id))
        except httpx.TransportError:
            self.responses.append(Response(self.clock(), who, what, method, 0, time.monotonic() - started))
            return None
        self.responses.append(Response(self.clock(), who, what, method, response.status_code,
                                       time.monotonic() - started))
        if ack and method in WRITES and 200 <= response.status_code < 300 and response.status_code != 202:
            table, columns = ack
            body = response.json() if response.content else {}
            where = {key: value(body) if callable(value) else value for key, value in columns.items()}
            self.acks.append(Ack(what, table, where, self.clock()))
        return response

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    async def until_answered(self, call, *, tries: int = 5, pause: float = 5.0) -> httpx.Response | None:
        """What a person does when a page fails: wait a moment and try again (each try recorded)."""
        for _ in range(tries - 1):
            answer = await call()
            if answer is not None and answer.status_code < 500:
                return answer
            await asyncio.sleep(pause)
        return await call()

    async def twice_at_once(self, call) -> list:
        """The same request sent twice at the same moment (a double click, two staff members)."""
        return list(await asyncio.gather(call(), call()))
