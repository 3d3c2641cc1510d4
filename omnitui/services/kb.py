"""The knowledge base: a folder of Markdown articles, indexed in the store for search and for
suggestions on a case.

An article is a `.md` file anywhere under `[kb] path`, with optional YAML front matter
(`title`, `tags`, `language`); without a title, its first `# ` heading or its file name
stands in; without a language, intake's detector tells it from its text as it is indexed
(once a change of the file, not at each suggestion). The
index follows the folder: `sync` compares each file's modification time and size with what
it indexed and reads only what changed (the daemon does it every few seconds, `omnitui kb`
before it answers). A file it cannot read is named and skipped; the rest are indexed.

Suggestions read the case as an agent would: its subject and the customer's latest words,
their content words OR'ed into a full-text query, ranked by BM25 with the title weighing
most. They are in the case's language: another's only when none in it fits (those in `[kb]
fallback_language`), an article marked `language: any` and a queue's prepared one always.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from omnitui.config import KbSettings, QueueSettings, Settings
from omnitui.config.languages import LANGUAGES, UNDETERMINED, meant_language
from omnitui.records import record
from omnitui.store import kb as index

if TYPE_CHECKING:
    import frontmatter
from omnitui.store.cases import get_case, latest_customer_words
from omnitui.store.db import Store, StoreError
from omnitui.store.queries import fts_phrase
from omnitui.triage.language import language_of
from omnitui.triage.semantic import MODEL, Embedder, from_blobs, model_for, ranked, to_blob
from omnitui.triage.text import content_words, own_words

FRONT_KEY = re.compile(r"(title|tags|language)\s*:")  # an article's first line, as front
# matter's
ANY_LANGUAGE = "any"  # front matter's `language: any`: suggested to a case in any language
CANDIDATES = 20  # matches read for a suggestion, before those in other languages go


@record(frozen=True)
class Article:
    id: int
    path: str  # relative to the folder, with "/" between parts
    title: str
    tags: list[str]
    excerpt: str
    language: str  # ISO 639-1, "any" (marked for every language) or "und" (not told)
    score: float = 0.0  # higher: a better match (0 in a listing), on its `found_by`'s scale
    found_by: str = "words"  # words (full text), meaning (the semantic extra: 0 to 1), or
    # queue (the article its queue prepared): a suggestion's rows mix them, best first


@record
class KbSync:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unreadable: list[str] = field(default_factory=list)  # "path: why"


def sync(conn: sqlite3.Connection, folder: Path) -> KbSync:
    """Bring the index in step with the folder; run it inside a write transaction."""
    result = KbSync()
    known = index.indexed(conn)
    seen = set()
    for file in sorted(folder.rglob("*.md")) if folder.is_dir() else []:
        path = file.relative_to(folder).as_posix()
        seen.add(path)
        try:
            stat = file.stat()
            if (old := known.get(path)) and (old[1], old[2]) == (stat.st_mtime, stat.st_size):
                continue
            post = _read(file)
        except Exception as exc:  # unreadable, not UTF-8, broken YAML: skip it, say why
            result.unreadable.append(_why(path, exc))
            seen.discard(path)  # broken by an edit: out of the index until it reads again
            continue
        if old:
            index.remove(conn, old[0])
            result.changed += 1
        else:
            result.added += 1
        title, tags, body = _parts(post.metadata, post.content, file.stem)
        index.add(conn, path, title, tags, body, _language(post.metadata, title, body),
                  stat.st_mtime, stat.st_size)
    for path in known.keys() - seen:
        index.remove(conn, known[path][0])
        result.removed += 1
    return result


def unreadable(folder: Path) -> list[str]:
    """The articles of the folder that `sync` would skip, each "path: why" (doctor)."""
    found = []
    for file in sorted(folder.rglob("*.md")):
        try:
            _read(file)
        except Exception as exc:
            found.append(_why(file.relative_to(folder).as_posix(), exc))
    return found


def _read(file: Path) -> frontmatter.Post:
    """An article: its front matter and body (raises as the file, its UTF-8 or its YAML
    is broken). The parser takes front matter never opened or never closed for body, so
    its YAML would reach customers as the article's first paragraph, and front matter that
    is no mapping for none at all: each is refused."""
    import frontmatter  # only when there is a knowledge base
    import yaml

    text = file.read_text(encoding="utf-8")
    post = frontmatter.loads(text)
    fence = frontmatter.YAMLHandler.FM_BOUNDARY
    if post.metadata:
        _named_language(post.metadata)
        return post
    if not fence.match(text := text.strip()):
        if _unopened(text, fence):
            raise ValueError("front matter: no --- opens it: put a line of --- above its "
                             "first line")
        return post
    parts = fence.split(text, 2)
    if len(parts) < 3:
        raise ValueError("front matter: the --- that opens it is never closed: end it with a "
                         "line of ---")
    if yaml.safe_load(parts[1]) is not None:
        raise ValueError("front matter is not key: value lines (title: ..., tags: [...])")
    return post


def _unopened(text: str, fence: re.Pattern[str]) -> bool:
    """Front matter that lacks its opening ---: key: value lines from a first `title:` or
    `tags:` down to a line of ---. Only that block is read as YAML: a body that starts with
    a line "title: ..." and has a rule (---) further on was refused as front matter."""
    import yaml

    if not FRONT_KEY.match(text) or (end := fence.search(text)) is None:
        return False
    try:
        return isinstance(yaml.safe_load(text[:end.start()]), dict)
    except yaml.YAMLError:  # prose, not key: value lines
        return False


def _why(path: str, exc: Exception) -> str:
    """"path: why", whole and short, in the file's own lines: the parser's message, cut at
    120 characters, ended mid-string ("... in \"<unicode") and named no line of the file."""
    from yaml import MarkedYAMLError
    from yaml.reader import ReaderError

    if isinstance(exc, UnicodeDecodeError):
        return (f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                f"{exc.start:,}): save it as UTF-8")
    if isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None:
        line = exc.problem_mark.line + 1  # the parser's line 0 is the opening ---
        began = exc.context_mark.line + 1 if exc.context_mark else line  # what it parsed
        lines = f"line {line}" if began == line else f"lines {began}-{line}"
        return f"{path}: front matter {lines}: {exc.problem}"
    if isinstance(exc, ReaderError):  # ('in "<unicode string>", position 10')
        return (f"{path}: front matter: a control character (U+{exc.character:04X}): take "
                "it out")
    if isinstance(exc, OSError) and exc.strerror:
        return f"{path}: {exc.strerror}"
    return f"{path}: {' '.join(str(exc).split()) or type(exc).__name__}"


def refresh(store: Store, kb: KbSettings, model: Embedder | None = None) -> KbSync | None:
    """Bring the index in step with `[kb] path` (None: no knowledge base is set); a missing
    folder is a StoreError naming it. With the semantic `model`, the articles that lack its
    vector get one (embedded outside the write transaction)."""
    if not kb.path:
        return None
    folder = Path(kb.path).expanduser()
    if not folder.is_dir():
        raise StoreError(f"[kb] path {folder} is not a folder")
    with store.write() as conn:
        result = sync(conn, folder)
    if model is not None and (missing := index.unvectored(store.conn, MODEL)):
        found = model.embed([article_text(title, json.loads(tags), body)
                             for _, title, tags, body in missing])
        with store.write() as conn:
            for (article_id, *_), vector in zip(missing, found, strict=True):
                index.set_vector(conn, article_id, to_blob(vector), MODEL)
    return result


def article_text(title: str, tags: list[str], body: str) -> str:
    """What an article's vector is made of: its title, tags and opening (measured best in
    bench/kb_bench.py, ahead of the title alone or the whole body)."""
    return f"{title} {' '.join(tags)}\n{body[:400]}"


def _parts(meta: dict[str, object], body: str, stem: str) -> tuple[str, list[str], str]:
    heading = next((line[2:].strip() for line in body.splitlines() if line.startswith("# ")),
                   "")
    title = str(meta.get("title") or heading or stem.replace("-", " ").replace("_", " "))
    raw = meta.get("tags") or []
    tags = [str(t) for t in raw] if isinstance(raw, list) else str(raw).replace(",", " ").split()
    return title, tags, body


def _named_language(meta: dict[str, object]) -> str | None:
    """The front matter's `language:` as a code omnitui keeps ("German" and "de-AT" read
    "de"), None without one; a language omnitui never tells is refused, naming the file."""
    if "language" not in meta:
        return None
    said = str(meta["language"] or "").strip().lower()
    if said == ANY_LANGUAGE or said in LANGUAGES:
        return said
    if meant := meant_language(said):
        return meant
    raise ValueError(f"front matter: language {said!r} is none omnitui tells: write an ISO "
                     f"639-1 code such as \"en\" or \"de\", or \"{ANY_LANGUAGE}\"")


def _language(meta: dict[str, object], title: str, body: str) -> str:
    """The article's language: its front matter's, else told from its title and text by
    the detector intake reads customers' messages with (once, as it is indexed)."""
    return _named_language(meta) or language_of(f"{title}\n{body}")


def articles(conn: sqlite3.Connection) -> list[Article]:
    return [_article(row) for row in index.listing(conn)]


def search(conn: sqlite3.Connection, query: str, limit: int = 10) -> list[Article]:
    """Articles with every word of `query`, best first."""
    if not query.split():
        return []
    return [_article(row) for row in index.ranked(conn, fts_phrase(query), limit)]


def suggestions(conn: sqlite3.Connection, settings: Settings, case_id: int, limit: int = 2,
                *, wait: bool = True) -> list[Article]:
    """suggest_for as the config says: its queues' prepared articles, and meaning with the
    semantic extra (`wait=False` on a console's UI thread: only once the model is loaded)."""
    if not settings.kb.path:
        return []
    return suggest_for(conn, case_id, settings.queues, limit,
                       model=model_for(settings.semantic, wait=wait),
                       floor=settings.semantic.article_min_similarity,
                       fallback=settings.kb.fallback_language)


def suggest_for(conn: sqlite3.Connection, case_id: int,
                queues: Sequence[QueueSettings] = (), limit: int = 2, *,
                model: Embedder | None = None, floor: float = 1.0,
                fallback: str = "en") -> list[Article]:
    """The articles most likely to answer the case, best first: with the semantic `model`,
    those at least `floor` near the customer's words in meaning, then full-text matches,
    in the case's language (`in_language`); the article its queue has prepared (`[[queues]]
    article`: a fallback queue's, for cases that overflow into it) leads."""
    found = _matching(conn, case_id, CANDIDATES)
    if model is not None:
        near = _by_meaning(conn, case_id, model, floor, CANDIDATES)
        found = [*near, *[a for a in found if a.id not in {n.id for n in near}]]
    case = get_case(conn, case_id)
    found = in_language(found, case["language"] if case is not None else None,
                        fallback)[:limit]
    queue = next((q for q in queues if case is not None and q.name == case["queue"]), None)
    row = index.by_path(conn, queue.article) if queue is not None and queue.article else None
    if row is None:
        return found
    prepared = replace(_article(row), found_by="queue")
    return [prepared, *[a for a in found if a.id != prepared.id]][:limit]


def in_language(found: list[Article], language: str | None,
                fallback: str) -> list[Article]:
    """Of `found` (best first), those in the case's `language`, then those marked for any;
    when none in its language fits, those in `fallback` in their stead (an Italian customer
    was offered a French article). A case whose language is not told keeps them all."""
    if not language or language == UNDETERMINED:
        return found
    own = [a for a in found if a.language == language] or \
        [a for a in found if a.language == fallback]
    return [*own, *[a for a in found if a.language in (ANY_LANGUAGE, UNDETERMINED)]]


def _by_meaning(conn: sqlite3.Connection, case_id: int, model: Embedder, floor: float,
                limit: int) -> list[Article]:
    stored = index.vectors(conn, MODEL)
    subject, text, _, _ = latest_customer_words(conn, case_id)
    words = f"{subject} {own_words(text)}".strip()
    if not stored or not words:
        return []
    near = ranked(model.one(words), from_blobs([blob for _, blob in stored]), limit)
    rows = [(index.by_id(conn, stored[row][0]), score) for row, score in near
            if score >= floor]
    return [replace(_article(row), score=round(score, 3), found_by="meaning")
            for row, score in rows if row]


def _matching(conn: sqlite3.Connection, case_id: int, limit: int) -> list[Article]:
    subject, text, _, _ = latest_customer_words(conn, case_id)
    words = content_words(f"{subject} {own_words(text)}")
    if not words:
        return []
    match = " OR ".join(fts_phrase(w) for w in words)
    return [_article(row) for row in index.ranked(conn, match, limit)]


def _article(row: index.ArticleRow) -> Article:
    article_id, path, title, tags, body, language, score = row
    return Article(article_id, path, title, json.loads(tags), excerpt(body), language,
                   float(f"{score:.4g}"))


def excerpt(body: str, size: int = 300) -> str:
    """The article's first paragraph that is not a heading, at most `size` characters."""
    for paragraph in re.split(r"\n\s*\n", body):
        text = " ".join(line.strip() for line in paragraph.splitlines()
                        if not line.startswith("#")).strip()
        if text:
            return text if len(text) <= size else text[:size - 1].rsplit(" ", 1)[0] + "…"
    return ""


def insertion(kb: KbSettings, article: Article) -> str:
    """What a reply gets for the article: its link under `[kb] base_url`, else its
    excerpt."""
    if kb.base_url:
        return f"{kb.base_url.rstrip('/')}/{article.path.removesuffix('.md')}"
    return article.excerpt
