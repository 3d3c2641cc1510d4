"""How omnitui words counts and times for people: "1 case", "2 cases", "2026-11-17 16:08 CET",
"3h", "late 2d", "5m ago".

One place, so the CLI and the console say things the same way. Plain strings only (no rich,
typer or Textual), so any face can use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from textwrap import shorten
from typing import Protocol
from zoneinfo import ZoneInfo

from omnitui.model import FINISHED_STATUSES, PAUSED_STATUSES, CaseSummary, Countdown, TimeUnits

DAYS_OF_24H = TimeUnits()


class SimilarLike(Protocol):
    id: int
    text: str



NO_NAME = "(no name)"  # a customer nobody named: the address is theirs, the name unknown

def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`count` and the noun in the number it needs, with thousands separators:
    plural(1, "case") is "1 case", plural(1179, "case") "1,179 cases"; irregular nouns
    give their plural: plural(2, "reply", "replies")."""
    word = noun if count == 1 else plural_noun or f"{noun}s"
    return f"{count:,} {word}"


SKIPPED_NAMED = 3  # the files an import names of those it skipped


def skipped_words(skipped: Sequence[tuple[str, str]]) -> str:
    """What an import passed over, as (source, why): how many, the first few by name and
    why ("4 skipped, holding no mail to import: notes.txt (...), ... and 1 more")."""
    named = ", ".join(f"{source} ({why})" for source, why in skipped[:SKIPPED_NAMED])
    more = len(skipped) - SKIPPED_NAMED
    return (f"{len(skipped):,} skipped, holding no mail to import: {named}"
            + (f" and {more:,} more" if more > 0 else ""))


def in_zone(moment: datetime, zone: tzinfo | None) -> datetime:
    """An aware time in `zone`: the agent's (`Settings.agent_zone`), or None: this
    machine's."""
    return moment.astimezone(zone) if zone is not None else moment.astimezone()


def clock_time(moment: datetime, zone: tzinfo | None) -> str:
    """An aware time as people read it: to the minute, in the agent's zone and marked with
    its name ("2026-11-17 16:08 CET"), so nobody takes it for another zone's. Every time a
    person reads is in one zone: the timeline's and the history's were UTC while the
    snoozes and the SLA's were the team's (stored times are UTC: `store.db.parse_db_time`
    reads them)."""
    return in_zone(moment, zone).strftime("%Y-%m-%d %H:%M %Z")


def span(seconds: float, units: TimeUnits = DAYS_OF_24H) -> str:
    """A duration at a glance, in its largest unit, rounded: '45m', '3h', '2d', then '14w'
    from a hundred days and '2y' from a hundred weeks: three characters (to 99 years), so
    an SLA cell holds "late 88w" whole (after an import of old mail every cell read "late
    61…"). `units`: what a day and a week are (business days for a time in business
    hours)."""
    size = abs(seconds)
    if size < 3600:
        return f"{size / 60:.0f}m"
    if size < units.day:
        return f"{size / 3600:.0f}h"
    if (days := round(size / units.day)) < 100:
        return f"{days}d"
    if (weeks := round(size / units.week)) < 100:
        return f"{weeks}w"
    return f"{round(size / (units.week * 365 / 7))}y"


def ago(moment: datetime | None, now: datetime) -> str:
    """'5m ago', '42s ago', or 'never'."""
    if moment is None:
        return "never"
    seconds = max(0.0, (now - moment).total_seconds())
    return f"{seconds:.0f}s ago" if seconds < 60 else f"{span(seconds)} ago"


EVENT_WORDS = 60  # characters of an event's own words shown beside it


def events_words(events: Sequence[tuple[str, str, str]], now: datetime) -> str:
    """A customer's latest business events: "password_reset 2h ago (reset via app) ·
    payment_failed 3d ago", each one's words cut short (a monitor's alert can be long)."""
    return " · ".join(
        f"{kind} {ago(_stored(at), now)}"
        + (f" ({shorten(text, EVENT_WORDS, placeholder='…')})" if text.strip() else "")
        for at, kind, text in events)


def countdown_words(countdown: Countdown | None, status: str, now: datetime) -> str:
    """A case's countdown in words: "in 2h", "late 3d", or, while its policy's clock stands
    and the due moment lies ahead, that moment (`moment`); "paused" or "-" with no running
    clock. Late by less than a business minute is "late": a target due at the day's close
    read "late 0m" all night."""
    if countdown is None:
        return "paused" if status in PAUSED_STATUSES else "-"
    if (due := countdown.due_local) is not None:
        return moment(due, now)
    left = countdown.left
    if left > 0:
        return f"in {brief(left, countdown.units)}"
    return f"late {span(left, countdown.units)}" if left <= -60 else "late"


def moment(due: datetime, now: datetime) -> str:
    """A moment near `now`, in its own zone, in the SLA column's 8 cells: "09:10" the same
    day, "Mo 09:10" within a week either way (days as cal(1) writes them), else "28 Dec"
    (a weekday's name would read as this week's)."""
    today = now.astimezone(due.tzinfo).date()
    if abs((due.date() - today).days) >= 7:
        return f"{due:%d %b}"
    return f"{due:%H:%M}" if due.date() == today else f"{due:%a}"[:2] + f" {due:%H:%M}"


# A pause reason often starts with what the column's heading already says.
WAITING_ON = re.compile(r"(?:waiting|waits)\s+(?:on|for)\s+(?=\S)", re.IGNORECASE)


def waiting_on(reason: str | None) -> str:
    """A paused case's reason under a "waiting on" heading, without the "waiting on" or
    "waiting for" it often starts with: "waiting on customer" read "waiting on c…" in the
    column's cells."""
    reason = (reason or "").strip()
    found = WAITING_ON.match(reason)
    return reason[found.end():] if found else reason


def wait_cells(case: CaseSummary, waits: str, now: datetime, zone: tzinfo | None
               ) -> dict[str, str]:
    """What a list of snoozed or of paused cases (`CaseQuery.waits`) says beside each, by
    column: when it comes back, in the agent's zone and as the SLA column says a moment
    ("14:30", "Tu 09:00", "12 Dec"), or what it waits on and for how long ("3d")."""
    if waits == "snoozed":
        until = case.snoozed_until
        return {"until": moment(in_zone(_stored(until), zone), now) if until else "-"}
    if waits == "paused":
        return {"waiting on": waiting_on(case.pause_reason), "waited": waited(case, now)}
    return {}


def waited(case: CaseSummary, now: datetime) -> str:
    """How long a paused case has waited on its reason ("3d"; "-": not known)."""
    if not case.paused_at:
        return "-"
    return span(max(0.0, (now - _stored(case.paused_at)).total_seconds()))


def paused_for(case: CaseSummary, now: datetime) -> str:
    """" (for 3d)" after a paused case's reason ("": since when is not known)."""
    return f" (for {waited(case, now)})" if case.paused_at else ""


def _stored(text: str) -> datetime:
    """A time as the store keeps it (UTC text)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def brief(seconds: float, units: TimeUnits = DAYS_OF_24H) -> str:
    """`span` of a time left, "<1m" under a minute (not "0m")."""
    return "<1m" if abs(seconds) < 60 else span(seconds, units)


def reading(language: str | None, sentiment: float | None, irritation: str | None) -> str:
    """What the classify stage read in a customer's message, in words: "de · irritated:
    says 'third time'", "en · tone +0.49"; "" for a message it never read."""
    if language is None:
        return ""
    words = [language]
    if sentiment is not None:
        words.append(f"tone {sentiment:+.2f}")
    if irritation:
        words.append(f"irritated: {irritation}")
    return " · ".join(words)


SLA_TARGET_WORDS = {"first_response": "first response",
                    "meaningful_response": "meaningful response",
                    "next_response": "next response", "resolution": "resolution"}


def sla_words(sla: dict | None, now: datetime) -> str:
    """A case's SLA in a line: the targets still open ("first response breached 12m ago ·
    resolution 8m left"), in the policy's time, or while its clock stands by when they fall
    due ("first response due Mo 09:10", as the queue says it); then the ones missed, met late
    or never needed ("first response none, solved without one": "all met" said that of a
    case solved unanswered); "all met" when every one was."""
    if sla is None:
        return "no clocks (the case has no history to replay)"
    if not sla["targets"] and sla["history_before"]:
        return (f"none: filed as history (no message since {sla['history_before']}); the "
                "clocks start if it comes back")
    standing = ZoneInfo(sla["zone"]) if sla.get("zone") and not sla.get("running_now") \
        else None
    units = TimeUnits(sla.get("day_seconds", DAYS_OF_24H.day),
                      sla.get("week_seconds", DAYS_OF_24H.week))
    open_ = [countdown(t, standing, now, units) for t in sla["targets"]
             if t["state"] not in ("met", "met late", "missed", "stopped")]
    late = [countdown(t) for t in sla["targets"]
            if t["state"] in ("met late", "missed", "stopped")]
    time = "" if sla["time"] == "24x7" else (  # a due moment is said in the team's zone
        f" (business hours, {sla['zone']} time)" if standing else " (business hours)")
    return " · ".join(open_ or late or ["all met"]) + time


def countdown(state: dict, standing: ZoneInfo | None = None,
              now: datetime | None = None, units: TimeUnits = DAYS_OF_24H) -> str:
    """"8m left", "breached 12m ago", "met late", "paused (3h left)": a target at a
    glance, in the policy's time (`units`: its day and week); "due Mo 09:10" in
    `standing`'s zone while the clock stands (its time left would be counted from the
    next opening)."""
    words, left, status = SLA_TARGET_WORDS[state["target"]], state["left_seconds"], state["state"]
    if standing is not None and now is not None and status in ("running", "at risk"):
        return f"{words} due {moment(_due(state, standing), now)}"
    if status == "stopped":
        return f"{words} none, solved without one"
    if status in ("met", "met late", "missed"):
        return f"{words} {status}"
    if status == "paused":
        return f"{words} paused ({brief(left or 0, units)} left)"
    if status == "breached" and (left or 0) <= -60:
        return f"{words} breached {span(left or 0, units)} ago"
    if status == "breached":  # late by less than a business minute: while the clock
        # stands (a target due at the day's close), since its due moment
        return f"{words} breached" + (f" at {moment(_due(state, standing), now)}"
                                      if standing is not None and now is not None else "")
    return f"{words} {brief(left or 0, units)} left" + (
        " (at risk)" if status == "at risk" else "")


def breakdown(parts: str | None, total: float) -> str:
    """"72 = vip 30 + severity 20 + waiting 3h 12": a priority score and why, from the
    stored parts (JSON [label, points] pairs; a score set by hand reads "set by erin")."""
    if not parts:
        return f"{total:g}"
    shown = [f"{label} {points:g}" for label, points in json.loads(parts) if points]
    return f"{total:g} = " + " + ".join(shown) if shown else f"{total:g}"  # not "0 = 0"


def fields_words(fields: dict[str, str]) -> str:
    """A case's named answers on one line: "topic: A payment · order_number: A-10231"."""
    return " · ".join(f"{name}: {value}" for name, value in fields.items())


def csat_words(survey: dict[str, object] | None) -> str:
    """The case's satisfaction survey: "4/5 ("great")", "asked, no answer yet"; "" if never
    asked."""
    if survey is None:
        return ""
    if survey.get("score") is None:
        return "asked, no answer yet"
    answer = " ".join(str(survey.get("answer") or "").split())[:40]
    return f"{survey['score']}/5" + (f" ({answer!r})" if answer else "")


def similar_words(similar: Sequence[SimilarLike], width: int = 40) -> str:
    """Solved cases like this one on one line: "#114 Charged twice for order… · #747 …",
    each text cut at a word."""
    return " · ".join(f"#{c.id} {shorten(c.text, width, placeholder='…')}" for c in similar)



def status_words(status: str) -> str:
    """A status as people read it: "on hold", not "on_hold"."""
    return status.replace("_", " ")


def merged_words(target: int) -> str:
    """Where a case merged into another went: the CLI's case view and the console's case
    screen say it alike (the console said only "closed")."""
    return f"merged into #{target}: its messages and what is done now are there"


def act_on_live(case_id: int, live: int) -> str:
    """Why nothing is done on a case merged away: the action layer's refusal, and the
    console's key bar, which leaves every case key off for it."""
    return f"case #{case_id} was merged into #{live}: act on #{live}"


def reopens_words(reopens: int) -> str:
    """" · reopened 2x" after a case's facts, or nothing for a case never reopened (every
    case header said "reopened 0x", taking a row of the case screen at 80x24)."""
    return f" · reopened {reopens}x" if reopens else ""

ARROW = "→"  # before → after, wherever people read a change (the console's, the CLI's)
STORED_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # as the store keeps them, UTC


def older_changes(case_id: int, shown: int) -> str:
    """Over a case's history that shows only its latest changes: where the rest are."""
    return (f"… the latest {shown} changes; older ones: omnitui history --case {case_id}"
            " --limit 1000000")


def changes_words(changes: list[tuple[str, object, object]], width: int = 40, *,
                  local: bool = False, zone: tzinfo | None = None) -> str:
    """An audit event's changes as people read them: "owner - → alice · status open →
    solved · snoozed_until - → 2026-12-14 09:00 CET" (long values cut at `width`; with
    `local`, times in `zone`, the agent's, as the history's own; else as stored, for
    scripts)."""
    def value(v: object) -> str:
        text = "-" if v is None or v == "" else str(v).replace("\n", " ")
        if local and STORED_TIME.fullmatch(text):
            return clock_time(_stored(text), zone)
        return text if len(text) <= width else text[:width - 1] + "…"

    def change(what: str, was: object, now: object) -> str:
        if was is None and now is None:
            return what
        if isinstance(was, str) and isinstance(now, str) and was and now and max(
                len(was), len(now)) > width and (now.startswith(was) or was.startswith(now)):
            # text added at the end (a merge's "; case #2 merged into #3"), or taken off:
            # cut at `width`, both sides read the same ("the customer's new case #2 (one
            # custome… → the customer's new case #2 (one custome…"); the end is what changed
            gone, added = (value(tail) if tail else "" for tail in (
                was[len(now):], now[len(was):]))
            return f"{what} …{gone} {ARROW} …{added}"
        return f"{what} {value(was)} {ARROW} {value(now)}"

    return " · ".join(change(what, was, now) for what, was, now in changes)


# A stored time inside an audit reason, UTC said or not (a wake-up's "the snooze until
# 2026-12-07 08:00:00 UTC ended", an SLA repair's "sla_due 2026-12-07 17:13:56 -> …").
REASON_TIME = re.compile(STORED_TIME.pattern + "(?: UTC)?")


def reason_words(reason: str, zone: tzinfo | None) -> str:
    """An audit event's reason as people read it beside the event's own time and changes:
    the stored times in it in `zone`, the agent's, named, as `clock_time` says every time
    (the history said "14:14 CET" above a why in UTC), and its arrows as `arrowed` draws
    them. The store keeps the reason as written, and JSON and CSV give it so. A time no
    clock has (an agent's typed "2026-13-45 99:99:99") stays as written."""
    def local(found: re.Match[str]) -> str:
        try:
            return clock_time(_stored(found.group()[:19]), zone)
        except ValueError:  # (the history ended in a traceback)
            return found.group()

    return arrowed(REASON_TIME.sub(local, reason))


def why_words(reason: str, zone: tzinfo | None, opened_pending_on: str | None = None) -> str:
    """An audit event's why for people: its reason (`reason_words`), and, of a case it
    opened pending, on what: "outbound case to ann@x.org; opened pending on their answer to
    our mail" (a case written first said only "outbound case", and the customer's answer
    opening it read as out of the blue)."""
    said = [reason_words(reason, zone)] if reason else []
    if opened_pending_on:
        said.append(f"opened pending on {opened_pending_on}")
    return "; ".join(said)


def arrowed(text: str) -> str:
    """"open -> solved" as people read every before and after: "open → solved". The store
    keeps its reasons in ASCII, as written, and the JSON and CSV give them so (scripts
    grep "open -> solved"); the history wrote "why: open -> solved" above "changed: status
    open → solved"."""
    return text.replace(" -> ", f" {ARROW} ")


def _due(state: dict, zone: ZoneInfo) -> datetime:
    return _stored(state["due"]).astimezone(zone)


def taken_by_another(case_id: int, owner: str, agent: str, *, supervisor: bool) -> str:
    """Why Take does nothing on a case another agent has (said by the action layer, and by
    the console's key bar, which leaves Take out there): a supervisor hands it on."""
    return f"#{case_id} is already {owner}'s: " + (
        f"hand it on to yourself to take it (A, or assign --to {agent})" if supervisor else
        f"{owner} or a supervisor can hand it on")


def taken_by(agent: str) -> str:
    """What Take did to a case (and, said "already", that it had nothing to do)."""
    return f"assigned to {agent}"


def availability_words(name: str, away: bool, *, supervisor: bool, changed: bool) -> str:
    """What setting an agent away or available did, said alike by `omnitui away|available`
    and `omnitui agents away|back NAME` (one said "available" of someone the team list then
    showed gone, with no word of why)."""
    state = f"{name} is {'' if changed else 'already '}{'away' if away else 'available'}"
    if away:
        return f"{state}: routing gives {name} no cases"
    if supervisor:
        return f"{state}: a supervisor, given no cases by routing (they take them)"
    return f"{state}: routing gives {name} cases while a console of theirs runs"


# after the last error of a reply still queued: the outbox tries it again (1, 5, 15, 60
# minutes apart, for a day), so "queued · cannot reach Telegram" is not a reply lost
RETRYING = "trying again by itself"
BOARD_UPDATING = "updating…"  # the board shown again, its numbers until its read is in


def no_attachments_words(channel: str, platform_keeps_files: bool) -> str:
    """`s` on a message with no file kept. A chat platform keeps its files, which the
    message's lines name ("[file: crash.png] (slack file F1)"): "this message has no
    attachments" beside such a line read as files lost."""
    if platform_keeps_files:
        return (f"no attachments kept here: files sent on {channel} stay on the platform, "
                "named in the message")
    return "this message has no attachments"


_OUTLOOK_RICH_TEXT = ("application/ms-tnef", "application/vnd.ms-tnef")


def attachment_note(filename: str, mime: str) -> str:
    """What an agent should know of an attachment they cannot open, or "". Outlook's rich
    text comes as winmail.dat (TNEF), which the customer's words and files may be inside:
    no reader of it has a licence the project can take (tnefparse is LGPL), so the agent is
    told what to ask for instead of facing a silent, opaque file."""
    if mime.lower() in _OUTLOOK_RICH_TEXT or filename.strip().casefold() == "winmail.dat":
        return "Outlook winmail.dat: ask the customer to resend without rich text"
    return ""


NO_CONSOLE_HERE = (
    "the console needs a terminal that draws a screen in UTF-8 ({cannot}): the store's "
    "summary instead; `omnitui cases` and `omnitui case ID` work here, and "
    "TERM=xterm-256color LANG=C.UTF-8 open the console in a terminal that can")

SUBJECT_NEEDED = "a new email needs a subject (their inbox and the queue show it)"


def length_words(used: int, most: int, segments: int | None = None) -> str:
    """A reply's length against its channel's limit, as the composer shows it while the
    agent types: "312/1600 · 2 SMS"; past the limit in words, not only a colour: "1700/1600
    · too long by 100"."""
    said = f"{used}/{most}"
    if used > most:
        return f"{said} · too long by {used - most}"
    return f"{said} · {segments} SMS" if segments else said


def too_long_words(channel: str, used: int, most: int) -> str:
    """Why a reply cannot go on its channel in one message (the platform refuses it, and
    it sat failed in the outbox)."""
    return (f"too long for {channel}: {plural(used, 'character')}, the most one message "
            f"holds is {most:,} (shorten it by {used - most:,})")


def written_first_words(case_id: int, to: str, also_open: Sequence[int] = ()) -> str:
    """What writing first did (`omnitui new`, the console's `c`): the case it opened waits
    on their answer, out of its author's open work ("opened" alone left them looking for
    it there), and the message is queued. `also_open`: the customer's other unfinished
    cases, named (three at most): a second message opened another case without a word."""
    said = f"case #{case_id} opened, pending on their answer; the message is queued for {to}"
    if also_open:
        named = ", ".join(f"#{other}" for other in also_open[:3])
        more = f" and {len(also_open) - 3} more" if len(also_open) > 3 else ""
        said += (f"; {to} also has {'case' if len(also_open) == 1 else 'cases'} "
                 f"{named}{more} open")
    return said


def moved_words(emptied: Sequence[int], target: int, status: str,
                resumed: bool = False) -> str:
    """What a move or a merge did to the cases it left without a message (services/merge.py),
    that the case it went to stays solved: the move does not reopen it (a thank-you filed
    where it belongs needs no answer), and a question moved there waited unseen; or that
    the customer's question `resumed` the case pending on them, as their message would."""
    said = "".join(f"; #{case_id}, left empty, is closed as merged into #{target}"
                   for case_id in emptied)
    if resumed:
        said += f"; #{target} waited on the customer: their question opens it again"
    if status in FINISHED_STATUSES:
        said += f"; #{target} stays {status}: reopen it if the message needs an answer"
    return said


WHERE_THEY_LAST_WROTE = "where they last wrote"  # a reply's channel, when not the case's


def resent_words(message_id: int, error: str) -> str:
    """Why a reply went again, in its audit row: the one it repeats and what became of it."""
    return f"resent #{message_id} after: {' '.join(error.split()) or 'it failed'}"


def reply_failed_words(case_id: int, error: str, keys: str) -> str:
    """What an agent's console says once when their own reply failed for good (the case
    only reopened): `keys`, the resend's key as [keymap] has it."""
    return (f"your reply on #{case_id} could not be sent: {' '.join(error.split())} · "
            f"{keys} on it resends it")


def upgraded_under_words(version: int, known: int) -> str:
    """A newer omnitui upgraded the store under a running console: what the agent does."""
    return (f"a newer omnitui upgraded the store while this console ran (schema version "
            f"{version}; this one knows up to {known}): quit and open omnitui again to work "
            "with it (your drafts are kept)")
