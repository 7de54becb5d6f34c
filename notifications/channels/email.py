"""E-mail over SMTP (aiosmtplib): multipart text + HTML, UTF-8 subject and display names, a
Message-ID derived from (notice, user) so mail systems can spot a duplicate. Connections are
pooled, and bodies composed once, for the length of one delivery activity."""

import asyncio
import re
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

import aiosmtplib

from contracts.notifications.history import ChannelName
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
        self._bodies: dict[tuple, bytes] = {}
        self.sender = settings.smtp_sender_address

    def _body(self, message: Message, eight_bit: bool) -> bytes:
        """Everything but the recipient's own headers, composed once per notice (or digest) and
        locale: composing is most of an e-mail's cost, and a fan-out sends the same few thousands
        of times. UTF-8 text goes as it is where the server takes 8-bit bodies, else base64."""
        key = (message.reference or message.notification_id, message.rendered, eight_bit)
        if key not in self._bodies:
            sender_user, _, sender_domain = self.sender.partition("@")
            encoding = None if eight_bit else "base64"
            email = EmailMessage(policy=SMTP)
            email["Subject"] = header_text(message.rendered.title)
            email["From"] = Address(header_text(self.settings.smtp_sender_name), sender_user, sender_domain)
            email.set_content(message.rendered.text, cte=encoding)
            email.add_alternative(message.rendered.html, subtype="html", cte=encoding)
            self._bodies[key] = email.as_bytes()
        return self._bodies[key]

    def compose(self, message: Message, *, eight_bit: bool = True) -> bytes:
        """The e-mail as sent: To and a Message-ID naming (notice, user), then the shared body."""
        (recipient,) = message.recipients
        reference = message.reference or f"notice-{message.notification_id}"
        head = EmailMessage(policy=SMTP)
        head["To"] = Address(header_text(recipient.name), addr_spec=recipient.email)
        head["Message-ID"] = f"<{reference}-{recipient.user_id}@{self.sender.partition('@')[2]}>"
        return head.as_bytes().removesuffix(b"\r\n") + self._body(message, eight_bit)

    async def _connection(self) -> aiosmtplib.SMTP:
        if self._idle:
            return self._idle.pop()
        settings = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=settings.smtp_host, port=settings.smtp_port, use_tls=settings.smtp_use_tls,
            timeout=settings.http_timeout_seconds,
        )
        await smtp.connect()
        if smtp.is_ehlo_or_helo_needed:  # its extensions decide how the body is encoded
            await smtp.ehlo()
        if settings.smtp_username:
            await smtp.login(settings.smtp_username, settings.smtp_password or "")
        return smtp

    async def send(self, message: Message) -> None:
        (recipient,) = message.recipients
        if not recipient.email:
            raise PermanentError("no e-mail address")
        try:
            smtp = await self._connection()
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            raise TransientError(f"SMTP: {exc!r}") from exc
        eight_bit = smtp.supports_extension("8bitmime")
        options = (["BODY=8BITMIME"] if eight_bit else []) + ([] if recipient.email.isascii() else ["SMTPUTF8"])
        try:
            email = self.compose(message, eight_bit=eight_bit)
            await smtp.sendmail(self.sender, [recipient.email], email, mail_options=options)
        except (ValueError, TypeError, IndexError, MessageError) as exc:  # e.g. an address the library refuses
            self._idle.append(smtp)
            raise composition_error(exc) from exc
        except aiosmtplib.SMTPRecipientsRefused as exc:
            self._idle.append(smtp)  # the server answered: the connection is still good
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
