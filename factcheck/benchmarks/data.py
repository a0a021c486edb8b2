"""The one synthetic data set every benchmark subject runs on.

`build` fills the database Django is connected to (SQLite or PostgreSQL) with
`total` claims the way a newsroom's would look after two years:

- articles from 25 outlets, published over two years, about one in seven in
  Arabic, each holding 12 claims; the last article holds up to 1,000 claims with
  three attributions each (the review page's worst case, issue 12 point 3);
- about two attributions per claim, to sources of every type; about one in five
  to an anonymous source, most of them with the reason the text gives and some
  without; about one in ten relayed by a news agency;
- the workflow's statuses in a working newsroom's shares, verdicts proposed by
  one person and about half of them signed off by another, claims assigned,
  evidence links and notes;
- a rare word (`RARE_WORD`) in about one claim in 20,000, for the text search.

The rows are written with `executemany`, not through the services: they are
benchmark data, with no audit history (bulk_create's per-object work costs
minutes at a million rows). A marker table tells a database built here from any
other, so that a benchmark never writes into one it did not make.
"""

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from factcheck import search
from factcheck.models import (
    Article,
    Attribution,
    Claim,
    EvidenceLink,
    Note,
    Source,
    SourceType,
    VerificationStatus,
    text_hash,
)

Write = Callable[[str], None]

MARKER_TABLE = "benchmark_marker"
ADMIN_USERNAME = "bench-admin"
CLAIMS_PER_ARTICLE = 12
BIG_ARTICLE_CLAIMS = 1000
BIG_ARTICLE_ATTRIBUTIONS_PER_CLAIM = 3
USERS = 12
RARE_WORD = "quokka"
RARE_EVERY = 20_000
YEARS = 2
OUTLETS = [
    *("Daily Ledger", "The Courier", "Wire Service", "Evening Post", "Al-Mirsad"),
    *("Le Veilleur", "Morning Star", "The Observer Weekly", "Gazette du Nord", "Al-Nahar Today"),
    *("City Herald", "Coastal Times", "The Dispatch", "Valley News", "Metro Daily"),
    *("Frontier Report", "The Sentinel", "Harbour Mail", "Capital Review", "The Chronicle"),
    *("Northern Echo", "Southern Cross", "Levant Post", "Gulf Monitor", "Riverside Bulletin"),
]
# How many attributions a claim has, and how often: about two on average.
ATTRIBUTION_COUNTS = {0: 12, 1: 22, 2: 33, 3: 23, 4: 10}
STATUS_WEIGHTS = {
    VerificationStatus.UNVERIFIED: 40,
    VerificationStatus.IN_PROGRESS: 20,
    VerificationStatus.VERIFIED: 15,
    VerificationStatus.PARTLY_VERIFIED: 7,
    VerificationStatus.FALSE: 7,
    VerificationStatus.MISLEADING: 6,
    VerificationStatus.UNVERIFIABLE: 5,
}
ANONYMOUS_SHARE = 0.2
WITHOUT_REASON_SHARE = 0.3
RELAYED_SHARE = 0.1
SIGNED_OFF_SHARE = 0.5
ASSIGNED_SHARE = 0.4
NOTE_SHARE = 0.05
ARABIC_SHARE = 0.15
# Words for synthetic sentences.
ENGLISH_TEXT = (
    "the ministry said on monday that at least people were killed and wounded in strikes "
    "across the north overnight officials told reporters talks on a ceasefire had stalled "
    "according to a statement released by the office aid agencies warned that fuel supplies "
    "would run out within days unless crossings reopened prices of flour rose sharply "
    "residents described long queues outside bakeries as the death toll climbed again "
    "café résumé naïve"
)
ARABIC_TEXT = (
    "قالت وزارة الصحة إن عدد القتلى ارتفع إلى أكثر من مئة شخص في الغارات الليلية وأضاف "
    "مسؤول طلب عدم الكشف عن هويته أن المفاوضات بشأن وقف إطلاق النار متوقفة"
)
ENGLISH, ARABIC = ENGLISH_TEXT.split(), ARABIC_TEXT.split()
CUES = ["said", "told", "said in a statement", "according to", "told reporters", "wrote"]
REASONS = [
    "speaking on condition of anonymity because they were not authorised to brief the media",
    "who asked not to be named because the talks are confidential",
    "speaking on condition of anonymity",
]

# The columns the data set fills, in the order of the tuples `build` makes.
ARTICLE_COLUMNS = [
    *("id", "title", "outlet", "url", "published_on", "language", "text"),
    *("content_hash", "created_at", "updated_at"),
]
CLAIM_COLUMNS = [
    *("id", "article", "start", "end", "text", "status", "rationale", "version"),
    *("assigned_to", "proposed_by", "proposed_at", "signed_off_by", "signed_off_at"),
    *("created_at", "updated_at"),
]
ATTRIBUTION_COLUMNS = [
    *("claim", "source", "mention_text", "cue", "quote_mode", "intermediary"),
    *("ground_rule", "anonymity_reason", "created_at", "updated_at"),
]


class Sentences:
    """Sentences of given lengths, drawn from pools made once (making each anew is too slow)."""

    def __init__(self, rng: random.Random, words: list[str], size: int = 3000):
        self.rng, self.words, self.size = rng, words, size
        self.pools: dict[tuple[int, int], list[str]] = {}

    def make(self, low: int, high: int) -> str:
        target = self.rng.randint(low, high)
        words: list[str] = []
        while sum(map(len, words)) + len(words) < target:
            words.append(self.rng.choice(self.words))
        return " ".join(words).capitalize()

    def __call__(self, low: int, high: int) -> str:
        pool = self.pools.get((low, high))
        if pool is None:
            pool = self.pools[low, high] = [self.make(low, high) for _ in range(self.size)]
        return self.rng.choice(pool)


def stamp(moment: datetime) -> str:
    """A timestamp as UTC text, which both databases read into their timestamp columns."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def insert(cursor, model, columns: list[str], rows: list[tuple]) -> None:
    """Insert rows in one executemany, or on PostgreSQL one COPY (ten times faster there)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row(values)
        return
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})", rows
    )


def built_here() -> int | None:
    """How many claims the marker says this database was built with; None if not built here."""
    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT claims FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    return row[0] if row else None


def holds_data() -> bool:
    return any(model.objects.exists() for model in (Article, Claim, Source, Attribution))


def big_article_claims(total: int) -> int:
    """How many of the claims go into the one big article (a third of them at most)."""
    return min(BIG_ARTICLE_CLAIMS, total // 3)


def big_article() -> Article | None:
    """The article with the most claims: the review subject's."""
    return Article.objects.filter(title__startswith="Big article").order_by("-id").first()


def admin():
    return get_user_model().objects.get(username=ADMIN_USERNAME)


def build(total: int, *, seed: int = 5, write: Write = print) -> None:
    """Fill the current database, which must hold no articles, claims or sources yet."""
    rng = random.Random(seed)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (claims integer, built_at varchar(40))")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s)", [total, timezone.now().isoformat()]
        )
    english, arabic = Sentences(rng, ENGLISH), Sentences(rng, ARABIC)
    User = get_user_model()
    User.objects.create_superuser(ADMIN_USERNAME, password=None)
    users = [
        user.pk
        for user in User.objects.bulk_create(
            User(username=f"bench-reviewer-{n}", password="!") for n in range(USERS)
        )
    ]
    by_type = make_sources(rng, english, total)
    anonymous = [pk for slug, pks in by_type.items() if slug == "anonymous_official" for pk in pks]
    named = [pk for slug, pks in by_type.items() if slug != "anonymous_official" for pk in pks]
    agencies = by_type["news_agency"]
    statuses, status_weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    counts, count_weights = zip(*ATTRIBUTION_COUNTS.items(), strict=True)
    verdicts = VerificationStatus.verdicts()
    now = timezone.now()
    first_day = now - timedelta(days=YEARS * 365)
    big = big_article_claims(total)
    regular = total - big
    step = timedelta(days=YEARS * 365) / max(regular, 1)

    def attribution(claim_id: int, source_id: int, updated: str) -> tuple:
        is_anonymous = source_id in anonymous_set
        relay = rng.choice(agencies) if rng.random() < RELAYED_SHARE else None
        reason = rng.choice(REASONS) if is_anonymous and rng.random() > WITHOUT_REASON_SHARE else ""
        return (
            claim_id,
            source_id,
            english(15, 80),
            rng.choice(CUES),
            rng.choice(["direct", "paraphrase", "mixed", "none"]),
            relay if relay != source_id else None,
            "background" if is_anonymous else "",
            reason,
            updated,
            updated,
        )

    def sources_for(count: int) -> list[int]:
        chosen: set[int] = set()
        while len(chosen) < count:
            pool = anonymous if rng.random() < ANONYMOUS_SHARE else named
            chosen.add(rng.choice(pool))
        return list(chosen)

    anonymous_set = set(anonymous)
    made = article_id = 0
    while made < total:
        articles, claims, attributions, links, notes = [], [], [], [], []
        for _ in range(500):
            if made >= total:
                break
            article_id += 1
            is_big = made >= regular
            per_article = big if is_big else CLAIMS_PER_ARTICLE
            language = "ar" if not is_big and rng.random() < ARABIC_SHARE else "en"
            words = arabic if language == "ar" else english
            published = first_day + step * min(made, regular - 1) if not is_big else now
            title = ("Big article: " if is_big else "") + words(40, 110)
            body = []
            for _ in range(min(per_article, total - made)):
                sentence = words(80, 260)
                if rng.randrange(RARE_EVERY) == 0:
                    sentence += f" {RARE_WORD}"
                body.append(sentence + ".")
            head = f"{title}\n\n"
            text = head + " ".join(body) + f" ({article_id})"
            articles.append(
                (
                    article_id,
                    title,
                    rng.choice(OUTLETS),
                    f"https://news.example/{published:%Y/%m/%d}/{article_id}",
                    published.date(),
                    language,
                    text,
                    text_hash(text),
                    stamp(published),
                    stamp(published),
                )
            )
            offset = len(head)
            for claim_text in body:
                made += 1
                status = rng.choices(statuses, status_weights)[0]
                verdict = status in verdicts
                changed = published + timedelta(minutes=rng.randrange(30 * 24 * 60))
                updated = stamp(min(changed, now))
                proposer = rng.choice(users) if verdict else None
                signer = None
                if verdict and rng.random() < SIGNED_OFF_SHARE:
                    signer = rng.choice([user for user in users if user != proposer])
                claims.append(
                    (
                        made,
                        article_id,
                        offset,
                        offset + len(claim_text),
                        claim_text,
                        status,
                        english(150, 600) if verdict else "",
                        1,
                        rng.choice(users) if rng.random() < ASSIGNED_SHARE else None,
                        proposer,
                        updated if verdict else None,
                        signer,
                        updated if signer else None,
                        stamp(published),
                        updated,
                    )
                )
                offset += len(claim_text) + 1
                count = (
                    BIG_ARTICLE_ATTRIBUTIONS_PER_CLAIM
                    if is_big
                    else rng.choices(counts, count_weights)[0]
                )
                attributions.extend(
                    attribution(made, source_id, updated) for source_id in sources_for(count)
                )
                if verdict or status == VerificationStatus.IN_PROGRESS:
                    for n in range(rng.randint(1, 3)):
                        slug = english(20, 60).replace(" ", "-").lower()
                        url = f"https://evidence.example/{made}/{n}/{slug}"
                        links.append((made, url, english(20, 80), updated))
                if rng.random() < NOTE_SHARE:
                    notes.append((made, rng.choice(users), english(30, 200), updated))
        with transaction.atomic(), connection.cursor() as cursor:
            insert(cursor, Article, ARTICLE_COLUMNS, articles)
            insert(cursor, Claim, CLAIM_COLUMNS, claims)
            insert(cursor, Attribution, ATTRIBUTION_COLUMNS, attributions)
            insert(cursor, EvidenceLink, ["claim", "url", "title", "created_at"], links)
            insert(cursor, Note, ["claim", "author", "body", "created_at"], notes)
        write(f"  {made:,} claims built")
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Article, Claim]):
            cursor.execute(sql)
        # Fresh statistics, as a database in use would have.
        cursor.execute("ANALYZE")
    # And its search indexes merged, as `manage.py optimize_search` does after an import.
    search.optimize()
    write(
        f"Built {made:,} claims in {article_id:,} articles, "
        f"{Attribution.objects.count():,} attributions, "
        f"{EvidenceLink.objects.count():,} evidence links and "
        f"{sum(map(len, by_type.values())):,} sources on {connection.vendor} "
        f"in {time.perf_counter() - started:.0f} s."
    )


def make_sources(rng: random.Random, english: Sentences, total: int) -> dict[str, list[int]]:
    """Sources of every type, as {type slug: [ids]}."""
    per_type = max(20, min(600, total // 50))
    sources = []
    for source_type in SourceType.objects.all():
        is_anonymous = source_type.slug == "anonymous_official"
        for n in range(per_type):
            if is_anonymous:
                kind = rng.choice(["senior", "security", "health", "diplomatic"])
                name = f"Unnamed {kind} official {n}"
            else:
                name = f"{source_type.name} {english(8, 30)} {n}"
            sources.append(
                Source(
                    name=name,
                    source_type=source_type,
                    affiliation=english(10, 40),
                    role=english(5, 25),
                    is_anonymous=is_anonymous,
                    aliases=[f"{name} ({n})"] if n % 5 == 0 else [],
                )
            )
    by_type: dict[str, list[int]] = {}
    for source in Source.objects.bulk_create(sources, batch_size=5000):
        by_type.setdefault(source.source_type.slug, []).append(source.pk)
    return by_type
