"""E-mail over SMTP (aiosmtplib): multipart text + HTML, UTF-8 subject and display names, a
Message-ID derived from (notice, user) so mail systems can spot a duplicate. Connections are
pooled for the length of one delivery batch."""

import asyncio
import re
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage

import aiosmtplib

from contracts.notifications import ChannelName
from notifications.channels.base import Channel, Message, PermanentError, TransientError, composition_error

# Control characters (CR and LF above all) and the Unicode line and paragraph separators: in a
# header they would end it, and the e-mail library refuses them.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(text: str) -> str:
    return _BREAKS.sub(" ", text).strip()


class EmailChannel(Channel):
    name = ChannelName.email

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._idle: list[aiosmtplib.SMTP] = []

    def compose(self, message: Message) -> EmailMessage:
        (recipient,) = message.recipients
        if not recipient.email:
            raise PermanentError("no e-mail address")
        settings = self.settings
        sender_user, _, sender_domain = settings.smtp_sender_address.partition("@")
        email = EmailMessage()
        email["Subject"] = header_text(message.rendered.title)
        email["From"] = Address(header_text(settings.smtp_sender_name), sender_user, sender_domain)
        email["To"] = Address(header_text(recipient.name), addr_spec=recipient.email)
        reference = message.reference or f"notice-{message.notification_id}"
        email["Message-ID"] = f"<{reference}-{recipient.user_id}@{sender_domain}>"
        email.set_content(message.rendered.text)
        email.add_alternative(message.rendered.html, subtype="html")
        return email

    async def _connection(self) -> aiosmtplib.SMTP:
        if self._idle:
            return self._idle.pop()
        settings = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=settings.smtp_host, port=settings.smtp_port, use_tls=settings.smtp_use_tls,
            timeout=settings.http_timeout_seconds,
        )
        await smtp.connect()
        if settings.smtp_username:
            await smtp.login(settings.smtp_username, settings.smtp_password or "")
        return smtp

    async def send(self, message: Message) -> None:
        try:
            email = self.compose(message)
        except (ValueError, TypeError, IndexError, MessageError) as exc:  # e.g. an address the library refuses
            raise composition_error(exc) from exc
        try:
            smtp = await self._connection()
            await smtp.send_message(email)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [error.code for error in exc.recipients]
            raise (TransientError if all(400 <= c < 500 for c in codes) else PermanentError)(str(exc)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise (TransientError if 400 <= exc.code < 500 else PermanentError)(f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise TransientError(f"SMTP: {exc!r}") from exc
        self._idle.append(smtp)

    async def aclose(self) -> None:
        for smtp in self._idle:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                pass
        self._idle.clear()
