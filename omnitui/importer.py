"""`omnitui import`: mbox, Maildir and .eml files through the one ingest pipeline.

Parsing and reading (the classify stage's language, tone and intent: pure functions of the
text) cost far more than storing, so other processes parse and read while this one runs
the pipeline. Messages are committed in small batches, each message whole; an import killed
midway and run again picks up exactly where it stopped (the (channel, external id) key makes
every already-stored message a no-op).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Protocol

from omnitui.channels.email.parse import mail_reading, not_mail, parse_email
from omnitui.channels.email.sources import MailFile, Skipped
from omnitui.config import Intent, SemanticSettings, Settings, TriageSettings
from omnitui.ingest.readahead import Helpers, default_workers
from omnitui.model import InboundEvent
from omnitui.services.archive import History
from omnitui.services.intake import intake_pipeline
from omnitui.services.sla_applied import mark_if_nothing_to_repair
from omnitui.store.blobs import stored
from omnitui.store.db import Store
from omnitui.triage.classify import classify, load_models
from omnitui.triage.intent import intent_classifier


def _parse_many(items: list[MailFile], *, blob_dir: Path,
                triage: TriageSettings, intents: list[Intent],
                semantic: SemanticSettings, form_senders: tuple[str, ...],
                own: tuple[str, ...]) -> list[InboundEvent]:
    """Parse and read in a worker, and store attachment files there too (content-addressed,
    so a file written for a message that turns out to be a duplicate is harmless). The raw
    bytes stay behind (the reader still has them): only parsed fields cross the process
    boundary. The pipeline's classify stage then finds each event read already."""
    events = []
    rules = intent_classifier(intents, semantic)
    for item in items:
        event = classify(parse_email(item.raw, source=item.source, received_at=item.delivered,
                                     form_senders=form_senders, own=own), triage, rules)
        event.raw = b""
        event.attachments = [stored(a, blob_dir, sync=False) for a in event.attachments]
        events.append(event)
    return events


def parser_helpers(workers: int, settings: Settings) -> Helpers:
    """`workers` processes (0: none) forked with the models they read with."""
    return Helpers(workers, share=partial(load_models, settings.triage))


def parsed_events(items: Iterator[MailFile], helpers: Helpers, blob_dir: Path,
                  settings: Settings) -> Iterator[InboundEvent]:
    """Events in source order, parsed and read by `helpers` (`parser_helpers`)."""
    work = partial(_parse_many, blob_dir=blob_dir, triage=settings.triage,
                   intents=settings.intents, semantic=settings.semantic,
                   **mail_reading(settings))
    for item, event in helpers.read_ahead(work, items):
        event.raw = item.raw
        yield event


class Progress(Protocol):
    """What an import tells as it goes (`output.ImportProgress`)."""

    def filed(self, messages: int, consumed: int) -> None: ...

    def finishing(self, messages: int) -> None: ...


def import_mail(store: Store, settings: Settings, mail: Iterator[MailFile], *,
                workers: int | None = None, progress: Progress | None = None,
                history_before: datetime | None = None,
                refused: Callable[[str, str], None] | None = None,
                skipped: Skipped | None = None) -> dict[str, int]:
    """Import every message of `mail`, which `iter_mail_files` gives for the paths it has
    checked (so a mistyped path fails before any store is created); returns counts a person
    can check. `progress` hears of the messages filed and the bytes they were, and when the
    load's end begins. `history_before`: the cases of this mail (new, or filed by an earlier
    run of it) quiet since then are solved as history (services/archive.py). An item that is
    no mail at all (`not_mail`) is filed nowhere, counted, and told to `refused` (its source
    label, why); an empty one, to `skipped`."""
    pipeline = intake_pipeline(store, settings)
    counts = {"imported": 0, "duplicates": 0, "with_errors": 0, "not_mail": 0}
    consumed = 0  # bytes read: what the progress counts

    def mail_only(items: Iterator[MailFile]) -> Iterator[MailFile]:
        """The items that are mail; an empty one (an mbox's From_ line with nothing after
        it, an empty file in a Maildir or a folder) is passed over, and told."""
        nonlocal consumed
        for item in items:
            if not item.raw or item.raw.isspace():
                if skipped is not None:
                    skipped(item.source, "empty")
                continue
            if (why := not_mail(item.raw)) is None:
                yield item
                continue
            consumed += len(item.raw)
            counts["not_mail"] += 1
            if refused is not None:
                refused(item.source, why)
    cases: set[int] = set()
    workers = default_workers() if workers is None else workers

    def counted(events: Iterator[InboundEvent]) -> Iterator[InboundEvent]:
        nonlocal consumed
        for event in events:
            consumed += len(event.raw)
            yield event

    with store.write() as conn:  # the clocks it sets follow this config's SLA
        mark_if_nothing_to_repair(conn, settings)
    history = History(store, cases, history_before) if history_before else None
    with parser_helpers(workers, settings) as helpers, pipeline.bulk(helpers, history):
        events = parsed_events(mail_only(mail), helpers, store.attachments_dir, settings)
        n = 0
        for n, result in enumerate(pipeline.ingest_many(counted(events)), start=1):
            if result.case_id is not None:
                cases.add(result.case_id)
            if result.duplicate:
                counts["duplicates"] += 1
            else:
                counts["imported"] += 1
                counts["with_errors"] += result.parse_errors
            if progress and n % 50 == 0:
                progress.filed(n, consumed)
        if progress:
            progress.finishing(n)
    counts["history"] = history.solved if history else 0
    return counts
