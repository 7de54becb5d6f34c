"""Activation codes (开通码) as teachers receive them: the school's 开通单 (an XLSX sheet staff
print or pass on) and an e-mail to each teacher with an address. The plain codes live only in
these letters, in memory, while they are handed out: the database keeps their SHA-256, and the
e-mails are sent directly, not through the notifications (whose rows, inbox and logs keep text)."""

import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import aiosmtplib
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from models import School, Teacher, User
from services.accounts.security import formatted_activation_code
from services.accounts.service import issue_activation_code

log = logging.getLogger(__name__)

SHEET_HEADER = ("用户名", "姓名", "学校", "开通码", "有效期至")


@dataclass(frozen=True)
class Letter:
    """What one teacher is told: her login, her code and until when it works."""

    username: str
    name: str
    school: str
    email: str | None
    code: str  # as printed: ABCD-EFGH-JKMN
    expires_at: datetime


async def waiting_for_activation(session: AsyncSession, *, school_id: int) -> list[Teacher]:
    """The school's active teachers whose login has no password yet."""
    stmt = (select(Teacher).join(User, User.id == Teacher.user_id)
            .where(Teacher.school_id == school_id, Teacher.active, User.active, User.password_hash.is_(None))
            .order_by(Teacher.staff_no))
    return list(await session.scalars(stmt))


async def issue_letters(
    session: AsyncSession, *, teachers: list[Teacher], issued_by: int, now: datetime, lifetime: timedelta
) -> list[Letter]:
    """A new code for each teacher's login (replacing the previous one), as letters."""
    schools = {s.id: s.name for s in await session.scalars(
        select(School).where(School.id.in_({t.school_id for t in teachers})))}
    letters = []
    for teacher in teachers:
        issued = await issue_activation_code(session, user=teacher.user, issued_by=issued_by, now=now,
                                             lifetime=lifetime)
        letters.append(Letter(username=teacher.user.username, name=teacher.name, school=schools[teacher.school_id],
                              email=teacher.email, code=formatted_activation_code(issued.code),
                              expires_at=issued.expires_at))
    return letters


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _text(sheet, value: str) -> WriteOnlyCell:
    """A cell that holds text whatever it starts with: a name like "=HYPERLINK(…)" stays a name
    and never becomes a formula in the spreadsheet staff open."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def activation_sheet(*, letters: list[Letter], tz: ZoneInfo) -> bytes:
    """The 开通单: one row per teacher, in the office's time zone."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("开通单")
    sheet.append(SHEET_HEADER)
    for letter in letters:
        sheet.append([_text(sheet, value) for value in (letter.username, letter.name, letter.school, letter.code,
                                                         _local(letter.expires_at, tz))])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _email(letter: Letter, *, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "教研流账号开通码"
    sender_user, _, sender_domain = settings.smtp_sender_address.partition("@")
    message["From"] = Address(settings.smtp_sender_name, sender_user, sender_domain)
    message["To"] = Address(" ".join(letter.name.split()), addr_spec=letter.email)  # no line breaks in a header
    message.set_content(
        f"{letter.name}老师：\n\n"
        f"您的教研流账号 {letter.username} 的开通码是 {letter.code}，{_local(letter.expires_at, settings.tz)} 前有效，只能使用一次。\n"
        f"首次登录时在密码处填写开通码，然后设置您自己的密码：{settings.public_base_url}/console/login\n\n"
        "如果您没有申请开通，请忽略本邮件。\n"
    )
    return message


async def mail_letters(*, letters: list[Letter], settings: Settings) -> int:
    """E-mail each letter that has an address, over one SMTP connection; the number sent. A code
    that does not arrive is still on the 开通单 (or reissued), so failures are logged, not retried."""
    addressed = [letter for letter in letters if letter.email]
    if not addressed or not settings.external_channels:
        return 0
    sent = 0
    try:
        async with aiosmtplib.SMTP(hostname=settings.smtp_host, port=settings.smtp_port, use_tls=settings.smtp_use_tls,
                                   timeout=settings.http_timeout_seconds) as smtp:
            if settings.smtp_username:
                await smtp.login(settings.smtp_username, settings.smtp_password or "")
            for letter in addressed:
                try:
                    await smtp.send_message(_email(letter, settings=settings))
                    sent += 1
                except (aiosmtplib.SMTPRecipientsRefused, ValueError) as exc:
                    log.warning("activation code for %s not e-mailed: %s", letter.username, exc)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        log.warning("activation codes not e-mailed (%d of %d sent): %s", sent, len(addressed), exc)
    return sent
