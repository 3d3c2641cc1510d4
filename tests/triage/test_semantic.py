"""The semantic extra: its model loads from the wheel with no network and no cache, an
English message no keyword catches is matched by an intent's example (other languages are
left to the rules), articles are suggested by meaning, and solved cases like a new one are
found."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from omnitui.config import Intent, KbSettings, SemanticSettings, Settings
from omnitui.model import Status
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.kb import refresh, suggest_for
from omnitui.services.similar import similar_solved
from omnitui.store.db import Store
from omnitui.triage.intent import ExampleIntents, intent_classifier
from omnitui.triage.semantic import Embedder, embedder
from tests.conftest import chat_event

pytest.importorskip("wordllama")  # the extra is in the test dependencies; CI has it

INTENTS = [Intent("damaged_item", keywords=["broken"],
                  examples=["the product arrived cracked", "it came in pieces"]),
           Intent("tracking", keywords=["tracking"],
                  examples=["my package has not arrived yet"])]


@pytest.fixture(scope="module")
def model() -> Embedder:
    found = embedder()
    assert found is not None
    return found


def test_the_model_loads_offline_from_the_wheel(tmp_path: Path) -> None:
    """A fresh HOME, no cache, a proxy that goes nowhere: it loads all the same."""
    code = ("from omnitui.triage.semantic import embedder; e = embedder();"
            "print(e is not None, e.embed(['hello']).shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
                              "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""},
                         timeout=120)
    assert out.stdout.strip() == "True (1, 256)", out.stderr
    assert not (tmp_path / ".cache").exists()


def test_threads_asking_while_the_model_loads_share_that_load() -> None:
    """A console's model thread and its first similar-cases lookup asked at once, and each
    loaded the model: a second of CPU twice, as thirty consoles started on two cores."""
    code = """
import threading
from wordllama import WordLlama
from omnitui.triage import semantic
loads = []
original = WordLlama.load.__func__
def counted(cls, *args, **kwargs):
    loads.append(1)
    return original(cls, *args, **kwargs)
WordLlama.load = classmethod(counted)
found = []
threads = [threading.Thread(target=lambda: found.append(semantic.embedder())) for _ in range(3)]
for t in threads: t.start()
for t in threads: t.join()
print(len(loads), len({id(f) for f in found}), found[0] is not None)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.split() == ["1", "1", "True"], out.stderr


def test_an_english_message_the_rules_miss_is_matched_by_an_example(model: Embedder) -> None:
    intents = ExampleIntents(INTENTS, model, floor=0.4)
    found = intents.classify("My mug arrived cracked and chipped", "en")
    assert found is not None and found.name == "damaged_item"
    assert found.rule.startswith("like the example 'the product arrived cracked' (")
    assert intents.classify("It arrived broken", "en").rule == "says 'broken'"  # rules first
    assert intents.classify("Die Vase kam zerbrochen an", "de") is None  # English only
    assert intents.classify("What are your opening hours?", "en") is None  # too far
    assert isinstance(intent_classifier(INTENTS, SemanticSettings(enabled=False)),
                      type(intent_classifier([], SemanticSettings())))  # rules alone


def test_articles_by_meaning_then_by_words(store: Store, tmp_path: Path,
                                            model: Embedder) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "damaged.md").write_text("# The item arrived broken or damaged\n\nSend a photo "
                                       "of the damage and we replace it.\n")
    (folder / "refunds.md").write_text("# When does my refund arrive?\n\nRefunds take five "
                                       "business days.\n")
    refresh(store, KbSettings(path=str(folder)), model)
    case_id = intake_pipeline(store, Settings()).ingest(
        chat_event("chat", "v1", "My mug came shattered in the box")).case_id
    assert case_id is not None
    assert suggest_for(store.conn, case_id) == []  # no word in common
    [near] = suggest_for(store.conn, case_id, model=model, floor=0.2)
    assert near.path == "damaged.md" and near.score >= 0.2


def test_solved_cases_like_this_one(store: Store) -> None:
    settings = Settings()
    pipeline = intake_pipeline(store, settings)
    desk = Desk(store, "erin", settings)

    def case(handle: str, text: str) -> int:
        found = pipeline.ingest(chat_event("chat", handle, text)).case_id
        assert found is not None
        return found

    crash = case("a", "The app crashes when I export my report to PDF")
    unrelated = case("b", "Please export my invoice history as a spreadsheet")
    desk.each([crash, unrelated], desk.status(Status.SOLVED))
    new = case("c", "Exporting the monthly report to PDF crashes the app every time")
    assert [c.id for c in similar_solved(store.conn, settings, new)] == [crash]
    words_only = Settings(semantic=SemanticSettings(enabled=False))
    assert [c.id for c in similar_solved(store.conn, words_only, new)] == [crash]
    assert similar_solved(store.conn, Settings(semantic=SemanticSettings(similar_cases=0)),
                          new) == []
