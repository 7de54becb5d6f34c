"""Group robots and the signed webhook: one HTTP POST per message, @-mentioning the teachers of
the batch, within each platform's rate and size limits. Formats and signing: shared/TOOLING.md."""

import base64
import hashlib
import hmac
import json
import time
from abc import abstractmethod
from typing import Any, ClassVar
from urllib.parse import quote_plus

import httpx

from contracts.notifications.history import ChannelName
from notifications.channels.base import Channel, Message, PermanentError, TransientError, composition_error
from notifications.channels.ratelimit import ROBOT_LIMITER, RateLimiter
from notifications.channels.targets import CheckedTransport, RefusedTarget
from contracts.markdown import markdown_text

# Platform error codes that mean "slow down", not "wrong request".
_RATE_LIMITED_CODES = {45009, 130101, 9499, 11232}
# Names one message for every resend of it (after a crash, a retry): receivers that keep the ids
# they have seen drop the repeats. Sent to every robot; the chat platforms ignore it.
DELIVERY_HEADER = "X-Jiaoyan-Delivery"


def _fit_utf8(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: max(limit - 3, 0)].decode(errors="ignore") + "…"


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class HttpRobot(Channel):
    max_bytes: ClassVar[int]  # request body limit
    limiter: RateLimiter = ROBOT_LIMITER

    def __init__(self, settings) -> None:
        super().__init__(settings)
        # Redirects are not followed: a public receiver could otherwise forward the post inward.
        self._client = httpx.AsyncClient(timeout=settings.http_timeout_seconds, follow_redirects=False,
                                         transport=CheckedTransport(settings.channel_private_host_set))

    @property
    def per_minute(self) -> int:
        return self.settings.robot_rate_per_minute

    @abstractmethod
    def request(self, message: Message) -> tuple[str, dict[str, Any], dict[str, str]]:
        """URL, JSON payload and extra headers of one message."""

    def split(self, message: Message) -> list[Message]:
        size = self.settings.robot_max_mentions
        chunks = [message.to(message.recipients[i : i + size]) for i in range(0, len(message.recipients), size)]
        return [part for chunk in chunks or [message] for part in self._halve_until_small(chunk)]

    def _request(self, message: Message) -> tuple[str, dict[str, Any], dict[str, str]]:
        try:
            return self.request(message)
        except (ValueError, TypeError, KeyError) as exc:
            raise composition_error(exc) from exc

    def _halve_until_small(self, message: Message) -> list[Message]:
        if len(message.recipients) <= 1 or len(_body(self._request(message)[1])) <= self.max_bytes:
            return [message]
        middle = len(message.recipients) // 2
        return self._halve_until_small(message.to(message.recipients[:middle])) + self._halve_until_small(
            message.to(message.recipients[middle:])
        )

    async def send(self, message: Message) -> None:
        assert message.robot is not None, "a robot message needs its robot"
        url, payload, headers = self._request(message)
        if message.delivery_id:
            headers = {**headers, DELIVERY_HEADER: message.delivery_id}
        await self.limiter.acquire(message.robot.id, self.per_minute)
        try:
            response = await self._client.post(
                url, content=_body(payload), headers={"Content-Type": "application/json; charset=utf-8", **headers}
            )
        except RefusedTarget as exc:
            raise PermanentError(str(exc)) from exc
        except httpx.TimeoutException as exc:
            raise TransientError(f"timeout: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"connection: {exc!r}") from exc
        # The status and a fixed reason, never the answer's body: whatever a receiver answers
        # shows in the delivery log.
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(f"HTTP {response.status_code}")
        if response.is_redirect:
            raise PermanentError(f"HTTP {response.status_code}: 不跟随重定向 (redirects are not followed)")
        if response.status_code >= 400:
            raise PermanentError(f"HTTP {response.status_code}")
        self.check(response)

    def check(self, response: httpx.Response) -> None:
        """Robots answer 200 with an error code in the body."""
        try:
            answer = response.json()
        except ValueError:
            return
        code = answer.get("errcode", answer.get("code", 0)) if isinstance(answer, dict) else 0
        if code:
            code = code if isinstance(code, int) else "?"  # the number only: its message is the answer's body
            raise (TransientError if code in _RATE_LIMITED_CODES else PermanentError)(f"{self.name} error {code}")

    async def aclose(self) -> None:
        await self._client.aclose()


def _mobiles(message: Message) -> list[str]:
    return [r.mobile for r in message.recipients if r.mobile]


class WeComRobot(HttpRobot):
    """企业微信群机器人: only the text type can @-mention by mobile number."""

    name = ChannelName.wecom
    max_bytes = 4096
    _content_bytes = 2048

    def request(self, message: Message) -> tuple[str, dict[str, Any], dict[str, str]]:
        text = {"content": _fit_utf8(message.rendered.text, self._content_bytes)}
        if mobiles := _mobiles(message):
            text["mentioned_mobile_list"] = mobiles
        return message.robot.url, {"msgtype": "text", "text": text}, {}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


class DingTalkRobot(HttpRobot):
    """钉钉自定义机器人: Markdown, @ by mobile in `at.atMobiles` and in the text, signed URL."""

    name = ChannelName.dingtalk
    max_bytes = 20000

    def request(self, message: Message) -> tuple[str, dict[str, Any], dict[str, str]]:
        mobiles = _mobiles(message)
        text = message.rendered.markdown + ("\n\n" + " ".join(f"@{m}" for m in mobiles) if mobiles else "")
        payload = {
            "msgtype": "markdown",
            "markdown": {"title": message.rendered.title, "text": text},
            "at": {"atMobiles": mobiles, "isAtAll": False},
        }
        url = message.robot.url
        if message.robot.secret:
            timestamp = int(time.time() * 1000)
            separator = "&" if "?" in url else "?"
            url = f"{url}{separator}timestamp={timestamp}&sign={dingtalk_sign(message.robot.secret, timestamp)}"
        return url, payload, {}


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class FeishuRobot(HttpRobot):
    """飞书自定义机器人: an interactive card with a button to the action. Custom bots cannot
    @-mention by mobile, so the teachers concerned are named in the card."""

    name = ChannelName.feishu
    max_bytes = 20 * 1024

    @property
    def per_minute(self) -> int:
        return 100

    def request(self, message: Message) -> tuple[str, dict[str, Any], dict[str, str]]:
        rendered = message.rendered
        names = " ".join(f"@{markdown_text(r.name)}" for r in message.recipients)  # named, not mentioned
        content = markdown_text(rendered.body) + (f"\n{names}" if names else "")
        elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "lark_md", "content": content}}]
        if rendered.link:
            elements.append({"tag": "action", "actions": [{
                "tag": "button", "type": "primary", "url": rendered.link,
                "text": {"tag": "plain_text", "content": rendered.action},
            }]})
        payload: dict[str, Any] = {
            "msg_type": "interactive",
            "card": {"header": {"title": {"tag": "plain_text", "content": rendered.title}}, "elements": elements},
        }
        if message.robot.secret:
            timestamp = int(time.time())
            payload = {"timestamp": str(timestamp), "sign": feishu_sign(message.robot.secret, timestamp), **payload}
        return message.robot.url, payload, {}


SIGNATURE_HEADER = "X-Jiaoyan-Signature"
TIMESTAMP_HEADER = "X-Jiaoyan-Timestamp"


def webhook_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 over "<timestamp>.<body>" (the timestamp defeats replays)."""
    digest = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class Webhook(HttpRobot):
    """Generic JSON webhook for a school's own system; the body is signed in a header."""

    name = ChannelName.webhook
    max_bytes = 256 * 1024

    @property
    def per_minute(self) -> int:
        return 600

    def request(self, message: Message) -> tuple[str, dict[str, Any], dict[str, str]]:
        rendered = message.rendered
        payload = {
            "event": "notification",
            "delivery_id": message.delivery_id,  # as in the X-Jiaoyan-Delivery header
            "notification_id": message.notification_id,
            "key": message.key,
            "kind": message.kind.value,
            "title": rendered.title,
            "text": rendered.text,
            "markdown": rendered.markdown,
            "link": rendered.link,
            "recipients": [
                {"user_id": r.user_id, "name": r.name, "mobile": r.mobile, "email": r.email}
                for r in message.recipients
            ],
        }
        timestamp = int(time.time())
        headers = {TIMESTAMP_HEADER: str(timestamp)}
        if message.robot.secret:
            headers[SIGNATURE_HEADER] = webhook_signature(message.robot.secret, timestamp, _body(payload))
        return message.robot.url, payload, headers
