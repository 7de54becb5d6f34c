"""The one small interface every external channel implements. A channel sends one Message (one
recipient for e-mail, a group of recipients @-mentioned for a robot) and raises TransientError
(worth retrying: 5xx, 429, timeouts) or PermanentError (recorded as failed, never retried)."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import ClassVar

from config import Settings
from contracts.notifications.history import ChannelName, NotificationKind
from notifications.render import Rendered


class DeliveryError(Exception):
    pass


class TransientError(DeliveryError):
    pass


class PermanentError(DeliveryError):
    pass


@dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    email: str | None = None
    mobile: str | None = None


@dataclass(frozen=True)
class Robot:
    id: int
    kind: ChannelName
    url: str
    secret: str | None


@dataclass(frozen=True)
class Message:
    notification_id: int
    key: str
    kind: NotificationKind
    rendered: Rendered
    recipients: tuple[Recipient, ...]
    robot: Robot | None = None
    reference: str = ""  # names the message (e-mail Message-ID) when it is not one notice: a digest
    # Robots and webhooks: the same for every resend of this message (X-Jiaoyan-Delivery).
    delivery_id: str = ""

    def to(self, recipients: tuple[Recipient, ...]) -> "Message":
        return replace(self, recipients=recipients)

    def part(self, number: int) -> "Message":
        """One of the messages a long one is split into: its own, equally stable, delivery id."""
        return replace(self, delivery_id=f"{self.delivery_id}-{number}")


def composition_error(exc: Exception) -> PermanentError:
    """A message that cannot be put together will not go out on any retry either."""
    return PermanentError(f"无法生成消息 (composition failed): {exc}")


class Channel(ABC):
    name: ClassVar[ChannelName]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def split(self, message: Message) -> list[Message]:
        """Messages that each fit the platform's limits (robots: mentions and bytes)."""
        return [message]

    @abstractmethod
    async def send(self, message: Message) -> None: ...

    async def aclose(self) -> None:
        """Release connections: called once per delivery batch."""
