"""Set up the people and articles, run the scenario against gunicorn, and judge the run."""

import asyncio
import concurrent.futures
import random
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import override_settings

from factcheck import services
from factcheck.loadtest import checks, scenario, server
from factcheck.models import AuditEvent, SourceType
from factcheck.roles import EDITOR, REVIEWER

# Sentences to build the shared articles from; a few carry accents, an emoji
# and right-to-left text, so the offsets posted are code points, not bytes.
SENTENCES = [
    "The ministry said on Monday that {n} people had been hurt in the flooding near the river.",
    "A spokesperson for the regional government told reporters the figure would rise by Friday.",
    "According to an official who was not authorised to speak publicly, the dam had cracked.",
    "The agency reported that relief convoys reached three villages before the roads closed.",
    "Residents of Saint-Étienne-du-Rouvray said the café on the square stayed open all night 🌧.",
    "The mayor, Zoë Müller, denied that warnings had been ignored for more than {n} days.",
    "Engineers from the water board said repairs would cost about {n} million euros in total.",
    "قال المتحدث إن فرق الإنقاذ وصلت إلى القرى المتضررة صباح الثلاثاء بعد انقطاع الطرق.",
    "An internal report seen by this newspaper says inspections stopped two years ago.",
    "The opposition leader claimed the budget for flood defences had been cut by half.",
]


@dataclass
class LoadTestConfig:
    users: int = 20
    editors: int = 4
    duration: float = 120.0
    articles: int = 5
    workers: int = 4
    seed: int | None = None


@dataclass
class LoadTestResult:
    config: LoadTestConfig
    database: str
    elapsed: float
    rows: list[checks.ActionStats]
    expected_writes: int
    missing: list[scenario.Expected]
    state_problems: list[str]
    audit_ok: bool
    audit_message: str
    failures: list[str]
    base_url: str = ""
    server_pid: int = 0
    server_exceptions: dict[str, int] = field(default_factory=dict)
    server_log: Path | None = None

    @property
    def errors(self) -> int:
        """Requests answered with a 5xx or an unexpected 4xx, or not answered, logins included."""
        return sum(row.errors for row in self.rows if row.action != "all")

    @property
    def passed(self) -> bool:
        return (
            self.errors == 0
            and not self.failures
            and not self.server_exceptions
            and not self.missing
            and not self.state_problems
            and self.audit_ok
        )

    def report(self) -> str:
        config = self.config
        total = next(row for row in self.rows if row.action == "all")
        lines = [
            f"Load test on {self.database}: {config.users} reviewers and {config.editors} "
            f"editors for {self.elapsed:.0f} s against gunicorn with {config.workers} workers, "
            f"{config.articles} shared articles.",
            "",
            checks.markdown_table(self.rows, self.elapsed),
            "",
            f"Throughput: {total.requests / self.elapsed:.1f} requests per second; "
            f"errors (5xx, no answer, unexpected 4xx): {self.errors}; "
            f"refusals (409/422): {total.refused}.",
            f"Acknowledged writes: {self.expected_writes}; without their audit event: "
            f"{len(self.missing)}.",
            f"Claims in a state other than acknowledged: {len(self.state_problems)}.",
            self.audit_message,
        ]
        for wanted in self.missing[:10]:
            lines.append(f"  missing: {wanted.action} by {wanted.actor} on claim {wanted.claim_id}")
        lines.extend(f"  {problem}" for problem in self.state_problems[:10])
        for failure in self.failures[:10]:
            lines.append(f"  failed: {failure}")
        for exception, count in list(self.server_exceptions.items())[:10]:
            lines.append(f"  server logged {count}×: {exception}")
        if self.server_log:
            lines.append(f"  gunicorn's log, with the tracebacks: {self.server_log}")
        lines.append("PASSED" if self.passed else "FAILED")
        return "\n".join(lines)


def _split_sentences(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in re.finditer(r"[^.\n]+\.", text)]


def _people(config: LoadTestConfig, tag: str) -> list[scenario.Person]:
    """Fresh accounts in the Reviewer and Editor groups, each with a fresh password."""
    groups = {"reviewer": REVIEWER, "editor": EDITOR}
    people = []
    for role, count in (("reviewer", config.users), ("editor", config.editors)):
        for number in range(1, count + 1):
            person = scenario.Person(f"{tag}-{role}{number:02d}", secrets.token_urlsafe(12), role)
            services.account_create(
                actor=None,
                username=person.username,
                password=person.password,
                groups=[groups[role]],
                reason="Load test account",
            )
            people.append(person)
    return people


def _articles(config: LoadTestConfig, tag: str, rng: random.Random) -> list[scenario.Article]:
    articles = []
    for number in range(1, config.articles + 1):
        paragraphs = []
        for _ in range(6):
            picked = rng.sample(SENTENCES, 5)
            paragraphs.append(" ".join(s.format(n=rng.randrange(2, 999)) for s in picked))
        article = services.article_create(
            actor=None,
            title=f"Load test {tag}: floods, part {number}",
            text=f"Floods, part {number} ({tag})\n\n" + "\n\n".join(paragraphs),
            outlet="Load test desk",
        )
        articles.append(scenario.Article(article.pk, article.text, _split_sentences(article.text)))
    return articles


def _sources(tag: str) -> None:
    """A few registry sources the reviewers find with the picker's search."""
    for slug, name in (
        ("ministry", "Ministry of Water"),
        ("named_spokesperson", "Regional government spokesperson"),
        ("anonymous_official", "Official not authorised to speak"),
        ("news_agency", "Wire agency"),
        ("organization", "Water board"),
    ):
        source_type = SourceType.objects.filter(slug=slug).first() or SourceType.objects.first()
        services.source_create(actor=None, name=f"{tag} {name}", source_type=source_type)


def run(config: LoadTestConfig) -> LoadTestResult:
    """Run the load test against a gunicorn of our own on the configured database."""
    seed = config.seed if config.seed is not None else secrets.randbelow(10**6)
    rng = random.Random(seed)
    tag = f"load{seed:06d}"
    people = _people(config, tag)
    articles = _articles(config, tag, rng)
    _sources(tag)
    source_types = list(SourceType.objects.values_list("slug", flat=True))
    baseline = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    # The checkpoints of a scratch database must not land among the real ones:
    # the run checkpoints the head before it starts, in a file of its own, and
    # verifies against that checkpoint at the end.
    with (
        tempfile.TemporaryDirectory(prefix="factcheck-loadtest-") as scratch,
        override_settings(FACTCHECK_AUDIT_CHECKPOINTS=Path(scratch) / "checkpoints.jsonl"),
    ):
        before_ok, before_message = checks.verify_audit()
        connection.close()  # Hold no connection (nor lock) while gunicorn works.
        with server.gunicorn(
            server.database_url(connection.settings_dict),
            workers=config.workers,
            env={"FACTCHECK_AUDIT_CHECKPOINTS": str(settings.FACTCHECK_AUDIT_CHECKPOINTS)},
        ) as served:
            world = scenario.World(
                base_url=served.base_url,
                articles=articles,
                source_types=source_types,
                tag=tag,
            )
            elapsed = _run_in_own_loop(scenario.work(world, people, seed, config.duration))
        exceptions = served.log_summary()
        kept_log = served.kept_log
        after_ok, after_message = checks.verify_audit()
    audit_ok = before_ok and after_ok
    audit_message = after_message if before_ok else f"Before the run, {before_message}"
    return LoadTestResult(
        config=config,
        database=connection.vendor,
        elapsed=elapsed,
        rows=checks.by_action(world.samples),
        expected_writes=len(world.expected),
        missing=checks.missing_events(world.expected, baseline),
        state_problems=checks.state_mismatches(world.created, world.signed_off),
        audit_ok=audit_ok,
        audit_message=audit_message,
        failures=world.failures,
        base_url=served.base_url,
        server_pid=served.pid,
        server_exceptions=dict(exceptions.most_common()),
        server_log=kept_log,
    )


def _run_in_own_loop(coroutine):
    """Run the clients' event loop in a thread of its own.

    The caller's thread may already run a loop (Playwright's sync API leaves
    one in the test process), and asyncio.run() refuses to start inside one.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
