"""`omnitui refile`: kept raw items parsed again. A failed item is filed (no acknowledgement,
no routing); a filed item's message gets the parser's fields in place, audited, its case
keeping its owner; a second run changes nothing; wrong input is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitui.store.db import Store, db_time, utc_now
from omnitui.store.messages import insert_raw, mark_processed
from tests.cli.conftest import Run
from tests.conftest import make_email


@pytest.fixture
def setup(omnitui: Run, tmp_path: Path) -> tuple[str, ...]:
    """A store whose config acknowledges every new case, as a live team's would."""
    config = tmp_path / "c.toml"
    config.write_text('[acknowledge]\nenabled = true\n')
    config.chmod(0o600)
    db = tmp_path / "s.db"
    omnitui("--config", str(config), "--db", str(db), "init")
    return ("--config", str(config), "--db", str(db))


def count(db: str, sql: str) -> int:
    with Store(Path(db)) as store:
        return store.conn.execute(sql).fetchone()[0]


def test_a_failed_item_is_filed_once_and_nothing_answers_it(omnitui: Run,
                                                             setup: tuple[str, ...]) -> None:
    db = setup[-1]
    with Store(Path(db)) as store, store.write() as conn:
        raw_id = insert_raw(conn, "email", "support", make_email(
            "zoe@example.com", subject="Refund", body="Where is my refund?"),
            db_time(utc_now()))
        mark_processed(conn, raw_id, "ValueError: a parser bug")
    first = omnitui(*setup, "refile", "--failed")
    assert "1 failed items filed" in first.stderr
    assert count(db, "SELECT count(*) FROM messages WHERE text LIKE 'Where is my refund?%'") == 1
    assert count(db, "SELECT count(*) FROM raw_payloads WHERE ingest_error IS NOT NULL") == 0
    assert count(db, "SELECT count(*) FROM outbox") == 0  # no acknowledgement went out
    assert count(db, "SELECT count(*) FROM cases WHERE owner IS NOT NULL") == 0
    again = omnitui(*setup, "refile", "--failed")
    assert "0 failed items filed, 0 messages updated" in again.stderr


def test_a_filed_message_gets_the_parsers_fields_in_place(omnitui: Run, tmp_path: Path,
                                                          setup: tuple[str, ...]) -> None:
    db = setup[-1]
    mail = tmp_path / "one.eml"
    mail.write_bytes(make_email("zoe@example.com", subject="Refund", body="Where is my refund?"))
    omnitui(*setup, "import", str(mail))
    with Store(Path(db)) as store, store.write() as conn:  # what an older parser made of it
        conn.execute("UPDATE messages SET subject = '?', text = '=?utf-8?garbled'")
    omnitui(*setup, "--agent", "alice", "assign", "--to", "me", "1")
    done = omnitui(*setup, "refile")
    assert "1 messages updated" in done.stderr
    with Store(Path(db)) as store:
        subject, text = store.conn.execute("SELECT subject, text FROM messages").fetchone()
        owner = store.conn.execute("SELECT owner FROM cases WHERE id = 1").fetchone()[0]
    assert (subject, text.strip(), owner) == ("Refund", "Where is my refund?", "alice")
    told = omnitui(*setup, "history", "--case", "1").stdout
    assert "omnitui-refile" in told and "parsed again: subject, text" in told
    assert "text =?utf-8?garbled → Where is my refund?" in told
    assert "0 messages updated, 1 unchanged" in omnitui(*setup, "refile").stderr


@pytest.mark.parametrize(("args", "said"), [
    (("--channel", "suport"), "--channel 'suport': no mailbox or [[channels]] entry"),
    (("--since", "last week"), "is not a date such as"),
    (("--faild",), "No such option: --faild"),
])
def test_wrong_input_is_one_line(omnitui: Run, setup: tuple[str, ...], args: tuple[str, ...],
                                 said: str) -> None:
    result = omnitui(*setup, "refile", *args, check=False)
    assert result.returncode == 2 and said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_demo_store_parses_again_as_it_was_filed(omnitui: Run, tmp_path: Path) -> None:
    """Every demo mail was "updated" by a trailing line end its kept bytes had and its text
    did not."""
    db = str(tmp_path / "demo.db")
    omnitui("demo", "--db", db, "--no-console", "--customers", "30", "--messages", "100")
    said = omnitui("--db", db, "refile").stderr
    assert "0 messages updated" in said and "left as they are (of channels it" in said
    assert count(db, "SELECT count(*) FROM audit WHERE action = 'message.refiled'") == 0
