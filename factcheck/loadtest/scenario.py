"""What the simulated people do: the review loop over HTTP, as the review page's htmx does it.

A reviewer logs in once, then, until the time is up: opens one of the shared
articles, marks a span of its text as a claim (offsets in code points, the
quoted text alongside, as review.js posts them), attributes it to a registry
source found through the picker's search or to a new source, sets it in
progress, adds an evidence link and a rationale, proposes a verdict, and hands
the claim to the editors; then opens the queue and downloads the article's CSV.
Now and then a reviewer also opens a colleague's claim and adds evidence with
the version it read, as two people on one article do, which makes the
colleague's next save a 409 conflict: the colleague reloads the panel and saves
again, as the page invites. An editor signs off the proposed claims, and opens
the queue and exports between them.

Every POST carries what htmx sends: `HX-Request`, `HX-Current-URL`,
`HX-Target`, the CSRF token from `<body hx-headers>` and the browser's `Origin`.
Each acknowledged write is kept as an `Expected` audit event for `checks`.
"""

import asyncio
import html
import logging
import random
import re
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import httpx

# httpx logs every request at INFO; the report says what matters.
logging.getLogger("httpx").setLevel(logging.WARNING)

CSRF_HEADER = re.compile(r"""hx-headers='\{"x-csrftoken": "([^"]+)"\}'""")
LOGIN_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PANEL = re.compile(r'id="claim-panel"[^>]*data-claim="(\d+)" data-version="(\d+)"')
CLAIM_LINK = re.compile(r'class="claim-link" data-claim="(\d+)"')
PICK = re.compile(r'data-pick="(\d+)"')

# Everyone logs in before the clock starts; the table shows it apart.
LOGIN = "log in"
VERDICTS = ["verified", "partly_verified", "false", "misleading"]
# Statuses that are a refusal the page shows (a conflict, a domain error), not a failure.
REFUSALS = {409, 422}


@dataclass
class Sample:
    action: str
    status: int  # 0 when no HTTP answer came (timeout, connection reset)
    seconds: float


@dataclass
class Expected:
    """An audit event that an acknowledged write must have left."""

    action: str
    actor: str
    claim_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Person:
    username: str
    password: str
    role: str


@dataclass
class Article:
    pk: int
    text: str
    sentences: list[tuple[int, int]]


@dataclass
class World:
    """What the run shares between the simulated people."""

    base_url: str
    articles: list[Article]
    source_types: list[str]
    tag: str
    deadline: float = 0.0
    evidence_steal_rate: float = 0.2
    timeout: float = 60.0
    samples: list[Sample] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)
    signed_off: dict[int, tuple[str, str]] = field(default_factory=dict)
    created: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    in_work: dict[int, str] = field(default_factory=dict)
    to_sign: asyncio.Queue = field(default_factory=asyncio.Queue)
    failures: list[str] = field(default_factory=list)

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline


class Abandon(Exception):
    """The current piece of work cannot go on (a refusal or an error); start the next one."""


class LoginFailed(Exception):
    pass


class Session:
    """One person's browser: cookies, the CSRF token of the last full page, the timings."""

    def __init__(self, world: World, person: Person, rng: random.Random):
        self.world = world
        self.person = person
        self.rng = rng
        self.client = httpx.AsyncClient(
            base_url=world.base_url,
            timeout=world.timeout,
            limits=httpx.Limits(max_connections=1),
            follow_redirects=False,
        )
        self.csrf = ""
        self.page = world.base_url + "/"

    async def close(self) -> None:
        await self.client.aclose()

    async def request(
        self, action: str, method: str, url: str, *, data: dict | None = None, htmx: bool = False
    ) -> httpx.Response | None:
        headers = {}
        if htmx:
            headers.update(
                {"HX-Request": "true", "HX-Current-URL": self.page, "HX-Target": "panel"}
            )
        if method == "POST":
            headers.update({"X-CSRFToken": self.csrf, "Origin": self.world.base_url})
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, data=data, headers=headers)
        except httpx.HTTPError as error:
            self.world.samples.append(Sample(action, 0, time.perf_counter() - started))
            self.world.failures.append(f"{action} {method} {url}: {type(error).__name__} {error}")
            return None
        self.world.samples.append(
            Sample(action, response.status_code, time.perf_counter() - started)
        )
        status = response.status_code
        if status >= 500 or (status >= 400 and status not in REFUSALS):
            self.world.failures.append(f"{action} {method} {url}: {status}")
        return response

    async def get_page(self, action: str, url: str) -> str:
        """Open a full page, as following a link does, and keep its CSRF token."""
        response = await self.request(action, "GET", url)
        if response is None or response.status_code != 200:
            raise Abandon
        found = CSRF_HEADER.search(response.text)
        if found:
            self.csrf = html.unescape(found.group(1))
        self.page = self.world.base_url + url
        return response.text

    async def login(self) -> None:
        response = await self.request(LOGIN, "GET", "/login/")
        if response is None or response.status_code != 200:
            raise LoginFailed(f"{self.person.username} could not open the login page")
        token = LOGIN_TOKEN.search(response.text).group(1)
        self.csrf = token
        response = await self.request(
            LOGIN,
            "POST",
            "/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": self.person.username,
                "password": self.person.password,
            },
        )
        if response is None or response.status_code != 302:
            status = response.status_code if response is not None else "no answer"
            raise LoginFailed(f"{self.person.username} could not log in ({status})")

    async def save(
        self, action: str, url: str, data: dict[str, Any], version: int
    ) -> tuple[int, int]:
        """Post a panel form at `version`; on a conflict, reload the panel and save again once.

        Returns the claim id and version the answering panel shows.
        """
        for attempt in range(2):
            response = await self.request(
                action, "POST", url, data={**data, "version": version}, htmx=True
            )
            if response is None:
                raise Abandon
            panel = PANEL.search(response.text)
            if response.status_code == 200 and panel:
                return int(panel.group(1)), int(panel.group(2))
            if response.status_code == 409 and panel and attempt == 0:
                version = int(panel.group(2))
                continue
            raise Abandon
        raise Abandon

    def expect(self, action: str, claim_id: int | None = None, **changes: Any) -> None:
        self.world.expected.append(Expected(action, self.person.username, claim_id, changes))


def pick_span(article: Article, rng: random.Random) -> tuple[int, int]:
    """A run of three or more whole words inside one sentence of the article."""
    start, end = rng.choice(article.sentences)
    words = [match.span() for match in re.finditer(r"\S+", article.text[start:end])]
    first = rng.randrange(0, max(1, len(words) - 2))
    last = rng.randrange(min(first + 2, len(words) - 1), len(words))
    return start + words[first][0], start + words[last][1]


async def reviewer(session: Session) -> None:
    number = 0
    while session.world.time_left():
        number += 1
        with suppress(Abandon):
            await review_one_claim(session, number)


async def review_one_claim(session: Session, number: int) -> None:
    world, rng = session.world, session.rng
    article = rng.choice(world.articles)
    page = await session.get_page("open article", f"/articles/{article.pk}/")
    if rng.random() < world.evidence_steal_rate:
        # Prefer a claim a colleague is working on right now, as happens on a busy desk.
        busy = [pk for pk, owner in world.in_work.items() if owner != session.person.username]
        others = busy or [int(pk) for pk in CLAIM_LINK.findall(page)]
        if others:
            await add_evidence_to(session, rng.choice(others), number)

    start, end = pick_span(article, rng)
    response = await session.request(
        "create claim",
        "POST",
        f"/articles/{article.pk}/claims/",
        data={"start": start, "end": end, "text": article.text[start:end]},
        htmx=True,
    )
    panel = PANEL.search(response.text) if response is not None else None
    if response is None or response.status_code != 200 or not panel:
        raise Abandon
    claim_id, version = int(panel.group(1)), int(panel.group(2))
    world.created[claim_id] = (article.pk, start, end)
    session.expect("claim.created", claim_id, start=start, end=end)
    world.in_work[claim_id] = session.person.username
    try:
        await work_on_claim(session, article, claim_id, version, number)
    finally:
        del world.in_work[claim_id]


async def work_on_claim(
    session: Session, article: Article, claim_id: int, version: int, number: int
) -> None:
    """Attribute, research and propose a verdict on a new claim, then check the queue."""
    world, rng = session.world, session.rng

    url = f"/claims/{claim_id}"
    attribution = {"mention_text": "", "cue": "said", "quote_mode": "paraphrase"}
    attribution.update(ground_rule="", anonymity_reason="", intermediary="", source="")
    new_source = ""
    if rng.random() < 0.7:
        search = await session.request(
            "search sources", "GET", f"/sources/search/?field=source&q={world.tag}", htmx=True
        )
        choices = PICK.findall(search.text) if search is not None else []
        if not choices:
            raise Abandon
        attribution["source"] = rng.choice(choices)
    else:
        new_source = f"{world.tag} {session.person.username} source {number}"
        attribution.update(
            new_source_name=new_source,
            new_source_type=rng.choice(world.source_types),
            new_source_affiliation="",
        )
    _, version = await session.save("attribute", f"{url}/attributions/", attribution, version)
    if new_source:
        session.expect("source.created", None, name=new_source)
    session.expect("attribution.added", claim_id)

    _, version = await session.save(
        "set in progress", f"{url}/status/", {"status": "in_progress", "reason": ""}, version
    )
    session.expect("claim.status_changed", claim_id, status="in_progress")

    link = f"https://example.org/{world.tag}/{session.person.username}/{number}"
    _, version = await session.save(
        "add evidence", f"{url}/evidence/", {"url": link, "title": "Primary record"}, version
    )
    session.expect("evidence.added", claim_id, evidence={"url": link})

    rationale = f"Checked against the primary record ({number})."
    _, version = await session.save(
        "write rationale", f"{url}/rationale/", {"rationale": rationale, "reason": ""}, version
    )
    session.expect("claim.changed", claim_id, rationale=rationale)

    verdict = rng.choice(VERDICTS)
    _, version = await session.save(
        "propose verdict", f"{url}/status/", {"status": verdict, "reason": ""}, version
    )
    session.expect("verdict.proposed", claim_id, status=verdict)
    world.to_sign.put_nowait((claim_id, verdict))

    await session.get_page("open queue", f"/claims/?article={article.pk}")
    await export(session, f"/export/claims.csv?article={article.pk}")


async def add_evidence_to(session: Session, claim_id: int, number: int) -> None:
    """Open a colleague's claim and add a link with the version just read."""
    response = await session.request("open claim", "GET", f"/claims/{claim_id}/", htmx=True)
    panel = PANEL.search(response.text) if response is not None else None
    if not panel or "evidence/" not in response.text:
        return  # signed off and locked: nothing to add
    link = f"https://example.org/{session.world.tag}/{session.person.username}/extra/{number}"
    response = await session.request(
        "add evidence",
        "POST",
        f"/claims/{claim_id}/evidence/",
        data={"url": link, "title": "", "version": panel.group(2)},
        htmx=True,
    )
    if response is not None and response.status_code == 200:
        session.expect("evidence.added", claim_id, evidence={"url": link})


async def export(session: Session, url: str) -> None:
    response = await session.request("export CSV", "GET", url)
    if response is not None and response.status_code == 200:
        session.expect("export.claims")


async def editor(session: Session) -> None:
    world, rng = session.world, session.rng
    with suppress(Abandon):
        await session.get_page("open queue", "/claims/?awaiting_sign_off=on")
    while world.time_left():
        try:
            claim_id, verdict = await asyncio.wait_for(world.to_sign.get(), timeout=1.0)
        except TimeoutError:
            continue
        with suppress(Abandon):
            await sign_off(session, claim_id, verdict)
            if rng.random() < 0.2:
                await session.get_page("open queue", "/claims/?awaiting_sign_off=on")
            if rng.random() < 0.1:
                await export(session, "/export/claims.csv?awaiting_sign_off=on")


async def sign_off(session: Session, claim_id: int, verdict: str) -> None:
    response = await session.request("open claim", "GET", f"/claims/{claim_id}/", htmx=True)
    panel = PANEL.search(response.text) if response is not None else None
    if panel is None:
        raise Abandon
    await session.save(
        "sign off", f"/claims/{claim_id}/sign-off/", {"reason": ""}, int(panel.group(2))
    )
    session.expect("verdict.signed_off", claim_id)
    session.world.signed_off[claim_id] = (session.person.username, verdict)


async def work(world: World, people: Iterable[Person], seed: int, duration: float) -> float:
    """Log everyone in, then let them work for `duration` seconds; return the time it took.

    The clock starts once everyone is in: a rush of password hashes would
    otherwise eat the first seconds of a short run.
    """
    sessions = [
        Session(world, person, random.Random(seed * 1000 + index))
        for index, person in enumerate(people)
    ]
    try:
        logins = await asyncio.gather(
            *(session.login() for session in sessions), return_exceptions=True
        )
        working = []
        for session, outcome in zip(sessions, logins, strict=True):
            if isinstance(outcome, LoginFailed):
                world.failures.append(str(outcome))
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                working.append(session)
        started = time.monotonic()
        world.deadline = started + duration
        async with asyncio.TaskGroup() as group:
            for session in working:
                loop = editor if session.person.role == "editor" else reviewer
                group.create_task(loop(session))
        return time.monotonic() - started
    finally:
        for session in sessions:
            await session.close()
