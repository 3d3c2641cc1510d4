"""`omnitui doctor`: check what a broken setup usually gets wrong, and say how to fix it.

It never creates or migrates anything: a store from a newer omnitui stays untouched.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import stat
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from omnitui import litestream
from omnitui.closest import closest
from omnitui.config import (
    Macro,
    Settings,
    SlaSettings,
    attachments_dir,
    default_log_path,
    is_loopback,
    listen_address,
    missing_secrets,
)
from omnitui.errors import OmnituiError
from omnitui.private_files import loose_mode, user_name
from omnitui.records import record
from omnitui.store import channel_state, health
from omnitui.store.backup import restored_at
from omnitui.store.db import db_time, disk_trouble, parse_db_time, utc_now
from omnitui.store.schema import SCHEMA_VERSION
from omnitui.wording import ago, clock_time, plural

STUCK_AFTER = timedelta(minutes=15)
REPLICA_LATE = timedelta(minutes=1)  # behind, and nothing replicated for this long: a FAIL


@record(frozen=True)
class Check:
    """One finding. `warn`: ok, yet worth a second look, with its fix (a setup the admin
    may mean, such as a receiver open to the network); it does not fail doctor."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warn: bool = False


def run_checks(settings: Settings, db_path: Path, zone: tzinfo | None = None) -> list[Check]:
    """Every check, in the order people read them; the times they say in `zone` (the
    agent's; None: this machine's)."""
    results = [Check("config", True, f"read {settings.source}" if settings.source
                     else "no config file; every key at its default")]
    if settings.source:
        results.append(_config_permissions(settings))
    if missing := missing_secrets(settings.mailboxes, settings.channels):
        results.append(Check("secrets", False, "; ".join(missing),
                             "set them, whole, where the daemon starts (the service's "
                             "EnvironmentFile, docs/deployment.md) and where doctor runs"))
    if (exposed := _webhook_listen(settings)) is not None:
        results.append(exposed)
    results.append(_sla_policies(settings))
    results.append(_automation(settings))
    results.append(_semantic(settings))
    if settings.kb.path:
        results.append(_knowledge_base(Path(settings.kb.path).expanduser()))
    if not db_path.exists():
        results.append(Check("store", False, f"{db_path} does not exist",
                             f"run `{_command(settings, db_path, 'init')}` (or `omnitui "
                             "demo` to try things out)"))
        return results
    if db_path.is_dir():
        results.append(Check("store", False, f"{db_path} is a folder, not a store file",
                             "set [store] path to a file in it, such as "
                             f"{db_path / 'omnitui.db'}"))
        return results
    if stranger := _not_ours(db_path):
        results.append(stranger)
        return results
    results.append(_private("permissions", [db_path, Path(f"{db_path}-wal"),
                                           Path(f"{db_path}-shm")], "its cases"))
    if (log := default_log_path(db_path)).exists():
        results.append(_private("log permissions", [log],
                                "the message text and phone numbers in it"))
    restored = None
    try:
        conn = health.open_unmigrated(db_path)
        results.extend(_store_checks(conn, db_path, settings, zone))
        restored = restored_at(conn)
        conn.close()
    except sqlite3.DatabaseError as exc:
        if (trouble := disk_trouble(db_path)) is not None:
            results.append(Check("store", False, f"{db_path} cannot be opened: {trouble}"))
        else:
            results.append(Check("store", False, f"{db_path} cannot be read as SQLite: {exc}",
                                 "restore it from a backup, or move it aside and run "
                                 f"`{_command(settings, db_path, 'init')}`"))
    results.append(_attachments(attachments_dir(settings, db_path)))
    if settings.store.litestream_config:
        results.append(_replication(Path(settings.store.litestream_config).expanduser(),
                                    db_path, restored))
    return results


def _replication(config: Path, db_path: Path, restored: datetime | None = None) -> Check:
    """How far Litestream's replica is behind: what losing the machine would lose now.
    After `omnitui restore` (at `restored`), a replica written only before is the store set
    aside: Litestream's own count still read "caught up"."""
    try:
        found = litestream.lag(config, db_path)
    except OmnituiError as exc:
        return Check("replication", False, str(exc),
                     f"check {config}, and that `litestream replicate -config {config}` runs")
    now = utc_now()
    written = ago(found.written_at, now)
    if restored is not None and found.written_at is not None and found.written_at < restored:
        return Check("replication", False, f"the store was restored from a backup "
                     f"{ago(restored, now)} and the replica holds none of it: its latest "
                     f"transaction ({found.replicated:,}, written {written}) is of the store "
                     "set aside", f"start Litestream again (`litestream replicate -config "
                     f"{config}`, or restart its service): it then copies the restored store "
                     "whole into the replica (docs/deployment.md, 4. Backups)")
    changed = _changed_at(db_path)
    # Litestream's own count stops when it stops: a store written since is the tell.
    stale = changed is not None and (found.written_at is None or
                                      changed - found.written_at > REPLICA_LATE)
    if not found.behind and not stale:
        return Check("replication", True, f"replica caught up (transaction "
                     f"{found.replicated:,}, written {written})")
    late = stale or found.written_at is None or now - found.written_at > REPLICA_LATE
    behind = (f"{plural(found.behind, 'transaction')} behind" if found.behind else
              f"behind the store (changed {ago(changed, now)})")
    return Check("replication", not late, f"replica {behind}; last written {written}",
                 f"is `litestream replicate -config {config}` running? see its log")


def _webhook_listen(settings: Settings) -> Check | None:
    """A warning when [server] listen is not loopback (docs/webhooks.md: loopback, a TLS
    proxy in front): the receiver speaks plain HTTP, so on every interface (0.0.0.0, [::])
    or an address others reach it takes the platforms' requests, and anyone's, unencrypted.
    Not a FAIL: an admin may mean it (a proxy on another machine). None when it is
    loopback."""
    from ipaddress import ip_address

    host, port = listen_address(settings.server)
    if is_loopback(host):
        return None
    try:
        everywhere = ip_address(host.strip("[]")).is_unspecified
    except ValueError:  # a host name: what it resolves to is not ours to guess
        where = f"on whatever {host} resolves to"
    else:
        where = ("on every network interface" if everywhere else
                 f"on {host}, which other machines reach")
    runs = "" if settings.channels else " (once [[channels]] are configured)"
    return Check("webhook receiver", True, f'[server] listen = "{settings.server.listen}": '
                 f"`omnitui serve` answers webhooks {where}, in plain HTTP (no TLS){runs}",
                 f"listen on loopback (listen = \"127.0.0.1:{port}\") behind a TLS proxy "
                 "(nginx, Caddy) that forwards to it, and set [server] public_url to the "
                 "proxy's https:// address (docs/webhooks.md); keep it if you mean it",
                 warn=True)


def _sla_policies(settings: Settings) -> Check:
    """[sla] is the short form of one policy; beside [[sla_policies]] it means nothing."""
    names = ", ".join(p.name for p in settings.sla_policies)
    clock = ("business hours" if settings.business_hours.time_zone else "24x7, no "
             "[business_hours]")
    if not settings.sla_policies:
        return Check("sla", True, f"[sla] read as the policy \"default\" ({clock}); write "
                     "[[sla_policies]] for next-response, meaningful-response and per-tier "
                     "targets")
    if settings.sla != SlaSettings():
        return Check("sla", False, f"[sla] is ignored: [[sla_policies]] are set ({names})",
                     "move its targets into an [[sla_policies]] entry and delete [sla]")
    if not settings.business_hours.time_zone:
        return Check("sla", True, f"policies {names} ({clock})")
    return Check("sla", True, "policies " + ", ".join(  # each its own clock: "round" read
        f"{p.name} ({'business hours' if p.business_hours else '24x7'})"  # business hours
        for p in settings.sla_policies))


def _automation(settings: Settings) -> Check:
    """What runs by itself, so nobody is surprised by a message they did not write."""
    ack = settings.acknowledge
    parts = [f"acknowledgements on (one a case per {ack.window})" if ack.enabled
             else "acknowledgements off"]
    auto = [m.name for m in settings.macros if m.run == "auto"]
    suggest = [m.name for m in settings.macros if m.run == "suggest"]
    if auto:
        parts.append(f"automatic macros: {', '.join(auto)}")
    if suggest:
        parts.append(f"suggested macros: {', '.join(suggest)}")
    if settings.products:
        parts.append(f"products for outages: {', '.join(p.name for p in settings.products)}")
    if settings.assistant.channels:
        parts.append(f"intake assistant on {', '.join(settings.assistant.channels)}")
    if settings.csat.enabled:
        parts.append("satisfaction surveys on")
    return Check("automation", True, "; ".join(parts))


def _semantic(settings: Settings) -> Check:
    """Whether suggestions and intents use meaning, told without loading the model."""
    from importlib.util import find_spec

    from omnitui.triage.semantic import INSTALL

    if not settings.semantic.enabled:
        return Check("semantic matching", True, "off ([semantic] enabled = false)")
    if find_spec("wordllama") is None:
        return Check("semantic matching", True, "not installed: suggestions and intents "
                     f"go by words (`{INSTALL}` adds meaning, offline)")
    return Check("semantic matching", True, "on: articles, intents' examples (English) and "
                 "solved cases by meaning, with the offline wordllama model")


def _not_ours(db_path: Path) -> Check | None:
    """The store, or a file SQLite keeps beside it, that this user may not write: a restore
    run as root left one root's, and every console and the daemon failed on it."""
    for path in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            if (trouble := disk_trouble(path)) is not None:  # "chown root" of root's file
                return Check("store", False, f"{path} is not writable: {trouble}")
            found = path.stat()
            if found.st_uid == os.getuid():  # "chown" to the owner it has changed nothing
                return Check("store", False, f"{path} is mode {stat.S_IMODE(found.st_mode):o}"
                             ": not writable, even by its owner", f"chmod 600 {db_path}*")
            owner = found.st_uid
            return Check("store", False, f"{path} is not writable by this user (it belongs "
                         f"to {user_name(owner)})", f"chown {user_name(os.getuid())} {db_path}*"
                         " (as root), or run omnitui as its owner")
    return None


def _knowledge_base(folder: Path) -> Check:
    if not folder.is_dir():
        return Check("knowledge base", False, f"[kb] path {folder} is not a folder",
                     "create it, or fix [kb] path")
    from omnitui.services.kb import unreadable

    count = sum(1 for _ in folder.rglob("*.md"))
    if skipped := unreadable(folder):
        return Check("knowledge base", False, f"{folder}: {count - len(skipped)} of {count} "
                     f"Markdown articles readable; skipped {'; '.join(skipped[:3])}",
                     "save them as UTF-8 with valid front matter")
    return Check("knowledge base", True, f"{folder}: {count} Markdown article"
                 f"{'s' if count != 1 else ''}")


def _config_permissions(settings: Settings) -> Check:
    """A config holding a password or a token is its owner's only; one whose secrets all
    come from the environment may be read by others (doctor failed on a 0644 config that
    held none), never written."""
    assert settings.source is not None
    held = [f"mailboxes {m.name}" for m in settings.mailboxes if m.password or m.smtp_password]
    held += [f"channels {c.name}" for c in settings.channels
             if c.secret or c.token or c.verify_token]
    if held:
        return _private("config permissions", [settings.source],
                        "the secrets it holds: " + ", ".join(held))
    mode = loose_mode(settings.source)
    if mode is None:
        return Check("config permissions", True, f"{settings.source} readable by its owner "
                     "only (0600)")
    if mode & 0o022:  # what it says runs as the agent: [console] editor, the hooks' paths
        return Check("config permissions", False, f"{settings.source} is mode {mode:o}: other "
                     "users can change it, and the commands it names run as you",
                     f"chmod 644 {settings.source}")
    return Check("config permissions", True, f"{settings.source} holds no password or token "
                 "(they come from the environment), so others may read it")


def _private(name: str, files: list[Path], holds: str) -> Check:
    """Files only their owner should read; the first one names them in the fix."""
    loose = [f"{p.name} is mode {mode:o}" for p in files
             if p.exists() and (mode := loose_mode(p)) is not None]
    if loose:
        return Check(name, False, "; ".join(loose) + f" (other users can read {holds})",
                     f"chmod 600 {files[0]}" + ("*" if len(files) > 1 else ""))
    return Check(name, True, f"{files[0]} readable by its owner only (0600)")


def _store_checks(conn: sqlite3.Connection, db_path: Path, settings: Settings,
                  zone: tzinfo | None) -> list[Check]:
    version = health.schema_version(conn)
    if version > SCHEMA_VERSION:
        return [Check("schema", False, f"schema version {version} was written by a newer "
                      f"omnitui (this one knows up to {SCHEMA_VERSION})", "upgrade omnitui")]
    results = [Check("schema", True, f"schema version {version}" if version == SCHEMA_VERSION
                     else f"schema version {version}; opening it upgrades it to "
                          f"{SCHEMA_VERSION}")]
    if version == SCHEMA_VERSION and (missing := health.missing_stable_names(conn)):
        results.append(Check("tables", False, "missing: " + ", ".join(missing[:6]),
                             "the file was changed by hand; restore it from a backup"))
    mode = health.journal_mode(conn)
    results.append(Check("journal", mode == "wal", f"journal mode {mode}",
                         "open the store once with omnitui, which turns WAL on"))
    problems = health.integrity_problems(conn)
    results.append(Check("integrity", not problems, "; ".join(problems[:3]) or "ok",
                         "restore from a backup; `sqlite3 STORE .recover` can save the rest"))
    if version:
        for table in ("messages_fts", "customers_fts"):
            problem = health.search_index_problem(conn, table)
            fix = f'sqlite3 {db_path} "{health.rebuild_statement(table)}"'
            results.append(Check(f"search index {table}", problem is None,
                                 problem or "in step with its table", fix))
        if version >= 26:
            results.append(_upkeep(health.cases_without_upkeep(conn)))
        if version >= 28 and any(deferred := health.deferred_indexes(conn)):
            results.append(_deferred_indexes(*deferred, db_path))
        errors = health.messages_with_parse_errors(conn)
        results.append(Check("parse errors", True, f"{plural(errors, 'message')} stored raw "
                             "with parse errors (see `omnitui case ID`)" if errors else "none"))
    if version >= AGENTS_SCHEMA:
        results.extend(_team_checks(conn, settings))
    if version == SCHEMA_VERSION:
        if (applied := _sla_applied(conn, settings)) is not None:
            results.append(applied)
    elif version:
        waiting = [*(["queue skills, tiers, console agent, macro assign (they read the agents "
                      f"as schema {AGENTS_SCHEMA} keeps them)"] if version < AGENTS_SCHEMA
                     else []),
                   f"sla applied (it replays the open cases' clocks as schema {SCHEMA_VERSION} "
                   "keeps them)"]
        results.append(Check("not checked yet", True, f"on schema version {version}: "
                             + "; ".join(waiting), "run `omnitui doctor` again once the store "
                             "is upgraded (the daemon's start upgrades it)", warn=True))
    if version >= 11:  # its report reads columns up to schema 11's (messages.response)
        results.extend(_daemon_checks(conn, settings, db_path, zone, version))
    return results


AGENTS_SCHEMA = 10  # the agents' columns the team's checks read (roles, capacity)


def _team_checks(conn: sqlite3.Connection, settings: Settings) -> list[Check]:
    """The team (the store's agents and the config's) against the queues, the tiers, the
    console's agent and the macros that assign; they read what a store has had since
    schema 10, so an older store is checked before its upgrade too."""
    from omnitui.services.macros import names_agent
    from omnitui.store.agents import agents_before_upgrade

    results = []
    stored = agents_before_upgrade(conn)
    team = [(a.name, set(a.skills), a.supervisor) for a in stored]
    team += [(a.name, set(a.skills), a.role == "supervisor") for a in settings.agents]
    if any(q.skills for q in settings.queues):
        results.append(_queue_skills(settings, team))
    if settings.routing.language == "require":
        speakers = [(set(a.skills), a.languages) for a in stored if not a.supervisor]
        speakers += [(set(a.skills), frozenset(a.languages)) for a in settings.agents
                     if a.role != "supervisor"]
        if unspoken := _unspoken_queues(settings, speakers):
            results.append(unspoken)
    if tiers := _tiers(settings, health.customers_by_tier(conn)):
        results.append(tiers)
    if settings.console.agent and team:
        results.append(_console_agent(settings.console.agent, {n for n, _, _ in team}))
    if team and (assigning := [m for m in settings.macros if names_agent(m)]):
        results.append(_macro_assignees(assigning, sorted({n for n, _, _ in team})))
    return results


def _sla_applied(conn: sqlite3.Connection, settings: Settings) -> Check | None:
    """Open cases whose stored clocks follow an SLA the config no longer says: the queue,
    the board and the breach views keep their old due times until `omnitui sla recompute`
    (named, with its dry run) applies it. It fails only when that repair would change an
    open case, and counts and names them: an edit of a policy no open case runs under, a
    target of a channel none is on, business hours a 24x7 policy does not read, moves no
    clock and has nothing to repair (each failed the check until a repair that changed
    nothing). None: nothing to say."""
    from omnitui.services.sla_applied import ADVICE, cases_off_config

    off = cases_off_config(conn, settings)
    if not off:
        return None
    named = ", ".join(f"#{case_id}" for case_id in off[:SLA_CASES_NAMED])
    more = f" and {len(off) - SLA_CASES_NAMED:,} more" if len(off) > SLA_CASES_NAMED else ""
    return Check("sla applied", False, "the SLA policies or business hours changed since the "
                 f"open cases' clocks were worked out: {plural(len(off), 'open case')} "
                 f"({named}{more}) {'keeps' if len(off) == 1 else 'keep'} the old due times "
                 "in the queue, the board and the breach views, while a case's screen shows "
                 "the new", ADVICE)


SLA_CASES_NAMED = 5  # the open cases the "sla applied" check names of those it counts


def _queue_skills(settings: Settings, team: list[tuple[str, set[str], bool]]) -> Check:
    """Skills and queues that cannot meet: a push queue whose skills no agent of the team
    (the store's and the config's) has all of, or only supervisors have (routing gives
    them nothing), so its cases wait for ever (doctor said "ok"); and a skill of an agent
    no queue asks for, most often a typo ("tehc": the agent never got the tech queue's
    cases). A pull queue's agents take what they choose."""
    problems = []
    for queue in settings.queues:
        if not queue.skills or queue.assign != "push":
            continue
        able = [supervisor for _, skills, supervisor in team if set(queue.skills) <= skills]
        them = "them all" if len(queue.skills) > 1 else "it"
        if not able:
            problems.append(f"{queue.name} needs {', '.join(queue.skills)}: no agent has "
                            f"{them}")
        elif all(able):
            problems.append(f"{queue.name} needs {', '.join(queue.skills)}: only supervisors "
                            f"have {them}, and push routing gives supervisors nothing")
    asked = {skill for queue in settings.queues for skill in queue.skills}
    for name, skills in {name: skills for name, skills, _ in team}.items():
        for skill in sorted(skills - asked):
            close = closest(skill, sorted(asked))
            problems.append(f"{name}'s skill {skill!r} is no queue's"
                            + (f" (did you mean {close}?)" if close else ""))
    if problems:
        return Check("queue skills", False, "; ".join(problems),
                     "give agents the skills the queues ask for (`[[agents]] skills`, or "
                     "`omnitui agents add NAME --skills ...`), or change the queues' skills")
    return Check("queue skills", True, "each queue's skills are some agent's, each agent's "
                 "some queue's")


def _unspoken_queues(settings: Settings,
                     team: list[tuple[set[str], frozenset[str]]]) -> Check | None:
    """`[routing] language = "require"` with push queues none of whose agents has languages:
    the admin meant a case to wait for a speaker, and there it waits for nobody (routed by
    skills alone). None when every push queue has some speaker."""
    deaf = [queue.name for queue in settings.queues if queue.assign == "push" and not any(
        spoken for skills, spoken in team if set(queue.skills) <= skills)]
    if not deaf:
        return None
    return Check("language routing", True, f'[routing] language = "require", but none of the '
                 f"agents of {', '.join(deaf)} has languages: their cases are routed by skills "
                 "alone, whatever their language",
                 "give the agents the languages they answer in (`[[agents]] languages`, or "
                 "`omnitui agents add NAME --languages de,en`)", warn=True)


def _tiers(settings: Settings, customers: dict[str, int]) -> Check | None:
    """Customers in a tier [priority.tier_weights] does not name score no tier points: a
    key mistyped there ("vpi") left every VIP at a standard customer's priority, unsaid."""
    named = settings.priority.tier_weights
    unknown = {tier: count for tier, count in customers.items() if tier not in named}
    if not unknown:
        return None
    said = "; ".join(f"{plural(count, 'customer')} in tier {tier!r}"
                     + (f" (is {near!r} a typo of it?)" if (near := closest(tier, named)) else "")
                     for tier, count in sorted(unknown.items()))
    return Check("tiers", False, f"{said}: [priority.tier_weights] names no such tier (it "
                 f"names {', '.join(named)}), so they score no tier points",
                 "name every tier your customers are in under [priority.tier_weights]")


def _macro_assignees(macros: list[Macro], team: list[str]) -> Check:
    """Macros that assign to an agent of the team (the store's and the config's): a typo
    was refused only when an agent applied the macro, and an automatic one never applied."""
    from omnitui.services.macros import off_team

    if problems := [off for macro in macros if (off := off_team(macro, team))]:
        return Check("macro assign", False, "; ".join(problems),
                     "correct the macros' assign in the config, or `omnitui agents add NAME` "
                     "puts them on the team")
    return Check("macro assign", True, "each macro's assign is an agent on the team")


def _console_agent(name: str, team: set[str]) -> Check:
    """`[console] agent` is on the team: a typo read every `--owner me` as nobody's."""
    if name in team:
        return Check("console agent", True, f"[console] agent {name} is on the team")
    close = closest(name, sorted(team))
    return Check("console agent", False, f"[console] agent {name!r} is not on the team"
                 + (f" (did you mean {close}?)" if close else ""),
                 "correct [console] agent, or `omnitui agents add NAME` puts them on it")


def _upkeep(left: int) -> Check:
    """Clocks and scores an import or a backlog works out once, at its end: one stopped
    midway leaves its cases without them until the daemon or the next import finishes."""
    return Check("case clocks", not left,
                 f"{plural(left, 'case')} from an import or a backlog that stopped before its "
                 "end (or is still running) without SLA clocks and score yet" if left
                 else "no case from an import or a backlog waits for its SLA clocks and "
                 "score (`omnitui sla recompute --dry-run` checks every clock)",
                 "start the daemon (`omnitui serve`): it finishes them within seconds; or run "
                 "the same `omnitui import` again")


def _deferred_indexes(count: int, tallies: bool, db_path: Path) -> Check:
    """A first import or backlog builds some indexes and counts the board's tallies at its
    end (store/bulk_indexes.py): while it runs the console sorts some views without them
    and the board leaves its cases out; one killed left them."""
    from omnitui.store.bulk_indexes import load_running

    what = " and ".join(part for part in (
        count and f"{plural(count, 'index', 'indexes')} of the console's views",
        tallies and "the board's counts") if part)
    if load_running(db_path):
        return Check("indexes", True, f"a first import or backlog is filing: {what} are "
                     "built when it ends")
    return Check("indexes", False, f"{what} were left unbuilt by a first import or backlog "
                 "that stopped before its end", "any omnitui command that opens the store "
                 "builds them (for example `omnitui cases`)")


def _daemon_checks(conn: sqlite3.Connection, settings: Settings, db_path: Path,
                   zone: tzinfo | None, version: int) -> list[Check]:
    """What the daemon reported: alive or not (a FAIL when channels are configured: nothing
    comes in or goes out without it), each configured channel's last success and error,
    replies that could not be sent. On its own host a daemon is alive only while it holds
    its lock: after a restore brought a backup's fresh heartbeat, one long stopped read
    "running as pid 29862". A lock file it cannot read, it cannot tell, and says so."""
    from omnitui.daemon.lock import unreadable

    now = utc_now()
    daemon = channel_state.daemon_state(conn)
    why = unreadable(db_path)
    results = [_daemon(daemon, settings, db_path, now, zone, health.unsolved_cases(conn))
               if why is None else _daemon_unknown(daemon, db_path, why, zone)]
    states = channel_state.channel_states(conn, lately=version >= 36)
    for state in states:
        name = f"channel {state.channel} {state.account}".rstrip()
        failing = state.failing
        behind = (f"; {plural(state.backlog, 'message')} still to fetch" if state.backlog
                  else "")
        refused = (f"; {plural(state.rejected, 'request')} refused as unsigned, forged or "
                   "replayed" if state.rejected else "")
        if state.last_rejected_at:
            refused += f", the last {_at(state.last_rejected_at, zone)}"
        results.append(Check(
            name, not failing,
            f"last error {_at(state.last_error_at, zone)}: {state.last_error}" if failing
            else f"last {'delivery' if state.channel == 'webhook' else 'sync'} "
            f"{_at(state.last_sync_at, zone)}{behind}{refused}",
            "check the channel's settings and the daemon's log"))
    heard = {(s.channel, s.account.split("/", 1)[0]) for s in states}
    for channel, account in [*(("email", m.name) for m in settings.mailboxes),
                             *(("webhook", c.name) for c in settings.channels)]:
        if (channel, account) not in heard:
            results.append(Check(f"channel {channel} {account}", True,
                                 "configured; no sync yet (the daemon reports each "
                                 "channel's first success here)"))
    waiting, unfiled = health.unfiled_raw(conn)
    results.append(Check(
        "inbound", not unfiled,
        f"{plural(unfiled, 'received item')} could not be filed on a case (their bytes are "
        "kept; see raw_payloads.ingest_error)" if unfiled else
        f"{plural(waiting, 'received item')} waiting to be filed" if waiting
        else "everything filed",
        "report the error (the bytes stay in raw_payloads, nothing is lost)"))
    failing, newest, past = health.failed_replies(conn)
    earlier = (f" ({plural(past, 'earlier one')} on solved or closed cases, or written "
               "again since)") if past else ""
    results.append(Check(
        "outbox", not failing,
        f"{plural(failing, 'reply', 'replies')} could not be sent on cases still open, "
        f"newest on case #{newest[0]}: {newest[1]}{earlier}" if newest else
        f"no failed replies on open cases{earlier}",
        "fix the address or the SMTP settings, then send it again: `omnitui resend "
        "MESSAGE_ID` (the reply's number in `omnitui case ID`), or its key on the case in "
        "the console; or solve the case when no answer is owed"))
    stuck = health.waiting_replies(conn, db_time(now - STUCK_AFTER))
    if stuck:
        results.append(Check("outbox queue", False, f"{plural(stuck, 'reply', 'replies')} "
                             "waiting for more than "
                             f"{plural(STUCK_AFTER.seconds // 60, 'minute')}",
                             "the daemon tries them again by itself: the channels' last "
                             "errors above say what stops them, and its log"
                             if daemon is not None and daemon.alive(now) and why is None
                             else "is `omnitui serve` running? see its log"
                             if settings.mailboxes or settings.channels else
                             "no [[mailboxes]] or [[channels]] entry is configured to send "
                             "them: add one, and `omnitui serve` sends them"))  # (beside "ok
        # daemon: no channels configured", "is serve running?" read as a contradiction)
    return results


def _daemon(daemon: channel_state.DaemonState | None, settings: Settings, db_path: Path,
            now: datetime, zone: tzinfo | None, unsolved: int) -> Check:
    """Alive or not (a FAIL when channels are configured: nothing comes in or goes out
    without it). With none, a store with `unsolved` cases still needs its scheduler: a
    warning says what stands still (an "ok" there let a team work a week of cases whose
    snoozes never woke and whose clocks never escalated)."""
    from omnitui.daemon.lock import stopped_here

    alive = daemon is not None and daemon.alive(now) and not stopped_here(db_path,
                                                                          daemon.host)
    needed = bool(settings.mailboxes or settings.channels)
    detail = ("never started" if daemon is None else
              f"running as pid {daemon.pid} on {daemon.host}" if alive else
              f"not running (it last said it was at {_at(daemon.heartbeat_at, zone)}, and "
              "stopped without a word)" if daemon.state == "running" else
              f"{daemon.state}, last seen {_at(daemon.heartbeat_at, zone)}")
    idle = not needed and not alive and unsolved > 0
    if not needed and not alive:
        detail += " (no channels configured: nothing to fetch or send)"
    if idle:
        detail += (f"; while it is not running, nothing moves by itself on "
                   f"{plural(unsolved, 'unsolved case')}: snoozes do not wake, waiting cases "
                   "are not routed, SLA alarms do not fire and priorities do not grow with "
                   "waiting")
    return Check("daemon", alive or not needed, detail,
                 "" if alive else f"start it: `{_command(settings, db_path, 'serve')}` (as a "
                 "service: `systemctl start omnitui`, docs/deployment.md)", warn=idle)


def _command(settings: Settings, db_path: Path, verb: str) -> str:
    """`omnitui VERB` for the config and the store checked: without --config, `omnitui
    init` wrote another config and store, and without --db `serve` served the config's own
    store, another."""
    from omnitui.config import store_path

    return " ".join(["omnitui", *(["--config", shlex.quote(str(settings.source))]
                                  if settings.source else []),
                     *(["--db", shlex.quote(str(db_path))]
                       if store_path(settings, None).resolve() != db_path.resolve() else []),
                     verb])


def _daemon_unknown(daemon: channel_state.DaemonState | None, db_path: Path, why: str,
                    zone: tzinfo | None) -> Check:
    """The daemon's lock file cannot be read: whether one holds it cannot be told, so its
    row is only quoted (a restored row's fresh heartbeat read "running")."""
    from omnitui.daemon.lock import lock_path

    path = lock_path(db_path)
    row = ("it never started on this store" if daemon is None else
           f"its row says {daemon.state}, pid {daemon.pid} on {daemon.host}, last seen "
           f"{_at(daemon.heartbeat_at, zone)}")
    fix = (f"remove the folder {path} (`omnitui serve` makes its lock file there)"
           if path.is_dir() else "run doctor as the account that runs `omnitui serve`"
           + _as_owner_of(path))  # a chown to whoever ran doctor locked the daemon out
    return Check("daemon", False, f"cannot tell whether it runs: its lock file {path} "
                 f"cannot be read ({why}); {row}", fix)


def _at(stored: str | None, zone: tzinfo | None) -> str:
    """A stored time the daemon reported, as every time people read (`clock_time`), or
    "never"."""
    return clock_time(parse_db_time(stored), zone) if stored else "never"


def _as_owner_of(path: Path) -> str:
    """", the lock's owner: `sudo -u omnitui omnitui doctor`" (nothing if it cannot be
    told)."""
    try:
        return f", the lock's owner: `sudo -u {user_name(path.stat().st_uid)} omnitui doctor`"
    except OSError:
        return ""


def _changed_at(db_path: Path) -> datetime | None:
    """When the store file or its WAL was last written."""
    times = [p.stat().st_mtime for p in (db_path, Path(f"{db_path}-wal")) if p.exists()]
    return datetime.fromtimestamp(max(times), UTC) if times else None


def _attachments(folder: Path) -> Check:
    if not folder.exists():
        return Check("attachments", True, f"{folder} (created on the first attachment)")
    if not os.access(folder, os.W_OK | os.X_OK):
        return Check("attachments", False, f"{folder} is not writable",
                     f"chown the folder to the account that runs omnitui: {folder}")
    return Check("attachments", True, f"{folder}")
