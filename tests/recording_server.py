"""An HTTP server on 127.0.0.1 that records every request and answers what the test
scripts: stands in for a platform's API (Telegram, Slack, Twilio, Meta, a reply_url)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class RecordingServer:
    """`answers` are (status, JSON body) used in order, one per request; when they run out,
    `respond` (if set) answers from the request itself, else `default` answers."""

    base_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    answers: list[tuple[int, Any]] = field(default_factory=list)
    default: tuple[int, Any] = (200, {"ok": True})
    respond: Callable[[Recorded], tuple[int, Any]] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, status: int, body: Any) -> None:
        with self.lock:
            self.answers.append((status, body))

    def record(self, request: Recorded) -> tuple[int, Any]:
        with self.lock:
            self.requests.append(request)
            if self.answers:
                return self.answers.pop(0)
        return self.respond(request) if self.respond else self.default


@contextmanager
def recording_server() -> Iterator[RecordingServer]:
    recorder = RecordingServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("content-length") or 0)
            request = Recorded(self.command, self.path,
                               {k.lower(): v for k, v in self.headers.items()},
                               self.rfile.read(size))
            status, body = recorder.record(request)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test asserts on what it recorded instead

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
