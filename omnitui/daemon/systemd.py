"""Telling systemd how the daemon is: ready, still alive, stopping (sd_notify(3)).

The protocol is one datagram on the unix socket systemd names in $NOTIFY_SOCKET (a name
starting with "@" is in the abstract namespace), so it needs no library. With
`WatchdogSec=` in the unit, systemd sets $WATCHDOG_USEC and restarts a service that stays
silent longer; the daemon says "WATCHDOG=1" only while its loops are alive and making
progress (daemon/service.py), so a hung daemon is restarted, not left looking healthy.
Outside systemd every call does nothing.
"""

from __future__ import annotations

import os
import socket


def notify(state: str) -> bool:
    """Send `state` ("READY=1", "WATCHDOG=1", "STOPPING=1", "STATUS=..."); False when not
    run by systemd or the socket is gone."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "/@":
        return False
    if address[0] == "@":
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError:
        return False
    return True


def watchdog_seconds() -> float | None:
    """How often systemd wants to hear from us, or None without a watchdog (or when the
    watchdog is meant for another process, $WATCHDOG_PID)."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000
