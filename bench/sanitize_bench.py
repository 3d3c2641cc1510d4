"""Speed of `omnitui.sanitize.sanitize` on typical text, now against an older commit.

The console sanitizes every queue cell it draws, so a slower sanitizer is a slower screen.
The older version is read with `git show REV:omnitui/sanitize.py`, so both run in this
process on the same texts. Prints a markdown table of microseconds per call (best of
--repeat rounds, each timing enough calls to take about 0.2 s).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import timeit
import types
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]  # this checkout's omnitui, not an installed one
from common import machine_line  # noqa: E402

from omnitui.sanitize import sanitize  # noqa: E402

BODY = ("Hello,\n\nI ordered a blue kettle on the 3rd and it still has not arrived. The "
        "tracking page says it left the depot a week ago.\n\nCould you check what happened?"
        "\n\nThanks,\nAnn\n\n> On Monday you wrote:\n> Your order has shipped.\n") * 4
TEXTS = {
    "ASCII subject": "Re: Where is my order #48213? It was due on Friday",
    "ASCII name": "Ann Lee",
    "ASCII one-word cell": "general",
    "accented name": "José Müller-Lüdenscheidt",
    "German subject": "Rückerstattung für Bestellung Nr. 48213 \u2013 bitte prüfen",
    "CJK subject": "注文番号48213の配送状況について教えてください",
    "chat line with emoji": "thanks so much!! 👍🙏 see you 👩\u200d💻",
    "chat line with emoji styles": "love it \u2764\ufe0f\u200d🔥 👍🏽 done \u2705 1\ufe0f\u20e3",
    "ASCII body, 0.9 KB": BODY,
    "German body, 0.9 KB": BODY.replace("Hello", "Grüße").replace("blue", "blaue"),
    "hostile subject": "\x1b]0;pwned\x07Invoice \u202egpj.exe\u202c paypal\u2060\u2060",
}


def older(revision: str) -> Callable[..., str]:
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{revision}:omnitui/sanitize.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("sanitize_before")
    exec(compile(source, f"{revision}:omnitui/sanitize.py", "exec"), module.__dict__)
    return module.sanitize


def per_call(function: Callable[..., str], text: str, multiline: bool, repeat: int) -> float:
    """Microseconds per call, best of `repeat` rounds."""
    timer = timeit.Timer(lambda: function(text, multiline=multiline))
    calls, _ = timer.autorange()
    return min(timer.repeat(repeat, calls)) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--against", default="25a57fc",
                        help="the commit to compare with (default: before the class-based "
                             "sanitizer)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    before = older(args.against)
    print(f"{machine_line()}; against {args.against}\n")
    print("| text | multiline | before µs | now µs | now/before |\n|---|---|---:|---:|---:|")
    for name, text in TEXTS.items():
        multiline = "body" in name
        old = per_call(before, text, multiline, args.repeat)
        new = per_call(sanitize, text, multiline, args.repeat)
        print(f"| {name} | {'yes' if multiline else 'no'} | {old:.2f} | {new:.2f} | "
              f"{new / old:.2f}x |")


if __name__ == "__main__":
    main()
