"""Every workflow id the product uses, made here and nowhere else: the id says what a run is
about, so starting the same thing twice finds the run already there."""


def campaign(campaign_id: int) -> str:
    return f"campaign-{campaign_id}"


def series(series_id: int) -> str:
    return f"series-{series_id}"


def notice_delivery(notice_key: str) -> str:
    """The delivery run a notice starts when it is published (one per notice, ever)."""
    return f"notify-{notice_key}"


def notice_retry(notice_key: str, attempt: str) -> str:
    """A staff-requested retry of a notice's failed deliveries: one run per request."""
    return f"{notice_delivery(notice_key)}-retry-{attempt}"
