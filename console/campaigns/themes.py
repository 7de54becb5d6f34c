"""The themes staff expect (预期主题) on the campaign's board: those who steer it name one, remove
one, or take last term's topics in one click, while problems are collected."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError

from actions.campaigns import themes
from console.auth import ConsoleContext, CsrfChecked
from console.campaigns.pages import steer
from contracts.campaigns.api import ThemeIn
from contracts.errors import InvalidField
from contracts.limits import Id

router = APIRouter()


@router.post("/campaigns/{campaign_id}/themes", dependencies=[CsrfChecked], summary="设定预期主题")
async def name_theme(request: Request, campaign_id: Id, ctx: ConsoleContext,
                     theme_title: Annotated[str, Form()] = "", theme_line: Annotated[str, Form()] = ""):
    async def name():
        try:
            data = ThemeIn(title=theme_title, line=theme_line)
        except ValidationError:
            raise InvalidField("theme_title", "请填写主题（200 字以内），说明 500 字以内") from None
        return await themes.name_theme(ctx, campaign_id=campaign_id, data=data)

    return await steer(request, ctx, campaign_id, name, done="theme_named", field="theme",
                        values={"theme_title": theme_title, "theme_line": theme_line})


@router.post("/campaigns/{campaign_id}/themes/last-term", dependencies=[CsrfChecked], summary="沿用上期专题")
async def name_last_terms_topics(request: Request, campaign_id: Id, ctx: ConsoleContext):
    return await steer(request, ctx, campaign_id,
                        lambda: themes.name_last_terms_topics(ctx, campaign_id=campaign_id),
                        done="theme_named", field="theme")


@router.post("/campaigns/{campaign_id}/themes/{theme_id}/remove", dependencies=[CsrfChecked], summary="删除预期主题")
async def remove_theme(request: Request, campaign_id: Id, theme_id: Id, ctx: ConsoleContext):
    return await steer(request, ctx, campaign_id,
                        lambda: themes.remove_theme(ctx, campaign_id=campaign_id, theme_id=theme_id),
                        done="theme_removed", field="theme")
