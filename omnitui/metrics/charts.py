"""`omnitui report --chart FILE.png|FILE.svg`: the period as pictures for a weekly review —
the waiting cases by age and priority, the distribution of first responses, and the cases
opened and solved each day. matplotlib draws them (the optional extra `omnitui[charts]`);
without it, ChartsMissing says what to install."""

from __future__ import annotations

import sqlite3
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from omnitui.config import Settings
from omnitui.errors import OmnituiError
from omnitui.metrics.board import BANDS, aging, daily
from omnitui.metrics.funnel import day_zone, period_days
from omnitui.store import board as board_store
from omnitui.store import metrics as metrics_store
from omnitui.store.db import db_time

if TYPE_CHECKING:
    from matplotlib.axes import Axes

INSTALL = "pip install 'omnitui[charts]'"
FORMATS = (".png", ".svg")


class ChartsMissing(OmnituiError):
    """matplotlib is not installed."""


def write_chart(conn: sqlite3.Connection, settings: Settings, since: datetime,
                until: datetime, now: datetime, target: Path) -> None:
    """Draw the three charts into `target` (.png or .svg); OmnituiError says what is
    wrong with the name or the machine."""
    if target.suffix.lower() not in FORMATS:
        raise OmnituiError(f"--chart {target}: a .png or .svg file")
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: a file
        import matplotlib.pyplot as plt
    except ImportError:
        raise ChartsMissing(f"--chart needs matplotlib: {INSTALL}") from None
    zone = day_zone(settings)
    figure, (aging, spread, flow) = plt.subplots(3, 1, figsize=(9, 11))
    days = period_days(since, until, zone)  # (its last day: the until's midnight named the
    figure.suptitle(f"omnitui · cases opened {days[0]} to {days[-1]}")  # day after it)
    _aging(aging, conn, now)
    _first_responses(spread, conn, since, until)
    _flow(flow, conn, since, until, zone)
    figure.tight_layout()
    try:
        figure.savefig(target)
    except OSError as exc:
        raise OmnituiError(f"--chart {target}: cannot write it: {exc.strerror}") from None
    finally:
        plt.close(figure)


def _aging(axes: Axes, conn: sqlite3.Connection, now: datetime) -> None:
    rows = aging(conn, now)
    labels = [label for label, _ in rows]
    bottom = [0] * len(labels)
    for band, color in zip(BANDS, ("#d62728", "#ff7f0e", "#7f7f7f"), strict=True):
        heights = [counts[band] for _, counts in rows]
        axes.bar(labels, heights, bottom=bottom, label=band, color=color)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_title("Waiting cases now, by age (since opened) and priority")
    axes.set_ylabel("cases")
    axes.legend()


def _first_responses(axes: Axes, conn: sqlite3.Connection, since: datetime,
                     until: datetime) -> None:
    hours = [seconds / 3600 for seconds in metrics_store.first_responses(
        conn, db_time(since), db_time(until))]
    axes.hist(hours, bins=40, color="#1f77b4")
    axes.set_title(f"First response, {len(hours):,} cases (hours of policy time)")
    axes.set_xlabel("hours")
    axes.set_ylabel("cases")


def _flow(axes: Axes, conn: sqlite3.Connection, since: datetime, until: datetime,
          zone: tzinfo | None) -> None:
    days = daily(board_store.hourly(conn, db_time(since)), zone, until)
    labels = [day for day, _, _ in days]
    opened = [n for _, n, _ in days]
    solved = [n for _, _, n in days]
    axes.plot(labels, opened, label="opened", marker="o")
    axes.plot(labels, solved, label="solved", marker="o")
    axes.set_title("Cases opened and solved each day")
    axes.tick_params(axis="x", labelrotation=60)
    axes.legend()
