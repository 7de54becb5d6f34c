"""Indicators counted from the mentor pairs (青蓝工程): stages passed (阶段考评合格) within the term
by the alliance's pairs; a school's level counts its mentees' stages."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.mentoring.history import Verdict
from models import MentoringPair, MentoringProgramme, MentoringVerdict, Teacher
from services.evaluation.sources.registry import Levels, Scope, counted, query


@query("mentoring.stages_passed")
async def stages_passed(session: AsyncSession, scope: Scope) -> Levels:
    rows = await session.execute(
        select(MentoringVerdict.id, Teacher.school_id)
        .join(MentoringPair, MentoringPair.id == MentoringVerdict.pair_id)
        .join(MentoringProgramme, MentoringProgramme.id == MentoringPair.programme_id)
        .join(Teacher, Teacher.id == MentoringPair.mentee_teacher_id)
        .where(MentoringProgramme.cluster_id == scope.cluster_id, MentoringVerdict.verdict == Verdict.passed,
               MentoringVerdict.decided_at >= scope.starts, MentoringVerdict.decided_at < scope.ends))
    by_school: dict[int | None, list[str]] = defaultdict(list)
    for verdict_id, school_id in rows.all():
        by_school[school_id if school_id in scope.school_ids else None].append(f"mentoring_verdict:{verdict_id}")
    return counted(scope, by_school)
