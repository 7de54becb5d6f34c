"""From claimed delivery rows to the messages that settle them: one e-mail per row, one robot
message per group of rows (split further only if the platform's size limit demands it).

A message's identity depends only on its rows, never on which attempt sends it: the e-mail's
Message-ID names (notice, user), a robot message's delivery id names (notice, group), so a
message resent after a crash carries the id its first copy had."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from config import Settings
from contracts.notifications.history import ChannelName, NotificationKind
from models import Delivery, Notification
from notifications.channels.base import Channel, DeliveryError, Message
from notifications.preferences import Prefs
from notifications.recipients import Reach, RobotDirectory
from notifications.render import DEFAULT_LOCALE, render_digest
from notifications.service import BadNotice, Renderer

INACTIVE = "用户已停用 (user inactive)"
NO_ROBOT = "机器人已删除或停用 (robot removed or disabled)"


@dataclass
class Unit:
    """Messages sent one after the other and recorded together: a robot group's parts go out
    whole, or are all sent again under their same ids."""

    channel: Channel
    messages: list[Message]
    delivery_ids: list[int]


@dataclass
class Composed:
    units: list[Unit] = field(default_factory=list)
    unsendable: list[tuple[list[int], str]] = field(default_factory=list)  # rows and why: failed at once


def compose(notification: Notification, rows: list[Delivery], *, reach: dict[int, Reach], prefs: dict[int, Prefs],
            default: Prefs, robots: RobotDirectory, channels: dict[ChannelName, Channel],
            settings: Settings) -> Composed:
    composed = Composed()
    rendered = Renderer(notification, settings)

    def message(locale: str, recipients, **extra) -> Message:
        return Message(notification.id, notification.key, NotificationKind(notification.kind), rendered(locale),
                       tuple(recipients), **extra)

    groups: dict[tuple[ChannelName, int, int], list[Delivery]] = defaultdict(list)
    for row in rows:
        if row.user_id not in reach:
            composed.unsendable.append(([row.id], INACTIVE))
        elif row.channel == ChannelName.email:
            try:
                email = message(prefs.get(row.user_id, default).locale, [reach[row.user_id].recipient])
            except BadNotice as exc:
                composed.unsendable.append(([row.id], str(exc)))
                continue
            composed.units.append(Unit(channels[ChannelName.email], [email], [row.id]))
        elif row.robot_id is None or row.robot_id not in robots.by_id:
            composed.unsendable.append(([row.id], NO_ROBOT))
        else:
            # Rows published before groups existed go out one message each.
            groups[(row.channel, row.robot_id, row.group_id or -row.id)].append(row)

    # A robot speaks to a group chat: the default locale, @-mentioning everyone of the group.
    for (channel_name, robot_id, group), members in groups.items():
        members.sort(key=lambda row: row.user_id)
        ids = [row.id for row in members]
        channel = channels[channel_name]
        name = f"{notification.id}-g{group}" if group > 0 else f"{notification.id}-d{-group}"
        try:
            whole = message(DEFAULT_LOCALE, [reach[row.user_id].recipient for row in members],
                            robot=robots.by_id[robot_id], delivery_id=name)
            parts = channel.split(whole)
        except (BadNotice, DeliveryError) as exc:
            composed.unsendable.append((ids, str(exc)))
            continue
        if len(parts) > 1:
            parts = [part.part(number) for number, part in enumerate(parts, 1)]
        composed.units.append(Unit(channel, parts, ids))
    return composed


def compose_digests(rows: list[tuple[Delivery, Notification]], *, day: date, reach: dict[int, Reach],
                    prefs: dict[int, Prefs], default: Prefs, email: Channel, settings: Settings) -> Composed:
    """One e-mail per user (rows in user order) bundling her digest copies, whichever notice each is of."""
    composed = Composed()
    renderers = {notification.id: Renderer(notification, settings) for _, notification in rows}
    for user_id, group in groupby(rows, key=lambda row: row[0].user_id):
        group = list(group)
        ids = [delivery.id for delivery, _ in group]
        if user_id not in reach:
            composed.unsendable.append((ids, INACTIVE))
            continue
        locale = prefs.get(user_id, default).locale
        try:
            digest = render_digest([renderers[n.id](locale) for _, n in group], locale=locale, day=day,
                                   timezone=settings.timezone)
        except BadNotice as exc:
            composed.unsendable.append((ids, str(exc)))
            continue
        first = group[0][1]
        message = Message(first.id, first.key, NotificationKind(first.kind), digest, (reach[user_id].recipient,),
                          reference=f"digest-{day:%Y%m%d}")
        composed.units.append(Unit(email, [message], ids))
    return composed
