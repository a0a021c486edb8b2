"""Fill a throwaway database with many claims and time the claims queue against it.

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py benchmark_queue \\
        --claims 1000000 --yes-throwaway-db

The rows are written with `bulk_create`, not through the services: they are
benchmark data, with no audit history, and the command refuses any database
that already holds articles, claims, sources or audit events.
"""

import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

from factcheck.filters import ClaimFilter, page_of
from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    Source,
    SourceType,
    VerificationStatus,
    text_hash,
)
from factcheck.views import queue as queue_views

CLAIMS_PER_ARTICLE = 20
SOURCES = 2_000
OUTLETS = [f"Outlet {n}" for n in range(1, 26)]
TOPICS = ["Talks", "Floods", "Budget", "Election", "Strike"]
MARKER = "Bench source 1"
# Status shares of a working newsroom: most claims new or in progress.
STATUS_WEIGHTS = {
    VerificationStatus.UNVERIFIED: 45,
    VerificationStatus.IN_PROGRESS: 20,
    VerificationStatus.VERIFIED: 14,
    VerificationStatus.PARTLY_VERIFIED: 6,
    VerificationStatus.FALSE: 6,
    VerificationStatus.MISLEADING: 5,
    VerificationStatus.UNVERIFIABLE: 4,
}


@contextmanager
def stamped_by_us(*fields) -> Iterator[None]:
    """Let bulk_create keep the timestamps we give instead of auto_now's "now"."""
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def timed(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time in milliseconds over `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


class Command(BaseCommand):
    help = "Fill an empty, throwaway database with N claims and time the claims queue on it."

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, default=1_000_000)
        parser.add_argument("--batch", type=int, default=10_000, help="Rows per bulk_create.")
        parser.add_argument("--repeat", type=int, default=3, help="Runs per timing (median).")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--yes-throwaway-db",
            action="store_true",
            help="Confirm that the database (DATABASE_URL) is a scratch one this may fill.",
        )
        parser.add_argument(
            "--time-only",
            action="store_true",
            help="Skip loading; time a database this command filled before.",
        )

    def handle(self, **options):
        if not options["yes_throwaway_db"]:
            raise CommandError(
                "This fills the database with benchmark rows. Point DATABASE_URL at a scratch "
                "database, run migrate, and pass --yes-throwaway-db."
            )
        has_data = any(
            model.objects.exists() for model in (Article, Claim, Source, Attribution, AuditEvent)
        )
        if options["time_only"]:
            if not Source.objects.filter(name=MARKER).exists():
                raise CommandError("--time-only needs a database this command filled before.")
        elif has_data:
            raise CommandError(
                f"The database {connection.settings_dict['NAME']} is not empty; "
                "the benchmark only fills an empty, throwaway one."
            )
        else:
            self.load(options["claims"], options["batch"], random.Random(options["seed"]))
        self.measure(options["repeat"])

    # -- Loading ---------------------------------------------------------------

    def load(self, total: int, batch: int, rng: random.Random) -> None:
        started = time.perf_counter()
        User = get_user_model()
        User.objects.bulk_create(
            [User(username=f"bench-{n}", password="!") for n in range(1, 13)],
            ignore_conflicts=True,
        )
        users = list(User.objects.filter(username__startswith="bench-"))
        types = list(SourceType.objects.all())
        sources = [
            Source(
                id=n,
                name=f"Bench source {n}",
                source_type=types[n % len(types)],
                is_anonymous=types[n % len(types)].slug == "anonymous_official" or n % 17 == 0,
            )
            for n in range(1, SOURCES + 1)
        ]
        Source.objects.bulk_create(sources, batch_size=batch)
        statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        now = timezone.now()
        verdicts = VerificationStatus.verdicts()

        articles_needed = -(-total // CLAIMS_PER_ARTICLE)
        per_chunk = max(1, batch // CLAIMS_PER_ARTICLE)
        claim_id = attribution_id = 0
        fields = (
            Article._meta.get_field("created_at"),
            Article._meta.get_field("updated_at"),
            Claim._meta.get_field("created_at"),
            Claim._meta.get_field("updated_at"),
        )
        with stamped_by_us(*fields):
            for first in range(1, articles_needed + 1, per_chunk):
                articles, claims, attributions = [], [], []
                for article_id in range(first, min(first + per_chunk, articles_needed + 1)):
                    sentences = [
                        f"Sentence {n} of story {article_id} reports claim {rng.random():.6f}."
                        for n in range(CLAIMS_PER_ARTICLE)
                    ]
                    text = f"Story {article_id}\n\n" + " ".join(sentences)
                    created = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
                    articles.append(
                        Article(
                            id=article_id,
                            title=f"{rng.choice(TOPICS)} story {article_id}",
                            outlet=rng.choice(OUTLETS),
                            text=text,
                            content_hash=text_hash(text),
                            created_at=created,
                            updated_at=created,
                        )
                    )
                    offset = len(f"Story {article_id}\n\n")
                    for sentence in sentences:
                        if claim_id >= total:
                            break
                        claim_id += 1
                        status = rng.choices(statuses, weights)[0]
                        is_verdict = status in verdicts
                        signer = rng.choice(users) if is_verdict and rng.random() < 0.5 else None
                        updated = created + timedelta(minutes=rng.randrange(60 * 24 * 30))
                        claims.append(
                            Claim(
                                id=claim_id,
                                article_id=article_id,
                                start=offset,
                                end=offset + len(sentence),
                                text=sentence,
                                status=status,
                                rationale="Checked." if is_verdict else "",
                                assigned_to=rng.choice(users) if rng.random() < 0.4 else None,
                                proposed_by=rng.choice(users) if is_verdict else None,
                                proposed_at=updated if is_verdict else None,
                                signed_off_by=signer,
                                signed_off_at=updated if signer else None,
                                created_at=created,
                                updated_at=updated,
                            )
                        )
                        offset += len(sentence) + 1
                        roll = rng.random()
                        count = 0 if roll < 0.15 else 2 if roll > 0.9 else 1
                        for source_id in rng.sample(range(1, SOURCES + 1), count):
                            attribution_id += 1
                            attributions.append(
                                Attribution(
                                    id=attribution_id, claim_id=claim_id, source_id=source_id
                                )
                            )
                with transaction.atomic():
                    Article.objects.bulk_create(articles, batch_size=batch)
                    Claim.objects.bulk_create(claims, batch_size=batch)
                    Attribution.objects.bulk_create(attributions, batch_size=batch)
                self.stdout.write(f"\r  {claim_id:,} claims loaded", ending="")
                self.stdout.flush()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Article, Claim, Source, Attribution]
            ):
                cursor.execute(sql)
            # Fresh statistics, as a long-running database would have.
            cursor.execute("ANALYZE")
        self.stdout.write(
            f"\nLoaded {claim_id:,} claims, {attribution_id:,} attributions, "
            f"{articles_needed:,} articles, {SOURCES:,} sources "
            f"in {time.perf_counter() - started:.0f} s ({connection.vendor})."
        )

    # -- Timing ----------------------------------------------------------------

    def measure(self, repeat: int) -> None:
        user = get_user_model().objects.filter(username__startswith="bench-").first()
        user.is_superuser = True  # in memory only: the view shows bulk actions to it
        anonymous_type = "anonymous_official"
        scenarios = [
            ("page 1, newest change first", {}),
            ("page 1000", {"page": "1000"}),
            ("status=in_progress, page 1", {"status": "in_progress"}),
            ("status=in_progress, page 1000", {"status": "in_progress", "page": "1000"}),
            ("status=false&status=misleading", {"status": ["false", "misleading"]}),
            ("awaiting sign-off", {"awaiting_sign_off": "on"}),
            ("source type anonymous official", {"source_type": anonymous_type}),
            ("source type unattributed", {"source_type": "unattributed"}),
            ("anonymous source", {"anonymity": "anonymous"}),
            ("one source", {"source": "42"}),
            ("assignee", {"assignee": str(user.pk)}),
            ("outlet", {"outlet": OUTLETS[3]}),
            ("changed in the last 30 days", {"updated_after": self.days_ago(30)}),
            ("text search (rare)", {"q": "0.123456"}),
            ("sort=article", {"sort": "article"}),
            ("sort=status", {"sort": "status"}),
            ("sort=start", {"sort": "start"}),
        ]
        factory = RequestFactory()
        rows = []
        for label, params in scenarios:
            query = QueryDict(mutable=True)
            for key, value in params.items():
                query.setlist(key, value if isinstance(value, list) else [value])

            def fetch(query=query):
                claim_filter = ClaimFilter(query, queryset=queue_views.queue_claims())
                return page_of(claim_filter.qs, query.get("page"), queue_views.PAGE_SIZE)

            def count(query=query):
                return ClaimFilter(query, queryset=Claim.objects.all()).qs.order_by().count()

            def view(query=query):
                request = factory.get("/claims/", query, HTTP_HX_REQUEST="true")
                request.user = user
                request.htmx = HtmxDetails(request)
                return queue_views.queue(request)

            fetch_ms, page = timed(fetch, repeat)
            count_ms, total = timed(count, repeat)
            view_ms, response = timed(view, repeat)
            assert response.status_code == 200
            rows.append((label, len(page.items), fetch_ms, view_ms, count_ms, total))

        claims = Claim.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.stdout.write(
            f"\nClaims queue on {connection.vendor}, about {claims:,} claims; "
            f"median of {repeat} runs, milliseconds.\n"
            "'page' = the page query as served (51 rows + prefetch, no COUNT); "
            "'view' = the whole htmx response; 'COUNT' = what a full count would add.\n"
        )
        header = (
            f"{'scenario':<34} {'rows':>5} {'page':>9} {'view':>9} {'COUNT':>9} {'matches':>10}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for label, shown, fetch_ms, view_ms, count_ms, total in rows:
            self.stdout.write(
                f"{label:<34} {shown:>5} {fetch_ms:>9.1f} {view_ms:>9.1f} {count_ms:>9.1f} "
                f"{total:>10,}"
            )

    def days_ago(self, days: int) -> str:
        return (timezone.now() - timedelta(days=days)).date().isoformat()
