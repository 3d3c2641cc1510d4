"""What the console says after an undo: every case and kind of change it took back, and
"redone" when it undid an undo."""

from __future__ import annotations

from omnitui.vocabulary import action_words, undo_words


def test_one_change_on_one_case() -> None:
    assert undo_words([("reply.queued", 54)]) == "undone: a reply on #54"


def test_a_macro_on_two_cases() -> None:
    undone = [("case.status", 1505), ("case.assigned", 1505), ("case.status", 1674),
              ("reply.queued", 1674)]
    assert undo_words(undone) == ("undone: a status change, an assignment and a reply on 2 "
                                  "cases (#1505, #1674)")


def test_undoing_an_undo_is_a_redo() -> None:
    assert undo_words([("undo case.snoozed", 7)]) == "redone: a snooze on #7"


def test_back_and_forth_says_what_stands_now() -> None:
    """Undoing a redo said "redone: the undo of a merge of cases", and each step back and
    forth one "the undo of" longer."""
    assert undo_words([("undo undo cases.merged", 3)]) == "undone: a merge of cases on #3"
    assert undo_words([("undo undo undo cases.merged", 3)]) == "redone: a merge of cases on #3"
    assert action_words("undo undo undo undo cases.merged") == "the redo of a merge of cases"
    assert action_words("undo undo undo cases.merged") == "the undo of a merge of cases"


def test_a_bulk_action_names_its_first_ten_cases() -> None:
    """The console asks before undoing an action not just done: on 215 cases the question
    listed them all and ran off an 80x24 screen, its [y/n] with it."""
    undone = [("case.status", case_id) for case_id in range(100, 315)]
    assert undo_words(undone) == ("undone: a status change on 215 cases (#100, #101, #102, "
                                  "#103, #104, #105, #106, #107, #108, #109, …)")


def test_cases_given_at_once_are_told_in_one_line() -> None:
    from omnitui.vocabulary import given_to_words

    assert given_to_words([(12, "farid")]) == "#12 is yours now (farid gave it to you)"
    assert given_to_words([(n, "routing") for n in range(1, 8)]) == (
        "7 cases are yours now: #1, #2, #3, #4, #5, …")


def test_a_case_escalated_twice_at_once_is_one_case() -> None:
    """An irritated customer's case escalates for the irritation and for the score it
    reaches in the same moment: the toast read "3 cases escalated: #468, #468, #469"."""
    from omnitui.vocabulary import escalated_words

    assert escalated_words([(468, "irritated: priority +10"), (468, "priority 85 reached 70"),
                            (469, "irritated: priority +10")]) == "2 cases escalated: #468, #469"
    assert escalated_words([(468, "irritated: priority +10"),
                            (468, "priority 85 reached 70")]) == (
        "#468 escalated: irritated: priority +10; priority 85 reached 70")
