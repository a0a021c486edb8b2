"""Turn files into articles, and reference annotations into claims, through the services.

Plain functions shared by `manage.py import_articles` and the web upload form.
Parsing never writes and raises `ImportRejected` with a reason a person can act
on; importing calls `factcheck.services`, so every change is validated and
audited like any other.
"""

import datetime
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trafilatura
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models.functions import Lower
from markdown_it import MarkdownIt
from markdown_it.token import Token

from factcheck import services
from factcheck.models import Article, Attribution, Claim, QuoteMode, Source, SourceType

ANNOTATIONS_SUFFIX = ".annotations.json"
# Mentions that refer to a source without naming it, so never become aliases.
PRONOUNS = frozenset(
    {"he", "she", "they", "it", "him", "her", "them", "we", "us", "i", "you", "this", "that"}
)
ARTICLES = frozenset({"a", "an", "the"})


class ImportRejected(Exception):
    """A file or an annotation entry cannot be imported; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedArticle:
    """An article read from a file, not yet saved."""

    title: str
    text: str
    outlet: str = ""
    url: str = ""
    published_on: datetime.date | None = None
    language: str = "en"
    position: int | None = None  # index in a JSON list of articles


@dataclass(frozen=True)
class ImportOutcome:
    """The article a parsed file became, and whether this import created it."""

    article: Article
    created: bool


@dataclass(frozen=True)
class Annotation:
    """One entry of a reference annotation file: a claim and who it is attributed to."""

    claim: str
    claim_span: tuple[int, int]
    source_type: str
    quote: str
    source: str | None = None
    source_span: tuple[int, int] | None = None
    cue: str = ""
    cue_span: tuple[int, int] | None = None
    via: str | None = None
    canonical_source: str | None = None
    affiliation: str = ""


@dataclass
class AnnotationsOutcome:
    """What loading one annotation file touched: {pk: created} per kind, and failed entries."""

    claims: dict[int, bool] = field(default_factory=dict)
    attributions: dict[int, bool] = field(default_factory=dict)
    sources: dict[int, bool] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """Describe the counts as one line: "18 claims (18 new), …"."""
        return ", ".join(
            f"{len(touched)} {name} ({sum(touched.values())} new)"
            for name, touched in (
                ("claims", self.claims),
                ("attributions", self.attributions),
                ("sources", self.sources),
            )
        )


# ---------------------------------------------------------------------------
# Reading files


def is_annotations_file(name: str) -> bool:
    """Tell whether a file name is a reference annotation file rather than an article."""
    return name.lower().endswith(ANNOTATIONS_SUFFIX)


def collect_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Expand folders into their files (recursive, sorted, no dotfiles or annotation files)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(_walk(path)))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _walk(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        for name in files:
            if not name.startswith(".") and not is_annotations_file(name):
                yield Path(root, name)


def read_article_file(path: Path, *, max_bytes: int) -> list[ParsedArticle]:
    """Parse an article file from disk, refusing a missing, unsupported or oversized one unread."""
    _check_is_file(path)
    _parser_for(path.name)
    return parse_upload(path.name, _read_limited(path, max_bytes), max_bytes=max_bytes)


def read_annotations_file(path: Path, *, max_bytes: int) -> list[Any]:
    """Read an annotation file from disk and return its raw claim entries."""
    _check_is_file(path)
    return parse_annotations(_read_limited(path, max_bytes), max_bytes=max_bytes)


def annotations_path_for(path: Path) -> Path | None:
    """Return the `<stem>.annotations.json` beside a .txt article, if there is one."""
    if path.suffix.lower() != ".txt":
        return None
    sibling = path.with_name(path.stem + ANNOTATIONS_SUFFIX)
    return sibling if sibling.is_file() else None


def _check_is_file(path: Path) -> None:
    if not path.exists():
        raise ImportRejected("no such file or folder")
    if not path.is_file():
        raise ImportRejected("not a regular file")


def _read_limited(path: Path, max_bytes: int) -> bytes:
    """Check the size on disk first, then read at most one byte past the limit."""
    try:
        _check_size(path.stat().st_size, max_bytes)
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise ImportRejected(f"cannot be read: {error.strerror or error}") from error
    _check_size(len(data), max_bytes)
    return data


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ImportRejected(f"too large: {size:,} bytes, over the limit of {max_bytes:,} bytes")


def decode_utf8(data: bytes) -> str:
    """Decode strict UTF-8 (no lone surrogates either), or say which byte is wrong."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportRejected(
            f"not UTF-8: byte 0x{data[error.start]:02X} at offset {error.start} "
            "cannot be decoded; save the file as UTF-8"
        ) from error


def decode_text(data: bytes) -> str:
    """Decode a file's bytes as UTF-8 text, refusing empty, binary and non-UTF-8 content."""
    if not data:
        raise ImportRejected("the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRejected("UTF-16 text; save the file as UTF-8")
    if b"\x00" in data:
        raise ImportRejected("binary file (it contains NUL bytes), not text")
    text = decode_utf8(data).removeprefix("\ufeff")
    if not text.strip():
        raise ImportRejected("the file is empty (only whitespace)")
    return text


# ---------------------------------------------------------------------------
# Parsing articles


def parse_upload(name: str, data: bytes, *, max_bytes: int) -> list[ParsedArticle]:
    """Parse an uploaded file by its extension into the articles it holds."""
    parser = _parser_for(name)
    _check_size(len(data), max_bytes)
    articles = parser(decode_text(data))
    for article in articles:
        where = "" if article.position is None else f"item {article.position}: "
        for field_name in ("title", "text", "outlet", "url", "language"):
            _check_storable(getattr(article, field_name), name=field_name, where=where)
    return articles


def _parser_for(name: str) -> Callable[[str], list[ParsedArticle]]:
    if is_annotations_file(name):
        raise ImportRejected("an annotation file, not an article; it is read with --annotations")
    suffix = Path(name).suffix.lower()
    parsers: dict[str, Callable[[str], list[ParsedArticle]]] = {
        ".txt": parse_txt,
        ".md": parse_markdown,
        ".html": parse_html,
        ".htm": parse_html,
        ".json": parse_json,
    }
    if suffix not in parsers:
        raise ImportRejected(
            f"unsupported file type “{suffix or name}”: expected .txt, .md, .html, .htm or .json"
        )
    return parsers[suffix]


def parse_txt(text: str) -> list[ParsedArticle]:
    """Read plain text: the first line is the title, the whole text is the body."""
    return [ParsedArticle(title=_first_line(text), text=text)]


def parse_markdown(text: str) -> list[ParsedArticle]:
    """Read Markdown as the text a reader sees: the title is the first `# ` heading (or line).

    The body is rendered to plain text (`markdown_to_text`), so claim offsets
    point into words, not into `#`, `*` or link targets.
    """
    tokens = MarkdownIt("commonmark").parse(text)
    title = next(
        (
            _inline_text(tokens[index + 1])
            for index, token in enumerate(tokens)
            if token.type == "heading_open" and token.tag == "h1"
        ),
        "",
    ).strip()
    body = _blocks_to_text(tokens)
    if not body:
        raise ImportRejected("the file is empty (no text once Markdown is removed)")
    return [ParsedArticle(title=title or _first_line(body), text=body)]


def markdown_to_text(text: str) -> str:
    """Render Markdown as plain text: blocks apart by a blank line, each list item one line.

    Headings keep their text, emphasis and links keep theirs without markers or
    targets, images keep their alt text, code keeps its content.
    """
    return _blocks_to_text(MarkdownIt("commonmark").parse(text))


def _blocks_to_text(tokens: list[Token]) -> str:
    blocks: list[str] = []
    list_lines: list[str] = []
    list_depth = 0
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
            continue
        if token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            if list_depth == 0 and list_lines:
                blocks.append("\n".join(list_lines))
                list_lines = []
            continue
        if token.type == "inline":
            content = _inline_text(token).strip()
        elif token.type in ("fence", "code_block"):
            content = token.content.rstrip("\n")
        elif token.type == "html_block":
            content = BeautifulSoup(token.content, "html.parser").get_text().strip()
        else:
            continue
        if not content:
            continue
        (list_lines if list_depth else blocks).append(content)
    return "\n\n".join(blocks)


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


def parse_html(html: str) -> list[ParsedArticle]:
    """Extract an HTML page's main text and metadata with trafilatura, leaving navigation out."""
    extracted = trafilatura.extract(html, output_format="json", with_metadata=True)
    meta = json.loads(extracted) if extracted else {}
    body = (meta.get("text") or "").strip()
    if not body:
        raise ImportRejected("no article text found")
    soup = BeautifulSoup(html, "html.parser")
    title = meta.get("title") or (soup.title.get_text(" ", strip=True) if soup.title else "")
    language = meta.get("language") or (soup.html.get("lang") if soup.html else None) or "en"
    return [
        ParsedArticle(
            title=title or _first_line(body),
            text=body,
            outlet=meta.get("source-hostname")
            or meta.get("sitename")
            or meta.get("hostname")
            or "",
            url=_web_address_or_blank(meta.get("url") or meta.get("source")),
            published_on=_date_or_none(meta.get("date")),
            language=str(language)[:16],
        )
    ]


def load_json(text: str) -> Any:
    """Parse JSON text, refusing with a reason what Python's parser raises on."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRejected(
            f"invalid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from error
    except RecursionError as error:
        raise ImportRejected("invalid JSON: lists or objects nested too deeply") from error
    except ValueError as error:
        # Python reads integers of at most 4,300 digits (sys.get_int_max_str_digits).
        raise ImportRejected("invalid JSON: it holds a number too long to read") from error


def parse_json(text: str) -> list[ParsedArticle]:
    """Read a JSON object, or a list of them, with `text` and optional metadata."""
    data = load_json(text)
    if isinstance(data, list):
        if not data:
            raise ImportRejected("the JSON list holds no articles")
        most = settings.FACTCHECK_IMPORT_MAX_ARTICLES
        if len(data) > most:
            raise ImportRejected(
                f"{len(data):,} articles, over the limit of {most:,} in one file; "
                "split the list into several files"
            )
        return [_article_from_json(item, position=i) for i, item in enumerate(data)]
    return [_article_from_json(data, position=None)]


def _article_from_json(item: Any, *, position: int | None) -> ParsedArticle:
    where = "" if position is None else f"item {position}: "
    if not isinstance(item, dict):
        raise ImportRejected(f"{where}expected a JSON object with a “text” field")
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ImportRejected(f"{where}the JSON has no article “text”")
    strings = {}
    for name in ("title", "outlet", "url", "language"):
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise ImportRejected(f"{where}“{name}” must be a string")
        strings[name] = value or ""
    published_on = item.get("published_on", item.get("date"))
    for name, value in [("text", text), *strings.items(), ("date", published_on)]:
        if isinstance(value, str):
            _check_storable(value, name=name, where=where)
    try:
        published_on = _iso_date(published_on) if published_on else None
    except ImportRejected as error:
        raise ImportRejected(f"{where}{error.reason}") from error
    return ParsedArticle(
        title=strings["title"] or _first_line(text),
        text=text,
        outlet=strings["outlet"],
        url=strings["url"],
        published_on=published_on,
        language=strings["language"] or "en",
        position=position,
    )


def _check_storable(value: str, *, name: str, where: str) -> None:
    """Refuse what no database stores as text: NUL, and lone UTF-16 surrogates (\\ud800)."""
    if "\x00" in value:
        raise ImportRejected(
            f"{where}“{name}” holds a NUL character (\\u0000), which cannot be stored"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ImportRejected(
            f"{where}“{name}” holds a lone surrogate (\\u{ord(value[error.start]):04x}), "
            "which is not text"
        ) from error


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _iso_date(value: Any) -> datetime.date:
    """Read an ISO date ("2024-07-08") or date-time ("2024-07-08T10:00:00Z")."""
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            try:
                return datetime.datetime.fromisoformat(value.strip()).date()
            except ValueError:
                pass
    raise ImportRejected(f"bad date “{value}”: expected an ISO date such as 2024-07-08")


def _date_or_none(value: Any) -> datetime.date | None:
    """Read the date a page's metadata gives, ignoring one that is not an ISO date."""
    try:
        return _iso_date(value) if value else None
    except ImportRejected:
        return None


def _web_address_or_blank(value: Any) -> str:
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value


# ---------------------------------------------------------------------------
# Importing articles


def import_parsed(parsed: ParsedArticle, *, actor, suggest: bool = True) -> ImportOutcome:
    """Create the article through the services, or find the one that already has its text.

    A new article is queued for attribution suggestions (a background task: the
    import does not wait for it) unless `suggest` is off.
    """
    try:
        article = services.article_create(
            actor=actor,
            title=parsed.title,
            text=parsed.text,
            outlet=parsed.outlet,
            url=parsed.url,
            published_on=parsed.published_on,
            language=parsed.language,
        )
    except services.DuplicateArticle as duplicate:
        return ImportOutcome(article=duplicate.existing, created=False)
    if suggest:
        services.suggestions_request(actor=actor, article=article)
    return ImportOutcome(article=article, created=True)


# ---------------------------------------------------------------------------
# Reference annotations


def parse_annotations(data: bytes, *, max_bytes: int) -> list[Any]:
    """Read an annotation file and return its raw `claims` entries."""
    _check_size(len(data), max_bytes)
    content = load_json(decode_text(data))
    claims = content.get("claims") if isinstance(content, dict) else None
    if not isinstance(claims, list):
        raise ImportRejected("expected a JSON object with a “claims” list")
    return claims


def annotation_from(entry: Any) -> Annotation:
    """Check the shape of one raw annotation entry and return it typed."""
    if not isinstance(entry, dict):
        raise ImportRejected("an entry must be a JSON object")
    claim = entry.get("claim")
    if not isinstance(claim, str) or not claim:
        raise ImportRejected("“claim” must be the claim's text")
    mention = _optional_string(entry, "source")
    source = mention if mention.strip() else ""
    canonical = " ".join(_optional_string(entry, "canonical_source").split()) or None
    if source and not canonical:
        raise ImportRejected("an attributed claim needs a “canonical_source”")
    quote = entry.get("quote") or QuoteMode.PARAPHRASE
    if quote not in QuoteMode.values:
        raise ImportRejected(f"“quote” must be one of {', '.join(QuoteMode.values)}")
    return Annotation(
        claim=claim,
        claim_span=_span(entry, "claim_span"),
        source_type=_optional_string(entry, "source_type").strip(),
        quote=quote,
        source=source or None,
        source_span=_span(entry, "source_span") if entry.get("source_span") is not None else None,
        cue=_optional_string(entry, "cue"),
        cue_span=_span(entry, "cue_span") if entry.get("cue_span") is not None else None,
        via=" ".join(_optional_string(entry, "via").split()) or None,
        canonical_source=canonical,
        affiliation=_optional_string(entry, "affiliation"),
    )


def _optional_string(entry: dict, name: str) -> str:
    """Return a string field as written (mentions must match the text exactly), or ""."""
    value = entry.get(name)
    if value is not None and not isinstance(value, str):
        raise ImportRejected(f"“{name}” must be a string or null")
    return value or ""


def _span(entry: dict, name: str) -> tuple[int, int]:
    value = entry.get(name)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in value)
    ):
        raise ImportRejected(f"“{name}” must be [start, end], two whole numbers")
    return value[0], value[1]


def is_proper_name(mention: str) -> bool:
    """Tell a name ("Kirby") from a pronoun ("he") or a description ("the group")."""
    words = mention.split()
    if not words or mention[0].islower():
        return False
    return mention.casefold() not in PRONOUNS and words[0].casefold() not in ARTICLES


def find_source(name: str) -> Source | None:
    """Find a registry entry by its name or one of its aliases, ignoring case."""
    name = " ".join(name.split())
    by_name = (
        Source.objects.annotate(lower_name=Lower("name")).filter(lower_name=name.lower()).first()
    )
    if by_name is not None:
        return by_name
    folded = name.casefold()
    return next(
        (
            source
            for source in Source.objects.exclude(aliases=[]).order_by("pk")
            if folded in {alias.casefold() for alias in source.aliases}
        ),
        None,
    )


def import_annotations(
    article: Article, entries: list[Any], *, actor, reason: str = ""
) -> AnnotationsOutcome:
    """Load annotation entries into an article, each entry all-or-nothing, skipping what exists."""
    outcome = AnnotationsOutcome()
    annotations: list[tuple[int, Annotation]] = []
    for index, entry in enumerate(entries):
        try:
            annotations.append((index, annotation_from(entry)))
        except ImportRejected as error:
            outcome.errors.append((index, error.reason))
    aliases = _aliases_by_source(annotation for _, annotation in annotations)
    for index, annotation in annotations:
        try:
            with transaction.atomic():
                _apply_annotation(
                    article, annotation, aliases=aliases, actor=actor, reason=reason, into=outcome
                )
        except ImportRejected as error:
            outcome.errors.append((index, error.reason))
        except services.DomainError as error:
            outcome.errors.append((index, error.message))
    outcome.errors.sort()
    return outcome


def _aliases_by_source(annotations: Iterable[Annotation]) -> dict[str, list[str]]:
    """Collect, per canonical source, the mentions that name it another way."""
    aliases: dict[str, list[str]] = {}
    for annotation in annotations:
        if annotation.canonical_source and annotation.source:
            names = aliases.setdefault(annotation.canonical_source.casefold(), [])
            if is_proper_name(annotation.source) and annotation.source not in names:
                names.append(annotation.source)
    return aliases


def _apply_annotation(
    article: Article,
    annotation: Annotation,
    *,
    aliases: dict[str, list[str]],
    actor,
    reason: str,
    into: AnnotationsOutcome,
) -> None:
    """Write one entry's claim, sources and attribution; record what it touched in `into`."""
    source_type = _source_type(annotation.source_type)
    claim, claim_created = _claim_for(article, annotation, actor=actor, reason=reason)
    touched: dict[str, dict[int, bool]] = {
        "claims": {claim.pk: claim_created},
        "sources": {},
        "attributions": {},
    }
    if annotation.source:
        source, created = _source_for(
            annotation.canonical_source,
            source_type=source_type,
            affiliation=annotation.affiliation,
            aliases=aliases.get(annotation.canonical_source.casefold(), []),
            actor=actor,
        )
        touched["sources"][source.pk] = created
        intermediary = None
        if annotation.via:
            intermediary, created = _source_for(
                annotation.via,
                source_type=_source_type("news_agency"),
                actor=actor,
            )
            touched["sources"][intermediary.pk] = created
        attribution, created = _attribution_for(
            claim, source, annotation, intermediary=intermediary, actor=actor, reason=reason
        )
        touched["attributions"][attribution.pk] = created
    for kind, items in touched.items():
        known = getattr(into, kind)
        for pk, created in items.items():
            known[pk] = known.get(pk, False) or created


def _source_type(slug: str) -> SourceType:
    source_type = SourceType.objects.filter(slug=slug).first()
    if source_type is None:
        raise ImportRejected(f"unknown source type “{slug}”")
    return source_type


def _claim_for(
    article: Article, annotation: Annotation, *, actor, reason: str
) -> tuple[Claim, bool]:
    start, end = annotation.claim_span
    existing = Claim.objects.filter(article=article, start=start, end=end).first()
    if existing is None:
        claim = services.claim_create(
            actor=actor,
            article=article,
            start=start,
            end=end,
            text=annotation.claim,
            reason=reason,
        )
        return claim, True
    if existing.text != annotation.claim:
        raise ImportRejected(
            f"claim #{existing.pk} at {start}–{end} reads “{existing.text[:60]}”, "
            "not the annotation's text"
        )
    return existing, False


def _source_for(
    name: str,
    *,
    source_type: SourceType,
    affiliation: str = "",
    aliases: Iterable[str] = (),
    actor,
) -> tuple[Source, bool]:
    existing = find_source(name)
    if existing is not None:
        return existing, False
    source = services.source_create(
        actor=actor,
        name=name,
        source_type=source_type,
        affiliation=affiliation,
        is_anonymous=source_type.slug == "anonymous_official",
        aliases=aliases,
    )
    return source, True


def _attribution_for(
    claim: Claim,
    source: Source,
    annotation: Annotation,
    *,
    intermediary: Source | None,
    actor,
    reason: str,
) -> tuple[Attribution, bool]:
    existing = claim.attributions.filter(source=source).first()
    if existing is not None:
        return existing, False
    mention_start, mention_end = annotation.source_span or (None, None)
    cue_start, cue_end = annotation.cue_span or (None, None)
    attribution = services.attribution_add(
        actor=actor,
        claim=claim,
        source=source,
        mention_start=mention_start,
        mention_end=mention_end,
        mention_text=annotation.source or "",
        cue=annotation.cue,
        cue_start=cue_start,
        cue_end=cue_end,
        quote_mode=annotation.quote,
        intermediary=intermediary,
        reason=reason,
    )
    return attribution, True
