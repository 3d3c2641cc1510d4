"""Actions reach exactly the cases the agent means, and bad input never crashes the console:
marks of cases that left the view, replies with several marks, J after solving, undo that
redraws, nonsense numbers and times."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from omnitui.channels.email.parse import parse_email
from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.services.desk import Desk
from omnitui.store.db import Store, utc_now
from omnitui.store.schema import SCHEMA_VERSION
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import TIMELINE_PAGE, CaseScreen
from omnitui.tui.screens.modals import AskScreen, ComposeScreen, ConfirmScreen, PickScreen
from omnitui.tui.widgets.key_bar import KeyBar
from omnitui.wording import upgraded_under_words
from tests.conftest import make_email
from tests.tui.helpers import answer, drive, queue, screen_text, settle, show_view, wait_for


def column(path: Path, case_id: int, name: str) -> object:
    with Store(path) as store:
        return store.conn.execute(f"SELECT {name} FROM cases WHERE id = ?",
                                  (case_id,)).fetchone()[0]


async def toast(app: OmnituiApp, pilot: object) -> str:
    await settle(app, pilot)
    await pilot.pause(0.2)  # type: ignore[attr-defined]
    return screen_text(app)


def test_marks_of_cases_that_left_the_view_are_dropped(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        await pilot.press("space", "space")
        solved = sorted(cases.marked)
        before = {case_id: column(demo_db, case_id, "severity") for case_id in solved}
        await pilot.press("S")
        await settle(app, pilot)
        assert cases.marked == set() and "marked" not in screen_text(app)
        highlighted = cases.current_id
        severity = column(demo_db, highlighted, "severity")
        await pilot.press("E")
        await settle(app, pilot)
        assert column(demo_db, highlighted, "severity") == severity + 1
        assert {case_id: column(demo_db, case_id, "severity") for case_id in solved} == before

    drive(demo_db, script)


def test_writing_with_marks_goes_to_the_one_marked_case_or_nowhere(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        marked = cases.current_id
        await pilot.press("space")  # mark it and move down: the highlight is elsewhere now
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen) and app.screen.case_id == marked
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("space", "r")
        assert "2 cases are marked" in await toast(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)

    drive(demo_db, script)


def test_solving_then_J_goes_to_the_next_case_not_the_one_after(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        order = list(cases.ids[:3])
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("S")
        await settle(app, pilot)
        await pilot.press("J")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == order[1]

    drive(demo_db, script)


def test_undo_of_a_reply_redraws_the_case(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await show_view(app, pilot, "channel: email")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press(*"A reply I regret", "ctrl+j")
        await settle(app, pilot)
        assert "A reply I regret" in screen_text(app)
        await pilot.press("u")
        text = await toast(app, pilot)
        assert "A reply I regret" not in text and "undone: a reply on #" in text

    drive(demo_db, script)


def test_undo_of_an_old_action_elsewhere_asks_first(demo_db: Path) -> None:
    """u took back a reply on another case, or a snooze of minutes ago, without a word; an
    action just done, or on the case on screen, goes back at once."""
    later = [utc_now()]

    async def script(app: OmnituiApp, pilot: object) -> None:
        first, second = queue(app).current_id, None
        await pilot.press("t")  # tag it: an action on the first case
        await settle(app, pilot)
        await pilot.press(*"checked", "enter")
        await settle(app, pilot)
        later[0] = utc_now() + timedelta(minutes=5)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        second = app.screen.detail.case.id
        assert second != first
        await pilot.press("u")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Undo a tag change on #{first}, 5m ago?" in screen_text(app)
        await pilot.press("n")
        await settle(app, pilot)
        assert "checked" in json.loads(str(column(demo_db, first, "tags")))  # kept
        await pilot.press("u")
        await settle(app, pilot)
        await pilot.press("y")
        assert "undone: a tag change on #" in await toast(app, pilot)
        assert "checked" not in json.loads(str(column(demo_db, first, "tags")))

    drive(demo_db, script, clock=lambda: later[0])


def test_nonsense_numbers_and_times_are_refused_not_crashes(demo_db: Path) -> None:
    """A wrong answer is said in its dialog, which stays open to be put right."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        priority = column(demo_db, case_id, "priority")
        await pilot.press("p")
        await settle(app, pilot)
        for text in ("nan", "inf", "1e400"):
            assert "priority must be a number" in await answer(app, pilot, text)
            assert isinstance(app.screen, AskScreen)  # still asking
        await pilot.press("ctrl+u")  # put right, the problem of what was sent goes
        await settle(app, pilot)
        assert "priority must be a number" not in screen_text(app)
        await pilot.press("escape")
        assert column(demo_db, case_id, "priority") == priority
        await pilot.press("z", "end", "enter")  # custom… (awake: no "wake up now")
        await settle(app, pilot)
        assert "too far away" in await answer(app, pilot, "99999999d")
        await pilot.press("escape", "enter")
        await settle(app, pilot)
        await pilot.press("X")
        await settle(app, pilot)
        assert "is not a case number" in await answer(app, pilot, "#" + "9" * 25)
        await pilot.press("escape", "L")
        await settle(app, pilot)
        if not isinstance(app.screen, AskScreen):  # suggestions first: type one instead
            await pilot.press("end", "enter")
            await settle(app, pilot)
        assert "is not an email address" in await answer(app, pilot, "#" + "9" * 25)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)  # still working

    drive(demo_db, script)


def test_a_long_case_shows_its_newest_messages_and_loads_older_ones(tmp_path: Path) -> None:
    path = tmp_path / "long.db"
    total = TIMELINE_PAGE + 30
    with Store(path) as store:
        pipeline = Pipeline(store, Settings())
        for n in range(total):
            pipeline.ingest(parse_email(make_email(body=f"update number {n}")))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen) and len(screen.boxes) == TIMELINE_PAGE
        assert "30 earlier messages" in str(screen.query_one("#earlier").render())
        assert f"update number {total - 1}" in screen.current_message.text
        screen.current = 0
        await pilot.press("k")
        await settle(app, pilot)
        assert len(screen.boxes) == total
        assert "update number 29" in screen.current_message.text
        with Store(path) as store:  # one more arrives: appended, nothing rebuilt
            Pipeline(store, Settings()).ingest(parse_email(make_email(body="and another")))
        first_box = screen.boxes[0]
        for _ in range(40):
            await settle(app, pilot)
            await pilot.pause(0.05)
            if len(screen.boxes) == total + 1:
                break
        assert len(screen.boxes) == total + 1 and screen.boxes[0] is first_box

    drive(path, script)


def test_reopening_an_open_case_says_it_already_is(demo_db: Path) -> None:
    """`O` on an open case said "open: #5", as if it had done something."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        with Store(demo_db) as store:
            case_id = next(i for i in cases.ids if store.conn.execute(
                "SELECT status FROM cases WHERE id = ?", (i,)).fetchone()[0] == "open")
            rows = store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        cases.move_to_case(case_id)
        await settle(app, pilot)
        await pilot.press("O")  # type: ignore[attr-defined]
        assert f"already open: #{case_id}" in await toast(app, pilot)
        with Store(demo_db) as store:
            assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == rows

    drive(demo_db, script)


def test_on_an_empty_list_a_key_says_there_is_no_case_instead_of_a_dialog(
        demo_db: Path) -> None:
    """P, z, A, Q, t, p opened their dialogs on an empty view and dropped what was typed in
    them without a word; r, S, x and enter did nothing, silently. The key bar leaves them
    out (it offered Open, Mark, Take, Solved, Reply on a list of no case)."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("slash", *"zzqxvnothing", "enter")
        await settle(app, pilot)
        assert queue(app).current_id is None
        bar = str(app.screen.query_one(KeyBar).render())
        assert not {"Open", "Mark", "Take", "Solved", "Reply"} & set(bar.split()), bar
        assert "Help" in bar
        for key in ("P", "z", "A", "Q", "t", "p", "a", "r", "S", "x", "enter"):
            await pilot.press(key)
            await settle(app, pilot)
            assert not isinstance(app.screen, AskScreen | ComposeScreen | PickScreen), key
            assert "no case to act on: this list is empty" in str(
                list(app._notifications)[-1].message), key
            app.clear_notifications()

    drive(demo_db, script)


def test_a_toast_shows_all_its_words_at_80_columns(demo_db: Path) -> None:
    """Half the screen wide, a toast of two lines showed one: "no case to act on: this
    list is", and a snooze's warning lost its last line."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("slash", *"zzqxvnothing", "enter", "x")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "no case to act on: this list is empty" in screen_text(app)

    drive(demo_db, script, size=(80, 24))


def test_a_toast_of_four_lines_shows_its_last_one_at_80_columns(demo_db: Path) -> None:
    """Three quarters of the screen wide (75%), a toast was measured for one width and
    drawn at another: one wrapped onto a fourth line showed three, and "a newer omnitui
    upgraded the store ... (your drafts are" never said they were kept."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        app.notify(upgraded_under_words(SCHEMA_VERSION + 1, SCHEMA_VERSION),
                   severity="warning")
        shown = await toast(app, pilot)
        assert "(your drafts are" in shown and "kept)" in shown, shown

    drive(demo_db, script, size=(80, 24))


def test_snoozing_a_case_about_to_breach_says_its_clock_keeps_running(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        with Store(demo_db) as store, store.write() as conn:
            conn.execute("UPDATE cases SET sla_due = datetime('now', '+10 minutes')"
                         " WHERE id = ?", (case_id,))
        await pilot.press("z")
        await settle(app, pilot)
        await pilot.press("enter")  # the first choice: hours away
        await settle(app, pilot)
        said = [str(n.message) for n in app._notifications]
        assert any(line.startswith(f"#{case_id} falls due ") and "a snooze does not stop "
                   "its SLA clock (pending does)" in line for line in said), said

    drive(demo_db, script)


def key_bar(app: OmnituiApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


def test_take_leaves_the_key_bar_on_the_agents_own_case(demo_db: Path) -> None:
    """`a Take` was offered on a case already alice's; pressed there, it says so."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        owners = [column(demo_db, case_id, "owner") for case_id in cases.ids]
        cases.move_to(owners.index("alice"))
        await settle(app, pilot)
        assert "Take" not in key_bar(app) and "Solved" in key_bar(app)
        cases.move_to(owners.index(None))
        await settle(app, pilot)
        assert "a Take" in key_bar(app)
        await pilot.press("a")  # hers now: the bar follows
        await settle(app, pilot)
        assert column(demo_db, cases.current_id, "owner") == "alice"
        assert "Take" not in key_bar(app)
        app.clear_notifications()
        await pilot.press("a")
        assert f"already assigned to alice: #{cases.current_id}" in await toast(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "Take" not in key_bar(app) and "Solved" in key_bar(app)

    drive(demo_db, script, size=(80, 24))


def test_take_leaves_the_key_bar_on_another_agents_case_solved_or_not(
        demo_db: Path) -> None:
    """`a Take` was offered on others' cases, solved ones too, and pressed there it was
    refused: the bar offers it where it takes a case, and the key says why it does not;
    the keys it offers there (Reopen, Solved) do what they say."""
    with Store(demo_db) as store:
        solved, working = (store.conn.execute(
            "SELECT id, owner FROM cases WHERE owner != 'alice' AND status = ? ORDER BY id",
            (status,)).fetchone() for status in ("solved", "open"))

    async def script(app: OmnituiApp, pilot: object) -> None:
        for (case_id, owner), offered in ((solved, "O Reopen"), (working, "S Solved")):
            app.open_case(case_id)
            await wait_for(lambda: isinstance(app.screen, CaseScreen), app, pilot)
            await settle(app, pilot)
            assert "Take" not in key_bar(app) and offered in key_bar(app)
            app.clear_notifications()
            await pilot.press("a")
            await settle(app, pilot)
            assert [str(n.message) for n in app._notifications] == [
                f"#{case_id} is already {owner}'s: {owner} or a supervisor can hand it on"]
            assert column(demo_db, case_id, "owner") == owner
            await pilot.press(offered[0])
            await settle(app, pilot)
            assert column(demo_db, case_id, "status") == ("open" if offered[0] == "O"
                                                           else "solved")
            await pilot.press("f2")
            await settle(app, pilot)
        cases = queue(app)  # the queue's row: the same
        cases.move_to([column(demo_db, case_id, "owner") for case_id in cases.ids
                       ].index("bob"))
        await settle(app, pilot)
        assert "Take" not in key_bar(app) and "Solved" in key_bar(app)

    drive(demo_db, script, size=(80, 24))


def test_a_case_merged_away_takes_no_case_key_in_the_queue(demo_db: Path) -> None:
    """`status:closed` lists the cases merged away: the key bar offered Solved, Reply and
    Note there, and Reply opened the composer on a case nobody sees."""
    with Store(demo_db) as store:
        live, merged = (row[0] for row in store.conn.execute(
            "SELECT id FROM cases WHERE status = 'open' ORDER BY id LIMIT 2"))
        Desk(store, "farid").merge_cases([merged], live, other_customers=True)

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("slash", *"status:closed", "enter")
        await settle(app, pilot)
        assert list(queue(app).ids) == [merged]
        assert not {"Take", "Solved", "Reply", "Note"} & set(key_bar(app).split())
        app.clear_notifications()
        await pilot.press("r")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
        assert [str(n.message) for n in app._notifications] == [
            f"case #{merged} was merged into #{live}: act on #{live}"]

    drive(demo_db, script, size=(80, 24))


def test_the_palette_offers_take_only_where_the_key_bar_does(demo_db: Path) -> None:
    """"Assign to me" was listed on the agent's own case, and chosen did nothing, silently."""
    async def offered(app: OmnituiApp, pilot: object) -> bool:
        await pilot.press("ctrl+p", *"Assign to me")
        await settle(app, pilot)
        await pilot.pause(0.3)  # the palette searches in the background
        shown = "Assign to me (a)" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        return shown

    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        owners = [column(demo_db, case_id, "owner") for case_id in cases.ids]
        cases.move_to(owners.index(None))
        await settle(app, pilot)
        assert await offered(app, pilot)
        for someone in ("alice", "bob"):
            cases.move_to(owners.index(someone))
            await settle(app, pilot)
            assert not await offered(app, pilot)

    drive(demo_db, script)


def test_a_remapped_list_key_on_an_empty_list_says_there_is_no_case(demo_db: Path) -> None:
    """With `queue.mark = "f9"` the new key was silent there, and x, bound to nothing any
    more, spoke."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("slash", *"zzqxvnothing", "enter")
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.press("x")
        await settle(app, pilot)
        assert not list(app._notifications)
        await pilot.press("f9")
        assert "no case to act on: this list is empty" in await toast(app, pilot)

    drive(demo_db, script, Settings(keymap={"queue.mark": "f9"}))


def test_a_solved_case_offers_reopen_where_it_offered_solved(demo_db: Path) -> None:
    """On a solved case the key bar still offered "S Solved", and not the key that
    reopens it."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        with Store(demo_db) as store:
            case_id = store.conn.execute(
                "SELECT id FROM cases WHERE status = 'solved' LIMIT 1").fetchone()[0]
        app.open_case(case_id)
        await settle(app, pilot)
        bar = app.screen.query_one(KeyBar)
        assert "O Reopen" in str(bar.render()) and "Solved" not in str(bar.render())
        await pilot.press("S")  # type: ignore[attr-defined]
        assert f"already solved: #{case_id}" in await toast(app, pilot)
        await pilot.press("O")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "S Solved" in str(bar.render()) and "Reopen" not in str(bar.render())

    drive(demo_db, script)
