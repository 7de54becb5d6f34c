"""The product's activities with faults put in, to widen a race window or to keep failing: the
same names and signatures, so the workflows cannot tell."""

import asyncio
import functools
from collections.abc import Callable

from temporalio import activity

from config import Settings
from db import SessionFactory
from worker import activities_for


def _name(fn) -> str:
    return fn.__temporal_activity_definition.name


def _wrapped(fn, before: Callable[[], object]):
    @functools.wraps(fn, updated=())  # not its __dict__: that holds its activity definition
    async def wrapper(*args):
        result = before()
        if asyncio.iscoroutine(result):
            await result
        return await fn(*args)

    return activity.defn(name=_name(fn))(wrapper)


def faulty_activities(settings: Settings, session_factory: SessionFactory, *,
                      slow: dict[str, float] | None = None, failing: dict[str, Callable[[], bool]] | None = None) -> list:
    """`slow`: activity name → seconds of real time it waits first (Temporal cannot skip it);
    `failing`: activity name → raises while the predicate says so."""
    slow, failing = slow or {}, failing or {}

    def fault(name: str):
        async def before():
            if name in slow:
                await asyncio.sleep(slow[name])
            if name in failing and failing[name]():
                raise RuntimeError(f"{name}: the database is unreachable (injected)")
        return before

    return [_wrapped(fn, fault(_name(fn))) if _name(fn) in {*slow, *failing} else fn
            for fn in activities_for(settings=settings, session_factory=session_factory)]
