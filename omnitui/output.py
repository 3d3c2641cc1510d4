"""How the CLI shows things: rich tables for people, JSON and CSV for scripts.

Every value read from the store or from a remote server may hold outside text, so every one
passes `sanitize` and is shown as literal `Text`, never markup. JSON values and CSV cells are
sanitized too, and CSV cells neutralised for spreadsheets.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnitui.choices import Format, ListFormat
from omnitui.model import PAUSED_STATUSES, CaseDetail, CaseSummary, Countdown, MessageView
from omnitui.sanitize import escape_json, sanitize
from omnitui.store.db import (
    columns_of,
    db_time,
    field_names,
    parse_db_time,
    stored_time,
    utc_now,
)
from omnitui.vocabulary import routing_story
from omnitui.wording import (
    ARROW,
    NO_NAME,
    ago,
    arrowed,
    attachment_note,
    breakdown,
    clock_time,
    countdown_words,
    csat_words,
    events_words,
    fields_words,
    merged_words,
    paused_for,
    plural,
    reading,
    reopens_words,
    similar_words,
    skipped_words,
    sla_words,
    span,
    status_words,
    wait_cells,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, ProgressColumn, Task
    from rich.text import Text

    from omnitui.metrics.funnel import Funnel, Rate, Report, Spread
    from omnitui.services.kb import Article
    from omnitui.services.similar import SimilarCase


@cache
def people() -> Console:
    """stdout for people: rich, imported only when a table is printed, so that a script's
    `--format json|csv|ids` and an action's one-line report start without it."""
    from rich.console import Console

    return Console(highlight=False)


def _text(value: object, *, multiline: bool = False, limit: int | None = None) -> Text:
    from rich.text import Text

    return Text(_clean(value, multiline=multiline, limit=limit))


def _clean(value: object, *, multiline: bool = False, limit: int | None = None) -> str:
    clean = sanitize("" if value is None else str(value), multiline=multiline)
    if limit and len(clean) > limit:
        clean = clean[: limit - 1] + "…"
    return clean


def write_json(data: Any) -> None:
    """Values sanitized like every other output: escaped, an escape sequence still reached
    the terminal of `jq -r .subject`; what is left unsafe (none should be) is escaped."""
    sys.stdout.write(escape_json(json.dumps(_json_value(data), indent=2, ensure_ascii=False))
                     + "\n")


def _json_value(value: Any) -> Any:
    """`value` as json writes it, every text sanitized: a record as its fields (shallow:
    `asdict` deep-copied every value first, a case's messages, its history), anything else
    json cannot write (a time) as its text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, dict):
        return {sanitize(str(k)): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _json_value(columns_of(value))
    return sanitize(str(value))


# A spreadsheet reads a cell starting with one of these as a formula (OWASP, CSV injection);
# the full-width forms too, in some locales.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _csv_cell(value: Any) -> Any:
    """Numbers stay numbers (a priority of -5 is not text); text is sanitized, and a cell a
    spreadsheet would run as a formula gets a leading ' (OWASP's advice)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = sanitize(json.dumps(value) if isinstance(value, list | dict) else str(value))
    return "'" + text if text.lstrip(" ").startswith(FORMULA_STARTS) else text


def _write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Text cells are always quoted (QUOTE_NONNUMERIC), numbers never; the header is
    `columns`, the rows' keys, even with no row (an empty file is no CSV to pandas or
    csvkit: a script reading it found nothing to read)."""
    import csv

    writer = csv.DictWriter(sys.stdout, fieldnames=columns, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow({name: _csv_cell(name) for name in columns})
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})


def say_done(text: str) -> None:
    """One line on stdout saying what was done (outside text in it sanitized; never wrapped,
    so a script reads it whole)."""
    sys.stdout.write(sanitize(text, multiline=False) + "\n")


def print_rows(rows: Sequence[dict[str, Any]], fmt: Format, *, columns: Sequence[str],
               title: str = "") -> None:
    """`columns`: the rows' keys as the store has them, the CSV's header even when there is
    no row (a table's head is its rows' own keys)."""
    if fmt is Format.json:
        write_json(list(rows))
    elif fmt is Format.csv:
        _write_csv(rows, columns)
    elif not rows:
        people().print(f"no {title}" if title else "nothing to show")
    else:
        from rich.table import Table

        table = Table(title=title or None)
        for name in rows[0]:
            table.add_column(name)
        for row in rows:
            table.add_row(*(_text(v, limit=80) for v in row.values()))
        people().print(table)


def suggestion_row(row: dict[str, Any]) -> dict[str, Any]:
    """An open suggestion as people read it: what accepting it does, to whom, how sure, and
    why (at 80 columns the store's eight columns left the evidence as "same")."""
    what = (f"merge customer #{row['source_id']} {row['source_name'] or NO_NAME} into "
            f"#{row['target_id']} {row['target_name'] or NO_NAME}"
            if row["kind"] == "merge_customers" else
            f"attach message #{row['source_id']} to case #{row['target_id']}")
    return {"#": row["id"], "accepting it would": what, "confidence": row["confidence"],
            "because": row["evidence"]}


def roster_row(row: dict[str, Any], now: datetime) -> dict[str, str]:
    """An agent of `omnitui agents` as people read it: "chat 2/3 · email 5/10", "away 12m"."""
    capacity: dict[str, int] = row["capacity"]
    classes = list(dict.fromkeys([*capacity, *row["open"]]))
    load = " · ".join(f"{c} {row['open'].get(c, 0)}" + (f"/{capacity[c]}" if c in capacity
                                                         else "") for c in classes)
    since = stored_time(row["since"])
    state = row["state"] if row["state"] in ("here", "off shift") or since is None else \
        f"{row['state']} {span((now - since).total_seconds())}"
    given = stored_time(row["last_given"])
    return {"agent": row["agent"], "role": row["role"], "skills": ", ".join(row["skills"]),
            "languages": ", ".join(row["languages"]),
            "open / capacity": (load or "0") + ("" if capacity else " (no limit)"),
            "state": state, "last given a case": ago(given, now)}


def print_repair(repair: Any, fmt: Format, *, dry_run: bool, solved: bool = False,
                 zone: tzinfo | None = None) -> None:
    """What `omnitui sla recompute` changed (or would): a line per case, then the counts,
    the times in the agent's `zone`, named (the case screen's "Tu 14:00 CET" read as
    "13:00:00" here); the json keeps the stored UTC."""
    if fmt is Format.json:
        write_json({"checked": repair.checked, "dry_run": dry_run,
                    "skipped_without_history": repair.skipped,
                    "changed": {str(case_id): {k: {"was": was, "now": now}
                                               for k, (was, now) in columns.items()}
                                for case_id, columns in repair.changed.items()}})
        return
    verb = "would change" if dry_run else "changed"
    summary = (f"{plural(repair.checked, 'case' if solved else 'unsolved case')} replayed: "
               f"{verb} {len(repair.changed)}, skipped {len(repair.skipped)} without history")
    if fmt is Format.csv:  # a row a changed value, stored UTC as the json; the counts on
        # stderr (it printed the table)
        _write_csv([dict(zip(REPAIR_COLUMNS, (case_id, k, was, now), strict=True))
                    for case_id, columns in repair.changed.items()
                    for k, (was, now) in columns.items()], REPAIR_COLUMNS)
        sys.stderr.write(summary + "\n")
        return
    out = people()
    for case_id, columns in repair.changed.items():
        out.print(_text(f"#{case_id}: " + "; ".join(
            f"{k.removeprefix('sla_')} {_moment(was, zone)} {ARROW} {_moment(now, zone)}"
            for k, (was, now) in columns.items())), soft_wrap=True)  # a line a case, as
    say_done(summary)  # the docs say (a pipe got four)


REPAIR_COLUMNS = ("case", "column", "was", "now")


def _moment(value: object, zone: tzinfo | None) -> str:
    """A stored value as read: a time in `zone`, named; a number as it is; unset "-"."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        try:
            return clock_time(parse_db_time(value), zone)
        except ValueError:
            return value
    return str(value)


# What a list of snoozed or of paused cases (`CaseQuery.waits`) shows after the SLA column
# (`wording.wait_cells`), and the columns it gives up first where they leave the subject
# less than the plain list's 12 cells (80 columns: the channel, then the status and queue).
WAIT_WIDTHS = {"snoozed": {"until": 8}, "paused": {"waiting on": 14, "waited": 6}}
WAIT_DROPS = ("channel", "status", "queue")
SUBJECT = 12  # cells the subject keeps
# A pause reason is free text: a subject wider than WIDE_SUBJECT gives a third of the rest
# to it, up to WIDEST_REASON cells (as the console's list does).
WIDE_SUBJECT, WIDEST_REASON = 40, 40
WIDEST = {"channel": 12, "owner": 16, "customer": 28}  # what a subject past WIDE_SUBJECT gives


def print_cases(rows: list[CaseSummary], fmt: ListFormat,
                countdown: Callable[[str, datetime, datetime], Countdown], waits: str = "",
                zone: tzinfo | None = None) -> None:
    """`countdown`: the SLA keeper's, so the SLA column counts as the console's does
    (business hours where the policy has them); `waits`: what the listed cases wait for,
    said as the console's list says it, in the agent's `zone` (JSON and CSV carry the
    stored times, UTC)."""
    if fmt is ListFormat.ids:
        sys.stdout.write("".join(f"{r.id}\n" for r in rows))
        return
    if fmt is not ListFormat.table:
        print_rows([dataclasses.asdict(r) for r in rows], Format(fmt.value),
                   columns=field_names(CaseSummary))
        return
    from rich.cells import cell_len, set_cell_size

    width = _columns()
    widths = {"#": 6, "prio": 4, "SLA": 8, **WAIT_WIDTHS.get(waits, {}), "channel": 8,
              "customer": 16, "subject": 0, "owner": 6, "status": 7,
              "queue": min(14, max((len(r.queue) for r in rows), default=5))}
    mixed = len({r.status for r in rows}) > 1  # pending beside on hold: which is which
    if width - sum(widths.values()) - len(widths) < 16:  # 80 columns: every one fits
        widths.update(customer=11, queue=min(widths["queue"], 8))
        if mixed and "waiting on" in widths:
            widths["waiting on"] = 11  # and the status beside it ("engineering" whole)
    drops = ("channel", "queue", "status") if mixed else WAIT_DROPS
    for name in drops if waits else ():
        if width - sum(widths.values()) - len(widths) >= SUBJECT:
            break
        del widths[name]
    fixed = sum(widths.values()) + len(widths)
    widths["subject"] = max(SUBJECT, width - fixed)
    for name, longest in (("channel", max((len(r.channel) for r in rows), default=0)),
                          ("owner", max((len(r.owner or "") for r in rows), default=0)),
                          ("customer", max((cell_len(r.customer_name) for r in rows),
                                           default=0))):
        if name in widths:  # a wide terminal shows them whole ("messeng…" beside a subject
            wider = max(0, min(min(longest, WIDEST[name]) - widths[name],  # of 120 cells)
                               widths["subject"] - WIDE_SUBJECT))
            widths[name] += wider
            widths["subject"] -= wider
    if "waiting on" in widths:  # free text: a wide terminal shows more of it
        wider = max(0, min(WIDEST_REASON - widths["waiting on"],
                           (widths["subject"] - WIDE_SUBJECT) // 3))
        widths["waiting on"] += wider
        widths["subject"] -= wider

    def line(cells: dict[str, str]) -> str:
        """One row of fixed-width cells, cut with an ellipsis where they overflow. Plain
        text, not rich: a rich `Table` gave these very lines, and rich's console and
        `Table` were a third of this command's start."""
        shown = []
        for name, size in widths.items():
            cell = cells[name]
            if cell_len(cell) > size:
                cell = set_cell_size(cell, size - 1) + "…"
            pad = " " * (size - cell_len(cell))
            shown.append(pad + cell if name in ("#", "prio") else cell + pad)
        joined = " ".join(shown)
        return (set_cell_size(joined, width) if cell_len(joined) > width else joined) + "\n"

    header = line({name: name for name in widths})
    out = [f"\x1b[1m{header[:-1]}\x1b[0m\n" if _styled() else header]
    now = utc_now()
    out += [line({"#": str(r.id), "prio": f"{r.priority:g}",
                  "SLA": countdown_words(None if r.sla_due is None else countdown(
                      r.queue, parse_db_time(r.sla_due), now), r.status, now),
                  **{name: _clean(text) for name, text in wait_cells(r, waits, now,
                                                                      zone).items()},
                  "channel": _clean(r.channel), "customer": _clean(r.customer_name or NO_NAME),
                  "subject": _clean(r.subject or "(no subject)"),
                  "owner": _clean(r.owner or "-"), "status": status_words(r.status),
                  "queue": _clean(r.queue)}) for r in rows]
    sys.stdout.write("".join(out) + ("" if rows else "no cases match\n"))


def _columns() -> int:
    """The terminal's width as rich finds it (any of stdin, stdout, stderr that is a
    terminal, then $COLUMNS), else 80: `omnitui cases | less` is as wide as the terminal."""
    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
            break
        except OSError:
            continue
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else width or 80


def _styled() -> bool:
    """Bold for a header, as rich decides it: on a terminal that is not a dumb one, or
    where FORCE_COLOR asks (NO_COLOR takes colours away, not bold)."""
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and not dumb_terminal()


def dumb_terminal() -> bool:
    """A terminal that only prints lines (TERM=dumb: an editor's shell buffer, a CI log),
    as rich and curses take it: no colour, no cursor moves, no full screen."""
    return os.environ.get("TERM", "") in ("dumb", "unknown")



def print_case(detail: CaseDetail, fmt: Format, sla: dict | None = None,
               suggested: Sequence[str] = (), articles: Sequence[Article] = (),
               similar: Sequence[SimilarCase] = (), zone: tzinfo | None = None) -> None:
    """`sla`: the case's clocks as services/sla.py states them (JSON: every target with its
    due time, paused time and state); `suggested`: the macros whose `when` fits it;
    `articles`: the knowledge-base articles suggested for it; `similar`: solved cases like
    it; `zone`: the agent's, which its times are in (JSON: UTC, as stored)."""
    if fmt is Format.json:
        parts = json.loads(detail.priority_parts) if detail.priority_parts else []
        latest = next((m for m in reversed(detail.messages) if m.direction == "in"
                       and m.case_id == detail.case.id), None)
        fields = columns_of(detail)
        del fields["priority_parts"]  # the same as "priority_breakdown", as a string of JSON
        write_json({**fields, "sla": sla,
                    "intent": detail.case.intent,  # und as the case shows it (the store
                    # keeps no language on a case none could be told for)
                    "language": detail.case.language or (latest.language if latest else None),
                    "sentiment": latest.sentiment if latest else None,
                    "irritated": detail.case.irritation is not None,
                    "queue": detail.case.queue, "pause_reason": detail.case.pause_reason,
                    "snoozed_until": detail.case.snoozed_until,
                    "suggested_macros": list(suggested),
                    "suggested_articles": [{"title": a.title, "path": a.path,
                                            "score": a.score} for a in articles],
                    "similar_cases": list(similar),
                    "priority_breakdown": {
            "total": detail.case.priority, "set_by": detail.priority_by,
            "parts": [{"part": label, "points": points} for label, points in parts]}})
        return
    if fmt is Format.csv:
        print_rows([dataclasses.asdict(m) for m in detail.messages], fmt,
                   columns=field_names(MessageView))
        return
    from rich.text import Text

    out = people()
    c, who = detail.case, detail.customer
    now = utc_now()
    header = Text()
    header.append(f"case #{c.id}  ", style="bold")
    header.append(_text(c.subject or "(no subject)"))
    out.print(header)
    if detail.merged_into is not None:  # its messages are there: only the JSON said so
        out.print(_text(f"{merged_words(detail.merged_into)} "
                        f"(omnitui case {detail.merged_into})"), style="bold")
    due = f" · next due {clock_time(parse_db_time(c.sla_due), zone)}" if c.sla_due else ""
    out.print(_text(f"{status_words(c.status)} · queue {c.queue} · owner {c.owner or '-'}{due}"
                    + reopens_words(detail.reopens)
                    + (f" · tags {' '.join(c.tags)}" if c.tags else "")))  # as the console's
    out.print(_text(f"priority {breakdown(detail.priority_parts, c.priority)}"))
    out.print(_text(f"SLA: {sla_words(sla, now)}"))
    if story := str(routing_story(detail.history, now)):
        out.print(_text(f"routed: {story}"))
    if suggested:
        out.print(_text(f"suggested: {', '.join(suggested)} (omnitui macro --name "
                        f"{shlex.quote(suggested[0])} {c.id})"))
    if articles:
        out.print(_text(f"kb: {' · '.join(f'{a.title} ({a.path})' for a in articles)}"))
    if similar:
        out.print(_text(f"solved before: {similar_words(similar)}"))
    if detail.fields:
        out.print(_text(f"fields: {fields_words(detail.fields)}"))
    if survey := csat_words(detail.csat):
        out.print(_text(f"satisfaction: {survey}"))
    if c.status in PAUSED_STATUSES and c.pause_reason:
        out.print(_text(f"why paused: {c.pause_reason}{paused_for(c, now)}"))
    if c.snoozed_until and (until := parse_db_time(c.snoozed_until)) > now:
        out.print(_text(f"snoozed until {clock_time(until, zone)} (in "
                        f"{span((until - now).total_seconds())}): hidden from the queues"))
    line = Text("customer: ")
    line.append(_text(f"{who.name or NO_NAME} (#{who.id}, {who.tier})"))
    line.append(" ")
    line.append(_text(", ".join(f"{k} {v}" for k, v in who.identities)))
    out.print(line)
    if who.events:
        out.print(_text(f"reported: {events_words(who.events, now)}"))
    if detail.previous_case_id:
        out.print(f"follows case #{detail.previous_case_id}")
    for m in detail.messages:
        out.print()
        arrow = {"in": "←", "out": "→", "note": "✎"}.get(m.direction, "?")
        head = Text(f"{arrow} {clock_time(parse_db_time(m.created_at), zone)} "
                    f"{sanitize(m.channel, multiline=False)} #{m.id} ", style="bold")
        head.append(_text(m.author or "(unknown sender)"))
        if m.case_id != c.id:  # the customer's timeline: their other cases' messages too,
            head.append(f" · case #{m.case_id}", style="cyan")  # said, as the console does
        if m.delivery:  # a reply: queued, sending, sent or failed, and what the platform said
            head.append(f" · {m.delivery}", style="red" if m.delivery == "failed" else "")
        out.print(head)
        if m.delivery_note:
            out.print(Text(f"  delivery: {sanitize(m.delivery_note, multiline=False)}",
                           style="dim"))
        if m.thread_reason:
            out.print(Text(f"  joined: {sanitize(m.thread_reason)}", style="dim"))
        if m.intent:
            out.print(Text(f"  wants: {sanitize(f'{m.intent} ({m.intent_rule})')}", style="dim"))
        if read := reading(m.language, m.sentiment, m.irritation):
            out.print(Text(f"  read: {sanitize(read)}", style="red" if m.irritation else "dim"))
        for claim in m.claims:
            out.print(Text(f"  claimed: {sanitize(claim)}", style="dim"))
        if m.auto_submitted:
            out.print(Text(f"  automatic: {sanitize(m.auto_submitted)}", style="dim"))
        for problem in m.parse_errors:
            out.print(Text(f"  parse error: {sanitize(problem)}", style="red"))
        out.print(_text(m.text.strip() or "(no text)", multiline=True))
        for a in m.attachments:
            out.print(Text(f"  📎 {sanitize(f'{a.filename} ({a.mime}', multiline=False)}, "
                           f"{plural(a.size, 'byte')})"))
            if note := attachment_note(a.filename, a.mime):
                out.print(Text(f"     {note}", style="yellow"))


def print_summary(conn: sqlite3.Connection, path: Path) -> None:
    """The store at a glance; each line whole, however narrow the terminal, so a pipe or a
    script reads every item on its line."""
    from rich.text import Text

    from omnitui.store.queries import store_stats

    out = people()
    stats = store_stats(conn)
    lines = [
        Text(f"store {path}", style="bold"),
        f"{plural(stats['customers'], 'customer')} · {plural(stats['cases'], 'case')} · "
        f"{plural(stats['messages'], 'message')}",
        _text("messages by channel: " + ", ".join(
            f"{k} {v:,}" for k, v in stats["by_channel"].items())),
        _text("cases by status: " + ", ".join(
            f"{k} {v:,}" for k, v in stats["by_status"].items())),
        f"{plural(stats['breached'], 'unsolved case')} past their SLA due time · "
        f"{plural(stats['vip_customers'], 'VIP customer')} · "
        f"{plural(stats['open_suggestions'], 'open merge suggestion')} · "
        f"{plural(stats['parse_errors'], 'message')} with parse errors",
        "next: `omnitui cases`, `omnitui case ID`, `omnitui doctor`"]
    for line in lines:
        out.print(line, soft_wrap=True)


def import_report(counts: dict[str, int], history_before: datetime | None = None,
                  skipped: Sequence[tuple[str, str]] = ()) -> str:
    """What an import did: its counts, the history it filed, and what it skipped (how many,
    the first few by name and why: a folder's notes, an empty .eml)."""
    report = (f"{counts['imported']:,} imported, {counts['duplicates']:,} already in the "
              f"store, {counts['with_errors']:,} with parse errors (stored raw, see `omnitui "
              "case`)")
    if counts.get("not_mail"):
        report += f", {counts['not_mail']:,} not mail (skipped, each named on stderr)"
    if counts.get("history"):
        report += (f"\n{plural(counts['history'], 'conversation')} filed as solved history "
                   f"(no message since {history_before:%Y-%m-%d})")
    if skipped:
        report += "\n" + sanitize(skipped_words(skipped), multiline=False)
    return report


@contextmanager
def progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr counting to `total` (None: unknown); off when stderr is not a
    terminal (rich's bar would still print an empty line there when it stops)."""
    from rich.progress import MofNCompleteColumn, TimeElapsedColumn

    with _bar(MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done, refresh=True)


class ImportProgress:
    """An import's bar: the share of the mail's bytes read, the messages filed, and the
    time left at the rate so far ("importing ━━━━╸━━━ 42% 4,200 messages 0:00:03 · 0:00:04
    left"); then that the import's end is at work (each case's clocks, the indexes), which
    takes a while after a big import."""

    def __init__(self, bar: Progress, total_bytes: int) -> None:
        self._bar = bar
        self._total = max(total_bytes, 1)  # an empty mbox: done at once, not divided by 0
        self._task = bar.add_task("importing", total=self._total, messages=0, finishing=False)

    def filed(self, messages: int, consumed: int) -> None:
        """`messages` filed so far, which were `consumed` bytes of the mail."""
        self._bar.update(self._task, completed=consumed, messages=messages, refresh=True)

    def finishing(self, messages: int) -> None:
        """Every message is filed: the rest is the import's end."""
        self._bar.update(self._task, completed=self._total, messages=messages, finishing=True,
                         refresh=True)


@contextmanager
def import_progress(total_bytes: int) -> Iterator[ImportProgress]:
    """`ImportProgress` on stderr for mail of `total_bytes` (`sources.mail_size`)."""
    from datetime import timedelta

    from rich.progress import ProgressColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    class Left(ProgressColumn):
        def render(self, task: Task) -> Text:
            if task.fields["finishing"]:
                return Text("· updating cases", no_wrap=True, overflow="ellipsis")
            left = task.time_remaining
            return Text("· -:--:-- left" if left is None else
                        f"· {timedelta(seconds=int(left))} left")

    with _bar(TaskProgressColumn(), TextColumn("{task.fields[messages]:,} messages"),
              TimeElapsedColumn(), Left()) as bar:
        yield ImportProgress(bar, total_bytes)


@contextmanager
def _bar(*columns: ProgressColumn) -> Iterator[Progress]:
    """A bar with its label and `columns`. Redrawn as it advances, not by rich's refresh
    thread: a process running a thread spawns its parser workers instead of forking them
    (see ingest/readahead.py)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), *columns, console=console,
                  transient=True, disable=not console.is_interactive,
                  auto_refresh=False) as bar:
        yield bar


def print_checks(results: Sequence[Any]) -> None:
    """Doctor's findings; names and details hold account names and remote servers' errors."""
    from rich.text import Text

    out = people()
    for r in results:
        mark = (Text("FAIL", style="bold red") if not r.ok else
                Text("warn", style="yellow") if r.warn else Text("ok  ", style="green"))
        name = _text(r.name)
        name.stylize("bold")
        # a path or a command must not break in a pipe
        out.print(Text.assemble(mark, " ", name, ": ", _text(r.detail)), soft_wrap=True)
        if (not r.ok or r.warn) and r.fix:
            out.print(Text.assemble("      fix: ", _text(r.fix)), soft_wrap=True)


def print_articles(found: Sequence[Article], fmt: Format, *, ranked: bool = True) -> None:
    """Knowledge-base articles: ranked (search, suggest: with their scores) or a listing.
    JSON and CSV carry every field, the excerpt too."""
    if fmt is not Format.table:
        rows = [dict(zip(ARTICLE_COLUMNS, (a.path, a.title, a.tags, a.language, a.score,
                                           a.found_by, a.excerpt), strict=True)) for a in found]
        if fmt is Format.json:
            write_json(rows)
        else:
            print_rows([{**r, "tags": " ".join(r["tags"])} for r in rows], fmt,
                       columns=ARTICLE_COLUMNS)
        return
    if not found:
        say_done("no articles")
        return
    columns = ("match", "path", "title", "tags")[0 if ranked else 1:]
    print_rows([dict(zip(columns, ((_match_words(a),) if ranked else ()) + (
        a.path, a.title, " ".join(a.tags)), strict=True)) for a in found], fmt,
        columns=columns)


ARTICLE_COLUMNS = ("path", "title", "tags", "language", "score", "found_by", "excerpt")


def _match_words(article: Article) -> str:
    """How an article matched, with its score on that way's own scale: a suggestion's
    "0.288" above "2.4" read as out of order."""
    if article.found_by == "queue":
        return "its queue's"
    return f"{article.found_by} {article.score:.3g}"


def print_report(report: Report, fmt: Format, zone: tzinfo | None) -> None:
    """The funnel for people (a table), scripts (JSON, whole seconds; the period's bounds UTC
    as every JSON time, as stored, once for every group) and spreadsheets (CSV, a row a
    group, whole seconds; every row's first cell its period, named as the table's head
    names it: a row read on its own, or pasted beside another report's, still says it)."""
    rows = [report.total, *report.groups]
    if fmt is Format.json:  # (its since said +01:00 and its until +00:00, with microseconds)
        write_json({"since": db_time(report.since), "until": db_time(report.until),
                    "by": report.by, "total": _funnel_json(report.total),
                    "groups": [_funnel_json(g) for g in report.groups],
                    "reassignment_reasons": [{"reason": r, "count": n}
                                             for r, n in report.reassignment_reasons]})
        return
    if fmt is Format.csv:  # (its one row was "all" under a column "all"; --by's rows had
        span = _period(report, zone)  # no period, where the one without --by had)
        lines = [{"period": span, **funnel_row(f, report.by)} for f in rows]
        _write_csv(lines, list(lines[0]))  # the whole period's line is always there
        return
    from rich.table import Table

    out = people()
    head = f"cases opened {_period(report, zone)}: {report.total.opened:,}"
    out.print(_text(head), style="bold")
    if report.total.history:
        out.print(f"of them {report.total.history:,} filed as history (old conversations), "
                  "measured in none of what follows")
    if report.by is None:
        table = Table(box=None, padding=(0, 2, 0, 0))
        for name in ("", "count", "mean", "p50", "p90", "p99"):
            table.add_column(name, justify="left" if not name else "right", no_wrap=True)
        for name, found in report.total.durations.items():
            table.add_row(name.replace("_", " "), f"{found.count:,}",
                          *(_span(getattr(found, part)) for part in ("mean", "p50", "p90",
                                                                    "p99")))
        out.print(table)
        rates = Table(box=None, padding=(0, 2, 0, 0), show_header=False)
        rates.add_column(no_wrap=True)
        rates.add_column()
        for name, value in _rate_lines(report.total):
            rates.add_row(name, _text(value))
        out.print(rates)
    else:
        table = Table(box=None, padding=(0, 1, 0, 0))
        for name in (report.by, "opened", "1st reply\np50/p90", "solved\np50", "FCR",
                     "reopen", "SLA\n1st", "SLA\nnext", "CSAT", "backlog"):  # (two-line
            # heads as wide as their cells: "account-access" was cut at 80 columns)
            table.add_column(name, justify="left" if name == report.by else "right",
                             no_wrap=name != report.by)
        for f in rows:
            first, solved = f.durations["first_response"], f.durations["resolution"]
            table.add_row(_text(f.key), f"{f.opened:,}",
                          f"{_span(first.p50)}/{_span(first.p90)}", _span(solved.p50),
                          _share(f.first_contact_resolution), _share(f.reopened),
                          _share(f.sla["first_response"]), _share(f.sla["next_response"]),
                          f"{f.csat.mean:.1f}" if f.csat.mean is not None else "-",
                          f"{f.backlog:,}" if f.backlog is not None else "-")
        out.print(table)
    if report.reassignment_reasons:
        out.print("why cases changed hands:", style="bold")
        for reason, count in report.reassignment_reasons:
            out.print(_text(f"  {count:,} x {arrowed(reason)}"))


def _period(report: Report, zone: tzinfo | None) -> str:
    """"2026-11-07 14:13 to 2026-12-07 14:13 (Europe/Berlin time)": the report's period in
    its days' zone; the server's (None) names each end's offset, "2026-10-20 00:00 CEST to
    2026-11-19 00:00 CET" (it said "(None time)")."""
    if zone is None:
        return f"{clock_time(report.since, zone)} to {clock_time(report.until, zone)}"
    since, until = report.since.astimezone(zone), report.until.astimezone(zone)
    return f"{since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} ({zone} time)"


def _in_seconds(found: Spread) -> dict[str, int | None]:
    """A distribution of durations in whole seconds: a mean of 14852.153348729793 and a
    backlog's age of 187437.612617 (this run's microseconds) measured nothing finer."""
    return {"count": found.count, **{part: None if (value := getattr(found, part)) is None
                                     else round(value) for part in ("mean", "p50", "p90",
                                                                    "p99")}}


def _funnel_json(f: Funnel) -> dict[str, Any]:
    """One group of a report for scripts: every field, its durations in whole seconds."""
    return {**dataclasses.asdict(f), "durations": {name: _in_seconds(found) for name, found
                                                   in f.durations.items()},
            "backlog_age": _in_seconds(f.backlog_age)}


def funnel_row(f: Funnel, key_name: str | None) -> dict[str, Any]:
    """One group of a report as a flat row (whole seconds, counts and shares), as its JSON
    says it; its key under `key_name` (None: the whole period's row, which needs none)."""
    row: dict[str, Any] = {key_name: f.key} if key_name else {}
    row.update(opened=f.opened, history=f.history)
    for name, found in f.durations.items():
        for part, value in _in_seconds(found).items():
            row[f"{name}_{part}"] = value
    for name, rate in (("first_contact_resolution", f.first_contact_resolution),
                       ("reopened", f.reopened), ("reassigned", f.reassigned),
                       *((f"sla_{t}_on_time", r) for t, r in f.sla.items()),
                       ("satisfied", f.satisfied)):
        row[f"{name}"], row[f"{name}_of"] = rate.part, rate.whole
    age = _in_seconds(f.backlog_age)
    row.update(csat_answers=f.csat.count, csat_mean=f.csat.mean, backlog=f.backlog,
               backlog_snoozed=f.backlog_snoozed, backlog_age_p50=age["p50"],
               backlog_age_p90=age["p90"])
    return row


def _rate_lines(f: Funnel) -> list[tuple[str, str]]:
    lines = [("first-contact resolution", f"{_of(f.first_contact_resolution)} of the solved "
              "cases (one reply, never reopened)"),
             ("reopened", f"{_of(f.reopened)} of the cases ever solved"),
             ("reassigned", f"{_of(f.reassigned)} of the assigned cases")]
    for target, rate in f.sla.items():
        if rate.whole:
            lines.append((f"SLA {target.replace('_', ' ')}", f"{_of(rate)} on time"))
    if f.csat.count:
        lines.append(("satisfaction", f"{f.csat.mean:.1f} of 5 from "
                      f"{plural(f.csat.count, 'answer')}; {_of(f.satisfied)} 4 or 5"))
    lines.append(("backlog now", plural(f.backlog or 0, "case") + (
        f" ({f.backlog_snoozed} snoozed)" if f.backlog_snoozed else "") + (
        f", waiting p50 {_span(f.backlog_age.p50)}, p90 {_span(f.backlog_age.p90)}"
        if f.backlog else "")))
    return lines


def _span(seconds: float | None) -> str:
    return span(seconds) if seconds is not None else "-"


def _share(rate: Rate) -> str:
    return f"{rate.share:.0%}" if rate.share is not None else "-"


def _of(rate: Rate) -> str:
    return f"{rate.part:,} of {rate.whole:,} ({_share(rate)})"


def print_history(entries: Sequence[Any], zone: tzinfo | None = None) -> None:
    """Audit events for people, one block each: when (in `zone`, the agent's), who, what,
    on which case; why; what changed (outside text sanitized)."""
    from rich.text import Text

    from omnitui.vocabulary import action_words
    from omnitui.wording import changes_words, why_words

    out = people()
    if not entries:
        out.print("no history")
    for e in entries:
        head = Text(f"#{e.id}  {clock_time(parse_db_time(e.at), zone)}  ", style="dim")
        head.append_text(_text(e.actor))
        head.stylize("bold", len(head) - len(e.actor))
        head.append(f"  {action_words(e.action)}" + (f" on #{e.case_id}" if e.case_id else ""))
        out.print(head, soft_wrap=True)
        if why := why_words(e.reason, zone, e.opened_pending_on):
            out.print(Text.assemble("      why: ", _text(why)), soft_wrap=True)
        if e.changes:
            out.print(Text.assemble("      changed: ", _text(changes_words(
                e.changes, local=True, zone=zone))),
                      soft_wrap=True)
