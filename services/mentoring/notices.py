"""What a pair tells people: its notices' payloads, keys, recipients and links. Built here (with
database access) and sent by the pair's workflow through `notify`; a pair's notices name a few
people each, so they carry user ids."""

from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import MentoringNotice
from models import MentoringPair, MentoringProgramme
from services.mentoring.service import People


def pair_link(pair: MentoringPair, anchor: str = "") -> str:
    return f"/console/mentoring/pairs/{pair.id}" + (f"#{anchor}" if anchor else "")


def certificate_link(pair: MentoringPair) -> str:
    return f"/console/mentoring/pairs/{pair.id}/certificate"


def key(pair: MentoringPair, what: str) -> str:
    return f"mentoring:pair:{pair.id}:{what}"


def pair_notice(model: type[MentoringNotice], *, programme: MentoringProgramme, people: People, key: str,
                user_ids: list[int | None], link: str, **fields) -> NotifyRequest | None:
    """A notice about the pair to these users (teachers without a login and unset contacts left
    out); None when nobody is left to tell."""
    recipients = sorted({user_id for user_id in user_ids if user_id is not None})
    if not recipients:
        return None
    payload = model(programme=f"{programme.title} {programme.school_year}", mentor=people.mentor.name,
                    mentee=people.mentee.name, **fields)
    return NotifyRequest(payload=payload, key=key, user_ids=recipients, link=link)


def both(people: People) -> list[int | None]:
    return [people.mentor.user_id, people.mentee.user_id]
