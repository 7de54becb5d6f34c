"""External channels behind one interface (base.Channel). The inbox is not among them: it is
written in bulk when a notice is published (one INSERT per thousand rows, not a send per user)."""

from contextlib import asynccontextmanager
from collections.abc import AsyncIterator, Callable
from typing import AsyncContextManager

from config import Settings
from contracts.notifications.history import ChannelName
from notifications.channels.base import Channel
from notifications.channels.email import EmailChannel
from notifications.channels.robots import DingTalkRobot, FeishuRobot, WeComRobot, Webhook

CHANNELS: dict[ChannelName, type[Channel]] = {
    channel.name: channel for channel in (EmailChannel, WeComRobot, DingTalkRobot, FeishuRobot, Webhook)
}

ChannelOpener = Callable[[Settings], AsyncContextManager[dict[ChannelName, Channel]]]


@asynccontextmanager
async def open_channels(settings: Settings) -> AsyncIterator[dict[ChannelName, Channel]]:
    """One instance per channel for a delivery batch (connections opened lazily, closed after)."""
    channels = {name: cls(settings) for name, cls in CHANNELS.items()}
    try:
        yield channels
    finally:
        for channel in channels.values():
            await channel.aclose()
