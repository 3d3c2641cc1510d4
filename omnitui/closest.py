"""The name a typo comes closest to, in any case: "Tech" for tech, "tehcnical" for
technical, "BOB" for bob. Every "did you mean" the config, the filters, doctor and the
commands say comes from here."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches


def closest(name: str, names: Iterable[str]) -> str | None:
    """The one of `names` that `name` is most likely a typo of, or None."""
    folded = {known.casefold(): known for known in names}
    found = get_close_matches(name.casefold(), list(folded), 1)
    return folded[found[0]] if found else None
