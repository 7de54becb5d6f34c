"""Local stand-ins for the outside world of the notification tests: SMTP servers (aiosmtpd) and
an HTTP receiver for robots and webhooks (asyncio.start_server, no framework), all on loopback
ports picked by binding a socket."""

import asyncio
import email
import json
import socket
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from models import Cluster, RobotChannel, School


RECEIVER_HOST = "127.0.0.1"


@pytest.fixture(autouse=True)
def channels_on(settings):
    """External channels are off under environment=test by default; these tests are about them,
    and their receivers listen on loopback, which robots reach only when it is listed."""
    settings.notification_channels = True
    settings.channel_private_hosts = RECEIVER_HOST


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _MailHandler:
    def __init__(self, inbox: list[EmailMessage]) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):
        self.inbox.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@asynccontextmanager
async def smtp_server():
    """`async with smtp_server() as (port, inbox)`: every message received, parsed."""
    inbox: list[EmailMessage] = []
    port = free_port()
    controller = Controller(_MailHandler(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@dataclass
class Mailbox:
    """An SMTP server's handler that refuses the addresses in `refuse` (550), takes `delay` seconds
    per message (a slow server keeps a fan-out in flight), and records what it accepts."""

    received: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic time, address, subject)
    message_ids: list[str] = field(default_factory=list)  # each received copy's Message-ID, in turn
    refuse: set[str] = field(default_factory=set)
    delay: float = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        subject = str(parsed["Subject"])
        self.received += [(time.monotonic(), address, subject) for address in envelope.rcpt_tos]
        self.message_ids += [str(parsed["Message-ID"])] * len(envelope.rcpt_tos)
        return "250 OK"

    def per_address(self) -> Counter:
        return Counter(address for _, address, _ in self.received)


@contextmanager
def mailbox_server(**options) -> Iterator[tuple[int, Mailbox]]:
    """`with mailbox_server() as (port, box)`: a Mailbox on a loopback port, in its own thread."""
    box, port = Mailbox(**options), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """Records every request. `answers` are served in turn (then 200 {"errcode":0}): a status
    code, or "hang" to never answer (the client times out). Each answer takes `delay` seconds;
    the other answers than 200 carry `error_body` and `error_headers`."""

    port: int = 0
    requests: list[Request] = field(default_factory=list)
    answers: list[int | str] = field(default_factory=list)
    delay: float = 0.0
    error_body: bytes = b'{"error": "boom"}'
    error_headers: dict[str, str] = field(default_factory=dict)
    unanswered: int = 0  # requests received and not answered yet

    def url(self, path: str) -> str:
        return f"http://{RECEIVER_HOST}:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, target, _ = head[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in head[1:] if line)}
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        parts = urlsplit(target)
        self.requests.append(Request(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}, headers, body))
        answer = self.answers.pop(0) if self.answers else 200
        self.unanswered += 1
        await asyncio.sleep(self.delay)
        if answer == "hang":
            await asyncio.sleep(3600)
        self.unanswered -= 1
        payload = json.dumps({"errcode": 0, "errmsg": "ok"}).encode() if answer == 200 else self.error_body
        extra = "".join(f"{k}: {v}\r\n" for k, v in ({} if answer == 200 else self.error_headers).items())
        writer.write(f"HTTP/1.1 {answer} X\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                     f"{extra}Connection: close\r\n\r\n".encode() + payload)
        await writer.drain()
        writer.close()


@asynccontextmanager
async def http_receiver(**options):
    receiver = HttpReceiver(port=free_port(), **options)
    server = await asyncio.start_server(receiver._serve, RECEIVER_HOST, receiver.port)
    try:
        yield receiver
    finally:
        server.close()


async def add_robots(session_factory, receiver) -> None:
    """A WeCom group robot for every school, a signed webhook for every cluster."""
    async with session_factory() as session:
        for school in await session.scalars(select(School.id)):
            session.add(RobotChannel(kind="wecom", name=f"群{school}", url=receiver.url(f"/wecom?key={school}"),
                                     school_id=school))
        for cluster in await session.scalars(select(Cluster.id)):
            session.add(RobotChannel(kind="webhook", name=f"片区{cluster}", url=receiver.url(f"/hook/{cluster}"),
                                     secret="hook-secret", cluster_id=cluster))
        await session.commit()
