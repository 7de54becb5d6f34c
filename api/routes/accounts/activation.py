"""Activation codes (开通码) of teachers' logins: a school's 开通单 and one teacher's new code."""

from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Response

from actions.accounts import actions as account_actions
from api.deps import ContextDep
from contracts.directory.api import ActivationCodeOut
from contracts.limits import Id

router = APIRouter(tags=["teachers"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/schools/{school_id}/activation-sheet", response_class=Response,
             responses={200: {"content": {XLSX: {}}, "description": "the 开通单 (XLSX)"}}, summary="下载开通单")
async def activation_sheet(school_id: Id, ctx: ContextDep, background: BackgroundTasks):
    """Staff, admin: issue a new activation code to every active teacher of the school who has not
    set a password yet (earlier codes stop working) and download them as the school's 开通单
    (XLSX: 用户名, 姓名, 学校, 开通码, 有效期至); each code is also e-mailed where the teacher has an
    address. The codes are shown only here: the database keeps their hashes."""
    sheet, letters = await account_actions.issue_activation_sheet(ctx, school_id=school_id)
    background.add_task(account_actions.mail_activation_codes, letters=letters, settings=ctx.settings)
    filename = quote(f"开通单-{school_id}.xlsx")
    return Response(sheet, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{filename}", "Cache-Control": "no-store"})


@router.post("/teachers/{teacher_id}/activation-code", response_model=ActivationCodeOut, summary="重发开通码")
async def reissue_activation_code(teacher_id: Id, ctx: ContextDep, background: BackgroundTasks, response: Response):
    """Staff, admin: a new activation code for one teacher who has not set a password yet (the
    previous one stops working), shown once and e-mailed where she has an address. 409 when she
    has set a password or is deactivated."""
    letter = await account_actions.reissue_activation_code(ctx, teacher_id=teacher_id)
    background.add_task(account_actions.mail_activation_codes, letters=[letter], settings=ctx.settings)
    response.headers["Cache-Control"] = "no-store"
    return letter
