"""The store's schema as a list of forward migrations; `PRAGMA user_version` counts them.

Never edit a released migration: append a new one. The names documented in
docs/schema.md (tables customers, identities, cases, messages, attachments, audit and their
key columns) are a public interface for people who query the file directly.
Timestamps are UTC text in SQLite's own `datetime()` format ('YYYY-MM-DD HH:MM:SS').
"""

from __future__ import annotations

ACTIVE = "('new','open','pending','on_hold')"
FINISHED = "('solved','closed')"

MIGRATION_1 = f"""
CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    email TEXT,
    skills TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    tier TEXT NOT NULL DEFAULT 'standard',
    attributes TEXT NOT NULL DEFAULT '{{}}',
    notes TEXT NOT NULL DEFAULT '',
    preferred_channel TEXT,
    merged_into INTEGER REFERENCES customers(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX customers_merged ON customers(merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE identities (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    display TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX identities_customer ON identities(customer_id);

-- Weak evidence about a customer (a normalized name, an order number): it never links on its
-- own, it only raises merge suggestions.
CREATE TABLE customer_facts (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (kind, value, customer_id)
);
CREATE INDEX customer_facts_customer ON customer_facts(customer_id);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    subject TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new','open','pending','on_hold','solved','closed')),
    pause_reason TEXT,
    queue TEXT NOT NULL DEFAULT 'general',
    owner TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    priority REAL NOT NULL DEFAULT 0,
    tier TEXT NOT NULL DEFAULT 'standard',
    severity INTEGER NOT NULL DEFAULT 0,
    sla_first_response_due TEXT,
    sla_resolution_due TEXT,
    sla_due TEXT,
    first_response_at TEXT,
    reassignments INTEGER NOT NULL DEFAULT 0,
    reopens INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    previous_case_id INTEGER REFERENCES cases(id),
    merged_into INTEGER REFERENCES cases(id),
    snoozed_until TEXT,
    last_inbound_at TEXT,
    last_message_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    solved_at TEXT
);
CREATE INDEX cases_customer ON cases(customer_id, status);
CREATE INDEX cases_active_priority ON cases(priority DESC, id DESC) WHERE status IN {ACTIVE};
CREATE INDEX cases_active_sla ON cases(sla_due, id) WHERE status IN {ACTIVE};
CREATE INDEX cases_active_owner ON cases(owner, priority DESC, id DESC)
    WHERE status IN {ACTIVE};
CREATE INDEX cases_active_queue ON cases(queue, priority DESC, id DESC)
    WHERE status IN {ACTIVE};

CREATE TABLE raw_payloads (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX raw_payloads_sha256 ON raw_payloads(sha256);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    customer_id INTEGER REFERENCES customers(id),
    identity_id INTEGER REFERENCES identities(id),
    channel TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in','out','note')),
    external_id TEXT,
    thread_key TEXT,
    parent_keys TEXT NOT NULL DEFAULT '[]',
    subject TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    html TEXT,
    author TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    parse_errors TEXT NOT NULL DEFAULT '[]',
    auto_submitted TEXT,
    language TEXT,
    intent TEXT,
    sentiment REAL,
    urgent INTEGER NOT NULL DEFAULT 0,
    raw_id INTEGER REFERENCES raw_payloads(id),
    thread_rule TEXT NOT NULL DEFAULT '',
    thread_reason TEXT NOT NULL DEFAULT '',
    UNIQUE (channel, external_id)
);
CREATE INDEX messages_case ON messages(case_id, created_at);
CREATE INDEX messages_customer ON messages(customer_id, created_at);
CREATE INDEX messages_thread_key ON messages(thread_key) WHERE thread_key IS NOT NULL;
CREATE INDEX messages_with_parse_errors ON messages(id) WHERE parse_errors != '[]';

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL DEFAULT 'application/octet-stream',
    filename TEXT NOT NULL DEFAULT '',
    content_id TEXT,
    disposition TEXT NOT NULL DEFAULT 'attachment'
);
CREATE INDEX attachments_message ON attachments(message_id);

-- Every change: who, when, what, and the before/after of each row it touched
-- (JSON objects keyed 'table:id'), so any change can be undone. Its ids double as the change
-- log that consoles poll to refresh only the cases that changed.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    case_id INTEGER,
    customer_id INTEGER,
    message_id INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    before TEXT NOT NULL DEFAULT '{{}}',
    after TEXT NOT NULL DEFAULT '{{}}',
    undo_of INTEGER REFERENCES audit(id),
    undone_by INTEGER REFERENCES audit(id)
);
CREATE INDEX audit_case ON audit(case_id, id);
CREATE INDEX audit_customer ON audit(customer_id, id);

CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('merge_customers','attach_to_case')),
    source_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    confidence REAL NOT NULL,
    evidence TEXT NOT NULL,
    message_id INTEGER REFERENCES messages(id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','accepted','dismissed')),
    created_at TEXT NOT NULL,
    UNIQUE (kind, source_id, target_id, evidence)
);

CREATE TABLE channel_cursors (
    channel TEXT NOT NULL,
    account TEXT NOT NULL,
    folder TEXT NOT NULL DEFAULT '',
    uidvalidity INTEGER,
    last_uid INTEGER,
    cursor TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel, account, folder)
);

CREATE VIRTUAL TABLE messages_fts USING fts5(
    subject, text, content='messages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, subject, text) VALUES (new.id, new.subject, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, text)
        VALUES ('delete', old.id, old.subject, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, text ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, text)
        VALUES ('delete', old.id, old.subject, old.text);
    INSERT INTO messages_fts(rowid, subject, text) VALUES (new.id, new.subject, new.text);
END;

CREATE VIRTUAL TABLE customers_fts USING fts5(
    name, content='customers', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts(rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts(customers_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF name ON customers BEGIN
    INSERT INTO customers_fts(customers_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO customers_fts(rowid, name) VALUES (new.id, new.name);
END;
"""

# The console: one undo takes back a whole action (every audit event of its transaction),
# and agents see who else is on a case.
MIGRATION_2 = f"""
ALTER TABLE audit ADD COLUMN txn TEXT;
CREATE INDEX audit_actor ON audit(actor, id);
CREATE INDEX audit_txn ON audit(txn) WHERE txn IS NOT NULL;
CREATE INDEX cases_active_channel ON cases(channel, priority DESC, id DESC)
    WHERE status IN {ACTIVE};

-- Who is on which case right now (one row per agent, refreshed every few seconds while a
-- console shows the case): the collision warning that stops two replies at once.
CREATE TABLE presence (
    agent TEXT PRIMARY KEY,
    case_id INTEGER NOT NULL,
    activity TEXT NOT NULL DEFAULT 'viewing',
    seen_at TEXT NOT NULL
);
CREATE INDEX presence_case ON presence(case_id);
"""

# Replies leave through the outbox (the daemon sends them; the timeline shows what became of
# each), and every channel and the daemon report their health for the status bar and doctor.
MIGRATION_3 = f"""
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL UNIQUE REFERENCES messages(id),
    case_id INTEGER NOT NULL REFERENCES cases(id),
    channel TEXT NOT NULL,
    recipients TEXT NOT NULL DEFAULT '{{}}',
    subject TEXT NOT NULL DEFAULT '',
    attachment_ids TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued','sending','sent','failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbox_sending ON outbox(next_attempt_at) WHERE status = 'sending';
CREATE INDEX cases_snoozed ON cases(snoozed_until, id) WHERE snoozed_until IS NOT NULL;
-- The console's other sorts, newest first and last activity: without these a million-case
-- queue takes 15 to 25 seconds to sort (bench/README.md).
CREATE INDEX cases_active_newest ON cases(id DESC) WHERE status IN {ACTIVE};
CREATE INDEX cases_active_updated ON cases(last_message_at DESC, id DESC)
    WHERE status IN {ACTIVE};

-- Store first, process second: the IMAP sync commits the raw bytes (pending = 1) with its
-- cursor at fetch speed, and the ingest step turns them into messages behind it.
ALTER TABLE raw_payloads ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE raw_payloads ADD COLUMN ingest_error TEXT;
CREATE INDEX raw_payloads_pending ON raw_payloads(id) WHERE pending = 1;

CREATE TABLE channel_health (
    channel TEXT NOT NULL,
    account TEXT NOT NULL DEFAULT '',
    last_sync_at TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    last_error_at TEXT,
    backlog INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel, account)
);

CREATE TABLE daemon (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER,
    host TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'stopped',
    started_at TEXT,
    heartbeat_at TEXT
);
"""

MIGRATION_4 = """
-- Webhooks: a platform's id for a delivery (Telegram update_id, Slack event_id, ...) is a
-- unique key, so a retried delivery stores nothing new (never "greater than the last id").
-- Gmail's X-GM-MSGID uses it too, so one message under several labels is stored once.
ALTER TABLE raw_payloads ADD COLUMN external_key TEXT;
CREATE UNIQUE INDEX raw_payloads_external_key ON raw_payloads(external_key)
    WHERE external_key IS NOT NULL;
-- How to answer a chat message on its platform (JSON: which hook, chat, thread, public?).
ALTER TABLE messages ADD COLUMN reply_route TEXT;
-- What the platform said happened to a sent reply (delivered, read, failed ...).
ALTER TABLE outbox ADD COLUMN receipt TEXT NOT NULL DEFAULT '';
-- Requests refused by a webhook receiver (forged, expired, unsigned): counted, never stored.
ALTER TABLE channel_health ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
"""

# The SLA order's key for a case without a due time (pending, on hold): after every real one.
# Frozen: MIGRATION_5's index is on exactly this expression, and queries must write it alike
# (store.queries.SLA_KEY) for SQLite to use the index.
NO_SLA_DUE = "9999-12-31 23:59:59"

MIGRATION_5 = f"""
-- The SLA order shows every case of the view, those without a due time last. The index on
-- sla_due alone could only serve it for the cases that have one (it hid pending and on-hold
-- cases), so this one, on the never-NULL key, replaces it.
DROP INDEX cases_active_sla;
CREATE INDEX cases_active_sla_order ON cases(coalesce(sla_due, '{NO_SLA_DUE}'), id)
    WHERE status IN {ACTIVE};

-- What an agent is writing, saved a second or so behind their typing: a draft survives a
-- failed send, a crashed console and a lost SSH connection, and comes back when the
-- composer opens on that case for the same kind of writing again (a reply, a note, a
-- forward...: the slot), never as another kind. One per agent, case (NULL: a new message
-- that will open a case) and slot. Automatic drafts use the same table.
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY,
    agent TEXT NOT NULL,
    case_id INTEGER,
    slot TEXT NOT NULL,
    channel TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '{{}}',
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX drafts_agent_case ON drafts(agent, ifnull(case_id, 0), slot);

-- Identity needs proof (docs/identity.md): an identifier a message merely stated (typed
-- into a web form, the From of mail that failed DMARC) is a claim kept with the message,
-- never an identity. It is shown on the message and raises merge suggestions.
CREATE TABLE claims (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    display TEXT NOT NULL DEFAULT '',
    how TEXT NOT NULL DEFAULT '',
    UNIQUE (message_id, kind, value)
);
CREATE INDEX claims_value ON claims(kind, value);
"""

# 6: why a customer's message reads as irritated (None: calm), beside its language and tone.
MIGRATION_6 = """
ALTER TABLE messages ADD COLUMN irritation TEXT;
"""

# 7: the case carries what its customer's latest message read as (the queue shows it and
# filters on it: `lang:de`, `is:irritated`).
MIGRATION_7 = """
ALTER TABLE cases ADD COLUMN language TEXT;
ALTER TABLE cases ADD COLUMN irritation TEXT;
"""

# 8: `is:irritated` and `lang:` served by indexes, as the other filters are (without them
# each scanned every open case: 0.7 s warm, 8 s cold at a million cases). Irritated cases
# are few, so their index serves every order (the rest is a sort of a few rows).
MIGRATION_8 = f"""
CREATE INDEX cases_irritated ON cases(priority DESC, id DESC)
    WHERE irritation IS NOT NULL AND status IN {ACTIVE};
CREATE INDEX cases_active_language ON cases(language, priority DESC, id DESC)
    WHERE status IN {ACTIVE};
"""

# 9: intents: the rule that told a message's intent, and the case's (the queue shows it and
# filters on it: `intent:billing`).
MIGRATION_9 = f"""
ALTER TABLE messages ADD COLUMN intent_rule TEXT;
ALTER TABLE cases ADD COLUMN intent TEXT;
CREATE INDEX cases_active_intent ON cases(intent, priority DESC, id DESC)
    WHERE status IN {ACTIVE};
"""

# 10: routing. Agents carry their role, capacity per channel class, whether they set
# themselves away, when a console of theirs was last heard from and when they were last
# given a case (ties go to the longest idle); a case carries when its owner got it (their
# untouched cases go back to routing when they leave), whether an agent chose its queue (then
# routing never moves it) and the escalations it has had (each fires once). Waiting cases are
# found by queue in priority order; a queue remembers since when nobody was free in it.
MIGRATION_10 = """
ALTER TABLE agents ADD COLUMN role TEXT NOT NULL DEFAULT 'agent';
ALTER TABLE agents ADD COLUMN capacity TEXT NOT NULL DEFAULT '{}';
ALTER TABLE agents ADD COLUMN away_since TEXT;
ALTER TABLE agents ADD COLUMN seen_at TEXT;
ALTER TABLE agents ADD COLUMN last_assigned_at TEXT;
ALTER TABLE cases ADD COLUMN assigned_at TEXT;
ALTER TABLE cases ADD COLUMN queue_by_hand INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN escalations TEXT NOT NULL DEFAULT '[]';
CREATE INDEX cases_waiting ON cases(queue, priority DESC, id)
    WHERE owner IS NULL AND status IN ('new', 'open') AND snoozed_until IS NULL;
CREATE TABLE queue_state (
    name TEXT PRIMARY KEY,
    saturated_since TEXT
);
"""

# 11: SLA clocks that mean something. A reply says what kind of response it is (NULL: a
# meaningful one; "first": only a first response, as from a macro marked meaningful =
# false; "none": an automatic acknowledgement, neither); a case carries its policy, the
# due times of its next-response and meaningful-response targets, when it first got a
# meaningful response, how long its clocks stood paused, and its next alarm (at risk or
# breached), which the scheduler finds by index.
MIGRATION_11 = f"""
ALTER TABLE messages ADD COLUMN response TEXT;
ALTER TABLE cases ADD COLUMN sla_policy TEXT;
ALTER TABLE cases ADD COLUMN sla_next_response_due TEXT;
ALTER TABLE cases ADD COLUMN sla_meaningful_due TEXT;
ALTER TABLE cases ADD COLUMN meaningful_response_at TEXT;
ALTER TABLE cases ADD COLUMN sla_paused_seconds REAL NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN sla_alarm_at TEXT;
CREATE INDEX cases_sla_alarm ON cases(sla_alarm_at)
    WHERE sla_alarm_at IS NOT NULL AND status IN {ACTIVE};
"""

# 12: the priority score's breakdown (JSON [label, points] pairs), who set it by hand (it
# then holds until cleared), what escalations added, and when its waiting part rises next:
# the scheduler re-scores only the cases whose step has come, by this index.
MIGRATION_12 = f"""
ALTER TABLE cases ADD COLUMN priority_parts TEXT;
ALTER TABLE cases ADD COLUMN priority_by TEXT;
ALTER TABLE cases ADD COLUMN priority_boost REAL NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN rescore_at TEXT;
CREATE INDEX cases_rescore ON cases(rescore_at)
    WHERE rescore_at IS NOT NULL AND status IN {ACTIVE};
"""

# 13: a queue's recent first responses, which an acknowledgement's expected wait reads
# (services/acknowledge.py) at every new case, at any size of store.
MIGRATION_13 = """
CREATE INDEX cases_first_responses ON cases(queue, created_at)
    WHERE first_response_at IS NOT NULL;
"""

# 14: business events (`omnitui event`, the generic webhook's `event`): what happened to a
# customer (a failed payment, a password reset) or a product (an outage, ongoing until it
# is resolved), for the customer's timeline, the consoles' banner and automations. And what a
# store says of itself ("demo": built by `omnitui demo`, so commands bring the demo's team).
MIGRATION_14 = """
CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE business_events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    customer_id INTEGER REFERENCES customers(id),
    product TEXT,
    severity INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX business_events_customer ON business_events(customer_id, at)
    WHERE customer_id IS NOT NULL;
CREATE INDEX business_events_ongoing ON business_events(kind, product)
    WHERE resolved_at IS NULL AND product IS NOT NULL;
"""

# 15: the knowledge base's articles, indexed for search and suggestions (services/kb.py
# keeps them in step with the folder: a file changed, added or removed is seen by its
# modification time and size).
MIGRATION_15 = """
CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    body TEXT NOT NULL,
    mtime REAL NOT NULL,
    size INTEGER NOT NULL
);
CREATE VIRTUAL TABLE kb_fts USING fts5(title, tags, body,
    tokenize = 'porter unicode61 remove_diacritics 2');
"""

# 16: satisfaction surveys (services/csat.py): at most one a case, asked when an agent
# solves it, answered against the case and its agent without reopening it.
MIGRATION_16 = """
CREATE TABLE csat (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id),
    agent TEXT,
    message_id INTEGER,
    asked_at TEXT NOT NULL,
    score INTEGER CHECK (score BETWEEN 1 AND 5),
    answer TEXT,
    answered_at TEXT
);
CREATE INDEX csat_unanswered ON csat(asked_at) WHERE answered_at IS NULL;
"""

# 17: the intake assistant on chat channels (services/assistant.py): one conversation a case
# at most, and the answers it gathers, kept on the case as named fields (JSON).
MIGRATION_17 = """
ALTER TABLE cases ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
CREATE TABLE assistant_runs (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id),
    channel TEXT NOT NULL,
    started_at TEXT NOT NULL,
    question INTEGER,
    asked_at TEXT NOT NULL,
    ended_at TEXT,
    ended TEXT
);
"""

# 18: the semantic extra (triage/semantic.py): each article's vector, and the model that
# made it (another model's vectors are not comparable: they are made again).
MIGRATION_18 = """
ALTER TABLE kb_articles ADD COLUMN vector BLOB;
ALTER TABLE kb_articles ADD COLUMN vector_model TEXT;
"""

# 19: how long each case took, in its SLA policy's time with pauses left out (the replay
# writes them with the due times, services/sla.py): what the supervisor's metrics read
# (omnitui/metrics/), so a report is a query, not a replay of every case. NULL: not yet.
MIGRATION_19 = """
ALTER TABLE cases ADD COLUMN first_response_seconds REAL;
ALTER TABLE cases ADD COLUMN meaningful_response_seconds REAL;
ALTER TABLE cases ADD COLUMN resolution_seconds REAL;
CREATE INDEX cases_created ON cases(created_at);
"""

# 20: presence over time (store/presence.py): each stretch an agent had a case open or was
# writing on it, so handle time is measured, not estimated (omnitui/metrics/).
MIGRATION_20 = f"""
CREATE TABLE presence_intervals (
    id INTEGER PRIMARY KEY,
    agent TEXT NOT NULL,
    case_id INTEGER NOT NULL,
    activity TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL
);
CREATE INDEX presence_intervals_case ON presence_intervals(case_id);
CREATE INDEX presence_intervals_agent ON presence_intervals(agent, id);
CREATE INDEX cases_solved ON cases(solved_at) WHERE solved_at IS NOT NULL;
CREATE INDEX cases_active_age ON cases(created_at, priority, status) WHERE status IN {ACTIVE};
CREATE INDEX cases_active_load ON cases(owner, status, channel) WHERE status IN {ACTIVE};
CREATE INDEX cases_opened_rates ON cases(created_at, reopens, reassignments, solved_at,
    assigned_at);
"""

# 21: each case's agent replies, counted from an index alone (first-contact resolution in
# omnitui/metrics/): reading every message row of a month's cases took seconds.
MIGRATION_21 = """
CREATE INDEX messages_agent_replies ON messages(case_id)
    WHERE direction = 'out' AND auto_submitted IS NULL;
"""

# 22: why cases left their owner over a period (the supervisor's board and `omnitui report`):
# the few audit rows of a hand-over or a hand-back, read from their own index, not the log.
MIGRATION_22 = """
CREATE INDEX audit_left_owner ON audit(at, reason)
    WHERE action = 'case.assigned' AND before LIKE '%"owner": "%';
"""

# 23: the supervisor's board reads rolling tallies, kept by triggers in the very transaction
# of every change to a case, instead of scanning a million cases a second (store/board.py).
# tallies(name, bucket, key, n): per UTC hour of a case's opening (bucket "YYYY-MM-DD HH"),
# how many cases were opened, came back after a solve (key: what about), were ever solved,
# bounced, were ever assigned, wait unsolved (key: priority band); per hour of solving, how
# many were solved; and per owner (key) and channel (bucket), how many open cases and how
# many paused ones they hold (routing's load and the board's team).
PRIORITY_BANDS = (("high", 60.0), ("medium", 30.0))  # and "low": the rest
def band_sql(priority: str) -> str:
    """The priority band of `priority` (an SQL expression), as the board groups them."""
    steps = " ".join(f"WHEN {priority} >= {low!r} THEN '{name}'" for name, low in PRIORITY_BANDS)
    return f"CASE {steps} ELSE 'low' END"


# The column that says a case was assigned: schema 23 read `assigned_at` (an owner now), so
# a case routing gave an agent and an escalation took back counted as never assigned, and
# the board's "reassigned" share disagreed with the report's; schema 37 reads when it first
# had an owner, as the report does.
ASSIGNED_23, ASSIGNED = "assigned_at", "first_assigned_at"


def _tally_changed(assigned: str) -> str:
    """An update changes the tallies only when one of these differs: a re-score within a
    band, a second reply, a new due time leave them alone without running the tally."""
    return " OR ".join([
        *(f"OLD.{column} IS NOT NEW.{column}" for column in
          ("created_at", "solved_at", "status", "owner", "channel", "intent", "queue")),
        "(OLD.reopens > 0) IS NOT (NEW.reopens > 0)",
        "(OLD.reassignments > 0) IS NOT (NEW.reassignments > 0)",
        f"(OLD.{assigned} IS NULL) IS NOT (NEW.{assigned} IS NULL)",
        f"({band_sql('OLD.priority')}) IS NOT ({band_sql('NEW.priority')})"])


def _tallied(row: str, n: int, assigned: str) -> str:
    """What one case row (NEW or OLD) counts for, each part with `n`."""
    hour = f"substr({row}.created_at, 1, 13)"
    channel = f"{row}.channel"
    parts = [
        ("'opened'", hour, "''", "1"),
        ("'solved'", f"substr({row}.solved_at, 1, 13)", "''", f"{row}.solved_at IS NOT NULL"),
        ("'came_back'", hour, f"coalesce({row}.intent, {row}.queue)", f"{row}.reopens > 0"),
        ("'finished'", hour, "''", f"{row}.solved_at IS NOT NULL OR {row}.reopens > 0"),
        ("'bounced'", hour, "''", f"{row}.reassignments > 0"),
        ("'assigned'", hour, "''",
         f"{row}.{assigned} IS NOT NULL OR {row}.reassignments > 0"),
        ("'waiting'", hour, band_sql(f"{row}.priority"), f"{row}.status IN {ACTIVE}"),
        ("'working'", channel, f"{row}.owner",
         f"{row}.owner IS NOT NULL AND {row}.status IN ('new', 'open')"),
        ("'held'", channel, f"{row}.owner",
         f"{row}.owner IS NOT NULL AND {row}.status IN ('pending', 'on_hold')")]
    return " UNION ALL ".join(f"SELECT {name} AS name, {at} AS bucket, {key} AS key, {n} AS n"
                              f" WHERE {when}" for name, at, key, when in parts)


def _tally(*sources: str) -> str:
    return (f"INSERT INTO tallies (name, bucket, key, n) SELECT name, bucket, key, sum(n)"
            f" FROM ({' UNION ALL '.join(sources)}) WHERE true GROUP BY name, bucket, key"
            " HAVING sum(n) != 0 ON CONFLICT DO UPDATE SET n = n + excluded.n;")


def _tallies_of_cases(assigned: str) -> str:
    """What the tallies hold, counted afresh from the cases (a migration's fill, and the
    tests' check that the triggers kept them right)."""
    return f"""
    SELECT 'opened', substr(created_at, 1, 13), '', count(*) FROM cases GROUP BY 2
    UNION ALL SELECT 'solved', substr(solved_at, 1, 13), '', count(*) FROM cases
        WHERE solved_at IS NOT NULL GROUP BY 2
    UNION ALL SELECT 'came_back', substr(created_at, 1, 13), coalesce(intent, queue), count(*)
        FROM cases WHERE reopens > 0 GROUP BY 2, 3
    UNION ALL SELECT 'finished', substr(created_at, 1, 13), '', count(*) FROM cases
        WHERE solved_at IS NOT NULL OR reopens > 0 GROUP BY 2
    UNION ALL SELECT 'bounced', substr(created_at, 1, 13), '', count(*) FROM cases
        WHERE reassignments > 0 GROUP BY 2
    UNION ALL SELECT 'assigned', substr(created_at, 1, 13), '', count(*) FROM cases
        WHERE {assigned} IS NOT NULL OR reassignments > 0 GROUP BY 2
    UNION ALL SELECT 'waiting', substr(created_at, 1, 13), {band_sql('priority')}, count(*)
        FROM cases WHERE status IN {ACTIVE} GROUP BY 2, 3
    UNION ALL SELECT 'working', channel, owner, count(*) FROM cases
        WHERE owner IS NOT NULL AND status IN ('new', 'open') GROUP BY 2, 3
    UNION ALL SELECT 'held', channel, owner, count(*) FROM cases
        WHERE owner IS NOT NULL AND status IN ('pending', 'on_hold') GROUP BY 2, 3"""



TALLIES_OF_CASES = _tallies_of_cases(ASSIGNED)

# The triggers that keep the tallies (a first bulk load drops them and counts afresh at its
# end: store/bulk_indexes.py).
TALLY_TRIGGERS = ("cases_tally_insert", "cases_tally_update", "cases_tally_delete")


def _tally_triggers(assigned: str) -> str:
    tallied = ("created_at", "solved_at", "reopens", "intent", "queue", "reassignments",
               assigned, "status", "priority", "owner", "channel")
    return f"""
CREATE TRIGGER cases_tally_insert AFTER INSERT ON cases BEGIN
    {_tally(_tallied("NEW", 1, assigned))}
END;
CREATE TRIGGER cases_tally_update AFTER UPDATE OF {", ".join(tallied)} ON cases
WHEN {_tally_changed(assigned)} BEGIN
    {_tally(_tallied("NEW", 1, assigned), _tallied("OLD", -1, assigned))}
END;
CREATE TRIGGER cases_tally_delete AFTER DELETE ON cases BEGIN
    {_tally(_tallied("OLD", -1, assigned))}
END;
"""


MIGRATION_23 = f"""
CREATE TABLE tallies (
    name TEXT NOT NULL,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (name, bucket, key)
) WITHOUT ROWID;
{_tally_triggers(ASSIGNED_23)}
INSERT INTO tallies (name, bucket, key, n) {_tallies_of_cases(ASSIGNED_23)};
"""

# 24: what `omnitui report` reads per case kept with the case, not looked up per case in the
# audit log, the messages and the presence intervals (a month at a million cases took 96 s):
# when it first had an owner (written by the assign action; the audit fills it for older
# cases), how many replies agents wrote on it and how long agents had it open (kept by
# triggers, so moving, merging, copying or deleting messages and presence keep them right).
# The indexes the board read before the tallies (schema 20, 21) go.
REPLY = "{0}.direction = 'out' AND {0}.auto_submitted IS NULL"  # an agent's reply


def reply_triggers(counted: str, columns: str) -> str:
    """The triggers that keep `cases.agent_replies`: the messages `counted` ("{0}" the row)
    of a case, followed through inserts, deletes and updates of `columns`."""
    new, old = counted.format("NEW"), counted.format("OLD")
    return f"""CREATE TRIGGER messages_reply_insert AFTER INSERT ON messages WHEN {new} BEGIN
    UPDATE cases SET agent_replies = agent_replies + 1 WHERE id = NEW.case_id;
END;
CREATE TRIGGER messages_reply_delete AFTER DELETE ON messages WHEN {old} BEGIN
    UPDATE cases SET agent_replies = agent_replies - 1 WHERE id = OLD.case_id;
END;
CREATE TRIGGER messages_reply_update AFTER UPDATE OF {columns}
ON messages WHEN ({old}) OR ({new}) BEGIN
    UPDATE cases SET agent_replies = agent_replies - ({old}) WHERE id = OLD.case_id;
    UPDATE cases SET agent_replies = agent_replies + ({new}) WHERE id = NEW.case_id;
END;"""
HANDLED = "(unixepoch({0}.ended_at) - unixepoch({0}.started_at))"  # seconds of presence
MIGRATION_24 = f"""
ALTER TABLE cases ADD COLUMN first_assigned_at TEXT;
ALTER TABLE cases ADD COLUMN agent_replies INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN handle_seconds INTEGER NOT NULL DEFAULT 0;
{reply_triggers(REPLY, "case_id, direction, auto_submitted")}
CREATE TRIGGER presence_handle_insert AFTER INSERT ON presence_intervals BEGIN
    UPDATE cases SET handle_seconds = handle_seconds + {HANDLED.format("NEW")}
        WHERE id = NEW.case_id;
END;
CREATE TRIGGER presence_handle_delete AFTER DELETE ON presence_intervals BEGIN
    UPDATE cases SET handle_seconds = handle_seconds - {HANDLED.format("OLD")}
        WHERE id = OLD.case_id;
END;
CREATE TRIGGER presence_handle_update AFTER UPDATE OF case_id, started_at, ended_at
ON presence_intervals BEGIN
    UPDATE cases SET handle_seconds = handle_seconds - {HANDLED.format("OLD")}
        WHERE id = OLD.case_id;
    UPDATE cases SET handle_seconds = handle_seconds + {HANDLED.format("NEW")}
        WHERE id = NEW.case_id;
END;
UPDATE cases SET first_assigned_at = first.at FROM (SELECT case_id, min(at) AS at FROM audit
    WHERE action = 'case.assigned' AND after LIKE '%"owner": "%' GROUP BY case_id) AS first
    WHERE cases.id = first.case_id;
UPDATE cases SET agent_replies = replies.n FROM (SELECT case_id, count(*) AS n FROM messages
    WHERE {REPLY.format("messages")} GROUP BY case_id) AS replies
    WHERE cases.id = replies.case_id;
UPDATE cases SET handle_seconds = handled.seconds FROM (SELECT case_id,
    sum({HANDLED.format("presence_intervals")}) AS seconds FROM presence_intervals
    GROUP BY case_id) AS handled WHERE cases.id = handled.case_id;
DROP INDEX cases_opened_rates;
DROP INDEX cases_active_load;
DROP INDEX messages_agent_replies;
"""

# 25: the authorized_keys file `omnitui agents add --write` put an agent's line in, so
# `omnitui agents remove` takes exactly that line out again.
MIGRATION_25 = """
ALTER TABLE agents ADD COLUMN keys_file TEXT;
"""

# 26: the cases a bulk load (an import, the daemon's backlog) filed messages on, marked in
# each batch's transaction: the load brings each up to date once, when it ends, and one
# killed midway leaves them here for the next load or the daemon's scheduler.
MIGRATION_26 = """
CREATE TABLE upkeep_due (
    case_id INTEGER PRIMARY KEY,
    as_of TEXT NOT NULL
);
"""

# A bulk transaction (an import's batch, a backlog's) writes its messages' and customers'
# full-text entries once, at its end (store/fulltext.py): FTS5 flushes its pending entries to
# disk at every statement savepoint, and with the entries written as each row went in, every
# message paid for a flush and the merges of a thousand tiny segments (a quarter of an
# import's SQL). Inside such a transaction `fts_deferred` holds a row and the new rows wait
# in `fts_pending`; both are empty whenever a transaction commits, so other writers (the
# sqlite3 shell) index as before.
MIGRATION_27 = """
CREATE TABLE fts_deferred (id INTEGER PRIMARY KEY CHECK (id = 1));
CREATE TABLE fts_pending (
    source TEXT NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (source, id)
) WITHOUT ROWID;

DROP TRIGGER messages_fts_insert;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
WHEN NOT EXISTS (SELECT 1 FROM fts_deferred) BEGIN
    INSERT INTO messages_fts(rowid, subject, text) VALUES (new.id, new.subject, new.text);
END;
CREATE TRIGGER messages_fts_insert_deferred AFTER INSERT ON messages
WHEN EXISTS (SELECT 1 FROM fts_deferred) BEGIN
    INSERT INTO fts_pending(source, id) VALUES ('messages', new.id);
END;
DROP TRIGGER messages_fts_delete;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, text)
        SELECT 'delete', old.id, old.subject, old.text WHERE NOT EXISTS (
            SELECT 1 FROM fts_pending WHERE source = 'messages' AND id = old.id);
    DELETE FROM fts_pending WHERE source = 'messages' AND id = old.id;
END;
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, text ON messages
WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE source = 'messages' AND id = old.id) BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, text)
        VALUES ('delete', old.id, old.subject, old.text);
    INSERT INTO messages_fts(rowid, subject, text) VALUES (new.id, new.subject, new.text);
END;

DROP TRIGGER customers_fts_insert;
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers
WHEN NOT EXISTS (SELECT 1 FROM fts_deferred) BEGIN
    INSERT INTO customers_fts(rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER customers_fts_insert_deferred AFTER INSERT ON customers
WHEN EXISTS (SELECT 1 FROM fts_deferred) BEGIN
    INSERT INTO fts_pending(source, id) VALUES ('customers', new.id);
END;
DROP TRIGGER customers_fts_delete;
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts(customers_fts, rowid, name)
        SELECT 'delete', old.id, old.name WHERE NOT EXISTS (
            SELECT 1 FROM fts_pending WHERE source = 'customers' AND id = old.id);
    DELETE FROM fts_pending WHERE source = 'customers' AND id = old.id;
END;
DROP TRIGGER customers_fts_update;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF name ON customers
WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE source = 'customers' AND id = old.id) BEGIN
    INSERT INTO customers_fts(customers_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO customers_fts(rowid, name) VALUES (new.id, new.name);
END;
"""

# Indexes a first bulk load builds at its end instead of row by row (store/bulk_indexes.py):
# each one's definition while it is away, so a load killed midway leaves it to be rebuilt.
MIGRATION_28 = """
CREATE TABLE deferred_indexes (
    name TEXT PRIMARY KEY,
    sql TEXT NOT NULL
) WITHOUT ROWID;
"""

# 29: mail a mailbox's first sync fetched carries that sync's cutoff: its conversations quiet
# since then are filed as solved history (services/archive.py), and the mark is cleared once
# they are filed.
MIGRATION_29 = """
ALTER TABLE raw_payloads ADD COLUMN history_before TEXT;
CREATE INDEX raw_payloads_history ON raw_payloads(id) WHERE history_before IS NOT NULL;
"""

# 30: a case filed as history keeps the day before which its conversation was quiet: no clock
# of ours ran on what it held (its SLA starts if it comes back), and the reports leave it
# out of what they measure. Those a store at 29 filed say so in their solve's audit row.
MIGRATION_30 = """
ALTER TABLE cases ADD COLUMN history_before TEXT;
UPDATE cases SET history_before = filed.day FROM (
    SELECT case_id, substr(reason, -10) || ' 00:00:00' AS day, max(id) FROM audit
    WHERE action = 'case.status' AND actor = 'ingest'
    AND (reason LIKE '%-> solved: imported as history: no message since %'
         OR reason LIKE '%-> solved: history from the mailbox''s first sync: no message since %')
    GROUP BY case_id) AS filed
WHERE cases.id = filed.case_id;
"""

# 31: "waiting for an answer" (the console's `]`) compares the customer's latest message that
# asks something (`last_inbound_at`: not a thank-you, a survey's answer nor an automatic
# reply) with our latest answer (`last_answered_at`: not an automatic acknowledgement),
# each the latest of its kind whatever order mail is filed in. Before, it compared with the
# case's latest message of any kind: an acknowledgement answered the customer, a thank-you
# after our answer asked us again. (About 2 s a 100,000 cases: every case row is rewritten.)
MIGRATION_31 = """
ALTER TABLE cases ADD COLUMN last_answered_at TEXT;
UPDATE cases SET
    last_answered_at = (SELECT max(m.created_at) FROM messages m WHERE m.case_id = cases.id
                        AND m.direction = 'out' AND m.auto_submitted IS NULL),
    last_inbound_at = (SELECT max(m.created_at) FROM messages m WHERE m.case_id = cases.id
                       AND m.direction = 'in' AND m.auto_submitted IS NULL
                       AND m.thread_rule NOT IN ('csat-answer', 'thanks-only'));
"""

# Schema 32: a forward to someone else answers nobody (its `response` is 'none'), so it is
# no agent's reply to the customer either: counted as one, a case forwarded once and solved
# read as resolved at first contact. The reply tally's triggers count answers only, and
# follow `response` too; the tally is counted again where it had any.
ANSWER = f"{REPLY} AND coalesce({{0}}.response, '') != 'none'"
MIGRATION_32 = f"""
DROP TRIGGER messages_reply_insert;
DROP TRIGGER messages_reply_delete;
DROP TRIGGER messages_reply_update;
{reply_triggers(ANSWER, "case_id, direction, auto_submitted, response")}
UPDATE cases SET agent_replies = (SELECT count(*) FROM messages WHERE
    messages.case_id = cases.id AND {ANSWER.format("messages")}) WHERE agent_replies > 0;
"""

# 33: when a pending or on-hold case began waiting on what it waits on (its pause reason),
# so the queue's pending / on-hold view says how long it has waited from the row it already
# reads. Cases paused before take the time of the audit row that gave them their
# reason, else their opening (a case opened paused: our own mail awaiting an answer).
MIGRATION_33 = """
ALTER TABLE cases ADD COLUMN paused_at TEXT;
UPDATE cases SET paused_at = coalesce((
    SELECT max(a.at) FROM audit a WHERE a.case_id = cases.id AND a.undone_by IS NULL
    AND json_extract(a.after, '$."cases:' || cases.id || '".pause_reason') IS NOT NULL),
    created_at)
WHERE status IN ('pending', 'on_hold');
"""

# 34: who answered a case first and who solved it, kept on the case: the board's team panel
# credits each to the agent who did it, not to the case's owner, reading the rows it
# already reads (a lookup a case in the audit log and the messages cost 5 µs a case each,
# a third of a second on a day of 30,000 cases). The last two days' cases take them from
# their messages and the audit log (the board reads today's); older ones stay empty.
MIGRATION_34 = f"""
ALTER TABLE cases ADD COLUMN first_replier TEXT;
ALTER TABLE cases ADD COLUMN solved_by TEXT;
UPDATE cases SET first_replier = (SELECT author FROM messages m WHERE m.case_id = cases.id
    AND {ANSWER.format("m")} ORDER BY m.created_at, m.id LIMIT 1)
WHERE first_response_at IS NOT NULL AND created_at >= datetime('now', '-2 days');
UPDATE cases SET solved_by = (SELECT a.actor FROM audit a WHERE a.case_id = cases.id
    AND a.action = 'case.status' AND a.undone_by IS NULL
    AND json_extract(a.after, '$."cases:' || cases.id || '".solved_at') = cases.solved_at
    ORDER BY a.id DESC LIMIT 1)
WHERE solved_at >= datetime('now', '-2 days');
"""

# Schema 35: no SQL; its data step works the first answers of the cases we opened out again
# (store/answered_first.py).
MIGRATION_35 = ""

# 36: a webhook channel's refusals of late. The status bar counted every forged or unsigned
# request since the channel began, so one refused a month ago kept the channel out of those
# that work for good. `rejected` stays that total (doctor); `rejected_lately` counts the
# refusals since the last quiet day, and `last_rejected_at` says when the last one came.
# Refusals before this schema have no time: they are not "of late".
MIGRATION_36 = """
ALTER TABLE channel_health ADD COLUMN rejected_lately INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channel_health ADD COLUMN last_rejected_at TEXT;
"""

# 37: the tallies count a case as assigned once it ever had an owner (ASSIGNED above), as
# the report does: the board said "reassigned 67% of the assigned" where the report said 40%.
MIGRATION_37 = f"""
DROP TRIGGER {TALLY_TRIGGERS[0]};
DROP TRIGGER {TALLY_TRIGGERS[1]};
DROP TRIGGER {TALLY_TRIGGERS[2]};
{_tally_triggers(ASSIGNED)}
DELETE FROM tallies;
INSERT INTO tallies (name, bucket, key, n) {TALLIES_OF_CASES};
"""

# 38: the languages an agent answers in (ISO 639-1 codes, as a case's language is kept):
# routing prefers, or waits for, one who speaks the case's (triage/assignment.py).
MIGRATION_38 = """
ALTER TABLE agents ADD COLUMN languages TEXT NOT NULL DEFAULT '[]';
"""

# 39: the finished cases (`status:solved`, about nine cases in ten of a store that has run
# a while) in the console's orders: the open cases' indexes held none of them, so a page of
# `status:solved` by priority, SLA or last activity sorted every solved case, on each
# keystroke (0.2-0.9 s at 236,000). The status comes last, read off the index to leave out
# the other finished status: leading, it drew SQLite to sort by the status's rows where
# newest first walks the table's own order, and the snoozed view their own index.
MIGRATION_39 = f"""
CREATE INDEX cases_finished_priority ON cases(priority DESC, id DESC, status)
    WHERE status IN {FINISHED};
CREATE INDEX cases_finished_sla ON cases(coalesce(sla_due, '{NO_SLA_DUE}'), id, status)
    WHERE status IN {FINISHED};
CREATE INDEX cases_finished_updated ON cases(last_message_at DESC, id DESC, status)
    WHERE status IN {FINISHED};
"""

# 40: each article's language (its front matter's `language:`, else told from its text at
# index time; "any": for every case), so a case is suggested articles in its own
# (services/kb.py). The articles indexed before are read again at the next sync.
MIGRATION_40 = """
ALTER TABLE kb_articles ADD COLUMN language TEXT NOT NULL DEFAULT 'und';
UPDATE kb_articles SET mtime = -1;
"""

# 41: a case has many next responses (each customer message after our answer starts one):
# the replay keeps how many of those over were met by their due time, and how many are
# judged (answered, in time or late, or stopped unanswered past due by a solve), so
# `omnitui report` reads their attainment off the case as it reads the other targets'. The
# one running is judged by the report from `sla_next_response_due`. A case not replayed
# since has 0 of 0 (`omnitui sla recompute` fills them): 0, not NULL, so that a repair's dry
# run lists only the cases that had next responses.
MIGRATION_41 = """
ALTER TABLE cases ADD COLUMN next_responses_met INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN next_responses_judged INTEGER NOT NULL DEFAULT 0;
"""

MIGRATIONS: list[str] = [MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4, MIGRATION_5,
                         MIGRATION_6, MIGRATION_7, MIGRATION_8, MIGRATION_9, MIGRATION_10,
                         MIGRATION_11, MIGRATION_12, MIGRATION_13, MIGRATION_14,
                         MIGRATION_15, MIGRATION_16, MIGRATION_17,
                         MIGRATION_18, MIGRATION_19, MIGRATION_20, MIGRATION_21,
                         MIGRATION_22, MIGRATION_23, MIGRATION_24,
                         MIGRATION_25, MIGRATION_26, MIGRATION_27, MIGRATION_28,
                         MIGRATION_29, MIGRATION_30, MIGRATION_31, MIGRATION_32,
                         MIGRATION_33, MIGRATION_34, MIGRATION_35, MIGRATION_36,
                         MIGRATION_37, MIGRATION_38, MIGRATION_39, MIGRATION_40,
                         MIGRATION_41]

# Migrations that also rewrite rows by rules too involved for SQL: the module whose
# `migrate(conn)` runs right after that migration's SQL, in the same transaction. Named, not
# imported: those modules use the store, which imports this file.
DATA_STEPS: dict[int, str] = {5: "omnitui.store.unlink_claims",
                              35: "omnitui.store.answered_first"}

# Columns the SLA replay and the score recompute after every change (services/upkeep.py),
# and the counts the triggers keep (schema 24): undo neither compares them (a re-score since,
# a message moved in by the same action, is not someone else's edit) nor trusts what it
# restores (the clocks and the score are replayed right after; the triggers count again).
DERIVED: dict[str, frozenset[str]] = {"cases": frozenset({
    "sla_policy", "sla_first_response_due", "sla_meaningful_due", "sla_next_response_due",
    "sla_resolution_due", "sla_due", "sla_paused_seconds", "sla_alarm_at", "priority",
    "priority_parts", "rescore_at", "first_response_seconds", "meaningful_response_seconds",
    "resolution_seconds", "next_responses_met", "next_responses_judged", "agent_replies",
    "handle_seconds",
    # worked out again when a reply is lost (cases.answered_again)
    "first_response_at", "first_replier", "meaningful_response_at", "last_answered_at"}),
    # named by the sender, not by a person (a reply's Message-ID in its mailbox's domain, a
    # platform's id), and its tries of a reply still queued: undo of a reply the daemon
    # could not send yet compared them and refused (a sent one still refuses: its status)
    "messages": frozenset({"thread_key", "external_id"}),
    "outbox": frozenset({"attempts", "last_error", "next_attempt_at"})}

# The names people and scripts may rely on when they query the file (docs/schema.md).
STABLE_NAMES: dict[str, set[str]] = {
    "customers": {"id", "name", "tier"},
    "identities": {"id", "customer_id", "kind", "value"},
    "cases": {"id", "customer_id", "status", "owner", "queue", "priority", "version"},
    "messages": {"id", "case_id", "customer_id", "channel", "direction", "external_id",
                 "subject", "text", "created_at"},
    "attachments": {"id", "message_id", "sha256", "filename"},
    "audit": {"id", "at", "actor", "action", "before", "after"},
}
SCHEMA_VERSION = len(MIGRATIONS)
