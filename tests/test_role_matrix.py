"""The role matrix, generated from the route table: every route of the app (API and console) ×
{anonymous, teacher in scope, teacher out of scope, owning staff, other staff, admin} → the answer
expected. A route without an entry here, or an entry without a route, fails the suite.

One world: staff01 (the owning staff) launched a campaign for cluster 1 and planned cluster 1's
weekly series; t0002 teaches in cluster 1 (in the campaign's scope, a problem's author, a topic's
lead with a task, a participant of the series); t0021 teaches in cluster 2; staff02 is other staff.

Every refusal is asserted exactly, on the world as set up (a refused request changes nothing).
Then the allowed requests run, each past the authorization decision: "ok" is any answer but 401,
403, the login page or a 5xx (an allowed request may find the world changed by an earlier one: a
cancelled campaign answers 409). `final` entries (logging in and out) run last of all, each on a
fresh login.

To add a route: one line in MATRIX, e.g. `"POST /api/v1/auth/logout": api(EVERYONE, final=True),`."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import select

from console.auth import csrf_token
from contracts.campaigns.history import PlanStatus, TaskKind
from contracts.evaluation.scheme import DEFAULT_SCHEME
from models import (
    Campaign, EvaluationRound, EvaluationValue, InboxItem, Plan, PlanStage, Series, SeriesSession, Task, Teacher, Topic,
    Tour, TourStop, Training, User,
)
from services.accounts.security import SESSION_COOKIE
from services.evaluation import flow as evaluation_flow
from tests.campaign_helpers import eventually, settings  # noqa: F401  the fixture: one quick e-mail attempt
from tests.conftest import login_form_csrf
from tests.exchanges_support import exchange_workflow_ids, exchange_world
from tests.mentoring_support import matrix_world
from webapp import create_app

ANON, IN, OUT, OWNER, OTHER, ADMIN = ACTORS = (
    "anonymous", "teacher in scope", "teacher out of scope", "owning staff", "other staff", "admin")
USERNAMES = {IN: "t0002", OUT: "t0021", OWNER: "staff01", OTHER: "staff02", ADMIN: "admin"}
PASSWORD = "demo-pass"

OK = "ok"  # past the authorization decision: not 401, 403, the login page, nor a 5xx
LOGIN = "login"  # a console page sends the anonymous to the login form

# Who may, for the five logged-in actors: teacher in scope, teacher out of scope, owning staff,
# other staff, admin.
EVERYONE = (OK, OK, OK, OK, OK)
STAFF = (403, 403, OK, OK, OK)  # every staff member and admin (reading a campaign's board, every run)
STEER = (403, 403, OK, 403, OK)  # the campaign's creator (or co-organisers), the series' owner; admins
ADMIN_ONLY = (403, 403, 403, 403, OK)
READERS = (OK, 403, OK, OK, OK)  # the campaign's scope, the series' cluster; every staff member
OWN = (OK, 403, 403, 403, 403)  # the teacher's own part: her problem, vote, plan, task, check-in
TEACHERS = (OK, OK, 403, 403, 403)
MINE = (OK, 404, 404, 404, 404)  # her inbox item: someone else's does not exist for them
HOST = (403, OK, 403, 403, 403)  # a tour stop's host school (t0021's); not its presenter (t0002)


@dataclass(frozen=True)
class Entry:
    """The expected answer per actor, and a request valid enough to reach the decision."""

    expect: dict[str, object]
    json: object = None
    data: dict | None = None  # a console form (the CSRF token is added)
    files: dict | None = None
    params: dict | None = None  # the query string
    ids: dict = field(default_factory=dict)  # path parameters other than the world's
    final: bool = False


def _entry(anonymous, who: tuple, **request) -> Entry:
    return Entry(expect=dict(zip(ACTORS, (anonymous, *who))), **request)


def api(who: tuple, **request) -> Entry:
    return _entry(401, who, **request)


def page(who: tuple, **request) -> Entry:
    return _entry(LOGIN, who, **request)


def form(who: tuple, **request) -> Entry:
    """A console form: without a session there is no CSRF token, so it is refused before the page."""
    return _entry(403, who, data=request.pop("data", {}), **request)


def public(**request) -> Entry:
    return _entry(OK, EVERYONE, **request)


FAR = (datetime.now(timezone.utc) + timedelta(days=400)).isoformat()
FAR_END = (datetime.now(timezone.utc) + timedelta(days=400, hours=2)).isoformat()
PAST_TERM = {"title": "往学期", "weekday": 3, "start_time": "14:00", "end_time": "17:00",
             "term_start": "2020-03-02", "term_end": "2020-03-30"}  # passes the schema, no session left: 422
TRAINING = {"topic_id": 1, "title": "培训", "expert": "李教授", "starts_at": FAR, "ends_at": FAR_END, "place": "报告厅"}
PAST_TOUR = {"title": "往日送教", "presenter_user_id": 1, "stops": [  # passes the schema, in the past: 422
    {"host_school_id": 5, "starts_at": "2020-03-02T09:00:00", "ends_at": "2020-03-02T11:00:00"}]}
PLAN = {"goal": "分层作业", "stages": [{"title": "课例", "due_at": FAR, "assignee_user_ids": [1]}]}
CAMPAIGN = "/api/v1/campaigns/{campaign_id}"
ASSESSMENT = {"teaching_results": "优秀", "local_influence": "良好", "collaboration": "优秀", "outcome": "reward",
              "comment": "带动明显"}
PROBLEM = CAMPAIGN + "/problems/{problem_id}"
TOPIC = CAMPAIGN + "/topics/{topic_id}"
BOARD = "/console/campaigns/{campaign_id}"
ROUND, ROUND_PAGE = "/api/v1/evaluation/rounds/{round_id}", "/console/evaluation/rounds/{round_id}"
PAIR, CONSOLE_PAIR = "/api/v1/mentoring/pairs/{pair_id}", "/console/mentoring/pairs/{pair_id}"
NO_SUCH_MENTEE = {"mentor_teacher_id": 1, "mentee_teacher_id": 999999, "subject": "语文"}
MENTORING_LOG = {"kind": "observe", "happened_on": datetime.now(timezone.utc).date().isoformat(), "note": "听课"}
RESOURCE = "/api/v1/library/resources/{resource_id}"
SHELF = "/console/library/resources/{resource_id}"
LINKED = {"kind": "lesson_plan", "title": "矩阵教案", "link": "https://example.org/plan"}

MATRIX: dict[str, Entry] = {
    "GET /openapi.json": public(), "GET /docs": public(), "GET /docs/oauth2-redirect": public(),
    "GET /redoc": public(),
    "GET /api/v1/health": public(),
    "GET /api/v1/health/live": public(), "GET /api/v1/health/ready": public(),
    "POST /api/v1/auth/token": public(data={"username": "t0002", "password": PASSWORD}, final=True),
    "POST /api/v1/auth/logout": api(EVERYONE, final=True),
    "GET /api/v1/me": api(EVERYONE),
    "POST /api/v1/me/password": api(EVERYONE, json={"current_password": "wrong", "new_password": "new-secret-1"}),
    # the directory
    "POST /api/v1/users": api(ADMIN_ONLY, json={"username": "staff09", "password": "long-enough", "display_name": "新"}),
    "GET /api/v1/users": api(STAFF),
    "PATCH /api/v1/users/{user_id}": api(ADMIN_ONLY, json={"display_name": "钱教研"}),
    "POST /api/v1/teachers": api(STAFF, json={"staff_no": "t9001", "name": "新老师", "school_id": 1,
                                              "grade_band": "小学", "phone": "13900009001"}),
    "GET /api/v1/teachers": api(STAFF),
    "POST /api/v1/teachers/import": api(STAFF, files={"file": ("roster.csv", b"", "text/csv")}),
    "GET /api/v1/teachers/{teacher_id}": api(STAFF),
    "POST /api/v1/teachers/{teacher_id}/activation-code": api(STAFF),  # she has a password: 409
    "POST /api/v1/schools/{school_id}/activation-sheet": api(STAFF),
    "PATCH /api/v1/teachers/{teacher_id}": api(STAFF, json={"phone": "13900000002"}),
    "POST /api/v1/districts": api(ADMIN_ONLY, json={"name": "新区", "code": "new"}),
    "GET /api/v1/districts": api(EVERYONE),
    "GET /api/v1/districts/{item_id}": api(EVERYONE),
    "PATCH /api/v1/districts/{item_id}": api(ADMIN_ONLY, json={"name": "示例区"}),
    "POST /api/v1/school-groups": api(ADMIN_ONLY, json={"district_id": 1, "name": "新组", "grade_band": "小学"}),
    "GET /api/v1/school-groups": api(EVERYONE),
    "GET /api/v1/school-groups/{item_id}": api(EVERYONE),
    "PATCH /api/v1/school-groups/{item_id}": api(ADMIN_ONLY, json={"name": "高中组"}),
    "POST /api/v1/clusters": api(STAFF, json={"school_group_id": 999999, "name": "新片"}),  # no parent: 422
    "GET /api/v1/clusters": api(EVERYONE),
    "GET /api/v1/clusters/{item_id}": api(EVERYONE),
    "PATCH /api/v1/clusters/{item_id}": api(STAFF, json={"name": "城区小学第一片"}),
    "POST /api/v1/schools": api(STAFF, json={"cluster_id": 999999, "name": "新学校"}),
    "GET /api/v1/schools": api(EVERYONE),
    "GET /api/v1/schools/{item_id}": api(EVERYONE),
    "PATCH /api/v1/schools/{item_id}": api(STAFF, json={"name": "实验小学"}),
    # campaigns
    "POST /api/v1/campaigns": api(STAFF, json={"title": "无人的范围", "cluster_ids": [999999]}),
    "GET /api/v1/campaigns": api(EVERYONE),
    f"GET {CAMPAIGN}": api(READERS),
    f"POST {CAMPAIGN}/organisers": api(STEER, json={"user_id": 999999}),  # no such staff: 422 past the decision
    f"DELETE {CAMPAIGN}/organisers/{{user_id}}": api(STEER),
    f"POST {CAMPAIGN}/problems": api(OWN, json={"title": "新的问题"}),
    f"GET {CAMPAIGN}/problems": api(READERS),
    f"PATCH {PROBLEM}": api(OWN, json={"title": "改过的问题"}),
    f"DELETE {PROBLEM}": api(OWN, ids={"problem_id": "spare_problem"}),  # the first one stays, to vote on
    f"POST {PROBLEM}/votes": api(OWN),
    f"DELETE {PROBLEM}/votes": api(OWN),
    f"GET {CAMPAIGN}/problems/similar": api(READERS, params={"text": "作文无话可写"}),
    f"POST {PROBLEM}/seconds": api(OWN, json={"comment": "我们班也是"}),  # her own problem: 409
    f"GET {CAMPAIGN}/themes": api(STAFF),
    f"POST {CAMPAIGN}/themes": api(STEER, json={"title": "习作教学"}),
    f"POST {CAMPAIGN}/themes/last-term": api(STEER),  # no campaign before it: 404
    f"DELETE {CAMPAIGN}/themes/{{theme_id}}": api(STEER, ids={"theme_id": 999999}),
    f"GET {CAMPAIGN}/topic-proposals": api(STAFF),
    f"POST {CAMPAIGN}/topic-proposals/merge": api(STEER, json={"problem_ids": [1, 2]}),  # not deciding: 409
    f"POST {CAMPAIGN}/topic-proposals/move": api(STEER, json={"problem_id": 1}),
    f"POST {CAMPAIGN}/topic-proposals/split": api(STEER, json={"problem_ids": [1]}),
    f"POST {CAMPAIGN}/topics": api(STEER, json={"topics": [{"title": "专题", "lead_user_id": 1}]}),
    f"GET {CAMPAIGN}/topics": api(READERS),
    f"POST {CAMPAIGN}/trainings": api(STEER, json=TRAINING),
    f"GET {CAMPAIGN}/trainings": api(READERS),
    f"GET {CAMPAIGN}/trainings/{{training_id}}/absentees": api(STAFF),
    f"PUT {TOPIC}/plan": api(OWN, json=PLAN),
    f"GET {TOPIC}/plan": api(READERS),
    f"POST {TOPIC}/plan/approve": api(STEER),
    f"POST {TOPIC}/plan/return": api(STEER, json={"comment": "再想想"}),
    f"POST {CAMPAIGN}/stages/{{stage_id}}/done": api(OWN),
    f"PUT {TOPIC}/summary": api(OWN, json={"worked": "互评", "did_not_work": "只放视频"}),
    f"POST {CAMPAIGN}/reflections": api(OWN, json={"text": "反思"}),
    f"POST {CAMPAIGN}/phase/close": api(STEER),
    f"POST {CAMPAIGN}/phase/extend": api(STEER, json={"until": FAR}),
    f"POST {CAMPAIGN}/cancel": api(STEER, json={"reason": "测试"}),
    f"GET {CAMPAIGN}/report": api(READERS),
    "GET /api/v1/me/tasks": api(TEACHERS),
    "POST /api/v1/tasks/{task_id}/deliver": api(OWN, json={"summary": "上了一节课"}),
    "POST /api/v1/trainings/{training_id}/checkin": api(OWN),
    # weekly series
    "POST /api/v1/clusters/{cluster_id}/series": api(STAFF, json=PAST_TERM),  # t0002 is not the 片长
    "GET /api/v1/series/{series_id}": api(READERS),
    "POST /api/v1/series/{series_id}/pause": api(STEER, json={}),
    "POST /api/v1/series/{series_id}/resume": api(STEER, json={}),
    "POST /api/v1/series/{series_id}/end": api(STEER, json={}),
    "POST /api/v1/series/{series_id}/participants": api(STEER, json={"teacher_ids": [4]}),
    "DELETE /api/v1/series/{series_id}/participants/{teacher_id}": api(STEER, ids={"teacher_id": 3}),
    "GET /api/v1/sessions/{session_id}": api(READERS),
    "PATCH /api/v1/sessions/{session_id}": api(STEER, json={"theme": "作业设计"}),
    "POST /api/v1/sessions/{session_id}/skip": api(STEER, json={"reason": "考试周"}),
    "POST /api/v1/sessions/{session_id}/reschedule": api(STEER, json={"starts_at": FAR, "ends_at": FAR_END}),
    "POST /api/v1/sessions/{session_id}/checkin": api(OWN),
    "PUT /api/v1/sessions/{session_id}/minutes": api(STEER, json={"content": "纪要"}),
    "POST /api/v1/me/calendar-token": api(EVERYONE, json={}),
    "DELETE /api/v1/me/calendar-token": api(EVERYONE),
    "GET /api/v1/calendars/{token}.ics": public(),
    # touring lessons: staff01 planned a tour presented by t0002 whose stop is at t0021's school
    "POST /api/v1/studios": api(STAFF, json={"name": "矩阵工作室", "member_user_ids": [4]}),
    "POST /api/v1/tours": api(STAFF, json=PAST_TOUR),
    "POST /api/v1/tours/import": api(STAFF, files={"file": ("tours.csv", b"", "text/csv")}),
    "GET /api/v1/tours": api(EVERYONE),
    "GET /api/v1/tour-calendar": api(STAFF),
    "GET /api/v1/tours/{tour_id}": api(EVERYONE),
    "POST /api/v1/tours/{tour_id}/end": api(STEER, json={}),
    "GET /api/v1/tour-stops/{stop_id}": api(EVERYONE),
    "POST /api/v1/tour-stops/{stop_id}/reschedule": api(STEER, json={"starts_at": FAR, "ends_at": FAR_END}),
    "POST /api/v1/tour-stops/{stop_id}/skip": api(STEER, json={"reason": "考试周"}),
    "PUT /api/v1/tour-stops/{stop_id}/checklist": api(OWN, json={"ticked": [0]}),
    "PUT /api/v1/tour-stops/{stop_id}/recording": api(OWN, json={"link": "https://example.org/v"}),
    "POST /api/v1/tour-stops/{stop_id}/checkin": api(TEACHERS),
    "PUT /api/v1/tour-stops/{stop_id}/feedback": api(HOST, json={"rating": 5}),
    "GET /api/v1/me/todos": api(EVERYONE),
    "GET /console/tours": page(STAFF),
    "GET /console/tour-stops/{stop_id}": page(EVERYONE),
    "GET /console/tour-stops/{stop_id}/feedback": page(EVERYONE),
    "POST /console/tour-stops/{stop_id}/checklist": form(OWN, data={"ticked": "0"}),
    "POST /console/tour-stops/{stop_id}/recording": form(OWN, data={"link": "https://example.org/v"}),
    "POST /console/tour-stops/{stop_id}/checkin": form(TEACHERS),
    "POST /console/tour-stops/{stop_id}/feedback": form(HOST, data={"rating": "5"}),
    # teacher exchanges (交流轮岗): t0002 is on one
    "POST /api/v1/exchanges": api(STAFF, json={"teacher_id": 999999, "host_school_id": 2, "kind": "跟岗",
                                               "planned_start": "2099-03-01", "planned_end": "2099-03-15"}),
    "GET /api/v1/exchanges": api(STAFF),
    "POST /api/v1/exchanges/import": api(STAFF, files={"file": ("exchanges.csv", b"", "text/csv")}),
    "GET /api/v1/exchanges/quotas": api(STAFF),
    "GET /api/v1/me/exchanges": api(EVERYONE),
    "GET /api/v1/exchanges/{exchange_id}": api(READERS),
    "POST /api/v1/exchanges/{exchange_id}/actual-dates": api(STAFF, json={"actual_start": "2099-01-01"}),
    "PUT /api/v1/exchanges/{exchange_id}/report": api(OWN, json={"content": "总结"}),  # not back yet: 409
    "POST /api/v1/exchanges/{exchange_id}/postpone": api(STAFF, json={"new_start": "2020-01-01"}),  # earlier: 422
    "POST /api/v1/exchanges/{exchange_id}/assessment": api(STAFF, json=ASSESSMENT),  # no report: 409
    "POST /api/v1/exchanges/{exchange_id}/cancel": api(STAFF, json={"reason": "测试"}),
    "GET /console/exchanges": page(STAFF),
    "GET /console/me/exchanges": page(EVERYONE),
    "GET /console/exchanges/{exchange_id}": page(READERS),
    "POST /console/exchanges/{exchange_id}/report": form(OWN, data={"content": "总结"}),
    "POST /console/exchanges/{exchange_id}/assessment": form(STAFF, data=ASSESSMENT),
    "POST /console/exchanges/{exchange_id}/actual-dates": form(STAFF, data={"actual_start": "2099-01-01"}),
    "POST /console/exchanges/{exchange_id}/postpone": form(STAFF, data={"new_start": "2020-01-01"}),
    # runs, audit, notifications
    "GET /api/v1/audit": api(ADMIN_ONLY),
    "GET /api/v1/runs": api(STAFF),
    "GET /api/v1/runs/patches": api(ADMIN_ONLY),
    "GET /api/v1/runs/{workflow_id}": api(STAFF),
    "GET /api/v1/runs/{workflow_id}/timeline": api(STAFF),
    "GET /api/v1/runs/{workflow_id}/events": api(STAFF),
    "POST /api/v1/runs/{workflow_id}/cancel": api(ADMIN_ONLY, json={"reason": "测试"}),
    "GET /api/v1/me/notifications": api(EVERYONE),
    "POST /api/v1/me/notifications/read-all": api(EVERYONE),
    "POST /api/v1/me/notifications/{item_id}/read": api(MINE, ids={"item_id": "inbox_item"}),
    "GET /api/v1/me/preferences": api(EVERYONE),
    "PUT /api/v1/me/preferences": api(EVERYONE, json={}),
    "GET /api/v1/notifications": api(STAFF),
    "POST /api/v1/notifications/{notification_id}/retry": api(STAFF),
    "POST /api/v1/channels": api(STAFF, json={"kind": "webhook", "name": "钩子", "url": "https://example.org/hook",
                                              "cluster_id": 999999}),
    "GET /api/v1/channels": api(STAFF),
    # the library (t0002's resource is shared with her alliance; the offer is of her approved plan)
    "POST /api/v1/library/uploads": api(TEACHERS, params={"kind": "lesson_plan"}, json={"not": "a file"}),  # 422
    "POST /api/v1/library/resources": api(TEACHERS, json=LINKED),
    "GET /api/v1/library/resources": api(EVERYONE),
    f"GET {RESOURCE}": api(READERS),
    f"GET {RESOURCE}/similar": api(READERS),
    f"GET {RESOURCE}/file": api(READERS),  # a link, no file: 404 past the decision
    f"POST {RESOURCE}/versions": api(OWN, json={"link": "https://example.org/plan-v2"}),
    f"POST {RESOURCE}/withdraw": api(READERS),
    f"POST {RESOURCE}/bookmark": api(READERS),
    f"DELETE {RESOURCE}/bookmark": api(READERS),
    f"POST {RESOURCE}/uses": api(READERS, json={"note": "用过"}),
    "GET /api/v1/library/offers": api(EVERYONE),
    "POST /api/v1/library/offers/{offer_id}/accept": api(OWN, json={}),
    "POST /api/v1/library/offers/{offer_id}/decline": api(OWN),
    "GET /api/v1/library/figures": api(STAFF),
    "DELETE /api/v1/channels/{robot_id}": api(STAFF, ids={"robot_id": 999999}),
    # the console
    "GET /console/login": public(),
    "POST /console/login": public(data={"username": "t0002", "password": PASSWORD}, final=True),
    "POST /console/logout": form((303,) * 5, final=True),
    "GET /console": page(EVERYONE),
    "GET /console/inbox": page(EVERYONE),
    "GET /console/inbox/{item_id}": page(MINE, ids={"item_id": "inbox_item"}),
    "GET /console/runs": page(STAFF),
    "GET /console/runs/{workflow_id}": page(STAFF),
    "GET /console/series": page(EVERYONE),
    "GET /console/series/{series_id}": page(READERS),
    "GET /console/sessions/{session_id}": page(READERS),
    "POST /console/sessions/{session_id}/checkin": form(OWN),
    "POST /console/sessions/{session_id}/minutes": form(STEER, data={"content": "纪要"}),
    "GET /console/campaigns": page(EVERYONE),
    "GET /console/campaigns/new": page(STAFF),
    "POST /console/campaigns/new": form(STAFF, data={"title": "无人的范围", "cluster_ids": "999999", "length": "14"}),
    f"GET {BOARD}": page(READERS),
    f"POST {BOARD}/phase/close": form(STEER),
    f"POST {BOARD}/phase/extend": form(STEER, data={"until": "2099-03-01T14:00"}),
    f"POST {BOARD}/cancel": form(STEER, data={"reason": "测试"}),
    f"POST {BOARD}/organisers": form(STEER, data={"user_id": "999999"}),
    f"POST {BOARD}/organisers/{{user_id}}/remove": form(STEER),
    f"GET {BOARD}/problems/new": page(OWN),
    f"POST {BOARD}/problems": form(OWN, data={"title": "新的问题"}),
    f"GET {BOARD}/problems/{{problem_id}}/edit": page(OWN),
    f"POST {BOARD}/problems/{{problem_id}}/edit": form(OWN, data={"title": "改过的问题"}),
    f"GET {BOARD}/problems": page(READERS),
    f"POST {BOARD}/problems/{{problem_id}}/vote": form(OWN),
    f"POST {BOARD}/problems/{{problem_id}}/unvote": form(OWN),
    f"GET {BOARD}/problems/similar": page(READERS, params={"text": "作文无话可写"}),
    f"POST {BOARD}/problems/{{problem_id}}/second": form(OWN, data={"comment": "我们班也是"}),
    f"POST {BOARD}/themes": form(STEER, data={"theme_title": "习作教学"}),
    f"POST {BOARD}/themes/last-term": form(STEER),
    f"POST {BOARD}/themes/{{theme_id}}/remove": form(STEER, ids={"theme_id": 999999}),
    f"POST {BOARD}/problems/{{problem_id}}/withdraw": form(OWN, ids={"problem_id": "spare_problem"}),
    f"GET {BOARD}/topic-proposals": page(STAFF),
    f"POST {BOARD}/topic-proposals/{{how}}": form(STEER, ids={"how": "merge"}, data={"problem_ids": ["1", "2"]}),
    f"POST {BOARD}/topics": form(STEER),
    f"GET {BOARD}/topics/{{topic_id}}/plan": page(READERS),
    f"POST {BOARD}/topics/{{topic_id}}/plan": form(OWN, data={"goal": "分层作业", "stages": "课例 | 2099-03-01 | t0002"}),
    f"POST {BOARD}/topics/{{topic_id}}/plan/approve": form(STEER),
    f"POST {BOARD}/topics/{{topic_id}}/plan/return": form(STEER, data={"comment": "再想想"}),
    f"POST {BOARD}/topics/{{topic_id}}/stages/{{stage_id}}/done": form(OWN),
    f"POST {BOARD}/topics/{{topic_id}}/summary": form(OWN, data={"worked": "互评", "did_not_work": "只放视频"}),
    f"GET {BOARD}/trainings/new": page(STEER),
    f"POST {BOARD}/trainings": form(STEER, data={"topic_id": "1", "title": "培训", "expert": "李教授",
                                                 "starts_at": "2099-03-01T14:00", "ends_at": "2099-03-01T16:00",
                                                 "place": "报告厅"}),
    f"GET {BOARD}/trainings/{{training_id}}": page(READERS),
    f"POST {BOARD}/trainings/{{training_id}}/checkin": form(OWN),
    f"GET {BOARD}/reflections/new": page(OWN),
    f"POST {BOARD}/reflections": form(OWN, data={"text": "反思"}),
    f"GET {BOARD}/report": page(READERS),
    "GET /console/me": page(EVERYONE),
    "GET /console/password": page(EVERYONE),
    "POST /console/password": form(EVERYONE, data={"current_password": "wrong", "new_password": "new-secret-1"}),
    "GET /console/me/tasks": page(EVERYONE),
    "POST /console/tasks/{task_id}/deliver": form(OWN, data={"summary": "上了一节课"}),
    "GET /console/notifications/failed": page(STAFF),
    "GET /console/operations": page(ADMIN_ONLY),
    "GET /console/library": page(EVERYONE),
    "GET /console/library/upload": page(EVERYONE),
    "POST /console/library/upload": form(TEACHERS, data={"kind": "lesson_plan"},
                                         files={"file": ("教案.pdf", b"<script>1</script>", "application/pdf")}),
    "POST /console/library/publish": form(TEACHERS, data=LINKED),
    f"GET {SHELF}": page(READERS),
    f"GET {SHELF}/file": page(READERS),
    f"POST {SHELF}/bookmark": form(READERS),
    f"POST {SHELF}/use": form(READERS, data={"note": "用过"}),
    f"POST {SHELF}/withdraw": form(READERS),
    f"POST {SHELF}/versions": form(OWN, data={"file_id": "999999"}),  # not her upload: 422
    "GET /console/library/offers": page(EVERYONE),
    "POST /console/library/offers/{offer_id}/accept": form(OWN),
    "POST /console/library/offers/{offer_id}/decline": form(OWN),
    "GET /console/library/figures": page(STAFF),
    "POST /console/notifications/{notification_id}/retry": form(STAFF),
    # the alliance evaluation: cluster 1's round, in review (t0001 is school 1's contact, not an actor here)
    "POST /api/v1/evaluation/rounds": api(STAFF, json={"cluster_id": 999999, "term": "2030-2031-1",
                                                       "term_start": "2030-09-01", "term_end": "2031-01-15"}),
    "GET /api/v1/evaluation/rounds": api(EVERYONE),
    f"GET {ROUND}": api(READERS),
    f"POST {ROUND}/schools/{{school_id}}/review": api(ADMIN_ONLY, json={"decision": "confirm"}),
    f"POST {ROUND}/schools/{{school_id}}/answer": api(STAFF, json={"answer": "已核实"}),  # no dispute: 409
    f"PUT {ROUND}/values/{{value_id}}/entry": api(STAFF, json={"value": 2, "evidence": "区级公开课 2 节"}),
    f"POST {ROUND}/values/{{value_id}}/override": api(STAFF, json={"score": 1, "reason": "核实"}),  # review: 409
    f"POST {ROUND}/publish": api(STAFF),  # in review: 409
    f"POST {ROUND}/survey": api(OWN, json={"partners": 4, "activities": 5, "feedback": 4}),  # the invited only
    f"GET {ROUND}/survey": api(STAFF),  # counts and means, never by person
    f"GET {ROUND}/report": api(READERS),
    "GET /api/v1/evaluation/scheme": api(STAFF),
    "PUT /api/v1/evaluation/scheme": api(ADMIN_ONLY, json=DEFAULT_SCHEME.model_dump(mode="json")),
    "GET /console/evaluation": page(EVERYONE),
    f"GET {ROUND_PAGE}": page(READERS),
    f"POST {ROUND_PAGE}/schools/{{school_id}}/review": form(ADMIN_ONLY, data={"decision": "confirm"}),
    f"POST {ROUND_PAGE}/schools/{{school_id}}/answer": form(STAFF, data={"answer": "已核实"}),
    f"POST {ROUND_PAGE}/values/{{value_id}}/entry": form(STAFF, data={"value": "2", "evidence": "区级公开课"}),
    f"POST {ROUND_PAGE}/values/{{value_id}}/override": form(STAFF, data={"score": "1", "reason": "核实"}),
    f"POST {ROUND_PAGE}/publish": form(STAFF),
    f"GET {ROUND_PAGE}/survey": page(READERS),
    f"POST {ROUND_PAGE}/survey": form(OWN, data={"partners": "4", "activities": "5", "feedback": "4"}),
    f"GET {ROUND_PAGE}/report": page(READERS),
    # mentor pairs (青蓝工程): t0002 is the mentee of t0003 in cluster 1 (tests/mentoring_support.matrix_world)
    "POST /api/v1/mentoring/programmes": api(STAFF, json={"cluster_id": 999999, "school_year": "2030-2031"}),
    "GET /api/v1/mentoring/programmes": api(STAFF),
    "GET /api/v1/mentoring/programmes/{programme_id}/board": api(STAFF),  # and the lead school, not t0002's
    "POST /api/v1/mentoring/programmes/{programme_id}/pairs": api(STAFF, json=NO_SUCH_MENTEE),  # 422
    "POST /api/v1/mentoring/programmes/{programme_id}/pairs/import": api(STAFF, files={"file": ("p.csv", b"", "text/csv")}),
    "GET /api/v1/me/mentoring-pairs": api(EVERYONE),
    f"GET {PAIR}": api(READERS),
    f"POST {PAIR}/logs": api(OWN, json=MENTORING_LOG),
    "POST /api/v1/mentoring/logs/{log_id}/confirm": api(OWN),
    f"PUT {PAIR}/stages/{{stage}}/form": api(OWN, json={"summary": "阶段小结"}),
    f"PUT {PAIR}/stages/{{stage}}/improvement-plan": api(OWN, json={"plan": "改进计划"}),  # no verdict yet: 409
    f"POST {PAIR}/stages/{{stage}}/verdict": api(STAFF, json={"verdict": "passed"}),  # no run: 409
    f"POST {PAIR}/mentor": api(STAFF, json={"mentor_teacher_id": 1}),
    f"POST {PAIR}/extend": api(STAFF, json={"ends_on": "2099-01-01"}),
    f"POST {PAIR}/end": api(STAFF, json={}),
    f"GET {PAIR}/certificate.pdf": api(READERS),  # not completed: 409
    "GET /console/mentoring": page(EVERYONE),
    "GET /console/mentoring/programmes/{programme_id}": page(STAFF),
    "POST /console/mentoring/programmes/{programme_id}/pairs": form(STAFF, data={
        "mentor_teacher_id": "1", "mentee_teacher_id": "1", "subject": "语文"}),
    f"GET {CONSOLE_PAIR}": page(READERS),
    f"POST {CONSOLE_PAIR}/logs": form(OWN, data=MENTORING_LOG),
    "POST /console/mentoring/logs/{log_id}/confirm": form(OWN),
    f"POST {CONSOLE_PAIR}/form": form(OWN, data={"stage": "1", "summary": "阶段小结"}),
    f"POST {CONSOLE_PAIR}/plan": form(OWN, data={"stage": "1", "plan": "改进计划"}),
    f"POST {CONSOLE_PAIR}/verdict": form(STAFF, data={"stage": "1", "verdict": "passed"}),
    f"POST {CONSOLE_PAIR}/end": form(STAFF, data={"reason": "测试"}),
    f"POST {CONSOLE_PAIR}/mentor": form(STAFF, data={"mentor_teacher_id": "1"}),
    f"POST {CONSOLE_PAIR}/extend": form(STAFF, data={"ends_on": "2099-01-01"}),
    f"GET {CONSOLE_PAIR}/certificate": page(READERS),
    f"GET {CONSOLE_PAIR}/certificate.pdf": page(READERS),
}


def app_routes(app) -> set[str]:
    """"METHOD /path" of every route the app serves (HEAD aside: it follows GET)."""
    return {f"{method} {route.path}" for route in iter_route_contexts(app.routes)
            for method in route.methods or () if method != "HEAD"}


def test_every_route_has_an_entry():
    routes = app_routes(create_app())
    assert not routes - MATRIX.keys(), f"add to MATRIX: {sorted(routes - MATRIX.keys())}"
    assert not MATRIX.keys() - routes, f"no such route: {sorted(MATRIX.keys() - routes)}"


# ---- the world ---------------------------------------------------------------------------------


async def _token(client: httpx.AsyncClient, username: str) -> str:
    answer = await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


async def _build_world(clients: dict[str, httpx.AsyncClient], session_factory, tz) -> dict[str, object]:
    """The campaign and series through the API (their runs start); what a campaign holds by its
    practise phase (topic, approved plan, stage, task, training) written as the workflow would."""
    owner, teacher = clients[OWNER], clients[IN]
    launched = await owner.post("/api/v1/campaigns", json={"title": "矩阵活动", "cluster_ids": [1], "schedule": {
        phase: "P30D" for phase in ("collect_topics", "train", "design_plan", "practise", "reflect")}})
    assert launched.status_code == 201, launched.text
    campaign_id = launched.json()["id"]
    problem, spare = [await teacher.post(f"/api/v1/campaigns/{campaign_id}/problems", json={"title": title})
                      for title in ("作文无话可写", "计算总出错")]
    assert problem.status_code == spare.status_code == 201, problem.text
    term_start = (datetime.now(tz) + timedelta(days=14)).date()
    series = await owner.post("/api/v1/clusters/1/series", json={
        **PAST_TERM, "title": "城区小学第一片 周周有约", "term_start": term_start.isoformat(),
        "term_end": (term_start + timedelta(weeks=4)).isoformat()})
    assert series.status_code == 201, series.text
    # Her cluster's feed: the matrix's own requests re-issue and revoke her personal one.
    token = await teacher.post("/api/v1/me/calendar-token", json={"scope": "cluster", "cluster_id": 1})
    now = datetime.now(timezone.utc)
    async with session_factory() as session:
        users = dict((await session.execute(select(User.username, User.id))).all())
        teacher_ids = dict((await session.execute(select(Teacher.staff_no, Teacher.id))).all())
        lead = users["t0002"]
        topic = Topic(campaign_id=campaign_id, position=0, title="习作教学", problem_ids=[problem.json()["id"]],
                      lead_user_id=lead, confirmed_by=users["staff01"], plan_status=PlanStatus.approved)
        session.add(topic)
        await session.flush()
        plan = Plan(campaign_id=campaign_id, topic_id=topic.id, goal="敢写", submitted_by=lead,
                    status=PlanStatus.approved)
        session.add(plan)
        await session.flush()
        stage = PlanStage(plan_id=plan.id, position=0, title="课例", kind=TaskKind.research_lesson,
                          due_at=now + timedelta(days=7), assignee_user_ids=[lead])
        session.add(stage)
        await session.flush()
        task = Task(campaign_id=campaign_id, topic_id=topic.id, stage_id=stage.id, assignee_user_id=lead,
                    title="课例", kind=TaskKind.research_lesson, due_at=stage.due_at)
        training = Training(campaign_id=campaign_id, topic_id=topic.id, title="讲座", expert="李教授",
                            starts_at=now, ends_at=now + timedelta(hours=1), place="实验小学",
                            scheduled_by=users["staff01"])
        session.add_all([task, training])
        await session.commit()
        session_id = await session.scalar(select(SeriesSession.id).where(
            SeriesSession.series_id == series.json()["id"]).order_by(SeriesSession.starts_at))
        world = {"campaign_id": campaign_id, "problem_id": problem.json()["id"],
                 "spare_problem": spare.json()["id"], "topic_id": topic.id,
                 "stage_id": stage.id, "task_id": task.id, "training_id": training.id,
                 "series_id": series.json()["id"], "session_id": session_id, "cluster_id": 1, "school_id": 1,
                 "item_id": 1,
                 "teacher_id": teacher_ids["t0002"], "user_id": users["staff02"],
                 "workflow_id": f"campaign-{campaign_id}", "token": token.json()["token"]}

    tour_start = datetime.now(tz) + timedelta(days=30)
    tour = await owner.post("/api/v1/tours", json={**PAST_TOUR, "title": "矩阵送教", "presenter_user_id": lead,
                                                   "stops": [{"host_school_id": 5, "starts_at": tour_start.isoformat(),
                                                              "ends_at": (tour_start + timedelta(hours=2)).isoformat()}]})
    assert tour.status_code == 201, tour.text
    async with session_factory() as session:
        stop_id = await session.scalar(select(TourStop.id).where(TourStop.tour_id == tour.json()["id"]))
    world |= {"tour_id": tour.json()["id"], "stop_id": stop_id}

    async def opened_notice():  # the campaign-opened notice in t0002's inbox, once the run sent it
        async with session_factory() as session:
            return await session.scalar(select(InboxItem).where(InboxItem.user_id == lead))

    item = await eventually(opened_notice)
    world |= await matrix_world(session_factory, today=datetime.now(tz).date())
    # The library: her alliance-only resource, and the offer to publish her approved plan.
    shared = await teacher.post("/api/v1/library/resources", json={
        "kind": "lesson_plan", "title": "片区教案", "visibility": "alliance", "link": "https://example.org/plan"})
    [offer] = (await teacher.get("/api/v1/library/offers")).json()
    world |= await exchange_world(owner, session_factory)
    world |= await _evaluation_round(owner, session_factory, tz)
    return world | {"inbox_item": item.id, "notification_id": item.notification_id,
                    "resource_id": shared.json()["id"], "offer_id": offer["id"]}


async def _evaluation_round(owner: httpx.AsyncClient, session_factory, tz) -> dict[str, int]:
    """Cluster 1's round through the API, moved into review as its run would at the term's end
    (values counted, schools asked, the survey sent to the alliance's teachers)."""
    today = datetime.now(tz).date()
    created = await owner.post("/api/v1/evaluation/rounds", json={
        "cluster_id": 1, "term": "2026-2027-1", "term_start": (today - timedelta(days=60)).isoformat(),
        "term_end": (today + timedelta(days=1)).isoformat()})
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]
    async with session_factory() as session:
        round_ = await session.get(EvaluationRound, round_id)
        await evaluation_flow.advance(session, round_id=round_id, now=round_.collect_until, tz=tz)
        await session.commit()
        value_id = await session.scalar(select(EvaluationValue.id).where(
            EvaluationValue.round_id == round_id, EvaluationValue.indicator == "teaching_results",
            EvaluationValue.school_id == 1))
    return {"round_id": round_id, "value_id": value_id}


def _request(entry: Entry, path: str, world: dict, csrf: str | None) -> dict:
    ids = world | {name: world.get(value, value) for name, value in entry.ids.items()}
    request = {"method": path.split()[0], "url": path.split()[1].format(**ids)}
    if entry.json is not None:
        request["json"] = entry.json
    if entry.files is not None:
        request["files"] = entry.files
    if entry.params is not None:
        request["params"] = entry.params
    if entry.data is not None:
        request["data"] = {**entry.data, **({"csrf": csrf} if csrf and "/console/" in path else {})}
    return request


def _as_expected(expected: object, answer: httpx.Response) -> bool:
    to_login = answer.status_code == 303 and answer.headers.get("location", "").startswith("/console/login")
    if expected == LOGIN:
        return to_login
    if expected == OK:
        return answer.status_code not in (401, 403) and answer.status_code < 500 and not to_login
    return answer.status_code == expected


async def _terminate_runs(session_factory, client) -> None:
    """Workflow ids repeat across tests on the shared dev server (every database counts from 1)."""
    async with session_factory() as session:
        workflow_ids = [*await session.scalars(select(Campaign.workflow_id)),
                        *(series.workflow_id for series in await session.scalars(select(Series))),
                        *(tour.workflow_id for tour in await session.scalars(select(Tour))),
                        *(round_.workflow_id for round_ in await session.scalars(select(EvaluationRound)))]
    workflow_ids += await exchange_workflow_ids(session_factory)
    for workflow_id in workflow_ids:
        try:
            await client.get_workflow_handle(workflow_id).terminate("test over")
        except Exception:  # noqa: BLE001 - already finished is fine
            pass


@pytest.mark.heavy
async def test_every_route_answers_every_actor_as_the_matrix_says(settings, session_factory, demo, local_env,
                                                                   worker_on):
    app = create_app(settings, temporal=local_env.client)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # a 500 is a wrong answer here
    async with app.router.lifespan_context(app), worker_on(local_env.client):
        clients = {actor: httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000", timeout=60)
                   for actor in ACTORS}
        csrf: dict[str, str | None] = {ANON: None}

        async def sign_in(actor: str) -> None:
            token = await _token(clients[actor], USERNAMES[actor])
            clients[actor].headers["Authorization"] = f"Bearer {token}"
            clients[actor].cookies.set(SESSION_COOKIE, token)
            csrf[actor] = csrf_token(token, settings)

        for actor in USERNAMES:
            await sign_in(actor)
        try:
            world = await _build_world(clients, session_factory, settings.tz)
            # Refusals first, on the world as built; then what is allowed; the final entries last.
            pairs = [(path, actor) for path, entry in MATRIX.items() for actor in entry.expect]
            order = sorted(pairs, key=lambda pair: (MATRIX[pair[0]].final,
                                                    MATRIX[pair[0]].expect[pair[1]] in (OK, LOGIN)))
            wrong = []
            for path, actor in order:
                entry = MATRIX[path]
                if entry.final and actor != ANON:
                    await sign_in(actor)  # a logout before this one ended every session of the login
                request = _request(entry, path, world, csrf[actor])
                if path == "POST /console/login":  # its token comes with the login page, not a session
                    request["data"]["csrf"] = await login_form_csrf(clients[actor])
                answer = await clients[actor].request(**request)
                if not _as_expected(entry.expect[actor], answer):
                    wrong.append(f"{path} as {actor}: expected {entry.expect[actor]}, got {answer.status_code} "
                                 f"{answer.text[:160]!r}")
            assert not wrong, "\n".join(wrong)
        finally:
            for client in clients.values():
                await client.aclose()
            await _terminate_runs(session_factory, local_env.client)
