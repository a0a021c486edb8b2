"""Filters for the claims queue and the activity feed, read from the query string.

`ClaimFilter` is shared by the queue and the CSV export, so one URL lists the
same claims in both. Filters on attributions are subqueries (`EXISTS`, or
`IN` for one source), not joins, so a claim with two matching sources still
appears once and no `DISTINCT` is needed over a million rows.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict

from factcheck.forms import MAX_ID
from factcheck.history import action_label
from factcheck.models import (
    Article,
    Attribution,
    AuditEvent,
    Claim,
    SourceType,
    VerificationStatus,
    workflow_step,
)

UNATTRIBUTED = "unattributed"

# The `?sort=` values the queue accepts and the order each one means; the
# trailing id keeps pages stable when the first keys tie. The orders follow
# the claim indexes to the letter (an SQLite index ends with the rowid,
# ascending), so a page is read off an index instead of sorting every claim;
# the article title has no index yet, so that sort is the slow one.
CLAIM_SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "-updated": ("Last change, newest first", ("-updated_at", "-id")),
    "updated": ("Last change, oldest first", ("updated_at", "id")),
    "article": ("Article title", ("article__title", "article__id", "start", "end")),
    # In the workflow's order (unverified, in progress, then the verdicts), not the
    # codes': a computed key, read off the claim_workflow_order index.
    "status": ("Status", ("workflow_step", "-updated_at", "id")),
    "start": ("Position in the article", ("article_id", "start", "end")),
}
DEFAULT_CLAIM_SORT = "-updated"

ANONYMITY_CHOICES = [
    ("anonymous", "Has an anonymous source"),
    ("explained", "Anonymous sources, each giving a reason"),
    ("unexplained", "Has an anonymous source giving no reason"),
    ("named", "Named sources only"),
]

# How many sources a claim cites (the Insights page's "sources per claim").
SOURCE_COUNT_CHOICES = [
    ("0", "No source"),
    ("1", "One source"),
    ("2", "Two or more sources"),
]


class IdFilter(django_filters.NumberFilter):
    """A whole-number id: "1.5" is refused, not rounded to another object's id."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def parameters_of(form: forms.Form) -> dict[str, str]:
    """The query parameters a filter form reads, each with its field's name.

    A from–until range reads two (`updated_after`, `updated_before`).
    """
    parameters = {}
    for name, field in form.fields.items():
        suffixes = getattr(field.widget, "suffixes", None)
        for parameter in [f"{name}_{suffix}" for suffix in suffixes] if suffixes else [name]:
            parameters[parameter] = name
    return parameters


class QueryForm(forms.Form):
    """A filter form that refuses NUL in any parameter, as a CharField does.

    A checkbox reads any value as "on", and a bad sort is ignored, so without
    this a NUL could reach the export's audit record, which PostgreSQL refuses.
    """

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        getlist = getattr(self.data, "getlist", lambda key: [self.data.get(key)])
        for parameter, name in parameters_of(self).items():
            values = [value for value in getlist(parameter) if isinstance(value, str)]
            if name not in self.errors and any("\x00" in value for value in values):
                self.add_error(name, "Null characters are not allowed.")
        return data


def applied(filterset: Any, query: QueryDict) -> QueryDict:
    """The parameters of `query` that the filters read and accepted, for the audit record."""
    parameters = parameters_of(filterset.form)
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        if key in parameters and parameters[key] not in filterset.errors:
            kept.setlist(key, values)
    return kept


# An outlet with at least this share of the articles is walked to, not sorted.
COMMON_OUTLET_SHARE = 0.01
# Count no further than this many of an outlet's articles to decide.
COMMON_OUTLET_CAP = 100_000


def _is_common_outlet(outlet: str) -> bool:
    """Whether the outlet has a large share of the articles: one query, off the indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT MAX(id) FROM factcheck_article), (SELECT COUNT(*) FROM "
            "(SELECT 1 FROM factcheck_article WHERE outlet = %s LIMIT %s) AS found)",
            [outlet, COMMON_OUTLET_CAP],
        )
        articles, found = cursor.fetchone()
    return bool(articles) and found >= articles * COMMON_OUTLET_SHARE


def _attributions() -> QuerySet[Attribution]:
    return Attribution.objects.filter(claim=OuterRef("pk"))


class ClaimFilter(django_filters.FilterSet):
    """Narrow and order claims by what a reviewer or researcher asks of the queue."""

    q = django_filters.CharFilter(method="filter_text", label="Search", max_length=500)
    # A column of the claim itself: no join, so none of the filter's default DISTINCT.
    status = django_filters.MultipleChoiceFilter(
        choices=VerificationStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        label="Status",
    )
    source_type = django_filters.ModelChoiceFilter(
        queryset=SourceType.objects.all(),
        to_field_name="slug",
        method="filter_source_type",
        label="Source type",
        help_text="“Unattributed” also matches claims with no attribution at all.",
    )
    source = IdFilter(method="filter_source", label="Source")
    anonymity = django_filters.ChoiceFilter(
        choices=ANONYMITY_CHOICES, method="filter_anonymity", label="Named or anonymous"
    )
    intermediary = IdFilter(method="filter_intermediary", label="Relayed by")
    sources = django_filters.ChoiceFilter(
        choices=SOURCE_COUNT_CHOICES, method="filter_source_count", label="Sources cited"
    )
    article = IdFilter(field_name="article_id", label="Article")
    outlet = django_filters.CharFilter(method="filter_outlet", label="Outlet")
    # Only people who have proposed a verdict: a viewer never has, and was offered.
    proposer = django_filters.ModelChoiceFilter(
        field_name="proposed_by",
        queryset=get_user_model().objects.filter(
            pk__in=Claim.objects.filter(proposed_by__isnull=False).values("proposed_by")
        ),
        label="Proposed by",
    )
    # "Awaiting my sign-off": proposed by someone else (a simpler test than
    # services.verdict_contributors, which also counts who changed the verdict since).
    not_proposer = django_filters.ModelChoiceFilter(
        field_name="proposed_by",
        queryset=get_user_model().objects.all(),
        exclude=True,
        label="Not proposed by",
    )
    assignee = django_filters.ModelChoiceFilter(
        field_name="assigned_to",
        queryset=get_user_model().objects.all(),
        null_label="Nobody",
        label="Assigned to",
    )
    updated = django_filters.DateFromToRangeFilter(field_name="updated_at", label="Last change")
    # The Insights page's week: the article's publication date, else the claim's creation.
    dated = django_filters.DateFromToRangeFilter(method="filter_dated", label="Dated")
    awaiting_sign_off = django_filters.BooleanFilter(
        method="filter_awaiting_sign_off", widget=forms.CheckboxInput, label="Awaiting sign-off"
    )
    sort = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in CLAIM_SORTS.items()],
        method="sort_by",
        label="Sort by",
    )

    # What the queue's form calls each half of a date range.
    range_labels = {
        "updated": ("Changed from", "Changed until"),
        "dated": ("Dated from", "Dated until"),
    }

    # Whether the claims are read a page at a time in the page's order (QueueFilter):
    # some filters are then spelled so that the database can walk that order.
    paged = False

    class Meta:
        model = Claim
        fields: list[str] = []
        form = QueryForm

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # The default order, which a valid `?sort=` replaces; an invalid one is ignored.
        queryset = queryset.order_by(*CLAIM_SORTS[DEFAULT_CLAIM_SORT][1])
        return super().filter_queryset(queryset)

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Full-text search (factcheck.search): words, "phrases" and prefix*.
        value = value.strip()
        return queryset.search(value) if value else queryset

    def filter_source_type(self, queryset: QuerySet, name: str, value: SourceType) -> QuerySet:
        typed = _attributions().filter(source__source_type=value)
        if value.slug == UNATTRIBUTED:
            # PRODUCT.md: a claim with no attribution counts as the outlet's own assertion.
            # Asked claim by claim (a scalar subquery each), so the database walks the
            # page's order: PostgreSQL would answer an EXISTS under OR by hashing every
            # attribution of the type first (1.2 s on a million claims).
            return queryset.alias(
                first_typed=Subquery(typed.order_by().values("pk")[:1]),
                first_any=Subquery(_attributions().order_by().values("pk")[:1]),
            ).filter(Q(first_typed__isnull=False) | Q(first_any__isnull=True))
        return queryset.filter(Exists(typed))

    def filter_source(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        # One source has few claims: IN lets the database start from the
        # source's attributions rather than test every claim (see benchmark_queue).
        return queryset.filter(
            pk__in=Attribution.objects.filter(source_id=value).values("claim_id")
        )

    def filter_anonymity(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        anonymous = Exists(_attributions().filter(source__is_anonymous=True))
        if value == "anonymous":
            return queryset.filter(anonymous)
        unexplained = Exists(_attributions().filter(source__is_anonymous=True, anonymity_reason=""))
        if value == "unexplained":
            return queryset.filter(unexplained)
        if value == "explained":
            return queryset.filter(anonymous, ~unexplained)
        return queryset.filter(Exists(_attributions()), ~anonymous)

    def filter_outlet(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if self.paged and connection.vendor == "sqlite" and _is_common_outlet(value):
            # SQLite's statistics give every outlet the same share of articles, so it
            # would list an outlet's claims by article and sort them all (142 ms for
            # one outlet in 25 on a million claims). For an outlet this common, a
            # test of each claim's article lets it walk the page's order (3 ms); a
            # join would first scan every article for a Bloom filter (230 ms).
            return queryset.filter(
                Exists(Article.objects.filter(pk=OuterRef("article_id"), outlet=value))
            )
        return queryset.filter(article__outlet=value)

    def filter_intermediary(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(
            pk__in=Attribution.objects.filter(intermediary_id=value).values("claim_id")
        )

    def filter_source_count(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "0":
            return queryset.filter(~Exists(_attributions()))
        cited = Attribution.objects.values("claim_id").annotate(n=Count("pk"))
        cited = cited.filter(n=1) if value == "1" else cited.filter(n__gte=2)
        return queryset.filter(pk__in=cited.values("claim_id"))

    def filter_dated(self, queryset: QuerySet, name: str, value: slice) -> QuerySet:
        """Claims whose `claim_date()` falls in the range, spelled so indexes can serve it.

        The article's publication date, or for an article without one the
        claim's creation, in whole UTC days. (The range field hands over the
        first and last moment of its days.)
        """
        published, created = Q(), Q(article__published_on__isnull=True)
        if value.start is not None:
            first = value.start.date()
            published &= Q(article__published_on__gte=first)
            created &= Q(created_at__gte=datetime.combine(first, time.min, tzinfo=UTC))
        if value.stop is not None:
            last = value.stop.date()
            published &= Q(article__published_on__lte=last)
            if last < date.max:  # the calendar's last day has no day after it
                after = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
                created &= Q(created_at__lt=after)
        return queryset.filter(published | created)

    def filter_awaiting_sign_off(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.awaiting_sign_off() if value else queryset

    def sort_by(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        keys = CLAIM_SORTS[value][1]
        if "workflow_step" in keys:
            queryset = queryset.alias(workflow_step=workflow_step())
        return queryset.order_by(*keys)


class QueueFilter(ClaimFilter):
    """The queue's filters, for a page of claims read in the page's order."""

    paged = True


def _actions() -> list[tuple[str, str]]:
    """The actions present in the history, each labelled in words, in the order of the words."""
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return sorted(((action, action_label(action)) for action in actions), key=lambda c: c[1])


def _object_types() -> list[tuple[str, str]]:
    types = (
        AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )
    return [(object_type, object_type.replace("_", " ")) for object_type in types]


class AuditEventFilter(django_filters.FilterSet):
    """Narrow the audit feed by person, article, claim, action, object type and date."""

    actor = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.all(), label="Person"
    )
    article = IdFilter(field_name="article_id", label="Article")
    claim = IdFilter(field_name="claim_id", label="Claim")
    action = django_filters.ChoiceFilter(choices=_actions, label="Action")
    object_type = django_filters.ChoiceFilter(choices=_object_types, label="Object")
    created = django_filters.DateFromToRangeFilter(field_name="created_at", label="Date")

    # What the activity feed's form calls each half of the date range.
    range_labels = {"created": ("From", "Until")}

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = QueryForm


def errors_of(
    filterset: Any, *, ignore: Iterable[str] = (), with_parameters: bool = False
) -> list[tuple[str, str]]:
    """The filter form's errors as (field as the page labels it, message) pairs.

    `with_parameters` adds the query parameter after the label ("From
    (created_after)"), for a download address typed or scripted by hand.
    """
    form = filterset.form
    labels = getattr(filterset, "range_labels", {})
    errors = []
    for name, problems in form.errors.items():
        if name in ignore:
            continue
        field = form.fields.get(name)
        message = " ".join(problems)
        halves = _bad_halves(form, name, field, labels.get(name))
        if not halves:
            label = field.label if field is not None and field.label else name
            halves = [(label, name)]
        for label, parameter in halves:
            errors.append((f"{label} ({parameter})" if with_parameters else label, message))
    return errors


def _bad_halves(form: forms.Form, name: str, field: Any, labels: Any) -> list[tuple[str, str]]:
    """Name the half of a from–until range that cannot be read ("Changed from")."""
    if not labels or not isinstance(field, forms.MultiValueField):
        return []
    bad = []
    for suffix, part, label in zip(field.widget.suffixes, field.fields, labels, strict=True):
        try:
            part.clean(form.data.get(f"{name}_{suffix}"))
        except forms.ValidationError:
            bad.append((label, f"{name}_{suffix}"))
    return bad


def shareable(query: QueryDict) -> QueryDict:
    """Drop the empty fields a submitted filter form sends, so the address stays short."""
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        if key not in PAGING and (values := [value for value in values if value.strip()]):
            kept.setlist(key, values)
    return kept


# Pages beyond this are refused as page 1.
MAX_PAGE = 100_000
# `?page=N` without a cursor is read by OFFSET, which costs what skipping the
# rows before it costs; it is honoured only this far (a bookmark, a link typed
# by hand). Pages further on are reached by their cursor (`?after=`), which
# costs what page 1 costs, and carry their number only as a label.
MAX_OFFSET_PAGE = 20
# The query parameters of paging, which a list's filters never read.
PAGING = ("page", "after", "before")


@dataclass
class Page:
    """One page of a list, known to have a next page without counting the whole list.

    `number` is a label carried in the address (None where it is not known);
    `next_cursor` and `previous_cursor` are the addresses of the pages beside it.
    """

    items: list[Any]
    number: int | None
    size: int
    has_next: bool
    has_previous: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None
    after: str | None = None
    before: str | None = None

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.number else None

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.number and self.number > 1 else None

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items and self.number else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.size + len(self.items) if self.number else 0


def page_number(value: Any) -> int:
    """Read a `?page=`: anything but a whole number from 1 to MAX_PAGE is page 1."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= MAX_PAGE else 1


def page_of(queryset: QuerySet, number: Any, size: int) -> Page:
    """Fetch page `number` (1-based) by OFFSET, reading one row past it instead of a COUNT(*)."""
    number = page_number(number)
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    return Page(
        items=rows[:size],
        number=number,
        size=size,
        has_next=len(rows) > size,
        has_previous=number > 1,
    )


# -- Keyset paging -------------------------------------------------------------
#
# A page after (or before) a row is read as "the rows past its sort key", so the
# database seeks in the index the order follows instead of skipping rows: page
# 1,000 costs what page 1 costs, and a claim added meanwhile moves no row from
# one page to the next (https://use-the-index-luke.com/no-offset).

# Keys that are computed, not read off the row: how to read them off a row.
COMPUTED_KEYS = {
    "workflow_step": lambda row: list(VerificationStatus).index(row.status),
}


def _name(key: str) -> str:
    return key.removeprefix("-")


def _value_of(row: Any, key: str) -> Any:
    name = _name(key)
    if name in COMPUTED_KEYS:
        return COMPUTED_KEYS[name](row)
    value = row
    for part in name.split("__"):
        value = getattr(value, part if part != "pk" else "pk")
    return value


# A cursor is signed (django.core.signing) with a salt naming the list and its
# order, so only the server's own cursors are read, each only by the order it was
# made for: a cursor edited by hand could otherwise carry any value to the
# database (a year-1 time at +05:00 overflows on SQLite, a lone surrogate, a
# 20-digit id). https://docs.djangoproject.com/en/6.1/topics/signing/
CURSOR_SEPARATOR = "."  # not ":", which an address would carry as %3A
# Longer than any cursor the server makes (a 500-character title escaped in JSON).
MAX_CURSOR_LENGTH = 10_000
UNREADABLE_CURSOR = (
    "This page link was not made by the workbench, or was cut short or changed, "
    "so no page can be read from it. Open the list again from its first page."
)


class UnreadableCursor(ValueError):
    """A page link (`?after=` or `?before=`) that is not one of the server's own."""

    def __init__(self, parameter: str):
        super().__init__(UNREADABLE_CURSOR)
        self.parameter = parameter

    @property
    def error(self) -> tuple[str, str]:
        """The refusal as a (label, message) pair, beside the filters' own errors."""
        return (f"Page link ({self.parameter})", UNREADABLE_CURSOR)


def _is_surrogate(character: str) -> bool:
    # Half of a UTF-16 pair alone: no database stores it as text.
    return "\ud800" <= character <= "\udfff"


def _fits(field: Any, value: int) -> bool:
    """Whether an integer is in the range of the field's column (ids are 64-bit, offsets 32)."""
    if field.is_relation:
        field = field.target_field  # a foreign key's column holds the id it points to
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return (low is None or low <= value) and (high is None or value <= high)


def cursor_signer(model: Any, keys: Iterable[str]) -> signing.Signer:
    """The signer of the cursors of a list of `model` in the order of `keys`."""
    salt = f"factcheck.cursor:{model._meta.label_lower}:{','.join(keys)}"
    return signing.Signer(salt=salt, sep=CURSOR_SEPARATOR)


def cursor_of(row: Any, keys: Iterable[str]) -> str:
    """The cursor that names a row's place in an order: its sort keys, signed, URL-safe."""
    keys = tuple(keys)
    values = [_value_of(row, key) for key in keys]
    return cursor_signer(type(row), keys).sign_object(
        [v.isoformat() if hasattr(v, "isoformat") else v for v in values]
    )


def _key_field(queryset: QuerySet, name: str) -> Any:
    if name in queryset.query.annotations:
        return queryset.query.annotations[name].output_field
    model, parts = queryset.model, name.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return model._meta.pk if parts[-1] == "pk" else model._meta.get_field(parts[-1])


def read_cursor(queryset: QuerySet, keys: Sequence[str], cursor: Any) -> list[Any] | None:
    """The sort keys a cursor of this list and order holds, each read by its field.

    None for anything but a cursor the server signed for this order.
    """
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        values = cursor_signer(queryset.model, keys).unsign_object(cursor)
        if not isinstance(values, list) or len(values) != len(keys):
            return None
        read = []
        for key, value in zip(keys, values, strict=True):
            # The server signs only what it read off a row; these checks keep a
            # cursor it should not have made from reaching the database all the same.
            if not isinstance(value, str | int) or isinstance(value, bool):
                return None
            if isinstance(value, str) and any(c == "\x00" or _is_surrogate(c) for c in value):
                return None
            field = _key_field(queryset, _name(key))
            value = field.get_prep_value(field.to_python(value))
            if isinstance(value, int) and not _fits(field, value):
                return None
            if isinstance(value, datetime) and value.tzinfo is not None:
                # In UTC, as the database holds it: a moment UTC cannot hold
                # overflows here, and no offset PostgreSQL refuses (+23:59) is sent.
                value = value.astimezone(UTC)
            read.append(value)
    except (
        signing.BadSignature,
        ValidationError,
        ValueError,
        TypeError,
        LookupError,
        AttributeError,
        OverflowError,
    ):
        return None
    return read


def _past(keys: Sequence[str], values: list[Any], forward: bool) -> list[Q]:
    """The rows past a cursor, as one condition per key, the closest rows' condition first.

    Rows past (a, b, id) are: a = A and b = B and id past ID, or a = A and b past
    B, or a past A; in the order, all rows of the first come before the second's.
    """
    terms = []
    for depth, key in enumerate(keys):
        same = {_name(k): v for k, v in zip(keys[:depth], values[:depth], strict=True)}
        op = "lt" if key.startswith("-") == forward else "gt"
        terms.append(Q(**same, **{f"{_name(key)}__{op}": values[depth]}))
    return terms[::-1]


def _read_past(
    queryset: QuerySet, keys: Sequence[str], values: list[Any], forward: bool, limit: int
) -> list[Any]:
    terms = _past(keys, values, forward)
    if len({key.startswith("-") for key in keys}) == 1:
        if not forward:
            queryset = queryset.reverse()
        # One direction: one query. The bound on the first key lets the
        # database seek to the cursor; the OR alone would be read row by row.
        op = "lte" if keys[0].startswith("-") == forward else "gte"
        bound = Q(**{f"{_name(keys[0])}__{op}": values[0]})
        past = terms[0]
        for term in terms[1:]:
            past |= term
        return list(queryset.filter(bound, past)[:limit])
    # Mixed directions (the status sort: step up, last change down): no single
    # range of the index holds the rows past the cursor, so read each term's
    # range in turn, the closest first, until the page is full.
    # Within a term the keys before its own are fixed, so it is ordered by the
    # rest: SQLite does not see that a fixed computed key needs no sorting.
    rows: list[Any] = []
    for depth, term in zip(range(len(keys) - 1, -1, -1), terms, strict=True):
        order = [key if forward else _flip(key) for key in keys[depth:]]
        rows += queryset.filter(term).order_by(*order)[: limit - len(rows)]
        if len(rows) >= limit:
            break
    return rows


def _flip(key: str) -> str:
    return key[1:] if key.startswith("-") else f"-{key}"


def keyset_page(queryset: QuerySet, query: QueryDict, size: int) -> Page:
    """The page of `queryset` the address asks for: after or before a cursor, or by number.

    The queryset's order must end with a unique key (the id), so that every row
    has one place in it. A cursor that is not the server's own for this order
    raises UnreadableCursor: the person is told, rather than shown another page.
    """
    if queryset.query.is_empty():
        # Nothing to list (the filters were refused): no cursor needs reading.
        return Page(items=[], number=1, size=size, has_next=False, has_previous=False)
    keys = tuple(queryset.query.order_by)
    label = page_number(query.get("page")) if query.get("page") else None
    for direction in ("after", "before"):
        cursor = query.get(direction)
        if not cursor:
            continue
        values = read_cursor(queryset, keys, cursor)
        if values is None:
            raise UnreadableCursor(direction)
        forward = direction == "after"
        rows = _read_past(queryset, keys, values, forward, size + 1)
        more = len(rows) > size
        items = rows[:size] if forward else rows[:size][::-1]
        if forward:
            number = label if label and label > 1 else None
            has_next, has_previous = more, True
        else:
            number = label if more else 1
            has_next, has_previous = True, more
        page = Page(
            items=items,
            number=number,
            size=size,
            has_next=has_next,
            has_previous=has_previous,
            after=cursor if forward else None,
            before=None if forward else cursor,
        )
        return _with_cursors(page, keys)
    number = page_number(query.get("page"))
    if number > MAX_OFFSET_PAGE:
        # Too far to skip to: the first page.
        number = 1
    return _with_cursors(page_of(queryset, number, size), keys)


def cursor_errors(queryset: QuerySet, query: QueryDict) -> list[tuple[str, str]]:
    """The page links of `query` that are not the server's own for this list and order."""
    keys = tuple(queryset.query.order_by)
    return [
        UnreadableCursor(direction).error
        for direction in ("after", "before")
        if query.get(direction) and read_cursor(queryset, keys, query[direction]) is None
    ]


def _with_cursors(page: Page, keys: Sequence[str]) -> Page:
    if page.items and page.has_next:
        page.next_cursor = cursor_of(page.items[-1], keys)
    # The page before page 2 is the first page, which needs no cursor.
    if page.items and page.has_previous and page.previous_number != 1:
        page.previous_cursor = cursor_of(page.items[0], keys)
    return page
