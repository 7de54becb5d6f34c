"""How big a soak is and how fast its clock runs. Time is compressed only through what the product
lets a user or an operator set: a campaign's phase durations, reminder offsets and grace (request
fields), a series' dates and times (request fields), the worker's lease and retry seconds
(settings). No code path is shortened for the soak."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CampaignPlan:
    """One campaign of the term: its phase lengths (seconds) and what staff do to it."""

    title: str
    phases: dict[str, int]  # seconds per phase, the request's `schedule`
    reminder_offsets: tuple[int, ...] = (15,)  # seconds before each deadline
    grace: int = 10
    cancel_at: float | None = None  # fraction of the term at which staff cancel it
    return_a_plan: bool = False  # staff return the first plan once before approving it
    extend_collection: int = 0  # seconds staff add to the collection's deadline
    clusters: int | None = None  # its scope: the first N clusters (None: every cluster)


@dataclass(frozen=True)
class Profile:
    name: str
    extra_teachers: int  # beside the demo county's, in bulk (benchmarks/big_county.py)
    extra_clusters: int  # beside the demo county's three, each with its schools
    term_seconds: int  # people act until then; the run then drains
    drain_seconds: int  # after the term: the last phases end, people still answering
    settle_seconds: int  # then at most this long for the last deliveries, before judging
    tick_seconds: float
    campaigns: tuple[CampaignPlan, ...]
    series_clusters: int | None  # clusters with a weekly series (None: every cluster)
    faults: tuple[str, ...]  # fault kinds, each placed in the term by the seed (soak/faults.py)
    writers_burst: int = 0  # concurrent writers of the burst fault
    act_probability: float = 0.5  # a teacher's chance to act on a tick while she still has something to do
    never_act: float = 0.2  # the share of teachers who never do anything
    worker_settings: dict[str, object] = field(default_factory=dict)


SHORT = Profile(
    name="short", extra_teachers=300, extra_clusters=0, term_seconds=110, drain_seconds=60, settle_seconds=120,
    tick_seconds=2.0,
    campaigns=(CampaignPlan("春季全区订单式教研", {"collect_topics": 40, "train": 25, "design_plan": 40,
                                                   "practise": 25, "reflect": 20},
                            return_a_plan=True, extend_collection=10),),
    series_clusters=3, faults=("worker_kill_fan_out", "temporal_restart"),
)

TERM = Profile(
    name="term", extra_teachers=4940, extra_clusters=27, term_seconds=1200, drain_seconds=300, settle_seconds=240,
    tick_seconds=5.0,
    campaigns=(
        CampaignPlan("全区语文订单式教研", {"collect_topics": 240, "train": 120, "design_plan": 240,
                                           "practise": 240, "reflect": 150},
                     reminder_offsets=(90, 30), grace=30, return_a_plan=True, extend_collection=60),
        CampaignPlan("数学片区教研", {"collect_topics": 200, "train": 150, "design_plan": 200,
                                      "practise": 200, "reflect": 150},
                     reminder_offsets=(60,), grace=30, cancel_at=0.45, clusters=10),
        CampaignPlan("初中联片教研", {"collect_topics": 300, "train": 150, "design_plan": 200,
                                      "practise": 200, "reflect": 120},
                     reminder_offsets=(60,), grace=30, clusters=5),
    ),
    series_clusters=None,
    faults=("worker_kill_fan_out", "worker_kill", "worker_kill", "temporal_restart", "api_restart", "database_window",
            "writers_burst", "release"),
    writers_burst=64,
)

PROFILES = {profile.name: profile for profile in (SHORT, TERM)}
