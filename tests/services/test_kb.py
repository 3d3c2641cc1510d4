"""The knowledge base: the index follows the folder (added, changed, removed, unreadable),
search and suggestions rank the right article first, and inserting one gives its link or
its excerpt."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from omnitui.config import KbSettings, Settings
from omnitui.services.intake import intake_pipeline
from omnitui.services.kb import articles, insertion, refresh, search, suggest_for
from omnitui.store.db import Store, StoreError
from omnitui.store.schema import MIGRATION_40, MIGRATIONS
from tests.conftest import as_of_schema, chat_event

DOUBLE = """---
title: Charged twice for one order
tags: [billing, refund]
---
# Charged twice

The second charge is a pending authorisation in most cases: it drops off within 3-5 business
days. If it was captured, refund it from the order page.
"""
EXPORT = """# The app crashes when exporting to PDF

Update to version 4.2: it fixes the crash when exporting a report to PDF.
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    kb = tmp_path / "articles"
    (kb / "billing").mkdir(parents=True)
    (kb / "billing" / "double-charge.md").write_text(DOUBLE)
    (kb / "export-pdf.md").write_text(EXPORT)
    return kb


def test_the_index_follows_the_folder(store: Store, folder: Path) -> None:
    kb = KbSettings(path=str(folder))
    first = refresh(store, kb)
    assert first is not None and (first.added, first.changed, first.removed) == (2, 0, 0)
    listed = articles(store.conn)
    assert [(a.path, a.title, a.tags) for a in listed] == [
        ("billing/double-charge.md", "Charged twice for one order", ["billing", "refund"]),
        ("export-pdf.md", "The app crashes when exporting to PDF", [])]  # its heading
    assert listed[0].excerpt.startswith("The second charge is a pending authorisation")
    again = refresh(store, kb)
    assert again is not None and (again.added, again.changed, again.removed) == (0, 0, 0)
    export = folder / "export-pdf.md"
    export.write_text(EXPORT.replace("4.2", "4.3") + "\nMore words.\n")
    os.utime(export, (1, 1))  # a different time, whatever the clock's resolution
    (folder / "billing" / "double-charge.md").unlink()
    (folder / "broken.md").write_bytes(b"\xff\xfe not text")
    (folder / "bad-yaml.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    changed = refresh(store, kb)
    assert changed is not None and (changed.changed, changed.removed) == (1, 1)
    assert sorted(p.split(":")[0] for p in changed.unreadable) == ["bad-yaml.md",
                                                                    "broken.md"]
    assert [a.path for a in search(store.conn, "4.3")] == ["export-pdf.md"]
    assert search(store.conn, "authorisation") == []  # its article is gone


@pytest.mark.parametrize(("front", "why"), [
    ("---\ntitle: Charged twice\ntags: [billing]\n\nThe second charge drops off.\n",
     "front matter: the --- that opens it is never closed: end it with a line of ---"),
    ("---\n- Charged twice\n- billing\n---\nThe second charge drops off.\n",
     "front matter is not key: value lines (title: ..., tags: [...])"),
    ("title: Charged twice\ntags: [billing]\n---\nThe second charge drops off.\n",
     "front matter: no --- opens it: put a line of --- above its first line"),
])
def test_front_matter_never_closed_or_no_mapping_is_named_and_skipped(
        store: Store, folder: Path, front: str, why: str) -> None:
    """Front matter never opened or never closed was read as the body, so "--- title:
    Charged twice tags: [billing]..." was the excerpt that ctrl+g and an acknowledgement's
    {article} send to a customer; a list for front matter lost its title silently. An
    article an edit broke stayed in the index as it was before, listed and suggested, while
    named as skipped."""
    kb = KbSettings(path=str(folder))
    refresh(store, kb)
    article = folder / "billing" / "double-charge.md"
    article.write_text(front)
    os.utime(article, (1, 1))
    synced = refresh(store, kb)
    assert synced is not None and synced.unreadable == [f"billing/double-charge.md: {why}"]
    assert [a.path for a in articles(store.conn)] == ["export-pdf.md"]
    assert search(store.conn, "charge") == []


def test_a_body_that_starts_with_a_title_line_is_a_body(store: Store, folder: Path) -> None:
    """An article without front matter whose first line reads "title: ..." and that has a
    rule (---) further on was skipped as front matter with no opening ---: only the lines
    above the rule, key: value lines all, are front matter missing its opening."""
    (folder / "titles.md").write_text(
        "title: a page's first line, and what an agent sees\n\n"
        "Every article shows its title above the excerpt.\n\n---\n\nSee also: tags.\n")
    synced = refresh(store, KbSettings(path=str(folder)))
    assert synced is not None and synced.unreadable == []
    [found] = search(store.conn, "excerpt")
    assert (found.path, found.title) == ("titles.md", "titles")


def test_search_and_suggestions_rank_the_right_article_first(store: Store,
                                                             folder: Path) -> None:
    refresh(store, KbSettings(path=str(folder)))
    assert [a.path for a in search(store.conn, "charged twice")] == [
        "billing/double-charge.md"]
    assert search(store.conn, '"unclosed quote AND OR') == []  # words, never syntax
    pipeline = intake_pipeline(store, Settings())
    crash = pipeline.ingest(chat_event("telegram", "1", "The app crashes every time I "
                                       "export my report to PDF")).case_id
    charge = pipeline.ingest(chat_event("telegram", "2", "You charged me twice for my "
                                        "order, please refund")).case_id
    assert crash is not None and charge is not None
    assert suggest_for(store.conn, crash)[0].path == "export-pdf.md"
    assert suggest_for(store.conn, charge)[0].path == "billing/double-charge.md"


def test_inserting_gives_the_link_or_else_the_excerpt(store: Store, folder: Path) -> None:
    refresh(store, KbSettings(path=str(folder)))
    article = search(store.conn, "charged")[0]
    assert insertion(KbSettings(base_url="https://help.example.com/kb/"), article) == \
        "https://help.example.com/kb/billing/double-charge"
    assert insertion(KbSettings(), article) == article.excerpt


def test_no_folder_is_an_error_naming_it(store: Store, tmp_path: Path) -> None:
    assert refresh(store, KbSettings()) is None  # no knowledge base: nothing to do
    with pytest.raises(StoreError, match="is not a folder"):
        refresh(store, KbSettings(path=str(tmp_path / "nowhere")))


def test_an_articles_language_is_its_front_matters_or_told_and_one_marked_any_is_for_all(
        store: Store, tmp_path: Path) -> None:
    """An article written for every customer (`language: any`) is suggested to a Dutch
    case beside the English one, a French article is not; a language omnitui never tells
    skips the file, named (a typo would hide the article from every case)."""
    kb = tmp_path / "articles"
    kb.mkdir()
    (kb / "status.md").write_text("---\nlanguage: any\n---\n# Zapbox status page\n\n"
                                  "https://status.example.com\n")
    (kb / "en.md").write_text("# Zapbox returns\n\nSend the Zapbox back within 30 days.\n")
    (kb / "fr.md").write_text("# Retour de la Zapbox\n\nRenvoyez la Zapbox sous 30 jours.\n")
    (kb / "typo.md").write_text("---\nlanguage: klingon\n---\n# Zapbox\n\nQapla'.\n")
    synced = refresh(store, KbSettings(path=str(kb)))
    assert synced is not None and synced.unreadable == [
        'typo.md: front matter: language \'klingon\' is none omnitui tells: write an ISO '
        '639-1 code such as "en" or "de", or "any"']
    dutch = intake_pipeline(store, Settings()).ingest(chat_event(
        "telegram", "1", "Mijn Zapbox is kapot aangekomen, wat moet ik nu doen?")).case_id
    assert dutch is not None
    assert sorted(a.path for a in suggest_for(store.conn, dutch, limit=3)) == [
        "en.md", "status.md"]


def test_articles_indexed_before_their_language_was_kept_are_read_again(
        folder: Path, tmp_path: Path) -> None:
    """A store indexed by the omnitui before schema 40 had no language for its articles:
    the next sync reads each again, as if changed, and tells it."""
    path = tmp_path / "older.db"
    with Store(path) as store:
        refresh(store, KbSettings(path=str(folder)))
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        as_of_schema(conn, MIGRATIONS.index(MIGRATION_40))
    with Store(path) as upgraded:
        again = refresh(upgraded, KbSettings(path=str(folder)))
        assert again is not None and again.changed == 2
        assert {a.language for a in articles(upgraded.conn)} == {"en"}
