"""The living demo: `omnitui demo` runs, in the console's process, a traffic source that
goes through the real pipeline, so a newcomer sees the helpdesk move.

Every few seconds a customer writes: mostly new people, on their channels (email, chat,
WhatsApp, Telegram...), some in other languages, some irritated, some answering the case
they already have. The live pipeline triages, routes and acknowledges them as the daemon
would. The demo's team works beside the agent at the console: their consoles count as
present (so routing gives them cases), and they answer and solve some of theirs, through
the Desk like any agent. The outbox "sends" to a sink on this machine: queued replies and
acknowledgements turn sent at once, nothing leaves it. The scheduler's round (snoozes,
routing by time, SLA alarms, re-scoring) runs too, so clocks tick and cases escalate.

The agent at the console is left to themselves (their own console marks them present).
A second console on the demo store (`omnitui --agent bob`) works as another agent and sees
it all; `omnitui demo --static` keeps the store still, for tests and benchmarks.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from omnitui.config import Settings, attachments_dir
from omnitui.demo import (
    FOREIGN_REPLIES,
    REPLIES,
    DemoCustomer,
    customer_event,
    population,
)
from omnitui.demo_team import DEMO_ACKNOWLEDGEMENTS, DEMO_AGENTS
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Identifier, InboundEvent, Status
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.routing import Router, route_by_time
from omnitui.services.scheduler import fire_sla_alarms, wake_snoozed
from omnitui.services.upkeep import Upkeep, rescore_due
from omnitui.store import outbox
from omnitui.store.agents import mark_seen
from omnitui.store.db import STORE_ERRORS, Store, db_time, utc_now
from omnitui.store.demo_live import first_unused_number, recent_writer, team_case

log = logging.getLogger("omnitui.demo")

TICK = 1.0  # seconds between rounds of the sink and the team
IRRITATED = ("This is the THIRD time I write about this!! Unacceptable.",
             "Still nothing?? I have been waiting for days. Very disappointed.",
             "Why does nobody answer? This is ridiculous.")

# What the console's status bar says in the daemon's place while this runs.
STAND_IN = "demo: live traffic, nothing is sent"


class LiveDemo:
    """The traffic source: `start` it beside the console, `stop` it after."""

    def __init__(self, db_path: Path, settings: Settings, console_agent: str, *,
                 pace: float = 5.0, seed: int | None = None) -> None:
        self.db_path = db_path
        # The demo shows acknowledgements, whatever the config says of a real team, in the
        # customer's language where the config has none of its own.
        self.settings = replace(settings, acknowledge=replace(
            settings.acknowledge, enabled=True,
            languages=settings.acknowledge.languages or DEMO_ACKNOWLEDGEMENTS))
        self.console_agent = console_agent
        self.pace = pace  # seconds between customer messages, on average
        self.rng = random.Random(seed)
        self.stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self.arrived = 0  # customer messages filed so far

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="living demo", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        with Store(self.db_path, attachments_dir=attachments_dir(self.settings, self.db_path),
                   migrate=False) as store:
            upkeep = Upkeep(self.settings)
            pipeline = intake_pipeline(store, self.settings, upkeep=upkeep, live=True)
            router = Router(self.settings)
            number = first_unused_number(store.conn)
            next_arrival, next_round = 0.0, 0.0
            clock = 0.0
            while not self.stop_event.wait(TICK):
                clock += TICK
                try:
                    self._team_here(store)
                    self._send(store)
                    if clock >= next_arrival:
                        number += 1
                        self._arrive(store, pipeline, number)
                        next_arrival = clock + self.rng.expovariate(1 / self.pace)
                    if self.rng.random() < TICK / max(self.pace, 1.0):
                        self._team_works(store)
                    if clock >= next_round:
                        self._scheduler_round(store, router, upkeep)
                        next_round = clock + 5.0
                except STORE_ERRORS:  # a busy store: the next round tries again
                    log.warning("the living demo skipped a round", exc_info=True)

    # -- the customers ---------------------------------------------------------------------

    def _arrive(self, store: Store, pipeline: Pipeline, number: int) -> None:
        now = utc_now()
        again = recent_writer(store.conn, self.rng.random())
        if again is not None and self.rng.random() < 0.3:
            event = self._follow_up(again, now)
        else:
            person = population(self.rng, 1, first=number)[0]
            event = customer_event(self.rng, person, self.rng.choice(person.channels), now,
                                   number, follow_up=False)
        if self.rng.random() < 0.15:
            event = replace(event, text=f"{event.text}\n\n{self.rng.choice(IRRITATED)}")
        pipeline.ingest(event)
        self.arrived += 1

    def _follow_up(self, writer: tuple[str, str, str, str], now: datetime) -> InboundEvent:
        """The same customer again, on the channel they wrote on."""
        channel, kind, value, name = writer
        person = DemoCustomer(name=name, email=value if kind == "email" else "",
                              phone=value if kind == "phone" else "",
                              handles={channel: value}, channels=(channel,), tier="standard")
        event = customer_event(self.rng, person, channel, now, self.rng.randrange(10**9),
                               follow_up=True)
        return replace(event, identifiers=[Identifier(kind, value, verified=True)])

    # -- the team --------------------------------------------------------------------------

    def _team_here(self, store: Store) -> None:
        """The demo team's consoles run (all but the agent at this one, who is really here)."""
        with store.write() as conn:
            for agent in DEMO_AGENTS:
                if agent.name != self.console_agent:
                    mark_seen(conn, agent.name, db_time(utc_now()))

    def _team_works(self, store: Store) -> None:
        """One of the team answers a case of theirs nobody has answered yet, or solves one
        they answered."""
        team = [a.name for a in DEMO_AGENTS if a.name != self.console_agent]
        answer = self.rng.random() < 0.7
        found = team_case(store.conn, team, answered=not answer, pick=self.rng.random())
        if found is None:
            return
        case_id, agent, language, name = found
        desk = Desk(store, agent, self.settings)
        if answer:
            words = FOREIGN_REPLIES.get(language or "en", REPLIES)
            desk.write(case_id, "reply", self.rng.choice(words).format(
                name=(name or "there").split(" ")[0]))
        else:
            desk.each([case_id], desk.status(Status.SOLVED))

    # -- the machine -----------------------------------------------------------------------

    def _send(self, store: Store) -> None:
        """The sink: every reply due is sent, nowhere."""
        now = db_time(utc_now())
        with store.write() as conn:
            for row in outbox.due(conn, now):
                if outbox.claim_for_sending(conn, row["id"], at=now):
                    outbox.mark_sent(conn, row["id"], at=now)

    def _scheduler_round(self, store: Store, router: Router, upkeep: Upkeep) -> None:
        now = utc_now()
        wake_snoozed(store, now)
        route_by_time(store, router, now)
        fire_sla_alarms(store, router, upkeep.sla, now)
        rescore_due(store, upkeep, now)
