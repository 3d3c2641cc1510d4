"""`omnitui kb list|search|suggest`: what an agent or a script asks of the knowledge base;
wrong input gets a clear error, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

from omnitui.config import Settings
from omnitui.services.intake import intake_pipeline
from omnitui.store.db import Store
from tests.cli.conftest import Run
from tests.conftest import chat_event
from tests.services.test_kb import DOUBLE, EXPORT


def test_kb_commands(omnitui: Run, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "double-charge.md").write_text(DOUBLE)
    (folder / "export-pdf.md").write_text(EXPORT)
    (folder / "broken.md").write_bytes(b"\xff\xfe")
    (folder / "bad-front.md").write_text("---\ntitle: [Refunds\n---\nHow to refund.\n")
    (folder / "control.md").write_text("---\ntitle: Re\x07funds\n---\nHow to refund.\n")
    config = tmp_path / "omnitui.toml"
    config.write_text(f'[kb]\npath = "{folder}"\nbase_url = "https://help.example.com"\n')
    db = tmp_path / "s.db"
    base = ("--config", str(config), "--db", str(db))
    omnitui(*base, "init")
    with Store(db) as store:
        case_id = intake_pipeline(store, Settings()).ingest(chat_event(
            "telegram", "1", "I was charged twice for my order")).case_id
    listed = omnitui(*base, "kb", "list", "--format", "json")
    assert [a["path"] for a in json.loads(listed.stdout)] == ["double-charge.md",
                                                              "export-pdf.md"]
    # each whole and where it is, within 80 columns: the YAML parser's message was cut at
    # 120 characters, mid-string ("... in \"<unicode")
    assert listed.stderr.splitlines() == [
        "skipped bad-front.md: front matter lines 2-3: did not find expected ',' or ']'",
        "skipped broken.md: not UTF-8 text (byte 0xff at 0): save it as UTF-8",
        "skipped control.md: front matter: a control character (U+0007): take it out"]
    checked = omnitui(*base, "doctor", check=False)  # doctor names them too
    assert "FAIL" in checked.stdout and "2 of 5 Markdown articles readable; skipped " \
        "bad-front.md: front matter lines 2-3" in checked.stdout
    assert "broken.md: not UTF-8 text" in checked.stdout
    found = json.loads(omnitui(*base, "kb", "search", "PDF", "--format", "json").stdout)
    assert [a["title"] for a in found] == ["The app crashes when exporting to PDF"]
    both = omnitui(*base, "kb", "search", "crashes", "PDF", "--format", "json")  # no quotes
    assert [a["title"] for a in json.loads(both.stdout)] == [a["title"] for a in found]
    suggested = json.loads(omnitui(*base, "kb", "suggest", str(case_id), "--format",
                                   "json").stdout)
    assert suggested[0]["path"] == "double-charge.md" and suggested[0]["score"] > 0
    assert suggested[0]["found_by"] in ("words", "meaning")  # each score on its own scale
    table = omnitui(*base, "kb", "suggest", str(case_id)).stdout
    assert re.search(r"(words|meaning) \d", table) and "score" not in table
    shown = json.loads(omnitui(*base, "case", str(case_id), "--format", "json").stdout)
    assert shown["suggested_articles"][0]["title"] == "Charged twice for one order"
    for args, says in ((("kb", "suggest", "999"), "there is no case 999"),
                       (("kb", "serch", "x"), "No such command 'serch'"),
                       (("kb", "suggest", "abc"), "'abc' is not a case id (12 or #12)")):
        wrong = omnitui(*base, *args, check=False)
        assert wrong.returncode != 0 and says in wrong.stderr and "Traceback" not in wrong.stderr
    nothing = omnitui("--db", str(db), "kb", "list", check=False)
    assert "set [kb] path" in nothing.stderr


def test_doctor_names_what_runs_by_itself_and_a_missing_kb_folder(omnitui: Run,
                                                                  tmp_path: Path) -> None:
    config = tmp_path / "omnitui.toml"
    config.write_text(f'[acknowledge]\nenabled = true\n\n[kb]\npath = "{tmp_path / "none"}"\n')
    config.chmod(0o600)
    db = tmp_path / "s.db"
    omnitui("--config", str(config), "--db", str(db), "init")
    checked = omnitui("--config", str(config), "--db", str(db), "doctor", check=False)
    assert checked.returncode == 1
    assert "automation: acknowledgements on (one a case per 24h)" in checked.stdout
    assert f"knowledge base: [kb] path {tmp_path / 'none'} is not a folder" in checked.stdout


ZAPBOX = {  # the same answer in three languages (the English one tagged: it ranks first by
    # its words), only the German one saying its language
    "zapbox-en.md": "---\ntags: [zapbox]\n---\n# Zapbox returns\n\nSend the Zapbox back "
                    "within 30 days and we refund it in full.\n",
    "zapbox-fr.md": "# Retour de la Zapbox\n\nRenvoyez la Zapbox sous 30 jours et nous vous "
                    "la remboursons entièrement.\n",
    "zapbox-de.md": "---\nlanguage: German\n---\n# Rückgabe der Zapbox\n\nSchicken Sie die "
                    "Zapbox innerhalb von 30 Tagen zurück, wir erstatten den vollen Preis.\n",
}


def test_a_case_is_suggested_articles_in_its_own_language(omnitui: Run,
                                                          tmp_path: Path) -> None:
    """An Italian and a Portuguese customer were offered the French article, a German one
    the English article first: suggestions ignored the case's language. An article's
    language is its front matter's, else told from its text as it is indexed; a case gets
    those in its language, and only when none fits those in `[kb] fallback_language`."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ZAPBOX.items():
        (folder / name).write_text(text)
    config = tmp_path / "omnitui.toml"
    config.write_text(f'[kb]\npath = "{folder}"\n')
    db = tmp_path / "s.db"
    base = ("--config", str(config), "--db", str(db))
    omnitui(*base, "init")
    with Store(db) as store:
        pipeline = intake_pipeline(store, Settings())
        german, italian = (pipeline.ingest(chat_event("telegram", user, text)).case_id
                           for user, text in (
            ("1", "Meine Zapbox funktioniert nicht mehr, was kann ich da machen?"),
            ("2", "La mia Zapbox è arrivata rotta, vorrei restituirla")))

    def suggested(case_id: int | None) -> list[tuple[str, str]]:
        return [(a["path"], a["language"]) for a in json.loads(omnitui(
            *base, "kb", "suggest", str(case_id), "--format", "json").stdout)]

    assert suggested(german) == [("zapbox-de.md", "de")]
    assert suggested(italian) == [("zapbox-en.md", "en")]
    listed = json.loads(omnitui(*base, "kb", "list", "--format", "json").stdout)
    assert [a["language"] for a in listed] == ["de", "en", "fr"]
