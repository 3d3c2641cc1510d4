"""The one scrubber: a secret echoed back by a server, in whatever form it was sent, never
survives into error text; ordinary text does."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

from omnitui.channels.secrets import ERROR_CHARS, MASK, Secrets

# Characters that URL-encoding, JSON and the two base64 alphabets all treat differently.
SECRET = "tok/9f+8e=7d&6c ü5b\"4a"


def echoed_forms(secret: str) -> dict[str, str]:
    """How a server, a proxy or an API that echoes its request could quote the secret."""
    forms = {"literal": secret, "json": json.dumps(secret)[1:-1],
             "url": quote(secret, safe=""), "url, / kept": quote(secret),
             "url, plus": quote_plus(secret),
             "base64": base64.b64encode(secret.encode()).decode(),
             "SASL PLAIN": base64.b64encode(f"\0ann\0{secret}".encode()).decode(),
             "XOAUTH2": base64.b64encode(
                 f"user=ann@example.com\1auth=Bearer {secret}\1\1".encode()).decode()}
    for user in ("", "A", "AC", "AC1", "AC12", "AC123"):  # every alignment in base64
        basic = base64.b64encode(f"{user}:{secret}".encode())
        forms[f"Basic {user}"] = basic.decode()
        forms[f"Basic {user}, URL-safe"] = base64.urlsafe_b64encode(
            f"{user}:{secret}".encode()).decode()
        forms[f"Basic {user}, URL-encoded"] = quote(basic.decode(), safe="")
    return forms


def test_every_form_of_the_secret_is_blotted() -> None:
    secrets = Secrets(SECRET, "")
    for name, form in echoed_forms(SECRET).items():
        line = secrets.scrub(f"401 unauthorized: you sent {form} (check api_base)")
        assert MASK in line, name
        assert all(f not in line for f in echoed_forms(SECRET).values()), (name, line)
        assert line.startswith("401 unauthorized: you sent ") and line.endswith("api_base)")


def test_each_of_several_secrets_and_nothing_else_is_blotted() -> None:
    secrets = Secrets("first-Secret-1", "second-Secret-2")
    line = secrets.scrub("bad first-Secret-1 and\n second-Secret-2; a first Secret")
    assert line == f"bad {MASK} and {MASK}; a first Secret"


def test_an_error_is_one_short_line_blotted_before_it_is_cut() -> None:
    line = Secrets(SECRET).scrub("x" * (ERROR_CHARS - 12) + "\n" + SECRET + " more" * 9)
    assert "\n" not in line and len(line) == ERROR_CHARS and line.endswith("…")
    assert SECRET[:8] not in line and MASK in line
