"""The terminal driver: Textual's own, except that quitting does not wait for its input
thread."""

from __future__ import annotations

import contextlib
import signal
import termios

from textual.drivers.linux_driver import LinuxDriver


class QuickExitDriver(LinuxDriver):
    """Textual's Linux (and macOS) driver, but on the console's final exit it does not join
    the input thread. That thread sleeps in a 0.1 s `select` before it looks at its stop flag
    and then in one more, so joining it made every quit 0.1 to 0.2 s slower. Once the console
    is leaving, nothing comes after that could miss a key to it: the thread stops by itself
    moments later (or the process ends first). Suspending for $EDITOR still waits for it,
    so no key meant for the editor is read by the console."""

    def disable_input(self) -> None:
        if not getattr(self._app, "leaving", False):
            super().disable_input()
            return
        signal.signal(signal.SIGWINCH, signal.SIG_DFL)
        self._disable_mouse_support()
        self.exit_event.set()
        with contextlib.suppress(termios.error):  # keys typed ahead are not the shell's
            termios.tcflush(self.fileno, termios.TCIFLUSH)
