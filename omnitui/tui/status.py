"""The status bar's health part: is the daemon alive, is each channel syncing, how far
behind it is; and the banner of known incidents. An agent should learn that mail stopped
arriving, or that payments are down, from the console, not from an angry customer."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text

from omnitui.sanitize import sanitize
from omnitui.store.business_events import BusinessEvent
from omnitui.store.channel_state import ChannelState, DaemonState
from omnitui.store.db import parse_db_time, stored_time
from omnitui.wording import ago, in_zone, plural


def health_text(daemon: DaemonState | None, channels: list[ChannelState],
                now: datetime, unfiled: int = 0, *, stand_in: str = "",
                brief: bool = False) -> Text:
    """`unfiled`: mail fetched and safe in the store, not yet on a case (a backlog being
    filed right now); `stand_in`: what does the daemon's work on a store no daemon ever
    ran on (the demo's traffic), said instead of a warning; `brief`: the channels that
    work counted, not named (an 80-column status bar took three lines). Failing channels
    come first, and brief says no sync times: the bar is cut at its width, and a reply
    channel failing went unseen behind channels that had merely refused forged requests."""
    text = Text()
    if daemon is None and stand_in:
        text.append(stand_in, style="green")
    elif daemon is None:
        text.append("daemon: never started", style="yellow")
    elif daemon.state != "running":
        text.append(f"daemon: stopped {ago(stored_time(daemon.heartbeat_at), now)}",
                    style="yellow")
    elif not daemon.alive(now):
        text.append(f"daemon: silent since {ago(stored_time(daemon.heartbeat_at), now)}",
                    style="bold red")
    else:
        text.append("daemon: running", style="green")
    working = [state for state in channels if not (state.failing or state.backlog
                                                      or state.refusing(now))]
    if brief and working:
        text.append(" · ")
        text.append(f"{plural(len(working), 'channel')} ✓", style="green")
    for state in sorted(channels, key=lambda state: not state.failing):
        if brief and state in working:
            continue
        name = sanitize(f"{state.channel}/{state.account}" if state.account else state.channel)
        text.append(" · ")
        if state.failing:
            text.append(f"{name} ✗ ", style="bold red")
            error = sanitize(state.last_error)
            text.append(error[:60] if not brief or len(error) <= 32 else error[:31] + "…",
                        style="red")
        else:
            text.append(f"{name} ✓", style="green")
            if not brief:  # (named in brief for its backlog or refusals, which follow)
                text.append(f" synced {ago(stored_time(state.last_sync_at), now)}")
        if state.backlog:
            text.append(f", {state.backlog:,} behind", style="yellow")
        if state.refusing(now):
            text.append(f", {state.rejected_lately:,} refused, last "
                        f"{ago(stored_time(state.last_rejected_at), now)}", style="yellow")
    if unfiled:
        text.append(f" · {unfiled:,} received, being filed", style="yellow")
    return text


def incident_words(event: BusinessEvent, zone: tzinfo | None) -> str:
    """'payments, since 10:10 CET: EU card payments failing', in `zone` (the agent's)."""
    words = f"{event.product}, since {in_zone(parse_db_time(event.at), zone):%H:%M %Z}"
    if event.text:
        words += f": {event.text}"
    return sanitize(words, multiline=False)


def incidents_text(events: list[BusinessEvent], zone: tzinfo | None) -> Text:
    """The banner over the queue while outages go on."""
    text = Text()
    for n, event in enumerate(events):
        text.append(" · " if n else " Known incident: ", style="bold")
        text.append(incident_words(event, zone))
    return text
