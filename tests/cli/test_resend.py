"""`omnitui resend` and `omnitui reply`'s default channel: the real command on a real store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.store.db import Store
from tests.cli.conftest import Run
from tests.services.test_outbound import ingest_email
from tests.services.test_resend import REFUSED, failed_reply, telegram_case_then_sms


def statuses(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT channel, status FROM outbox ORDER BY id").fetchall()


def test_resend_queues_a_failed_reply_again_once_and_refuses_the_rest(
        omnitui: Run, tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    with Store(path) as store:
        case_id = ingest_email(Pipeline(store, Settings()), subject="Refund")
        failed = failed_reply(store, case_id)
        customers = store.conn.execute("SELECT id FROM messages WHERE direction = 'in'"
                                       ).fetchone()[0]
    done = omnitui("--db", str(path), "--agent", "alice", "resend", f"#{failed}")  # as
    # `omnitui case` shows it
    assert done.stdout.strip() == f"#{case_id}: resent #{failed} after: {REFUSED}"
    assert statuses(path) == [("email", "failed"), ("email", "queued")]
    again = omnitui("--db", str(path), "--agent", "alice", "resend", str(failed), check=False)
    assert again.returncode == 1 and "resent already" in again.stderr
    theirs = omnitui("--db", str(path), "--agent", "alice", "resend", str(customers),
                     check=False)
    assert theirs.returncode == 1
    assert f"message #{customers} is the customer's" in theirs.stderr
    wrong = omnitui("--db", str(path), "--agent", "alice", "resend", "last", check=False)
    assert wrong.returncode == 2 and "'last' is not a message id" in wrong.stderr
    omnitui("--db", str(path), "--agent", "alice", "undo")  # as any reply, while it waits
    assert statuses(path) == [("email", "failed")]


def test_reply_without_a_channel_goes_where_the_customer_last_wrote(
        omnitui: Run, tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    with Store(path) as store:
        case_id = telegram_case_then_sms(store, Pipeline(store, Settings()))
    done = omnitui("--db", str(path), "--agent", "alice", "reply", str(case_id), "It ships")
    assert f"replying on sms: where they last wrote (case #{case_id} came on telegram)" \
        in done.stderr
    omnitui("--db", str(path), "--agent", "alice", "reply", "--channel", "telegram",
            str(case_id), "And on Telegram")
    assert [channel for channel, _ in statuses(path)] == ["sms", "telegram"]
