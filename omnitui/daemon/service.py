"""The daemon: one thread per mailbox folder, the webhook receiver and its filer, the outbox
sender, the scheduler (omnitui/services/scheduler.py) and a heartbeat.

Every thread has its own store connection (SQLite connections are not shared across
threads). SIGTERM or SIGINT sets one stop event; each loop waits on it, so a stop takes at
most about a second and leaves nothing half-written (every write is one transaction). The
heartbeat row tells consoles and `omnitui doctor` whether the daemon is alive; under systemd
(daemon/systemd.py) `omnitui serve` says when it is ready, and feeds the watchdog only while
every thread is alive and each timed loop has come round lately, so a hung daemon is
restarted.

The same `Daemon` runs inside the console process for the single-command embedded mode.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from omnitui.channels.webhooks.deliveries import RAW_CHANNEL, parse_delivery
from omnitui.channels.webhooks.server import WebhookReceiver
from omnitui.config import Settings, attachments_dir
from omnitui.daemon import lock, systemd
from omnitui.daemon.log import log_failure
from omnitui.daemon.mailwatch import watch_folder
from omnitui.daemon.sender import SEND_ALLOWANCE, refresh_failed, send_due
from omnitui.ingest.pending import WEBHOOK_HOLD, file_pending
from omnitui.services import sla_applied
from omnitui.services.holidays import keep as keep_holidays
from omnitui.services.intake import intake_pipeline
from omnitui.services.kb import refresh as refresh_kb
from omnitui.services.routing import Router, apply_agents, route_by_time
from omnitui.services.scheduler import fire_sla_alarms, wake_snoozed
from omnitui.services.sla_rules import bring_up_to_date as bring_sla_up_to_date
from omnitui.services.upkeep import Upkeep, finish_due, rescore_due
from omnitui.store import channel_state
from omnitui.store.db import Store, db_time, utc_now
from omnitui.triage.semantic import model_for
from omnitui.wording import plural

log = logging.getLogger("omnitui.daemon")

HEARTBEAT_SECONDS = 5.0
SEND_SECONDS = 2.0  # how often the outbox is looked at
SCHEDULE_SECONDS = 5.0  # how often ended snoozes are looked for
STOP_SECONDS = 30.0  # every loop checks the stop event at least this often
# A timed loop (heartbeat, outbox, scheduler, webhook filer) that has not come round for this
# long is hung: systemd's watchdog is no longer fed. Generous: a re-score pass at a million
# cases, or an SMTP server slow to answer, takes seconds, not minutes.
STALLED_AFTER = 120.0


class Daemon:
    def __init__(self, db_path: Path, settings: Settings) -> None:
        self.db_path = db_path
        self.settings = settings
        self.stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock: IO[str] | None = None
        self.receiver: WebhookReceiver | None = None
        self._deliveries = threading.Event()  # set when the receiver stored something
        self.started_at = ""
        self._came_round: dict[str, tuple[float, float]] = {}  # timed loop -> (when it last
        # came round, how long it waits between rounds)
        self._next_feed = 0.0  # when the watchdog is fed next (monotonic)
        self._hung = ""  # what kept the watchdog unfed, said once

    def start(self) -> None:
        """Take the store's lock and start every loop (returns at once)."""
        self._lock = lock.acquire(self.db_path)
        self.started_at = db_time(utc_now())
        with Store(self.db_path) as store:  # migrates a store from an older omnitui first
            self._beat(store)
            apply_agents(store, self.settings, utc_now())
            keep_holidays(store, self.settings, utc_now().date())
            if changed := bring_sla_up_to_date(store, self.settings):
                log.info("SLA clocks of %s worked out again under this version's rules",
                         plural(changed, "unsolved case"))
            if off := sla_applied.cases_off_config(store.conn, self.settings):
                log.warning("the SLA policies or business hours changed since the open "
                            "cases' clocks were worked out (%s): %s",
                            plural(len(off), "open case"), sla_applied.ADVICE)
        if self.settings.channels:
            self.receiver = WebhookReceiver(self.db_path, self.settings,
                                            on_stored=self._deliveries.set)
            try:
                self.receiver.start()
            except Exception as exc:
                # the log said only "stopped", the reason on stderr alone (a service's
                # stderr is the journal; its log file is what a team reads)
                log.error("could not start the webhook receiver: %s", exc)
                self.receiver.stop()
                self.receiver = None
                self.shutdown()
                raise
            self._spawn("webhook filer", self._file_deliveries)
        self._spawn("heartbeat", self._heartbeat)
        self._spawn("outbox", self._send_loop)
        self._spawn("scheduler", self._schedule_loop)
        for mailbox in self.settings.mailboxes:
            for folder in mailbox.folders:
                self._spawn(f"imap {mailbox.name}/{folder}", watch_folder, self.db_path,
                            self.settings, mailbox, folder, self.stop)
        log.info("serving %s: %s, %s, outbox sender, heartbeat (pid %d)", self.db_path,
                 plural(sum(len(m.folders) for m in self.settings.mailboxes), "mailbox folder"),
                 plural(len(self.settings.channels), "webhook channel"), os.getpid())

    def _spawn(self, name: str, target: Callable[..., None], *args: object) -> None:
        def run() -> None:
            try:
                target(*args)
            except Exception:  # a bug in one loop: log it, let the others run
                log.exception("%s stopped by an unexpected error", name)

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def run_until_stopped(self) -> None:
        """`omnitui serve`: start, then wait for SIGTERM or SIGINT."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop.set())
        self.start()
        systemd.notify("READY=1")
        watchdog = systemd.watchdog_seconds()
        while not self.stop.wait(0.5):
            if watchdog:
                self.feed_watchdog(watchdog)
        systemd.notify("STOPPING=1")
        self.shutdown()

    def feed_watchdog(self, interval: float) -> bool:
        """Tell systemd we are alive, twice per watchdog interval, while nothing is hung;
        True when fed now."""
        now = time.monotonic()
        if now < self._next_feed:
            return False
        hung = self.hung(now)
        if hung:
            if hung != self._hung:
                log.error("not feeding systemd's watchdog: %s", hung)
            self._hung = hung
            return False
        self._hung = ""
        self._next_feed = now + interval / 2
        return systemd.notify("WATCHDOG=1")

    def hung(self, now: float) -> str:
        """What is dead or stuck ("" when nothing): a thread that ended, or a timed loop
        that has not come round for STALLED_AFTER seconds beyond its own wait."""
        for thread in self._threads:
            if not thread.is_alive():
                return f"the {thread.name} thread has stopped"
        for name, (came, wait) in self._came_round.items():
            if now - came > wait + STALLED_AFTER:
                return f"the {name} loop has not come round for {now - came:.0f} s"
        return ""

    def _came(self, name: str, wait: float) -> None:
        self._came_round[name] = (time.monotonic(), wait)

    def shutdown(self) -> None:
        """Stop every loop within STOP_SECONDS in all (well under systemd's 90 s)."""
        self.stop.set()
        deadline = time.monotonic() + STOP_SECONDS
        if self.receiver is not None:
            self.receiver.stop()
        for thread in self._threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        try:
            with Store(self.db_path, migrate=False) as store, store.write() as conn:
                channel_state.daemon_stopped(conn, at=db_time(utc_now()))
        except Exception:  # the heartbeat's age tells the same story soon enough
            log_failure(log, "could not record the stop", logging.WARNING)
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        log.info("stopped")

    def _beat(self, store: Store) -> None:
        with store.write() as conn:
            channel_state.heartbeat(conn, pid=os.getpid(), host=socket.gethostname(),
                                    at=db_time(utc_now()), started_at=self.started_at)

    def _heartbeat(self) -> None:
        with Store(self.db_path, migrate=False) as store:
            self._came("heartbeat", HEARTBEAT_SECONDS)
            while not self.stop.wait(HEARTBEAT_SECONDS):
                self._came("heartbeat", HEARTBEAT_SECONDS)
                try:
                    self._beat(store)
                except Exception:  # a busy store now and then: the next beat will do
                    log_failure(log, "could not write the heartbeat", logging.WARNING)

    def _send_loop(self) -> None:
        upkeep = Upkeep(self.settings, Router(self.settings))
        with Store(self.db_path, attachments_dir=attachments_dir(self.settings, self.db_path),
                   migrate=False, durable=True) as store:
            self._came("outbox", SEND_SECONDS)
            while not self.stop.wait(SEND_SECONDS):
                self._came("outbox", SEND_SECONDS)
                try:
                    now = utc_now()
                    sent = send_due(store, self.settings.mailboxes, self.settings.channels,
                                    now=now, each=lambda: self._came(
                                        "outbox", SEND_SECONDS + SEND_ALLOWANCE))
                    if sent.failed:  # answered nobody: their cases' clocks run again
                        refresh_failed(store, upkeep, sent.failed, now)
                except Exception:  # a bug must not stop every later reply
                    log_failure(log, "sending the outbox failed; trying again shortly")

    def _schedule_loop(self) -> None:
        router = Router(self.settings)
        upkeep = Upkeep(self.settings, router)
        kb_problem = ""
        with Store(self.db_path, migrate=False) as store:
            self._came("scheduler", SCHEDULE_SECONDS)
            while not self.stop.wait(SCHEDULE_SECONDS):
                self._came("scheduler", SCHEDULE_SECONDS)
                try:
                    woken = wake_snoozed(store, utc_now())
                    routed = route_by_time(store, router, utc_now())
                    escalated = fire_sla_alarms(store, router, upkeep.sla, utc_now())
                    rescore_due(store, upkeep, utc_now())
                    finish_due(store, upkeep)  # what a killed import left
                except Exception:  # a busy store: the next tick does it
                    log_failure(log, "could not wake, route, escalate or re-score cases",
                                logging.WARNING)
                    continue
                finally:
                    kb_problem = self._follow_kb(store, kb_problem)
                if woken:
                    log.info("woke %s: %s", plural(len(woken), "snoozed case"),
                             ", ".join(f"#{i}" for i in woken[:20]))
                if routed:
                    log.info("routing gave out, handed back or moved to a fallback %s: %s"
                             " (each case's history says which)",
                             plural(len(routed), "case"), ", ".join(f"#{i}" for i in routed[:20]))
                if escalated:
                    log.info("SLA escalations on %s: %s", plural(len(escalated), "case"),
                             ", ".join(f"#{i}" for i in escalated[:20]))

    def _follow_kb(self, store: Store, said: str) -> str:
        """Keep the knowledge base's index in step with its folder; a problem is logged
        once, not every tick (returns the problem said last)."""
        try:
            synced = refresh_kb(store, self.settings.kb, model_for(self.settings.semantic)
                                if self.settings.kb.path else None)
        except Exception as exc:
            if str(exc) != said:
                log.warning("knowledge base: %s", exc)
            return str(exc)
        if synced and (synced.added or synced.changed or synced.removed):
            log.info("knowledge base: %d added, %d changed, %d removed", synced.added,
                     synced.changed, synced.removed)
        for problem in synced.unreadable if synced else []:
            if problem not in said:
                log.warning("knowledge base: skipped %s", problem)
        return "\n".join(synced.unreadable) if synced else ""

    def _file_deliveries(self) -> None:
        """File what the receiver stored, as soon as it is stored (and, at start, what an
        earlier run left pending)."""
        parse = functools.partial(parse_delivery, self.settings)
        with Store(self.db_path, attachments_dir=attachments_dir(self.settings, self.db_path),
                   migrate=False) as store:
            pipeline = intake_pipeline(store, self.settings, live=True)
            self._deliveries.set()
            while not self.stop.is_set():
                self._came("webhook filer", 1.0)
                if not self._deliveries.wait(1.0):
                    continue
                self._deliveries.clear()
                try:
                    filed = file_pending(store, pipeline, RAW_CHANNEL, parse, stop=self.stop,
                                         hold=WEBHOOK_HOLD)
                except Exception:  # a busy store or a bug: try again at the next delivery
                    log_failure(log, "filing webhook deliveries failed; trying again shortly")
                    self._deliveries.set()
                    self.stop.wait(1.0)
                    continue
                if filed.messages or filed.failed:
                    log.info("webhooks: %d filed on cases, %d duplicates, %d receipts or "
                             "updates, %d kept raw after a failure", filed.messages,
                             filed.duplicates, filed.other, filed.failed)
