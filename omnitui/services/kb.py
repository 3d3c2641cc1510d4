"""The knowledge base: a folder of Markdown articles, indexed in the store for search and for
suggestions on a case.

An article is a `.md` file anywhere under `[kb] path`, with optional YAML front matter
(`title`, `tags`); without a title, its first `# ` heading or its file name stands in. The
index follows the folder: `sync` compares each file's modification time and size with what
it indexed and reads only what changed (the daemon does it every few seconds, `omnitui kb`
before it answers). A file it cannot read is named and skipped; the rest are indexed.

Suggestions read the case as an agent would: its subject and the customer's latest words,
their content words OR'ed into a full-text query, ranked by BM25 with the title weighing
most.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from omnitui.config import KbSettings, QueueSettings
from omnitui.store import kb as index
from omnitui.store.cases import get_case, latest_customer_words
from omnitui.store.db import Store, StoreError
from omnitui.store.queries import fts_phrase
from omnitui.triage.text import own_words

WORD = re.compile(r"[^\W\d_]{4,}")
# Words that say nothing about what a customer wants, in the demo's languages.
STOP = frozenset("""
this that with from have been were would could should there their they them what when where
which while your yours about after again also because before being does doing each every
into just more most much only other over same some such than then these those very want
need please thanks thank hello dear regards help since still will cannot dont didnt
bitte danke hallo eine einer einem nicht noch schon habe haben wurde werden gracias hola
para pero como esta este favor merci bonjour pour avec dans votre vous nous obrigado olá
para pelo pela como grazie ciao sono della questo
""".split())  # noqa: SIM905 -- a word list reads best as words


@dataclass(frozen=True)
class Article:
    id: int
    path: str  # relative to the folder, with "/" between parts
    title: str
    tags: list[str]
    excerpt: str
    score: float = 0.0  # higher: a better match (0 in a listing)


@dataclass
class KbSync:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unreadable: list[str] = field(default_factory=list)  # "path: why"


def sync(conn: sqlite3.Connection, folder: Path) -> KbSync:
    """Bring the index in step with the folder; run it inside a write transaction."""
    import frontmatter  # only when there is a knowledge base

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
            post = frontmatter.loads(file.read_text(encoding="utf-8"))
        except Exception as exc:  # unreadable, not UTF-8, broken YAML: skip it, say why
            result.unreadable.append(f"{path}: {type(exc).__name__}: {str(exc)[:120]}")
            continue
        if old:
            index.remove(conn, old[0])
            result.changed += 1
        else:
            result.added += 1
        index.add(conn, path, *_parts(post.metadata, post.content, file.stem),
                  stat.st_mtime, stat.st_size)
    for path in known.keys() - seen:
        index.remove(conn, known[path][0])
        result.removed += 1
    return result


def refresh(store: Store, kb: KbSettings) -> KbSync | None:
    """Bring the index in step with `[kb] path` (None: no knowledge base is set); a missing
    folder is a StoreError naming it."""
    if not kb.path:
        return None
    folder = Path(kb.path).expanduser()
    if not folder.is_dir():
        raise StoreError(f"[kb] path {folder} is not a folder")
    with store.write() as conn:
        return sync(conn, folder)


def _parts(meta: dict[str, object], body: str, stem: str) -> tuple[str, list[str], str]:
    heading = next((line[2:].strip() for line in body.splitlines() if line.startswith("# ")),
                   "")
    title = str(meta.get("title") or heading or stem.replace("-", " ").replace("_", " "))
    raw = meta.get("tags") or []
    tags = [str(t) for t in raw] if isinstance(raw, list) else str(raw).replace(",", " ").split()
    return title, tags, body


def articles(conn: sqlite3.Connection) -> list[Article]:
    return [_article(row) for row in index.listing(conn)]


def search(conn: sqlite3.Connection, query: str, limit: int = 10) -> list[Article]:
    """Articles with every word of `query`, best first."""
    if not query.split():
        return []
    return [_article(row) for row in index.ranked(conn, fts_phrase(query), limit)]


def suggest_for(conn: sqlite3.Connection, case_id: int,
                queues: Sequence[QueueSettings] = (), limit: int = 2) -> list[Article]:
    """The articles most likely to answer the case, best first; the article its queue has
    prepared (`[[queues]] article`: a fallback queue's, for cases that overflow into it)
    leads."""
    found = _matching(conn, case_id, limit)
    case = get_case(conn, case_id)
    queue = next((q for q in queues if case is not None and q.name == case["queue"]), None)
    row = index.by_path(conn, queue.article) if queue is not None and queue.article else None
    if row is None:
        return found
    prepared = _article(row)
    return [prepared, *[a for a in found if a.id != prepared.id]][:limit]


def _matching(conn: sqlite3.Connection, case_id: int, limit: int) -> list[Article]:
    subject, text, _, _ = latest_customer_words(conn, case_id)
    words = [w for w in dict.fromkeys(w.casefold() for w in WORD.findall(
        f"{subject} {own_words(text)}")) if w not in STOP][:16]
    if not words:
        return []
    match = " OR ".join(fts_phrase(w) for w in words)
    return [_article(row) for row in index.ranked(conn, match, limit)]


def _article(row: index.ArticleRow) -> Article:
    article_id, path, title, tags, body, score = row
    return Article(article_id, path, title, json.loads(tags), excerpt(body),
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
