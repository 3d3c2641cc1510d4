"""The quick-filter language, read in one place: what an agent types into the console's
search box (`/` and `\\`), and what a saved view's `filter` holds in the config.

`status:on_hold owner:me refund` narrows to on-hold cases of mine that mention "refund".
Values are read the way the screen shows them (`status:on hold`, `owner:Farid`), a value
that names nothing is reported and left out (never a silently empty queue), `owner:none`
means unassigned, `tier:vip` cases whose customer is in that tier (any tier a customer has,
as `tag:` takes any tag), `intent:billing` cases whose customer wants what the config's
[[intents]] entry "billing" says, `lang:de` cases whose customer last wrote in German
(`lang:und`: in no language that could be told, a "thx"), `is:irritated` those whose
customer's latest message reads irritated, `is:reopened` those that came back after being
solved, `is:bounced` (or `is:reassigned`) those handed from one owner to another,
`is:snoozed` those snoozed (every other list hides them till they wake: `is:snoozed
owner:me`), `age:>4h` cases opened more than four hours ago (`age:<30m`, `age:1h-4h`,
`age:1-3d`: units m, h, d, w, y; the supervisor's board drills into its age buckets this
way), and `#N` names case N. Other words are searched for; an email address, or a phone
number as people type it ("+44 7700 900123", "07700 900123" in the config's region), also
finds the cases of the customer it is an identity of.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from omnitui.agent_names import NOBODY
from omnitui.closest import closest
from omnitui.config.languages import LANGUAGES, UNDETERMINED, meant_language
from omnitui.identifiers import identity_key
from omnitui.model import Channel, SearchedIdentity, Status
from omnitui.records import record
from omnitui.wording import status_words

if TYPE_CHECKING:
    from omnitui.config import Settings

KEYS = ("status", "owner", "channel", "queue", "tag", "tier", "intent", "lang", "is", "age")
KEYS_HINT = " ".join(f"{key}:" for key in KEYS)  # as the console lists them
STATES = ("irritated", "reopened", "bounced", "snoozed")  # what `is:` takes, each a CaseQuery
# flag (`snoozed`: only the cases snoozed into the future, which every other list hides)
STATUSES = tuple(str(s) for s in Status)
CHANNELS = tuple(str(c) for c in Channel)
STATE_ALIASES = {"reassigned": "bounced"}  # as the board's flow says it
CASE_NUMBER = re.compile(r"#(\d{1,18})")
UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 365 * 86400}  # as ages show
NUMBER_PART = re.compile(r"[0-9+().\-]*[0-9][0-9+().\-]*")  # "+44", "(555)", "123-4567"
NUMBER_DIGITS = 7  # fewer, with the country's code: an order number ("12345"), not a phone's
NUMBER_GROUPS = 6  # the most words a phone number is typed in: "+44 (0) 20 7946 0958"
AGE = re.compile(r"(?P<op>[<>])?(?P<low>\d{1,5})(?P<low_unit>[mhdwy])?"
                 r"(?:-(?P<high>\d{1,5})(?P<high_unit>[mhdwy]))?")


@record
class Narrowing:
    """What typed text means: CaseQuery field changes, free words for full-text search,
    a case number, and what could not be understood (said to the agent, not applied)."""

    changes: dict[str, object] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)
    case_id: int | None = None
    problems: list[str] = field(default_factory=list)


@record(frozen=True)
class Vocabulary:
    """The values filters can name. `agents` and `queues` None: not known here (a config
    being loaded), so any value is taken."""

    me: str = ""
    agents: Sequence[str] | None = None
    queues: Sequence[str] | None = None
    intents: Sequence[str] | None = None  # the config's [[intents]] names
    tiers: Sequence[str] = ()  # the config's weighted tiers: completed, not the only ones
    phone_region: str = ""  # a number typed without its country code is in it ("": none)

    def candidates(self, key: str) -> list[str]:
        """Values to complete `key:` with."""
        return {"status": list(STATUSES), "channel": list(CHANNELS),
                "owner": ["me", "none", *(self.agents or ())],
                "queue": list(self.queues or ()), "intent": list(self.intents or ()),
                "tier": list(self.tiers),
                "is": list(STATES), "age": [">1h", ">4h", ">1d", ">7d", "<1h"]}.get(key, [])


def vocabulary_of(me: str, agents: Sequence[str], stored_queues: Sequence[str],
                  settings: Settings) -> Vocabulary:
    """What filters may name in this team: its agents (`store.queries.known_agents`), the
    queues its cases use (`distinct_values`) and its config names, and its intents. The
    console's search box and `omnitui cases` read with the same one."""
    queues = {*stored_queues, *(q.name for q in settings.queues),
              settings.routing.default_queue, *settings.routing.channel_queues.values(),
              *(i.queue for i in settings.intents if i.queue)}
    return Vocabulary(me=me, agents=list(agents), queues=sorted(queues),
                      intents=[i.name for i in settings.intents] or None,
                      tiers=sorted(settings.priority.tier_weights),
                      phone_region=settings.identity.default_phone_region)


def term(key: str, value: str, vocabulary: Vocabulary) -> Narrowing:
    """One `key:value` as the search box reads it, for a command-line option: its
    meaning, or what is wrong with it (a mistyped value would list nothing, as if no case
    matched)."""
    result = Narrowing()
    _apply(result, key, value, vocabulary)
    return result


def parse(text: str, vocabulary: Vocabulary) -> Narrowing:
    result = Narrowing()
    words = _joined_statuses(text.split())
    for word in words:
        key, sep, value = word.partition(":")
        key = key.lower()
        if CASE_NUMBER.fullmatch(word):
            result.case_id = int(word[1:])
        elif sep and key in KEYS:
            if value:  # a bare `status:` is still being typed: it narrows nothing yet
                _apply(result, key, value, vocabulary)
        else:
            if sep and value and key.isalpha() and (  # "message: failed" is words
                    close := closest(key, KEYS)):
                result.problems.append(f"{key}: is not a filter; did you mean {close}:?")
            result.words.append(word)
    if identities := _identities(result.words, vocabulary.phone_region):
        result.changes["identities"] = identities
    return result


def _identities(words: list[str], region: str) -> tuple[SearchedIdentity, ...]:
    """The email addresses and phone numbers among searched words, a number as people type
    it, in groups ("+44 7700 900123", "(555) 123-4567"); a partial address ("@acme.com")
    is none."""
    found: list[SearchedIdentity] = []
    start = 0
    while start < len(words):
        end = start
        while end < len(words) and NUMBER_PART.fullmatch(words[end]):
            end += 1
        if end > start:
            found += _numbers(words, start, end, region)
        elif (key := identity_key(words[start], region)) and key[0] in ("email", "phone"):
            found.append(SearchedIdentity(words[start], *key))  # or "whatsapp:+4477..."
        start = max(end, start + 1)
    return tuple(found)


def _numbers(words: list[str], start: int, end: int, region: str) -> list[SearchedIdentity]:
    """The phone numbers in a run of number-like words: the longest span of NUMBER_DIGITS
    or more that is one (of two as long, the one that starts as numbers are typed, with +,
    ( or 0: "12345 07700 900123" is an order number and a number), then those on either
    side of it."""
    spans = sorted(((stop - first, words[first][0] in "+(0", -first, first, stop)
                    for first in range(start, end)
                    for stop in range(first + 1, min(end, first + NUMBER_GROUPS) + 1)),
                   reverse=True)
    for *_, first, stop in spans:
        typed = " ".join(words[first:stop])
        if sum(c.isdigit() for c in typed) < NUMBER_DIGITS:
            continue
        if (key := identity_key(typed, region)) and key[0] == "phone":
            return [*_numbers(words, start, first, region), SearchedIdentity(typed, *key),
                    *_numbers(words, stop, end, region)]
    return []


def _joined_statuses(words: list[str]) -> list[str]:
    """`status:on hold` as the screen writes it is one value."""
    joined: list[str] = []
    for word in words:
        if joined and word.lower() == "hold" and joined[-1].lower() == "status:on":
            joined[-1] += "_hold"
        else:
            joined.append(word)
    return joined


def _apply(result: Narrowing, key: str, value: str, vocabulary: Vocabulary) -> None:
    if key == "status":
        statuses = [status_named(v) for v in value.split(",")]
        if None in statuses:
            result.problems.append(_unknown("status", value,
                                            [status_words(status) for status in STATUSES]))
        else:
            result.changes["statuses"] = tuple(dict.fromkeys(statuses))
    elif key == "owner":
        if value.lower() == "me":
            result.changes["owner"] = vocabulary.me
        elif value.lower() in NOBODY:
            result.changes["unassigned"] = True
        elif (name := named_in(value, vocabulary.agents)) is not None:
            result.changes["owner"] = name
        else:
            result.problems.append(_unknown("agent", value, vocabulary.agents or ()))
    elif key == "channel":
        if value.lower() in CHANNELS:
            result.changes["channel"] = value.lower()
        else:
            result.problems.append(_unknown("channel", value, CHANNELS))
    elif key == "queue":
        if (name := named_in(value, vocabulary.queues)) is not None:
            result.changes["queue"] = name
        else:
            result.problems.append(_unknown("queue", value, vocabulary.queues or ()))
    elif key == "intent":
        if (name := named_in(value, vocabulary.intents)) is not None:
            result.changes["intent"] = name
        else:
            result.problems.append(_unknown("intent", value, vocabulary.intents or ()))
    elif key == "lang":
        if value.lower() in LANGUAGES or value.lower() == UNDETERMINED:
            result.changes["language"] = value.lower()
        else:
            meant = meant_language(value)
            result.problems.append(f"no language {value!r} ("
                                   + (f"did you mean {meant}? " if meant else "")
                                   + f"an ISO 639-1 code: de, fr, pt...; {UNDETERMINED}: none"
                                   " could be told)")
    elif key == "age":
        if (ages := age_range(value)) is not None:
            result.changes["min_age"], result.changes["max_age"] = ages
        else:
            result.problems.append(f"no age {value!r} (>4h, <30m, 1h-4h, 1-3d: units m h d w y)")
    elif key == "is":
        state = STATE_ALIASES.get(value.lower(), value.lower())
        if state in STATES:
            result.changes[state] = True
        else:
            result.problems.append(_unknown("state", value, STATES))
    elif key == "tier":  # a customer's tier comes from their data, not only the config
        result.changes["tier"] = named_in(value, vocabulary.tiers) or value
    else:
        result.changes["tag"] = value


def age_range(value: str) -> tuple[int | None, int | None] | None:
    """`>4h`, `<30m`, `1h-4h` or `1-3d` as (opened at least, at most this many seconds ago);
    None when the value says no age."""
    found = AGE.fullmatch(value.strip().lower())
    if found is None:
        return None
    op, high_unit = found["op"], found["high_unit"]
    low_unit = found["low_unit"] or high_unit
    if low_unit is None or (op and high_unit):
        return None
    low = int(found["low"]) * UNITS[low_unit]
    if op == ">":
        return low, None
    if op == "<":
        return None, low
    if found["high"] is None:
        return None  # `4h` alone: more or less than that?
    high = int(found["high"]) * UNITS[high_unit]
    return (low, high) if low < high else None


def age_words(seconds: int) -> str:
    """Seconds as `age:` writes them, in the largest unit that divides them as the board
    labels its rows (days, not weeks): 14400 is 4h, 604800 is 7d."""
    for unit in "dhm":
        if seconds % UNITS[unit] == 0:
            return f"{seconds // UNITS[unit]}{unit}"
    return f"{seconds // 60}m"


def status_named(value: str) -> str | None:
    """A status as written on screen or typed: `on hold`, `on-hold`, `onhold`, `on_hold`."""
    status = value.lower().replace("-", "_").replace(" ", "_")
    status = Status.ON_HOLD if status in ("onhold", "hold") else status
    return status if status in STATUSES else None


def named_in(value: str, names: Sequence[str] | None) -> str | None:
    """The name as stored, matched without regard to case; any value when names are not
    known."""
    if names is None:
        return value
    return next((name for name in names if name.casefold() == value.casefold()), None)


def _unknown(what: str, value: str, known: Sequence[str]) -> str:
    """What names nothing, the values it may name, and the closest ("tehcnical")."""
    listed = ", ".join(list(known)[:8]) + (", …" if len(known) > 8 else "")
    close = closest(value, known)
    return (f"no {what} {value!r}" + (f" ({listed})" if listed else "")
            + (f"; did you mean {close}?" if close else ""))


def complete(text: str, vocabulary: Vocabulary) -> str | None:
    """`text` with its last word completed (`st` → `status:`, `status:pe` →
    `status:pending`), or None when there is nothing to add."""
    head, _, last = text.rpartition(" ")
    key, sep, value = last.partition(":")
    if sep:
        options = [c for c in vocabulary.candidates(key.lower())
                   if c.casefold().startswith(value.casefold()) and c != value]
        found = f"{key}:{options[0]}" if options else None
    else:
        options = [k for k in KEYS if len(last) >= 2 and k.startswith(last.lower())]
        found = f"{options[0]}:" if options else None
    if found is None:
        return None
    return f"{head} {found}" if head else found
