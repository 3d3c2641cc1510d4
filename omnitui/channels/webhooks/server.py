"""The webhook receiver: verify, keep the raw body, answer 2xx fast; filing comes after.

Every request: find the channel by path (404) -> cap the body (413) -> verify the platform's
way (401 unsigned or expired, 403 forged; counted and logged, never stored, never with the
secret) -> read it as the platform's format (400) -> store the raw body under its delivery
key -> 200. A platform's retry finds its key stored and adds nothing, and still gets 200.

Durability before the answer: bodies are written by one writer thread that commits with
synchronous=FULL and answers each request only after its commit. Requests that arrive
while a commit is running share the next one (group commit), so the rate is set by the
disk's fsyncs per second times the batch, not by one fsync per request. If the store stays
locked past STORE_TIMEOUT the answer is 503, which every platform retries.

Starlette on uvicorn, in a thread of the daemon; it listens on [server] listen (loopback by
default: put a TLS proxy in front for the internet).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from omnitui.channels.registry import PLATFORMS
from omnitui.channels.webhooks.common import (
    HookRequest,
    Malformed,
    ReceiverError,
    Rejected,
    delivery_key,
)
from omnitui.channels.webhooks.deliveries import RAW_CHANNEL, read_delivery
from omnitui.config import HookChannel, Settings, hook_secret, listen_address
from omnitui.ingest.pending import RawItem
from omnitui.records import record
from omnitui.store import channel_state
from omnitui.store.db import Store, db_time, set_busy_timeout, utc_now
from omnitui.store.messages import insert_raw_once
from omnitui.wording import plural

log = logging.getLogger("omnitui.webhooks")

STORE_TIMEOUT = 2.0  # seconds; well inside Slack's 3 s, and a 503 makes the platform retry
GROUP = 500  # bodies per commit at most
HEALTH_CHANNEL = "webhook"  # channel_health rows (webhook, channel name)


@record
class _Delivery:
    channel: str
    body: bytes
    key: str
    done: Callable[[bool | BaseException], None]


class RawWriter:
    """One thread, one connection: stores deliveries in group commits."""

    def __init__(self, db_path: Path, on_stored: Callable[[], None]) -> None:
        self.db_path = db_path
        self.on_stored = on_stored
        self.rejected: Counter[str] = Counter()
        self._queue: queue.Queue[_Delivery | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="webhook writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=10)

    async def store(self, channel: str, body: bytes, key: str) -> bool:
        """True when new, False when a retry of a stored delivery; raises when the store
        could not take it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()

        def done(outcome: bool | BaseException) -> None:
            loop.call_soon_threadsafe(_settle, future, outcome)

        self._queue.put(_Delivery(channel, body, delivery_key(channel, key), done))
        return await asyncio.wait_for(future, STORE_TIMEOUT + 1)

    def _run(self) -> None:
        with Store(self.db_path, migrate=False, durable=True) as store:
            set_busy_timeout(store.conn, STORE_TIMEOUT)
            stopping = False
            while not stopping:
                try:
                    first = self._queue.get(timeout=2.0)
                except queue.Empty:
                    self._flush_rejected(store)
                    continue
                batch = [first] if first else []
                stopping = first is None
                while len(batch) < GROUP and not stopping:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    stopping = more is None
                    if more is not None:
                        batch.append(more)
                if batch:
                    self._commit(store, batch)
            self._flush_rejected(store)

    def _commit(self, store: Store, batch: list[_Delivery]) -> None:
        now = db_time(utc_now())
        try:
            with store.write() as conn:
                outcomes = [insert_raw_once(conn, RAW_CHANNEL, d.channel, d.body, now, d.key)
                            for d in batch]
                for name in {d.channel for d in batch}:
                    channel_state.record_sync(conn, HEALTH_CHANNEL, name, at=now)
        except Exception as exc:  # a locked or broken store: every request gets its 503
            log.warning("could not store %s: %s", plural(len(batch), "webhook delivery",
                                                         "webhook deliveries"), exc)
            for delivery in batch:
                delivery.done(exc)
            return
        for delivery, new in zip(batch, outcomes, strict=True):
            delivery.done(new)
        if any(outcomes):
            self.on_stored()

    def _flush_rejected(self, store: Store) -> None:
        if not self.rejected:
            return
        counts, self.rejected = self.rejected, Counter()
        try:
            with store.write() as conn:
                for name, count in counts.items():
                    channel_state.record_rejected(conn, HEALTH_CHANNEL, name, count,
                                                  at=db_time(utc_now()))
        except Exception:  # only a count: the log has each refusal
            log.warning("could not record refused requests", exc_info=True)


def _settle(future: asyncio.Future[bool], outcome: bool | BaseException) -> None:
    if future.done():
        return  # the request timed out already
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def build_app(settings: Settings, writer: RawWriter,
              clock: Callable[[], float] = time.time) -> Starlette:
    """The ASGI app: one route per channel. Secrets are read here, so a missing environment
    variable stops `serve` at start, not at the first request."""
    limit = settings.server.max_body_kb * 1024
    routes = []
    for channel in settings.channels:
        secret = hook_secret(channel)
        for key in PLATFORMS[channel.kind].check_keys:
            hook_secret(channel, key)
        routes.append(Route(channel.url_path, _endpoint(channel, secret, settings, writer,
                                                         limit, clock),
                            methods=["GET", "POST"]))

    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("no channel at this path", status_code=404)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("method not allowed", status_code=405)

    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})


def _endpoint(channel: HookChannel, secret: str, settings: Settings, writer: RawWriter,
              limit: int, clock: Callable[[], float]) -> Callable:
    platform = PLATFORMS[channel.kind]

    async def receive(request: Request) -> Response:
        body = await _read_body(request, limit)
        if body is None:  # logged: a platform's real deliveries refused were lost unseen
            log.warning("%s: refused a request from %s: the body is over [server] "
                        "max_body_kb (%d) (413)", channel.name,
                        request.client.host if request.client else "?", limit // 1024)
            return PlainTextResponse("the body is too large", status_code=413)
        hook = HookRequest(request.method, _public_url(request, settings.server.public_url),
                           {k.lower(): v for k, v in request.headers.items()},
                           dict(request.query_params), body)
        try:
            answer = platform.check(channel, secret, hook, clock())
            if answer.key is not None:  # would filing read it? Say so now, as a 400
                read_delivery(settings, channel, RawItem(0, channel.name, utc_now(), body,
                                                         delivery_key(channel.name, answer.key)))
        except Rejected as exc:
            writer.rejected[channel.name] += 1
            log.warning("%s: refused a request from %s: %s (%d)", channel.name,
                        request.client.host if request.client else "?", exc, exc.status)
            return PlainTextResponse(str(exc), status_code=exc.status)
        except Malformed as exc:
            log.info("%s: a malformed request: %s", channel.name, exc)
            return PlainTextResponse(f"malformed: {exc}", status_code=400)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # the sender reads
            log.info("%s: a malformed request: %r", channel.name, exc)  # no Python in the 400
            return PlainTextResponse(f"malformed: not a {channel.kind} request omnitui can "
                                     "read", status_code=400)
        except Exception:  # a body no check foresaw: still the sender's input
            log.exception("%s: could not read a request", channel.name)
            return PlainTextResponse("malformed: the body could not be read", status_code=400)
        if answer.key is not None:
            try:
                await writer.store(channel.name, body, answer.key)
            except Exception:
                return PlainTextResponse("the store is busy; try again", status_code=503)
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type)

    return receive


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is over `limit` (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except ClientDisconnect:
        return b""
    return b"".join(chunks)


def _public_url(request: Request, public_url: str) -> str:
    """The URL the platform called: behind a proxy, [server] public_url plus the path."""
    if not public_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return public_url.rstrip("/") + request.url.path + query


class WebhookReceiver:
    """The HTTP server and its writer, started and stopped by the daemon."""

    def __init__(self, db_path: Path, settings: Settings,
                 on_stored: Callable[[], None] = lambda: None) -> None:
        self.settings = settings
        self.writer = RawWriter(db_path, on_stored)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    def start(self) -> None:
        """Listen (raises ReceiverError at once when it cannot), then serve in a thread."""
        host, port = listen_address(self.settings.server)
        app = build_app(self.settings, self.writer)
        try:
            sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
        except OSError as exc:
            raise ReceiverError(f"cannot listen on {self.settings.server.listen}: "
                                f"{exc.strerror or exc}") from None
        self.port = sock.getsockname()[1]
        # log_config=None: uvicorn's warnings go through the daemon's own handlers (one
        # sanitized line each, to its log file), not to a stderr formatter of uvicorn's
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_keep_alive=30, server_header=False, log_config=None)
        self._server = uvicorn.Server(config)
        self.writer.start()
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="webhook receiver", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and self._thread.is_alive() \
                and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self._server.started:
            raise ReceiverError(f"the webhook receiver did not start on "
                                f"{self.settings.server.listen}")
        log.info("webhook receiver listening on %s:%d for %s", host, self.port,
                 ", ".join(c.url_path for c in self.settings.channels))

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.writer.stop()
