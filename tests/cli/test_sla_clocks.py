"""SLA clocks as an agent moves messages between cases and an admin edits the policies: the
real `omnitui` command on a real store, read back as a user reads it (`case --format json`,
`history`, `sla recompute --dry-run`, `doctor`)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnitui.config import load_settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.ingest.updates import apply_customer_update
from omnitui.model import CustomerUpdate, Identifier
from omnitui.services.intake import intake_pipeline
from omnitui.store.db import Store
from omnitui.store.schema import SCHEMA_VERSION
from tests.cli.conftest import Run
from tests.cli.test_import import write_mbox
from tests.conftest import as_of_schema, chat_event

POLICY = ('[[sla_policies]]\nname = "standard"\nbusiness_hours = false\n'
          'first_response = {{ email = {email}, chat = {chat} }}\n'
          'resolution = {{ email = 2880, chat = 2880 }}\n')


@pytest.fixture
def db(omnitui: Run, tmp_path: Path) -> tuple[str, ...]:
    """A team's store and config: one 24x7 policy, 4h to a first answer by mail, 1h by
    chat."""
    config = tmp_path / "team.toml"
    config.write_text(POLICY.format(email=240, chat=60))
    args = ("--config", str(config), "--db", str(tmp_path / "s.db"))
    omnitui(*args, "init")
    return args


def ingest(args: tuple[str, ...], *texts: str, at: datetime | None = None
           ) -> list[tuple[int, int]]:
    """Ann's chat messages as the intake files them (written a minute ago, or `at`): (case,
    message) of each."""
    with Store(Path(args[3])) as store:
        pipeline: Pipeline = intake_pipeline(store, load_settings(Path(args[1])))
        return [(found.case_id, found.message_id) for found in (
            pipeline.ingest(chat_event("telegram", "1", text, name="Ann Lee", at=at))
            for text in texts)]


def case(omnitui: Run, args: tuple[str, ...], case_id: int) -> dict:
    return json.loads(omnitui(*args, "case", str(case_id), "--format", "json").stdout)


def test_a_question_moved_onto_a_pending_case_resumes_it(omnitui: Run,
                                                         db: tuple[str, ...]) -> None:
    """Ann's second question, filed on a case of its own, moved back onto her first case
    while it waited on her answer: the case stayed pending, its clocks stopped, though she
    had written there. It resumes as her new message would, and the move's undo pauses it
    again."""
    (first, _), (_, question) = ingest(db, "printer broken", "Also, I was charged twice")
    agent = (*db, "--agent", "dave")
    split = int(omnitui(*agent, "move-message", str(question)).stdout.split("#")[1].split()[0])
    omnitui(*agent, "status", str(first), "--to", "pending", "--reason", "the printer model")
    assert case(omnitui, db, first)["sla"]["paused"]

    said = omnitui(*agent, "move-message", str(question), "--to", str(first)).stdout
    assert f"#{first} waited on the customer: their question opens it again" in said
    moved = case(omnitui, db, first)
    assert moved["case"]["status"] == "open" and not moved["sla"]["paused"]
    assert {t["target"]: t["state"] for t in moved["sla"]["targets"]}["resolution"] == \
        "running"
    history = omnitui(*db, "history", "--case", str(first)).stdout
    assert f"re-attached by dave from case #{split}" in history
    assert "pending → open: the customer answered" in history
    # the replay an SLA repair runs says what the move said: nothing to repair
    assert "would change 0" in omnitui(*db, "sla", "recompute", "--dry-run").stdout

    omnitui(*agent, "undo")
    undone = case(omnitui, db, first)
    assert undone["case"]["status"] == "pending" and undone["sla"]["paused"]
    assert "would change 0" in omnitui(*db, "sla", "recompute", "--dry-run").stdout


def test_a_case_merged_into_a_pending_case_with_her_new_question_resumes_it(
        omnitui: Run, db: tuple[str, ...]) -> None:
    """Dave asked Ann for her printer's model and set the case pending; her next question,
    written after his, sat on a case of its own. Merged into the pending case, it left it
    pending, its clocks stopped, though she had written since. It resumes as her new message
    would, and the merge's undo pauses it again."""
    [(first, _)] = ingest(db, "printer broken")
    agent = (*db, "--agent", "dave")
    omnitui(*agent, "reply", str(first), "Which printer model is it?")
    [(_, question)] = ingest(db, "Also, I was charged twice", at=datetime.now(UTC))
    said = omnitui(*agent, "move-message", str(question)).stdout
    other = int(said.split("#")[1].split()[0])
    omnitui(*agent, "status", str(first), "--to", "pending", "--reason", "the printer model")
    assert case(omnitui, db, first)["sla"]["paused"]

    said = omnitui(*agent, "merge-cases", str(other), str(first)).stdout
    assert f"#{first} waited on the customer: their question opens it again" in said
    merged = case(omnitui, db, first)
    assert merged["case"]["status"] == "open" and not merged["sla"]["paused"]
    assert {t["target"]: t["state"] for t in merged["sla"]["targets"]}["resolution"] == \
        "running"
    history = omnitui(*db, "history", "--case", str(first)).stdout
    assert f"case #{other} merged into #{first}; #{first} pending → open: the customer " \
           "answered" in history
    assert "would change 0" in omnitui(*db, "sla", "recompute", "--dry-run").stdout

    omnitui(*agent, "undo")
    undone = case(omnitui, db, first)
    assert undone["case"]["status"] == "pending" and undone["sla"]["paused"]
    assert case(omnitui, db, other)["case"]["status"] == "open"
    assert "would change 0" in omnitui(*db, "sla", "recompute", "--dry-run").stdout


def test_a_question_an_answer_came_after_leaves_the_pending_case_paused(
        omnitui: Run, db: tuple[str, ...]) -> None:
    """Ann's question moved onto her case after Dave answered there and set it pending on
    her: it is older than his answer, so she has not written since he asked (the queue
    reads the case answered). It stays pending, its clocks stopped, as the move says."""
    (first, _), (_, question) = ingest(db, "printer broken", "Also, I was charged twice")
    agent = (*db, "--agent", "dave")
    omnitui(*agent, "move-message", str(question))
    omnitui(*agent, "reply", str(first), "Which printer model is it?")
    omnitui(*agent, "status", str(first), "--to", "pending", "--reason", "the printer model")

    said = omnitui(*agent, "move-message", str(question), "--to", str(first)).stdout
    assert "opens it again" not in said
    moved = case(omnitui, db, first)
    assert moved["case"]["status"] == "pending" and moved["sla"]["paused"]
    assert "would change 0" in omnitui(*db, "sla", "recompute", "--dry-run").stdout


def test_a_question_moved_or_merged_onto_a_snoozed_case_ends_the_snooze(
        omnitui: Run, db: tuple[str, ...]) -> None:
    """Ann's new message wakes her snoozed case; her question moved there, or merged with
    the case it sat on, left it hidden until the snooze ran out. Either ends the snooze,
    and its undo puts the snooze back as it was."""
    (first, _), (_, question) = ingest(db, "printer broken", "Also, I was charged twice")
    agent = (*db, "--agent", "dave")
    said = omnitui(*agent, "move-message", str(question)).stdout
    other = int(said.split("#")[1].split()[0])
    omnitui(*agent, "snooze", str(first), "--until", "2d")
    until = case(omnitui, db, first)["case"]["snoozed_until"]
    assert until

    omnitui(*agent, "move-message", str(question), "--to", str(first))
    assert case(omnitui, db, first)["case"]["snoozed_until"] is None
    omnitui(*agent, "undo")
    assert case(omnitui, db, first)["case"]["snoozed_until"] == until

    omnitui(*agent, "merge-cases", str(other), str(first))
    assert case(omnitui, db, first)["case"]["snoozed_until"] is None
    omnitui(*agent, "undo")
    assert case(omnitui, db, first)["case"]["snoozed_until"] == until


def test_a_split_off_case_has_a_history_its_repair_replays(omnitui: Run, db: tuple[str, ...],
                                                           tmp_path: Path) -> None:
    """A case split off another had no creation in the audit log: `sla recompute` skipped
    it "without history", and a changed policy never reached it. It is created as any case
    is, its clocks running from when the customer wrote."""
    _, (_, question) = ingest(db, "printer broken", "Also, I was charged twice")
    said = omnitui(*db, "--agent", "dave", "move-message", str(question)).stdout
    split = int(said.split("#")[1].split()[0])
    history = omnitui(*db, "history", "--case", str(split)).stdout
    assert f"split off from case #{split - 1} by dave" in history
    with sqlite3.connect(db[3]) as conn:
        received = conn.execute("SELECT received_at FROM messages WHERE id = ?",
                                (question,)).fetchone()[0]
    started = {t["target"]: t["started"] for t in case(omnitui, db, split)["sla"]["targets"]}
    assert started["first_response"] == received  # she waits since she wrote
    dry = json.loads(omnitui(*db, "sla", "recompute", "--dry-run", "--format", "json").stdout)
    assert (dry["checked"], dry["skipped_without_history"], dry["changed"]) == (2, [], {})

    config = Path(db[1])
    config.write_text(POLICY.format(email=240, chat=30))
    dry = omnitui(*db, "sla", "recompute", "--dry-run").stdout
    assert f"#{split}: first_response_due" in dry
    assert "would change 2, skipped 0 without history" in dry


def test_doctor_fails_only_when_a_config_change_moves_an_open_cases_clock(
        omnitui: Run, db: tuple[str, ...], tmp_path: Path) -> None:
    """Any edit of the SLA settings failed doctor's "sla applied" until a repair that changed
    nothing: a target of a channel no open case is on, a policy no queue runs under, business
    hours a 24x7 policy does not read. It fails when an open case's clock would move, naming
    them and the repair."""
    mbox = tmp_path / "inbox.mbox"
    write_mbox(mbox, 1)
    omnitui(*db, "import", "--history-before", "none", str(mbox))
    config = Path(db[1])
    config.write_text(POLICY.format(email=240, chat=30)  # and a policy no queue runs under
                      + POLICY.format(email=60, chat=30).replace("standard", "premium")
                      + '\n[business_hours]\ntime_zone = "Europe/Berlin"\n')
    assert "would change 0" in omnitui(*db, "sla", "recompute", "--dry-run").stdout
    assert "sla applied" not in omnitui(*db, "doctor", check=False).stdout

    config.write_text(POLICY.format(email=120, chat=30))
    said = omnitui(*db, "doctor", check=False).stdout
    assert "FAIL sla applied: the SLA policies or business hours changed since the open " \
           "cases' clocks were worked out: 1 open case (#1) keeps the old due times" in said
    assert "omnitui sla recompute --dry-run" in said
    omnitui(*db, "sla", "recompute")
    assert "sla applied" not in omnitui(*db, "doctor", check=False).stdout


def test_a_dry_run_on_a_store_of_an_older_schema_is_refused_and_changes_nothing(
        omnitui: Run, db: tuple[str, ...]) -> None:
    """`sla recompute --dry-run` on a store of the previous version upgraded it, as every
    command does when it opens one: a dry run changed the store."""
    ingest(db, "printer broken")
    path = Path(db[3])
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        as_of_schema(conn, SCHEMA_VERSION - 1)
    refused = omnitui(*db, "sla", "recompute", "--dry-run", check=False)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith(
        f"usage error: {path} is at schema version {SCHEMA_VERSION - 1} and this omnitui's "
        f"is {SCHEMA_VERSION}: a dry run changes nothing, so it does not upgrade it.")
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION - 1,)
    omnitui(*db, "cases")  # upgrades it
    assert "would change 0" in omnitui(*db, "sla", "recompute", "--dry-run").stdout


TWO_QUEUES = POLICY.format(email=60, chat=60) + POLICY.format(  # 2 days to solve, and 4
    email=480, chat=480).replace("standard", "slow").replace("2880", "5760") + """
[[queues]]
name = "general"
sla_policy = "standard"
escalation = { move_to = "leads" }
[[queues]]
name = "leads"
sla_policy = "slow"
"""


def anns_late_chat(omnitui: Run, db: tuple[str, ...]) -> tuple[int, dict[str, dict]]:
    """Ann's chat of two hours ago, its first response (due in one) breached: its case
    and its SLA targets by name."""
    wrote = datetime.now(UTC) - timedelta(hours=2)
    with Store(Path(db[3])) as store:
        pipeline = intake_pipeline(store, load_settings(Path(db[1])), clock=lambda: wrote)
        first = pipeline.ingest(chat_event("telegram", "1", "printer broken", name="Ann Lee",
                                           at=wrote)).case_id
    late = {t["target"]: t for t in case(omnitui, db, first)["sla"]["targets"]}
    assert late["first_response"]["state"] == "breached"
    return first, late


def test_a_breach_stays_on_record_when_the_case_moves_to_a_queue_with_longer_targets(
        omnitui: Run, db: tuple[str, ...]) -> None:
    """Ann's chat waited two hours for an answer due in one, then was escalated to the
    leads' queue, whose policy gives eight: the replay under the new policy read it "in 6h",
    and the breach left the queue's order, the board and the breach views. The breach
    stays when it happened; the resolution, not late, runs to the new policy's target."""
    Path(db[1]).write_text(TWO_QUEUES)
    first, late = anns_late_chat(omnitui, db)

    omnitui(*db, "--agent", "dave", "escalate", str(first))
    moved = case(omnitui, db, first)
    assert moved["case"]["queue"] == "leads" and moved["sla"]["policy"] == "slow"
    targets = {t["target"]: t for t in moved["sla"]["targets"]}
    assert targets["first_response"]["state"] == "breached"
    assert targets["first_response"]["due"] == late["first_response"]["due"]
    assert targets["resolution"]["due"] > late["resolution"]["due"]  # 4 days, not 2
    assert "first response breached 1h ago" in omnitui(*db, "case", str(first)).stdout
    assert "late 1h" in omnitui(*db, "cases").stdout
    assert "would change 0" in omnitui(*db, "sla", "recompute", "--dry-run").stdout

    omnitui(*db, "--agent", "dave", "reply", str(first), "on it")
    answered = {t["target"]: t["state"] for t in case(omnitui, db, first)["sla"]["targets"]}
    assert answered["first_response"] == "met late"


@pytest.mark.parametrize("reply", ["", 'reply = "A lead takes it from here."\n'])
def test_a_macro_that_moves_a_case_gives_it_the_new_queues_policy(
        omnitui: Run, db: tuple[str, ...], reply: str) -> None:
    """A macro moving Ann's late chat to the leads' queue (its reply queued with it, or no
    reply) wrote "sla_policy standard → -" into her case's history, as if the policy were
    lost, where Q and an escalation read the new queue's policy. It reads "standard →
    slow"; the breach stays on record, the resolution runs to the new policy's target."""
    Path(db[1]).write_text(TWO_QUEUES + '[[macros]]\nname = "To the leads"\nqueue = "leads"\n'
                           + reply)
    first, late = anns_late_chat(omnitui, db)

    omnitui(*db, "--agent", "dave", "macro", str(first), "--name", "To the leads")
    history = omnitui(*db, "history", "--case", str(first)).stdout
    assert "sla_policy standard → slow" in history and "standard → -" not in history
    moved = case(omnitui, db, first)
    assert moved["case"]["queue"] == "leads" and moved["sla"]["policy"] == "slow"
    targets = {t["target"]: t for t in moved["sla"]["targets"]}
    assert targets["first_response"]["state"] == ("met late" if reply else "breached")
    assert targets["first_response"]["due"] == late["first_response"]["due"]
    assert targets["resolution"]["due"] > late["resolution"]["due"]  # 4 days, not 2
    assert "would change 0" in omnitui(*db, "sla", "recompute", "--dry-run").stdout


def priority_line(omnitui: Run, args: tuple[str, ...], case_id: int) -> str:
    """The score and its breakdown as `omnitui case` shows them."""
    shown = omnitui(*args, "case", str(case_id)).stdout.splitlines()
    return next(line for line in shown if line.startswith("priority "))


def test_a_vip_merged_into_a_standard_customer_is_a_vip_on_every_open_case(
        omnitui: Run, db: tuple[str, ...]) -> None:
    """Vera, a VIP to the CRM, wrote from a second Telegram account, a standard customer of
    its own; merged into that one, her VIP case went with her, and the merged customer and
    its own case stayed standard: one person, two tiers. The merged customer is a VIP, and
    so are both open cases, scored so and audited; the undo takes all of it back."""
    [(other, _)] = ingest(db, "still no answer about my printer")
    settings = load_settings(Path(db[1]))
    with Store(Path(db[3])) as store:
        with store.write() as conn:  # (the filing of a webhook's customer update)
            apply_customer_update(conn, CustomerUpdate(
                [Identifier("telegram", "2", verified=True)], "Vera", "vip", source="crm"),
                settings.identity)
        vip = intake_pipeline(store, settings).ingest(
            chat_event("telegram", "2", "printer broken", name="Vera"))
    standard, vera = case(omnitui, db, other)["customer"]["id"], vip.customer_id
    assert case(omnitui, db, vip.case_id)["case"]["tier"] == "vip"

    agent = (*db, "--agent", "dave")
    omnitui(*agent, "merge-customers", str(vera), str(standard))
    for case_id in (other, vip.case_id):
        merged = case(omnitui, db, case_id)
        assert (merged["customer"]["id"], merged["customer"]["tier"]) == (standard, "vip")
        assert merged["case"]["tier"] == "vip"
        assert " = vip 30 + " in priority_line(omnitui, db, case_id)
    history = omnitui(*db, "history", "--case", str(other)).stdout
    assert f"tier standard → vip: customer #{vera} merged into #{standard}" in history

    omnitui(*agent, "undo")
    assert case(omnitui, db, other)["case"]["tier"] == "standard"
    assert "vip" not in priority_line(omnitui, db, other)
    assert case(omnitui, db, other)["customer"]["tier"] == "standard"
    assert case(omnitui, db, vip.case_id)["customer"]["id"] == vera
