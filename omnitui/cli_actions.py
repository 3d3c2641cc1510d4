"""Every action an agent has in the console, from the shell: for scripts, and for agents who
prefer one. Each goes through the Desk, as the console's keys do.

Options first, then one or more case ids (`-` reads ids from stdin, one a line): each id is
tried on its own, each refusal is one line on stderr, and the exit status is 1 if any was
refused, else 0. `--format json` lists every id's result and what changed
(docs/cli.md). A single-id edit takes `--if-version N`: refused if the case moved on since
the script read it.
"""

import re
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from omnitui.choices import DoneFormat
from omnitui.cli import CaseId, app, case_id_of, ctx, say
from omnitui.errors import Refused

if TYPE_CHECKING:
    from omnitui.config import Macro
    from omnitui.services.desk import CaseChange, CaseResult, Desk
    from omnitui.services.events import EventResult

Ids = Annotated[list[str], typer.Argument(metavar="ID...", help="Case ids; - reads them from "
                                          "stdin, one a line.", show_default=False)]
Fmt = Annotated[DoneFormat, typer.Option("--format", help="table or json.")]
IfVersion = Annotated[int | None, typer.Option(
    "--if-version", help="Refuse if the case's version is not this (one id only).")]
Text = Annotated[str | None, typer.Argument(metavar="[TEXT]", show_default=False,
                                             help="The text; - reads it from stdin.")]
TextOption = Annotated[str | None, typer.Option("--text", show_default=False,
                                                help="The text (instead of TEXT); - reads "
                                                     "it from stdin.")]


def case_ids(values: list[str]) -> list[int]:
    """The ids given, `-` expanded from stdin; a word that is no case id is a usage error."""
    words: list[str] = []
    for value in values:
        words.extend(sys.stdin.read().split() if value == "-" else [value])
    try:
        ids = [case_id_of(word) for word in words]
    except typer.BadParameter as exc:
        exc.param_hint = "ID"
        raise
    if not ids:
        raise typer.BadParameter("give at least one case id (or - and ids on stdin)",
                                 param_hint="ID")
    return ids


def text_of(argument: str | None, option: str | None) -> str:
    """The text, given as TEXT or --text (not both); - reads it from stdin."""
    if argument is not None and option is not None:  # `note --text hi 5 other` said to
        raise typer.BadParameter(  # give the text, which was given twice
            "the text is given twice: as TEXT or as --text, not both", param_hint="TEXT")
    if argument is None and option is None:
        raise typer.BadParameter("give the text as TEXT or --text (- reads it from stdin)",
                                 param_hint="TEXT")
    value = argument if argument is not None else option or ""
    text = sys.stdin.read() if value == "-" else value
    if not text.strip():
        raise typer.BadParameter("the text is empty", param_hint="TEXT")
    return text


def run(typer_ctx: typer.Context, ids: list[str], make: "Callable[[Desk], CaseChange]",
        fmt: DoneFormat, if_version: int | None = None) -> None:
    """`make(desk)`'s change on each case, on its own; report and exit."""
    cases = case_ids(ids)
    if if_version is not None and len(cases) != 1:
        raise typer.BadParameter("--if-version takes one case id", param_hint="--if-version")
    results = ctx(typer_ctx).act(
        lambda desk: desk.each(cases, make(desk), expected_version=if_version))
    report(results, fmt)


def done(fmt: DoneFormat, data: object, text: str) -> None:
    """What a command did: `data` as JSON for scripts, else `text` as one line."""
    from omnitui import output

    if fmt is DoneFormat.json:
        output.write_json(data)
    else:
        output.say_done(text)


def report(results: "list[CaseResult]", fmt: DoneFormat) -> None:
    from omnitui import output
    from omnitui.wording import arrowed

    if fmt is DoneFormat.json:
        output.write_json([{"case": r.case_id, "done": r.done, "refusal": r.refusal or None,
                            "changes": [{"action": c.action, "case": c.case_id,
                                         "reason": c.reason} for c in r.changes]}
                           for r in results])
    else:
        for r in results:
            if r.done:  # a note or a reply records no reason: its action says it
                output.say_done(f"#{r.case_id}: " + ("; ".join(
                    arrowed(c.reason) or c.action.replace(".", " ") for c in r.changes)
                    or "already so, nothing to change"))
            else:  # refusals name their case already, most of them ("#99999: there is
                # no case 99999" said it twice)
                say(r.refusal if re.search(rf"(^#|case #?){r.case_id}\b", r.refusal)
                    else f"#{r.case_id}: {r.refusal}")
    if any(not r.done for r in results):
        raise typer.Exit(1)


@app.command()
def assign(typer_ctx: typer.Context, ids: Ids,
           to: Annotated[str, typer.Option("--to", help="An agent, or me (a claim: refused "
                                                        "if someone has it).")],
           fmt: Fmt = DoneFormat.table, if_version: IfVersion = None) -> None:
    """Give cases to an agent; `--to me` claims them like the console's `a`."""
    if to == "me":
        run(typer_ctx, ids, lambda desk: desk.claim(), fmt, if_version)
        return
    owner = _agent_named(typer_ctx, to)
    run(typer_ctx, ids, lambda desk: desk.assign(owner), fmt, if_version)


def _agent_named(typer_ctx: typer.Context, name: str) -> str | None:
    """The agent `--to` names, as stored ("none": nobody); a name that is no agent's is a
    usage error, where the case went to nobody who could see it. A team that has not set
    up its agents may name anyone who could be one ("nobody" became an owner so named)."""
    from omnitui.agent_names import NOBODY
    from omnitui.cli import checked_agent_name, filter_options
    from omnitui.store.agents import agents

    if name.lower() in NOBODY:
        return None
    context = ctx(typer_ctx)
    with context.open_store() as store:
        if not agents(store.conn):
            return checked_agent_name(name, "--to")
        named = filter_options(store.conn, context, [("--to", "owner", name)], assigning=True)
    return None if named.get("unassigned") else str(named["owner"])


@app.command()
def unassign(typer_ctx: typer.Context, ids: Ids, fmt: Fmt = DoneFormat.table,
             if_version: IfVersion = None) -> None:
    """Take cases from their owners (back to the queue)."""
    run(typer_ctx, ids, lambda desk: desk.assign(None), fmt, if_version)


@app.command()
def status(typer_ctx: typer.Context, ids: Ids,
           to: Annotated[str, typer.Option("--to", help="new, open, pending, on_hold, solved "
                                                        "or closed ('on hold' works too).")],
           reason: Annotated[str | None, typer.Option(
               help="What a pending or on-hold case waits on.")] = None,
           fmt: Fmt = DoneFormat.table, if_version: IfVersion = None) -> None:
    """Move cases to a status (pending and on hold need --reason)."""
    from omnitui.filters import STATUSES, status_named
    from omnitui.model import PAUSED_STATUSES, Status
    from omnitui.wording import status_words

    named = status_named(to)
    if named is None:
        raise typer.BadParameter(f"no status {to!r}; the statuses are {', '.join(STATUSES)}",
                                 param_hint="--to")
    if named in PAUSED_STATUSES and not (reason or "").strip():  # known before any case
        raise typer.BadParameter(  # is touched (it was refused case by case, exit 1)
            f"{status_words(named)} needs one: what the cases wait on",
            param_hint="--reason")
    run(typer_ctx, ids, lambda desk: desk.status(Status(named), reason), fmt, if_version)


@app.command()
def snooze(typer_ctx: typer.Context, ids: Ids,
           until: Annotated[str, typer.Option(
               "--until", help="3h, 2d, 1w; a day (tomorrow, friday, next monday: 9:00) "
                               "with or without a time ('tomorrow 14:30'); a time ('17:30', "
                               "'5pm'); a date ('2026-12-24 09:00'); in your zone ([[agents]] "
                               "time_zone, else the business hours'); or now (wake them up).")],
           fmt: Fmt = DoneFormat.table, if_version: IfVersion = None) -> None:
    """Hide cases until a time; each comes back by itself, or when its customer writes."""
    from omnitui.snooze import due_asleep, local_now, parse_until

    moment: datetime | None = None
    zone = ctx(typer_ctx).zone
    if until.strip().lower() != "now":
        try:
            moment = parse_until(until, local_now(zone))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--until") from None

    cases = case_ids(ids)  # once: `-` reads them from stdin

    def make(desk: "Desk") -> "CaseChange":
        for _, warning in due_asleep(desk.store.conn, cases, moment, zone) if moment else ():
            say(warning)
        return desk.snooze(moment)

    run(typer_ctx, [str(case) for case in cases], make, fmt, if_version)


@app.command()
def tag(typer_ctx: typer.Context, ids: Ids,
        add: Annotated[list[str] | None, typer.Option("--add", help="A tag to add.")] = None,
        remove: Annotated[list[str] | None, typer.Option(
            "--remove", help="A tag to remove.")] = None,
        fmt: Fmt = DoneFormat.table, if_version: IfVersion = None) -> None:
    """Add and remove tags (repeat --add and --remove)."""
    from omnitui.services.actions import tag_problem

    words = [*(add or []), *(f"-{t}" for t in remove or [])]
    if not words or any(not t.strip() or any(c.isspace() for c in t) or t.startswith("-")
                        for t in [*(add or []), *(remove or [])]):
        raise typer.BadParameter("give --add TAG or --remove TAG, one word each",
                                 param_hint="--add/--remove")
    if problem := tag_problem(" ".join(add or [])):
        raise typer.BadParameter(problem, param_hint="--add")
    run(typer_ctx, ids, lambda desk: desk.tags(" ".join(words)), fmt, if_version)


@app.command()
def priority(typer_ctx: typer.Context, ids: Ids,
             to: Annotated[str | None, typer.Option(
                 "--to", help="A number; higher comes first. It holds until --clear (or "
                              "--to auto, as the console's dialog takes it).")] = None,
             clear: Annotated[bool, typer.Option(
                 "--clear", help="Back to the computed score.")] = False,
             fmt: Fmt = DoneFormat.table, if_version: IfVersion = None) -> None:
    """Set the priority by hand (it holds, whatever the score says), or --clear it."""
    from omnitui.services.actions import parse_priority

    if to is not None and to.strip().lower() == "auto":  # the console's word for it
        to, clear = None, True
    if (to is None) == (not clear):
        raise typer.BadParameter("give --to N or --clear", param_hint="--to")
    try:
        value = None if clear else parse_priority(to or "")
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from None
    run(typer_ctx, ids, lambda desk: desk.priority(value), fmt, if_version)


@app.command("queue")
def move_to_queue(typer_ctx: typer.Context, ids: Ids,
                  to: Annotated[str, typer.Option("--to", help="The queue's name.")],
                  fmt: Fmt = DoneFormat.table, if_version: IfVersion = None) -> None:
    """Move cases to another queue."""
    from omnitui.cli import filter_options

    if not to.strip():
        raise typer.BadParameter("name the queue", param_hint="--to")
    context = ctx(typer_ctx)
    with context.open_store() as store:  # a mistyped queue is one nobody works
        queue = str(filter_options(store.conn, context, [("--to", "queue", to.strip())],
                                   assigning=True)["queue"])
    run(typer_ctx, ids, lambda desk: desk.queue(queue), fmt, if_version)


@app.command()
def escalate(typer_ctx: typer.Context, ids: Ids, fmt: Fmt = DoneFormat.table,
             if_version: IfVersion = None) -> None:
    """Raise severity and priority, and tag the cases escalated."""
    run(typer_ctx, ids, lambda desk: desk.escalate(), fmt, if_version)


@app.command()
def macro(typer_ctx: typer.Context, ids: Ids,
          name: Annotated[str | None, typer.Option("--name", help="A [[macros]] name.")] = None,
          since: Annotated[str | None, typer.Option(
              help="`macro test`: cases opened since this date (default: 30 days ago).",
              metavar="YYYY-MM-DD")] = None,
          fmt: Fmt = DoneFormat.table, if_version: IfVersion = None) -> None:
    """Apply a macro: its changes and, if it drafts one, its reply (queued). `omnitui macro
    test NAME [--since DATE]` lists the cases its `when` fits, changing nothing."""
    from omnitui.services.desk import macro_named

    testing = ids[:1] == ["test"]
    if testing:
        if len(ids) != 2 or name is not None:
            raise typer.BadParameter("write `omnitui macro test NAME [--since DATE]`",
                                     param_hint="NAME")
        if if_version is not None:  # an option that would do nothing is a mistake said
            raise typer.BadParameter("applying a macro to a case checks its version; `macro "
                                     "test` changes no case", param_hint="--if-version")
        name = ids[1]
    elif name is None:
        raise typer.BadParameter("give the macro: --name NAME", param_hint="--name")
    elif since is not None:
        raise typer.BadParameter("`omnitui macro test NAME --since DATE` lists the cases "
                                 "opened since then that the macro fits; applying it to "
                                 "cases takes no date", param_hint="--since")
    context = ctx(typer_ctx)
    context.existing_db_path  # noqa: B018 -- the demo store brings its team's macros
    try:
        found = macro_named(context.settings.macros, name)
    except Refused as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME" if testing else "--name") \
            from None
    if testing:
        _test_macro(typer_ctx, found, since, fmt)
    else:
        run(typer_ctx, ids, lambda desk: desk.macro(found), fmt, if_version)


def _test_macro(typer_ctx: typer.Context, found: "Macro", since: str | None,
                fmt: DoneFormat) -> None:
    from datetime import timedelta

    from omnitui import output
    from omnitui.services.fitting import fitting_cases
    from omnitui.store.db import db_time, utc_now

    now = utc_now()
    if since is not None:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise typer.BadParameter(f"{since!r} is not a date such as 2026-11-01",
                                     param_hint="--since") from None
        first = db_time(start)
    else:
        first = db_time(now - timedelta(days=30))
    context = ctx(typer_ctx)
    with context.open_store() as store:
        fitting = fitting_cases(store.conn, context.settings, found, first, now)
    if fmt is DoneFormat.json:
        output.write_json({"macro": found.name, "since": first, "cases": fitting})
        return
    shown = ", ".join(f"#{i}" for i in fitting[:50]) + (" …" if len(fitting) > 50 else "")
    output.say_done(f"{found.name}: fits {len(fitting)} case{'s' if len(fitting) != 1 else ''}"
                    f" opened since {first[:10]}" + (f": {shown}" if shown else ""))


@app.command()
def away(typer_ctx: typer.Context, fmt: Fmt = DoneFormat.table) -> None:
    """Set yourself away: routing gives you nothing, and after a while hands your untouched
    cases on (the console's @ key)."""
    _set_away(typer_ctx, True, fmt)


@app.command()
def available(typer_ctx: typer.Context, fmt: Fmt = DoneFormat.table) -> None:
    """Be available again: the waiting cases you have room for come at once (routing counts
    you present while a console of yours runs)."""
    _set_away(typer_ctx, False, fmt)


def _set_away(typer_ctx: typer.Context, away: bool, fmt: DoneFormat) -> None:
    from omnitui.store.agents import agent as agent_row
    from omnitui.wording import availability_words

    name = ctx(typer_ctx).agent

    def set_it(desk: "Desk") -> tuple[bool, bool]:
        changed = desk.set_away(away)
        found = agent_row(desk.store.conn, name)
        return changed, found is not None and found.supervisor

    changed, supervisor = ctx(typer_ctx).act(set_it)
    done(fmt, {"agent": name, "away": away},
         availability_words(name, away, supervisor=supervisor, changed=changed))


def _one(results: "CaseResult", fmt: DoneFormat) -> None:
    report([results], fmt)


@app.command()
def note(typer_ctx: typer.Context, case_id: CaseId,
         text: Text = None, text_option: TextOption = None,
         fmt: Fmt = DoneFormat.table) -> None:
    """Add an internal note (agents only see it)."""
    body = text_of(text, text_option)
    _one(ctx(typer_ctx).act(lambda desk: desk.write(case_id, "note", body)), fmt)


@app.command()
def reply(typer_ctx: typer.Context, case_id: CaseId,
          text: Text = None, text_option: TextOption = None,
          channel: Annotated[str | None, typer.Option(
              help="A channel kind (email, sms, telegram...) or a configured [[channels]] or "
                   "[[mailboxes]] name; default: where the customer last wrote on the case, "
                   "else the one the case came on.")] = None,
          all_: Annotated[bool, typer.Option("--all", help="Reply to all (email).")] = False,
          fmt: Fmt = DoneFormat.table) -> None:
    """Queue a reply to the customer (the daemon sends it)."""
    body = text_of(text, text_option)
    kinds = _channel_kinds(typer_ctx, channel)

    def write(desk: "Desk") -> "CaseResult":
        kind = _reply_kind(desk, case_id, kinds) or (None if all_ else _last_wrote_on(
            desk, case_id))
        done = desk.write(case_id, "reply_all" if all_ else "reply", body, channel=kind)
        if done.done:
            _stuck(desk, kind or _case_channel(desk, case_id), "reply", case_id)
        return done

    _one(ctx(typer_ctx).act(write), fmt)


def _reply_kind(desk: "Desk", case_id: int, kinds: list[str] | None) -> str | None:
    """Of the kinds --channel means, the case's own when it is one of them, else the first
    (`omnitui reply --channel twilio` on a WhatsApp case answers on WhatsApp)."""
    if not kinds or len(kinds) == 1:
        return kinds[0] if kinds else None
    own = _case_channel(desk, case_id)
    return own if own in kinds else kinds[0]


def _last_wrote_on(desk: "Desk", case_id: int) -> str | None:
    """Where the customer last wrote on the case, when a reply goes there rather than on
    the case's own channel (outbound.latest_channel), said as the composer says it."""
    from omnitui.services.outbound import latest_channel
    from omnitui.store.cases import get_case
    from omnitui.wording import WHERE_THEY_LAST_WROTE

    case = get_case(desk.store.conn, case_id)
    if case is None or (channel := latest_channel(desk.store.conn, case)) is None:
        return None  # (no such case: the write says so)
    say(f"replying on {channel}: {WHERE_THEY_LAST_WROTE} (case #{case_id} came on "
        f"{case['channel']})")
    return channel


@app.command()
def resend(typer_ctx: typer.Context,
           message_id: Annotated[int, typer.Argument(
               metavar="MESSAGE_ID", parser=lambda word: case_id_of(word, "message"),
               help="A reply of ours that failed for good (`omnitui case ID` shows its #).",
               show_default=False)],
           fmt: Fmt = DoneFormat.table) -> None:
    """Queue a reply that failed for good again: its text, channel and recipients, as a
    new attempt (undo takes it back while it waits)."""
    def again(desk: "Desk") -> "CaseResult":
        from omnitui.store.messages import message_by_id

        done = desk.resend(message_id)
        if done.done:
            _stuck(desk, message_by_id(desk.store.conn, message_id)["channel"], "reply",
                   done.case_id)
        return done

    _one(ctx(typer_ctx).act(again), fmt)


def _case_channel(desk: "Desk", case_id: int) -> str:
    from omnitui.store.cases import require_case

    return require_case(desk.store.conn, case_id)["channel"]


def _stuck(desk: "Desk", channel: str, what: str, case_id: int | None) -> None:
    """Say when the config gives what was queued on `channel` (on case `case_id`) no way
    out (no mailbox that sends, or the case's own cannot; no entry for its channel), as the
    console's composer does: "reply queued" and doctor's "ok outbox" were all, until the
    daemon failed it."""
    from omnitui.channels.senders import unsendable

    if why := unsendable(desk.settings, channel, desk.store, case_id):
        say(f"this {what} cannot leave: {why}; the daemon will fail it, its text kept")


@app.command()
def forward(typer_ctx: typer.Context, case_id: CaseId,
            to: Annotated[str, typer.Option("--to", help="The email address.")],
            text: Text = None, text_option: TextOption = None,
            fmt: Fmt = DoneFormat.table) -> None:
    """Forward the customer's last message, with its attachments, by email."""
    from omnitui.model import Channel
    from omnitui.services.outbound import unusable

    if not to.strip() or (wrong := unusable([to])):  # a usage error, as every address
        # typed wrong is (an empty one was "the reply has no recipient", exit 1)
        raise typer.BadParameter(f"{wrong!r} is not a usable email address" if to.strip()
                                 else "give the address to forward to", param_hint="--to")
    body = text_of(text, text_option)

    def write(desk: "Desk") -> "CaseResult":
        done = desk.write(case_id, "forward", body, to=to)
        if done.done:
            _stuck(desk, Channel.EMAIL, "forward", case_id)
        return done

    _one(ctx(typer_ctx).act(write), fmt)


@app.command()
def private(typer_ctx: typer.Context, case_id: CaseId,
            text: Text = None, text_option: TextOption = None,
            fmt: Fmt = DoneFormat.table) -> None:
    """Answer a public post privately; the public thread gets a short acknowledgement."""
    body = text_of(text, text_option)

    def write(desk: "Desk") -> "CaseResult":
        done = desk.to_private(case_id, body)
        if done.done:  # on the platform of the public post
            _stuck(desk, _case_channel(desk, case_id), "private answer", case_id)
        return done

    _one(ctx(typer_ctx).act(write), fmt)


def _channel_kinds(typer_ctx: typer.Context, name: str | None, *,
                   entries: bool = True) -> list[str] | None:
    """The channel kinds a --channel name means: a kind itself, a mailbox's name email, a
    [[channels]] entry's those its platform carries (Twilio: sms and whatsapp) or a generic
    source's shown_as. The entry's kind ("meta", "twilio") was taken for a channel: "the
    customer of case 5 has no meta address", of a WhatsApp customer. `entries` False
    (writing first, which leaves through the first entry carrying the kind, not the one
    named): an entry's name is only itself, for the caller to refuse."""
    from omnitui.model import Channel

    if name is None:
        return None
    settings = ctx(typer_ctx).settings
    if name in {c.value for c in Channel}:
        return [name]
    if any(m.name == name for m in settings.mailboxes):
        return [Channel.EMAIL]
    hook = next((c for c in settings.channels if c.name == name), None)
    if hook is not None and not entries:
        return [name]
    if hook is not None:
        from omnitui.channels.registry import PLATFORMS

        carried = PLATFORMS[hook.kind].carries
        return sorted(carried) if carried else [hook.shown_as or Channel.WEB]
    known = dict.fromkeys([c.value for c in Channel] + [m.name for m in settings.mailboxes]
                          + [c.name for c in settings.channels])  # ("sms" twice, or more)
    raise typer.BadParameter(f"no channel {name!r} (channels: {', '.join(known)})",
                             param_hint="--channel")


@app.command("new")
def new_case(typer_ctx: typer.Context, text: Text = None, text_option: TextOption = None,
             email: Annotated[str | None, typer.Option(help="Their email address.")] = None,
             phone: Annotated[str | None, typer.Option(help="Their phone number.")] = None,
             channel: Annotated[str | None, typer.Option(
                 help="sms or whatsapp for a phone number (default sms).")] = None,
             subject: Annotated[str, typer.Option(help="The subject (email).")] = "",
             fmt: Fmt = DoneFormat.table) -> None:
    """Write first: a new case to someone, by email or phone, owned by you."""
    from dataclasses import replace

    from omnitui.model import Channel, Draft
    from omnitui.services.outbound import also_open
    from omnitui.wording import SUBJECT_NEEDED, written_first_words

    key = _address_key(typer_ctx, email, phone)
    asked = _channel_kinds(typer_ctx, channel, entries=False)
    kind = next((k for k in ((Channel.EMAIL,) if email else (Channel.SMS, Channel.WHATSAPP))
                 if asked is None or k in asked), None)
    if kind is None:
        # a phone number "written to" on telegram opened a case nobody could answer
        raise typer.BadParameter(f"--{'email' if email else 'phone'} writes by "
                                 f"{'email' if email else 'sms or whatsapp'}, not {channel}",
                                 param_hint="--channel")
    if subject and kind != Channel.EMAIL:  # it titled the case and went nowhere
        raise typer.BadParameter(f"a subject is for email; {kind} messages have none (the "
                                 "case takes the message's first line)", param_hint="--subject")
    draft = Draft("new", kind, to=(email or key[1],), subject=subject)
    if draft.untitled:  # before the text is read from stdin: none of it is lost
        raise typer.BadParameter(SUBJECT_NEEDED, param_hint="--subject")
    draft = replace(draft, text=text_of(text, text_option))

    def open_it(desk: "Desk") -> tuple[int, list[int]]:
        opened = desk.new_case(draft)
        _stuck(desk, kind, "message", opened)
        return opened, also_open(desk.store.conn, opened)

    case_id, others = ctx(typer_ctx).act(open_it)
    done(fmt, {"case": case_id, "done": True, "also_open": others},
         written_first_words(case_id, draft.to[0], others))


def _address_key(typer_ctx: typer.Context, email: str | None, phone: str | None
                 ) -> tuple[str, str]:
    """The (kind, value) of the one address given, or a usage error: a typo is knowable
    before the store is touched (`new --email 'a b'` exited 1, `link` 2)."""
    from omnitui.identifiers import normalize
    from omnitui.model import Identifier

    if (email is None) == (phone is None):
        raise typer.BadParameter("give --email or --phone (one of them)",
                                 param_hint="--email/--phone")
    given = email if email is not None else phone or ""
    key = normalize(Identifier("email" if email is not None else "phone", given),
                    ctx(typer_ctx).settings.identity.default_phone_region)
    if key is None:  # (an empty --email '' was said of --phone, as None)
        raise typer.BadParameter(f"{given!r} is not a usable "
                                 f"{'email address' if email is not None else 'phone number'}",
                                 param_hint="--email" if email is not None else "--phone")
    return key


@app.command()
def link(typer_ctx: typer.Context,
         customer: Annotated[int, typer.Option(help="The customer's id.")],
         email: Annotated[str | None, typer.Option(help="An email address.")] = None,
         phone: Annotated[str | None, typer.Option(help="A phone number.")] = None) -> None:
    """Link an address you vouch for to a customer (undo with `omnitui undo`)."""
    key = _address_key(typer_ctx, email, phone)
    audit_id = ctx(typer_ctx).act(lambda desk: desk.link(customer, key))
    done(DoneFormat.table, None, f"{key[0]} {key[1]} linked to customer #{customer} (audit "
         f"event {audit_id})")


@app.command("log-contact")
def log_contact(typer_ctx: typer.Context,
                channel: Annotated[str, typer.Option(help="phone or walk-up.")],
                text: Text = None, text_option: TextOption = None,
                email: Annotated[str | None, typer.Option(help="Their email address.")] = None,
                phone: Annotated[str | None, typer.Option(help="Their phone number.")] = None,
                name: Annotated[str, typer.Option(help="Their name.")] = "",
                minutes: Annotated[float | None, typer.Option(min=0, max=1440)] = None,
                answer: Annotated[str, typer.Option(help="What you answered.")] = "",
                fmt: Fmt = DoneFormat.table) -> None:
    """Log a phone call or walk-up visit: it joins the customer's case like any message;
    what you answered is its first response."""
    if (email is None) == (phone is None):
        raise typer.BadParameter("give --email or --phone (one of them)",
                                 param_hint="--email/--phone")
    body = text_of(text, text_option)
    try:
        case_id, message_id = ctx(typer_ctx).act(lambda desk: desk.log_contact(
            email or phone or "", channel, body, name=name, minutes=minutes, answer=answer))
    except Refused as exc:
        raise typer.BadParameter(str(exc)) from None
    done(fmt, {"case": case_id, "message": message_id, "done": True},
         f"logged on case #{case_id} (message {message_id})")



@app.command()
def event(typer_ctx: typer.Context,
          kind: Annotated[str, typer.Argument(metavar="KIND", help=(
              "outage, payment_failed, or any other kind to record (password_reset)."))],
          customer: Annotated[int | None, typer.Option(help="The customer's id.")] = None,
          email: Annotated[str | None, typer.Option(help="The customer's email.")] = None,
          phone: Annotated[str | None, typer.Option(help="The customer's phone.")] = None,
          product: Annotated[str | None, typer.Option(
              help="The product, as [[products]] names it (an outage).")] = None,
          severity: Annotated[int | None, typer.Option(
              min=0, max=3, help="The severity it raises cases to (default [events]).")] = None,
          text: Annotated[str, typer.Option(help="What happened, in words.")] = "",
          resolved: Annotated[bool, typer.Option(
              "--resolved", help="The outage is over.")] = False,
          fmt: Fmt = DoneFormat.table) -> None:
    """Record a business event: an outage raises the open cases that mention its product
    and shows in every console until --resolved; payment_failed raises the customer's cases
    and moves them to billing; any other kind joins the customer's timeline."""
    from omnitui.services.desk import Desk
    from omnitui.services.events import ACTING

    if sum(x is not None for x in (customer, email, phone)) > 1:
        raise typer.BadParameter("give one of --customer, --email, --phone",
                                 param_hint="--customer/--email/--phone")
    if email is not None or phone is not None:  # a typo is a usage error, as in new and
        _address_key(typer_ctx, email, phone)  # link ("no customer has 'notaphone'", 1)

    def act(desk: Desk) -> "EventResult":
        found = customer if customer is not None else desk.customer_with(email, phone)
        return desk.business_event(kind, customer_id=found, product=product,
                                   severity=severity, text=text, resolved=resolved)

    # other systems report events (a billing job, a monitor, as a service account): the
    # event is recorded as omnitui-events, whoever runs the command
    result = ctx(typer_ctx).act(act, admin=True)  # a wrong asking exits 2, a refusal 1
    cases = ", ".join(f"#{i}" for i in result.raised[:20]) + (
        " …" if len(result.raised) > 20 else "")
    if result.resolved:
        words = f"outage {product} resolved (event {result.event_id})"
    elif kind not in ACTING:
        words = (f"{kind} recorded on the timeline of customer #{result.customer_id} "
                 f"(event {result.event_id}): their cases show it")
    else:
        words = (f"{kind} recorded (event {result.event_id}); severity raised on "
                 f"{len(result.raised)} open case{'s' if len(result.raised) != 1 else ''}"
                 + (f": {cases}" if cases else ""))
        if result.moved:
            words += f"; {len(result.moved)} moved to the billing queue"
        if result.told:
            words += f"; the customer is told on case #{result.told}"
        words += f"; {result.untold}" if result.untold else ""
    done(fmt, {"event": result.event_id, "kind": kind, "customer": result.customer_id,
               "raised": result.raised,
               "moved": result.moved, "resolved": result.resolved, "told": result.told,
               "untold": result.untold}, words)
