"""The shared library (合作教研云) in the soak: teachers upload small files and publish them (some
files of a type the library refuses: a 422 is their due answer), decide the offers the library
makes them of their campaign plans, reflections and session minutes (accept or decline), read,
bookmark and use (借鉴) resources of other schools and of their own, and an author withdraws one.
At the end staff's figures and the search are read as staff and teachers read them."""

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import select

from contracts.library.api import term_of
from models import Offer, Resource, Teacher
from soak.programmes.base import Programme, Result, first

AUTHORS = 6
READERS_PER_TICK = 4
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REFUSED = b"<html><script>alert(1)</script></html>"  # HTML: not a type the library keeps
TITLES = ["《圆的认识》教学设计", "分数乘法课件", "作文评改课例反思", "实验课安全要点", "整本书阅读推进单",
          "错题整理方法"]


@dataclass
class Shelf:
    """What the soak did in the library, to judge the figures by."""

    published: dict[int, int] = field(default_factory=dict)  # resource → its school
    titles: dict[int, str] = field(default_factory=dict)
    withdrawn: set[int] = field(default_factory=set)
    declined: set[int] = field(default_factory=set)  # offers
    borrowed: set[tuple[int, int, str, str]] = field(default_factory=set)  # (resource, user, kind, day or "")
    # Borrowings whose answer was lost (no answer, a 5xx in a fault): stored or not, either is right.
    maybe_borrowed: set[tuple[int, int, str, str]] = field(default_factory=set)
    refused_types: int = 0
    uploads: int = 0


class Library(Programme):
    name = "library"

    async def setup(self, soak) -> None:
        self.shelf = Shelf()
        async with soak.stack.sessions() as session:
            self.school_of = dict((await session.execute(select(Teacher.user_id, Teacher.school_id)
                                                         .where(Teacher.user_id.is_not(None)))).all())
        self.authors = self.rng.sample(soak.county.teachers, AUTHORS)

    async def act(self, soak, now: float) -> None:
        self.step_once(soak, self.name, lambda: self._step(soak, now))

    async def _step(self, soak, now: float) -> None:
        author = self.rng.choice(self.authors)
        if self.rng.random() < 0.3:
            await self._publish(soak, author)
        async with soak.stack.sessions() as session:  # whoever has an offer waiting sees it on her page
            offered = sorted(set(await session.scalars(select(Offer.author_user_id)
                                                       .where(Offer.status == "offered"))))
        if offered:
            await self._decide_offers(soak, self.rng.choice(offered))
        published = sorted(set(self.shelf.published) - self.shelf.withdrawn)
        if published and self.rng.random() < 0.05:  # an author takes one of hers back
            await self._withdraw(soak, self.rng.choice(published))
        if published:
            await asyncio.gather(*(self._borrow(soak, reader, self.rng.choice(published))
                                   for reader in self.rng.sample(soak.county.teachers, READERS_PER_TICK)))

    async def _publish(self, soak, author: int) -> None:
        people, bad = soak.people, self.rng.random() < 0.25
        answer = await people.call(author, "POST", "/library/uploads?kind=lesson_plan&filename=plan.pdf",
                                   who="teacher", what="upload",
                                   content=REFUSED if bad else PDF + str(self.rng.random()).encode())
        if answer is None:
            return
        if bad:
            self.shelf.refused_types += answer.status_code == 422
            return
        if answer.status_code != 201:
            return
        self.shelf.uploads += 1
        title = self.rng.choice(TITLES)
        answer = await people.call(author, "POST", "/library/resources", who="teacher", what="publish_resource", json={
            "kind": "lesson_plan", "title": title, "subject": "数学", "visibility": "county",
            "file_id": answer.json()["id"]}, ack=("library_resources", {"id": lambda b: b["id"]}))
        if answer is not None and answer.status_code == 201:
            self.shelf.published[answer.json()["id"]] = answer.json()["school_id"]
            self.shelf.titles[answer.json()["id"]] = title

    async def _decide_offers(self, soak, user: int) -> None:
        people = soak.people
        answer = await people.call(user, "GET", "/library/offers", who="teacher", what="read_offers")
        if answer is None or answer.status_code != 200:
            return
        for offer in [o for o in answer.json() if o["status"] == "offered"][:2]:
            if self.rng.random() < 0.5:
                done = await people.call(user, "POST", f"/library/offers/{offer['id']}/decline", who="teacher",
                                         what="decline_offer", ack=("library_offers", {"id": offer["id"],
                                                                                       "status": "declined"}))
                if done is not None and done.status_code == 200:
                    self.shelf.declined.add(offer["id"])
            else:
                done = await people.call(user, "POST", f"/library/offers/{offer['id']}/accept", who="teacher",
                                         what="accept_offer", json={"visibility": "county"},
                                         ack=("library_resources", {"id": lambda b: b["id"]}))
                if done is not None and done.status_code == 201:
                    self.shelf.published[done.json()["id"]] = done.json()["school_id"]
                    self.shelf.titles[done.json()["id"]] = done.json()["title"]

    async def _withdraw(self, soak, resource: int) -> None:
        async with soak.stack.sessions() as session:
            author = await session.scalar(select(Resource.author_user_id).where(Resource.id == resource))
        answer = await soak.people.call(author, "POST", f"/library/resources/{resource}/withdraw", who="teacher",
                                        what="withdraw_resource",
                                        ack=("library_resources", {"id": resource, "status": "withdrawn"}))
        if answer is not None and answer.status_code == 200:
            self.shelf.withdrawn.add(resource)

    async def _borrow(self, soak, reader: int, resource: int) -> None:
        people, base = soak.people, f"/library/resources/{resource}"
        day = datetime.now(soak.stack.settings.tz).date().isoformat()
        answer = await people.call(reader, "GET", base, who="teacher", what="read_resource")
        if not self._noted(answer, 200, (resource, reader, "view", day)):
            return
        kind = self.rng.choice(["bookmark", "use"])
        done = await people.call(reader, "POST", f"{base}/{'uses' if kind == 'use' else 'bookmark'}", who="teacher",
                                 what=f"library_{kind}", json={"note": "用在了本周的课上"} if kind == "use" else None)
        self._noted(done, 204, (resource, reader, kind, ""))

    def _noted(self, answer, success: int, borrowing: tuple[int, int, str, str]) -> bool:
        """Notes the borrowing as made, or as maybe made when its answer was lost; True if made."""
        if answer is not None and answer.status_code == success:
            self.shelf.borrowed.add(borrowing)
            return True
        if answer is None or answer.status_code >= 500:
            self.shelf.maybe_borrowed.add(borrowing)
        return False

    # ---- what must hold ----

    async def invariants(self, soak) -> list[Result]:
        people, staff = soak.people, soak.county.staff
        async with soak.stack.sessions() as session:
            offers = (await session.execute(select(Offer.id, Offer.status, Offer.resource_id)
                                            .where(Offer.id.in_(self.shelf.declined)))).all()
            authors = dict((await session.execute(select(Resource.id, Resource.author_user_id)
                                                  .where(Resource.id.in_(self.shelf.published)))).all())
        found = set()
        for resource in sorted(self.shelf.withdrawn):
            query = urlencode({"q": self.shelf.titles[resource], "limit": 100})
            page = await people.call(staff, "GET", f"/library/resources?{query}", who="staff", what="search")
            if page is not None and page.status_code == 200:
                found |= {hit["id"] for hit in page.json()["items"]} & {resource}
        figures = await people.call(staff, "GET", "/library/figures", who="staff", what="library_figures")
        counted = {row["school_id"]: row["borrowings"] for row in figures.json()["schools"]} \
            if figures is not None and figures.status_code == 200 else {}
        term = term_of(datetime.now(soak.stack.settings.tz).date())
        return [declined_never_published([(o, str(s), r) for o, s, r in offers], self.shelf.declined),
                withdrawn_not_found(self.shelf.withdrawn, found),
                borrowings_from_other_schools(self.shelf, authors, self.school_of, counted, term=term)]


def declined_never_published(offers: list[tuple[int, str, int | None]], declined: set[int]) -> Result:
    wrong = [f"offer {o} {status}, resource {r}" for o, status, r in offers if status != "declined" or r is not None]
    wrong += [f"offer {o} gone" for o in sorted(declined - {o for o, _, _ in offers})]
    return Result("拒绝发布的成果从不发布 a declined offer is never published", not wrong,
                  f"{len(declined)} offers declined, {len(wrong)} published or lost", first(wrong))


def withdrawn_not_found(withdrawn: set[int], found: set[int]) -> Result:
    return Result("撤回的资源搜不到 a withdrawn resource is not in search", not found,
                  f"{len(withdrawn)} withdrawn, {len(found)} still found", first(sorted(found)))


def borrowings_from_other_schools(shelf: Shelf, authors: dict[int, int], school_of: dict[int, int],
                                  counted: dict[int, int], *, term: str) -> Result:
    """Staff's figures count, per school, the borrowings of its resources by teachers of other schools
    only: what the soak's people did, counted once per user (and day for views), authors excluded;
    a borrowing whose answer was lost may be counted or not."""

    def per_school(borrowings) -> Counter:
        return Counter(shelf.published[resource] for resource, user, _kind, _day in borrowings
                       if resource in shelf.published and user != authors.get(resource)
                       and school_of.get(user) not in (None, shelf.published[resource]))

    expected, maybe = per_school(shelf.borrowed), per_school(shelf.maybe_borrowed - shelf.borrowed)
    wrong = [f"school {school}: {counted.get(school, 0)} counted, {expected[school]} made"
             + (f" and {maybe[school]} maybe" if maybe[school] else "")
             for school in sorted(set(expected) | set(counted))
             if not expected[school] <= counted.get(school, 0) <= expected[school] + maybe[school]]
    return Result(f"借用只计外校 borrowings counted only from other schools ({term})", not wrong,
                  f"{sum(expected.values())} cross-school borrowings made, {sum(counted.values())} counted over "
                  f"{len(counted)} schools", first(wrong))
