"""Every workflow id the product uses, made and read here and nowhere else: the id says what a
run is about, so starting the same thing twice finds the run already there, and a run's page can
find the records of what it is about."""

CAMPAIGN_PREFIX, SERIES_PREFIX = "campaign-", "series-"
EVALUATION_ROUND_PREFIX = "evaluation-round-"
TOUR_PREFIX = "tour-"
EXCHANGE_PREFIX, EXCHANGE_QUOTAS_PREFIX = "exchange-", "exchange-quotas-"


def campaign(campaign_id: int) -> str:
    return f"{CAMPAIGN_PREFIX}{campaign_id}"


def series(series_id: int) -> str:
    return f"{SERIES_PREFIX}{series_id}"


def evaluation_round(round_id: int) -> str:
    return f"{EVALUATION_ROUND_PREFIX}{round_id}"


def tour(tour_id: int) -> str:
    return f"{TOUR_PREFIX}{tour_id}"


def tour_id_of(workflow_id: str) -> int | None:
    """The tour a run is about; None for any other run."""
    return _object_id(workflow_id, TOUR_PREFIX)
def exchange(exchange_id: int) -> str:
    return f"{EXCHANGE_PREFIX}{exchange_id}"


def exchange_quotas(year: int) -> str:
    """The quota checkpoints of one school year (the one starting in `year`)."""
    return f"{EXCHANGE_QUOTAS_PREFIX}{year}"


def campaign_id_of(workflow_id: str) -> int | None:
    """The campaign a run is about; None for any other run."""
    return _object_id(workflow_id, CAMPAIGN_PREFIX)


def series_id_of(workflow_id: str) -> int | None:
    """The series a run is about; None for any other run."""
    return _object_id(workflow_id, SERIES_PREFIX)


def _object_id(workflow_id: str, prefix: str) -> int | None:
    rest = workflow_id.removeprefix(prefix)
    return int(rest) if rest != workflow_id and rest.isdigit() else None


def notice_delivery(notice_key: str) -> str:
    """The delivery run a notice starts when it is published (one per notice, ever)."""
    return f"notify-{notice_key}"


def notice_retry(notice_key: str, attempt: str) -> str:
    """A staff-requested retry of a notice's failed deliveries: one run per request."""
    return f"{notice_delivery(notice_key)}-retry-{attempt}"


MENTORING_PAIR_PREFIX = "mentoring-pair-"


def mentoring_pair(pair_id: int) -> str:
    """A mentor pair's run for its school year (青蓝工程)."""
    return f"{MENTORING_PAIR_PREFIX}{pair_id}"
