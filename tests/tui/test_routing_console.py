"""Routing as an agent meets it in the console: `@` sets them away (the status bar says so)
and back (a waiting case arrives at once), and an escalation another actor causes in a
queue they work shows as a toast; one in a queue they do not work does not."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from omnitui.config import Settings
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.routing import Router, apply_agents, route_by_time
from omnitui.store.db import Store, db_time, utc_now
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import PickScreen
from tests.conftest import chat_event, settings_from
from tests.tui.helpers import drive, screen_text, settle, wait_for

CONFIG = """
[[intents]]
name = "billing"
queue = "billing"
keywords = ["invoice"]

[[intents]]
name = "tech"
queue = "technical"
keywords = ["crash"]

[[queues]]
name = "billing"
skills = ["billing"]
assign = "push"

[[queues]]
name = "technical"
skills = ["tech"]

[[agents]]
name = "erin"
skills = ["billing"]
capacity = { chat = 5 }

[[agents]]
name = "sam"
role = "supervisor"
"""


@pytest.fixture
def team(tmp_path: Path) -> tuple[Path, Settings]:
    return tmp_path / "team.db", settings_from(tmp_path, CONFIG)


def owner(path: Path, case_id: int) -> str | None:
    with Store(path) as store:
        return store.conn.execute("SELECT owner FROM cases WHERE id = ?",
                                  (case_id,)).fetchone()[0]


def new_case(path: Path, settings: Settings, handle: str, text: str) -> int:
    with Store(path) as store:
        case_id = intake_pipeline(store, settings).ingest(chat_event("chat", handle,
                                                                     text)).case_id
    assert case_id is not None
    return case_id


async def handover_options(app: OmnituiApp, pilot: object, case_id: int) -> list[str]:
    """The agents the handover picker (A) offers on the case, opened by its number."""
    await pilot.press("number_sign", *str(case_id), "enter")  # type: ignore[attr-defined]
    await wait_for(lambda: isinstance(app.screen, CaseScreen), app, pilot)
    await settle(app, pilot)
    await pilot.press("A")  # type: ignore[attr-defined]
    await wait_for(lambda: isinstance(app.screen, PickScreen), app, pilot)
    return app.screen.options  # type: ignore[attr-defined]


def toasts(app: OmnituiApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def test_away_and_back_with_the_at_key(team: tuple[Path, Settings]) -> None:
    path, settings = team

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("@")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "erin (away)" in screen_text(app)
        waiting = new_case(path, settings, "c1", "my invoice is wrong")
        assert owner(path, waiting) is None  # away: routing gives her nothing
        await pilot.press("@")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "(away)" not in screen_text(app)
        assert owner(path, waiting) == "erin"  # at once, not at a sweep
        assert "You are available: routing gives you cases again" in toasts(app)

    Store(path).close()  # the store exists before the console opens it
    drive(path, script, settings, agent="erin")


def test_cases_routed_to_her_by_her_own_console_show_as_hers(
        team: tuple[Path, Settings]) -> None:
    """Routing that her own console runs (the cases waiting when it opens, those that come
    when she is back from away) writes on the console's own connection: the queue showed
    them unowned until another process wrote."""
    path, settings = team
    waiting = new_case(path, settings, "c4", "my invoice is wrong")

    def rows(app: OmnituiApp) -> list[str]:
        return [line for line in screen_text(app).splitlines() if "invoice" in line]

    async def script(app: OmnituiApp, pilot: object) -> None:
        await wait_for(lambda: owner(path, waiting) == "erin", app, pilot)
        await wait_for(lambda: "erin" in rows(app)[0], app, pilot)
        await pilot.press("@")  # type: ignore[attr-defined]
        await settle(app, pilot)
        later = new_case(path, settings, "c5", "another invoice question")
        await pilot.press("@")  # type: ignore[attr-defined]
        await wait_for(lambda: owner(path, later) == "erin", app, pilot)
        await wait_for(lambda: len(rows(app)) == 2 and all("erin" in line
                                                             for line in rows(app)), app, pilot)

    drive(path, script, settings, agent="erin")


def test_an_escalation_in_her_queue_is_a_toast(team: tuple[Path, Settings]) -> None:
    path, settings = team

    async def script(app: OmnituiApp, pilot: object) -> None:
        billing = new_case(path, settings, "c2", "invoice again")
        tech = new_case(path, settings, "c3", "the app crash")
        with Store(path) as store:
            sam = Desk(store, "sam", settings)
            for case_id in (billing, tech):
                for name in ("ann", "bob", "ann", "bob"):
                    sam.each([case_id], sam.assign(name))
        for _ in range(40):  # the console polls twice a second
            await asyncio.sleep(0.05)
            await settle(app, pilot)
            if any("escalated" in t for t in toasts(app)):
                break
        said = [t for t in toasts(app) if "escalated" in t]
        assert said == [f"#{billing} escalated: reassigned 3 times: priority +20"]

    Store(path).close()
    drive(path, script, settings, agent="erin")


def test_away_she_hears_only_of_her_own_cases_escalating_and_of_them_again_when_back(
        team: tuple[Path, Settings]) -> None:
    """Erin set herself away: every escalation in billing still popped up on her console.
    Away, she hears of her own case alone; back, one toast says what escalated of hers."""
    path, settings = team

    async def script(app: OmnituiApp, pilot: object) -> None:
        def escalated() -> list[str]:
            return [t for t in toasts(app) if "escalated" in t]

        await pilot.press("@")  # type: ignore[attr-defined]
        await settle(app, pilot)
        billing = new_case(path, settings, "c2", "invoice again")
        tech = new_case(path, settings, "c3", "the app crash")
        with Store(path) as store:
            sam = Desk(store, "sam", settings)
            sam.each([billing], sam.assign("fay"))
            sam.each([tech], sam.assign("erin"))
            sam.each([billing], sam.escalate())
            sam.each([tech], sam.escalate())
        await wait_for(lambda: escalated(), app, pilot)
        await asyncio.sleep(1.0)  # the console polls twice a second: the billing one too
        await settle(app, pilot)
        assert escalated() == [f"#{tech} escalated: severity 0 → 1, priority +20"]
        await pilot.press("@")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert escalated()[-1] == (f"While you were away: #{tech} escalated: severity 0 → 1,"
                                   " priority +20")

    Store(path).close()
    drive(path, script, settings, agent="erin")


def test_the_handover_picker_shows_load_skills_and_what_stands_against(
        team: tuple[Path, Settings]) -> None:
    """A listed names only: a case went to an agent at capacity without the queue's skill,
    without a word."""
    path, settings = team

    async def script(app: OmnituiApp, pilot: object) -> None:
        tech = new_case(path, settings, "c4", "the app crash")  # technical: asks for tech
        options = await handover_options(app, pilot, tech)
        assert "erin · here · chat 0/5 · billing — lacks tech" in options
        assert "sam · never here · 0 (no limit) · no skills — lacks tech" in options
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert owner(path, tech) == "erin"  # the name, not its label

    Store(path).close()
    drive(path, script, settings, agent="erin")


def test_the_handover_picker_shows_languages_and_one_routing_would_look_for(
        tmp_path: Path) -> None:
    """The picker showed skills, not languages: a French case was handed to an agent who
    speaks none of it while one of the queue's team speaks it."""
    path = tmp_path / "team.db"
    settings = settings_from(tmp_path, CONFIG.replace(
        'skills = ["billing"]\ncapacity', 'skills = ["billing"]\nlanguages = ["de", "en"]\n'
        'capacity') + '\n[[agents]]\nname = "gus"\nskills = ["tech"]\nlanguages = ["fr"]\n')

    async def script(app: OmnituiApp, pilot: object) -> None:
        tech = new_case(path, settings, "c5", "Bonjour, mon application crash à chaque "
                                              "ouverture depuis hier soir. Pouvez-vous "
                                              "m'aider, s'il vous plaît ?")
        options = await handover_options(app, pilot, tech)
        assert "erin · here · chat 0/5 · billing · speaks de, en — lacks tech, speaks no fr" \
            in options
        assert any(o.startswith("gus · ") and "tech · speaks fr" in o
                   and "—" not in o for o in options)
        assert len(max(options, key=len)) <= 76  # one line each at 80 columns

    Store(path).close()
    drive(path, script, settings, agent="erin")


MOVING = CONFIG.replace('assign = "push"\n', 'assign = "push"\n'
                        'escalation = { move_to = "leads", notify = true }\n') + """
[[queues]]
name = "leads"
skills = ["lead"]
"""


def test_an_escalation_that_moves_a_case_out_of_her_queue_is_still_her_toast(
        tmp_path: Path) -> None:
    """Billing's escalation moves its cases to leads and says notify: billing's agents heard
    nothing, the toast being weighed against the queue the case had just landed in."""
    path, settings = tmp_path / "team.db", settings_from(tmp_path, MOVING)

    async def script(app: OmnituiApp, pilot: object) -> None:
        billing = new_case(path, settings, "c2", "invoice again")
        with Store(path) as store:
            sam = Desk(store, "sam", settings)
            sam.each([billing], sam.escalate())
            assert store.conn.execute("SELECT queue FROM cases WHERE id = ?",
                                      (billing,)).fetchone()[0] == "leads"
        await wait_for(lambda: any("escalated" in t for t in toasts(app)), app, pilot)
        assert [t for t in toasts(app) if "escalated" in t] == [
            f"#{billing} escalated: severity 0 → 1, priority +20, to leads"]

    Store(path).close()
    drive(path, script, settings, agent="erin")


def test_an_escalation_of_her_own_case_in_a_queue_she_does_not_work_is_her_toast(
        team: tuple[Path, Settings]) -> None:
    """The supervisor hands erin a technical case; its clock breaches, it escalates: the
    toast went to technical's agents and the supervisors, never to erin, who has to answer."""
    path, settings = team

    async def script(app: OmnituiApp, pilot: object) -> None:
        tech = new_case(path, settings, "c3", "the app crash")
        with Store(path) as store:
            sam = Desk(store, "sam", settings)
            sam.each([tech], sam.assign("erin"))
            sam.each([tech], sam.escalate())
        await wait_for(lambda: any("escalated" in t for t in toasts(app)), app, pilot)
        assert [t for t in toasts(app) if "escalated" in t] == [
            f"#{tech} escalated: severity 0 → 1, priority +20"]

    Store(path).close()
    drive(path, script, settings, agent="erin")


def test_cases_escalated_at_once_are_told_in_one_toast(team: tuple[Path, Settings]) -> None:
    """In a surge, one pass escalates dozens of cases in a queue erin works (sam marks
    three and presses E here): her console stacked a toast for each over the list."""
    path, settings = team

    async def script(app: OmnituiApp, pilot: object) -> None:
        billing = [new_case(path, settings, f"c{n}", f"invoice {n} is wrong") for n in range(3)]
        with Store(path) as store:
            sam = Desk(store, "sam", settings)
            sam.each(billing, sam.escalate())
        await wait_for(lambda: any("escalated" in t for t in toasts(app)), app, pilot)
        assert [t for t in toasts(app) if "escalated" in t] == [
            f"3 cases escalated: {', '.join(f'#{c}' for c in billing)}"]

    Store(path).close()
    drive(path, script, settings, agent="erin")


def test_a_case_handed_back_and_on_at_once_names_who_has_it_now(tmp_path: Path) -> None:
    """Erin gone long enough: routing takes her untouched case and gives it to fay in the
    same moment. Her console said "#1 was put back in the queue by routing", and she went
    looking for it among the unassigned."""
    path = tmp_path / "team.db"
    settings = settings_from(tmp_path, CONFIG + """
[[agents]]
name = "fay"
skills = ["billing"]
capacity = { chat = 5 }
""")

    async def script(app: OmnituiApp, pilot: object) -> None:
        billing = new_case(path, settings, "c2", "my invoice is wrong")
        await wait_for(lambda: owner(path, billing) == "erin", app, pilot)
        later = utc_now() + timedelta(minutes=31)
        with Store(path) as store:
            Desk(store, "fay", settings).present()
            store.conn.execute("UPDATE agents SET seen_at = ? WHERE name = 'fay'",
                               (db_time(later),))
            store.conn.commit()
            assert route_by_time(store, Router(settings), later) == [billing]
        assert owner(path, billing) == "fay"
        await wait_for(lambda: any(f"#{billing} was" in t for t in toasts(app)), app, pilot)
        assert f"#{billing} was given to fay by routing" in toasts(app)

    Store(path).close()
    drive(path, script, settings, agent="erin")


def test_cases_handed_back_at_once_are_told_in_one_toast(
        team: tuple[Path, Settings]) -> None:
    """Erin gone long enough in a surge: routing put her three untouched cases back in the
    queue at once, and her console stacked a toast for each over her list (a dozen
    covered an 80x24 screen)."""
    path, settings = team

    async def script(app: OmnituiApp, pilot: object) -> None:
        hers = [new_case(path, settings, f"c{n}", f"invoice {n} is wrong") for n in range(3)]
        await wait_for(lambda: all(owner(path, c) == "erin" for c in hers), app, pilot)
        with Store(path) as store:
            route_by_time(store, Router(settings), utc_now() + timedelta(minutes=31))
        assert all(owner(path, c) is None for c in hers)
        await wait_for(lambda: any("put back" in t for t in toasts(app)), app, pilot)
        assert [t for t in toasts(app) if "put back" in t] == [
            f"3 of your cases were put back in the queue by routing: "
            f"{', '.join(f'#{c}' for c in hers)}"]

    Store(path).close()
    drive(path, script, settings, agent="erin")


def test_a_case_routing_gives_her_is_told_with_a_toast(team: tuple[Path, Settings]) -> None:
    """Routing pushed a case to erin and her console said nothing: it only appeared in her
    list, among the others, while a case taken from her was always told."""
    path, settings = team

    async def script(app: OmnituiApp, pilot: object) -> None:
        billing = new_case(path, settings, "c2", "my invoice is wrong")
        await wait_for(lambda: owner(path, billing) == "erin", app, pilot)
        await wait_for(lambda: any("yours now" in t for t in toasts(app)), app, pilot)
        assert f"#{billing} is yours now (routing gave it to you)" in toasts(app)

    Store(path).close()
    drive(path, script, settings, agent="erin")


def test_the_routed_line_says_why_the_case_is_in_its_queue_and_why_nobody_has_it(
        tmp_path: Path) -> None:
    """At 80 columns, a case overflowed from billing to general and escalated twice read
    "routed: …risk: 1m left: priority +20 → first response breached: priority +20": the
    escalations pushed out why it was in general and why nobody had it."""
    path = tmp_path / "team.db"
    settings = settings_from(tmp_path, CONFIG.replace(
        'assign = "push"\n', 'assign = "push"\nfallback = "general"\nsaturated_minutes = 10\n',
        1).replace("capacity = { chat = 5 }", "capacity = { chat = 1 }") + """
[[queues]]
name = "general"
skills = ["billing"]
assign = "push"
""")
    with Store(path) as store:
        apply_agents(store, settings, utc_now())
        Desk(store, "erin", settings).present()  # room for one chat: the next waits
    new_case(path, settings, "c1", "my invoice is wrong")
    waiting = new_case(path, settings, "c2", "another invoice question")
    later = (utc_now() + timedelta(minutes=11)).replace(microsecond=0)  # as stored
    with Store(path) as store:
        store.conn.execute("UPDATE agents SET seen_at = ? WHERE name = 'erin'",
                           (db_time(later),))
        store.conn.commit()
        assert route_by_time(store, Router(settings), later) == [waiting]
        with store.write() as conn:
            for trigger, why in (("first_response:risk", "first response at risk: 1m left"),
                                 ("first_response:breached", "first response breached")):
                Router(settings).escalate(conn, waiting, trigger, why, later)

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("number_sign", *str(waiting), "enter")  # type: ignore[attr-defined]
        await wait_for(lambda: isinstance(app.screen, CaseScreen), app, pilot)
        await settle(app, pilot)
        routed = next(line.strip() for line in screen_text(app).splitlines()
                      if "routed:" in line)
        assert routed == ("routed: general: billing has had… → nobody free: erin 1/1 chat"
                          " open (3m ago)"), routed

    drive(path, script, settings, agent="sam", clock=lambda: later + timedelta(minutes=3),
          size=(80, 24))


def test_escalations_one_by_one_are_told_in_one_running_toast(
        team: tuple[Path, Settings], monkeypatch: pytest.MonkeyPatch) -> None:
    """In live intake each irritated arrival escalates in a transaction of its own: a toast
    came for each, stacked for 10 s over the list at 80x24. The first is told at once,
    those that follow within a few seconds together, with their count."""
    from omnitui.tui import app as console

    monkeypatch.setattr(console, "ESCALATION_TOAST_EVERY", 4.0, raising=False)  # (5 s)
    path, settings = team

    async def script(app: OmnituiApp, pilot: object) -> None:
        billing = [new_case(path, settings, f"c{n}", f"invoice {n} is wrong") for n in range(3)]
        for case_id in billing:  # each in a transaction of its own, a console poll apart
            with Store(path) as store:
                sam = Desk(store, "sam", settings)
                sam.each([case_id], sam.escalate())
            await pilot.pause(0.6)  # type: ignore[attr-defined]
        await wait_for(lambda: len([t for t in toasts(app) if "escalated" in t]) == 2,
                       app, pilot, seconds=6)
        assert [t for t in toasts(app) if "escalated" in t] == [
            f"#{billing[0]} escalated: severity 0 → 1, priority +20",
            f"2 cases escalated: #{billing[1]}, #{billing[2]}"]

    Store(path).close()
    drive(path, script, settings, agent="erin", size=(80, 24))
