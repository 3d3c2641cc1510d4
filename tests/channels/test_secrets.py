"""The one scrubber: a secret echoed back by a server, in whatever form it was sent, whole or
cut off, never survives into error text; ordinary text does."""

from __future__ import annotations

import base64
import json
import math
import re
from urllib.parse import quote, quote_plus

from omnitui.channels.secrets import ERROR_CHARS, MASK, PREFIX_CHARS, Secrets

# Characters that URL-encoding, JSON and the two base64 alphabets all treat differently.
SECRET = "tok/9f+8e=7d&6c ü5b\"4a"


def echoed_forms(secret: str) -> dict[str, str]:
    """How a server, a proxy or an API that echoes its request could quote the secret."""
    forms = {"literal": secret, "json": json.dumps(secret)[1:-1],
             "json, \\/": json.dumps(secret)[1:-1].replace("/", "\\/"),
             "json, raw": json.dumps(secret, ensure_ascii=False)[1:-1],
             "json, upper-case \\u": re.sub(r"\\u\w{4}", lambda m: m[0].upper(),
                                          json.dumps(secret)[1:-1]).replace("\\U", "\\u"),
             "url": quote(secret, safe=""), "url, / kept": quote(secret),
             "url, lower-case %": lower_percent(quote(secret, safe="")),
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
        forms[f"Basic {user}, URL-encoded, lower-case %"] = lower_percent(
            quote(basic.decode(), safe=""))
        forms[f"Basic {user}, in JSON"] = basic.decode().replace("/", "\\/")
    return forms


def lower_percent(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), text)


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


def test_a_telegram_token_in_a_url_with_lower_case_escapes_is_blotted() -> None:
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    line = Secrets(token).scrub("404 for https://api.telegram.org/bot123456789%3aAAHdqTcvCH1v"
                                "GWJxfSeofSAs0K5PALDsaw/sendMessage")
    assert line == f"404 for https://api.telegram.org/bot{MASK}/sendMessage"


def test_a_cut_off_echo_of_any_form_is_blotted() -> None:
    secret = "a1b2c3/d4e5+f6a7b8c9d0e1f2"
    secrets = Secrets(secret)
    assert secrets.scrub("Invalid token a1b2c3/d4e5+f6a7…") == f"Invalid token {MASK}…"
    for name, form in echoed_forms(secret).items():
        if name.split(",")[0] not in ("literal", "json", "url"):
            continue  # base64: below (its last character may carry padding bits, not secret)
        for cut in range(PREFIX_CHARS, len(form)):
            for after in ("", "…", "...", " (truncated)", '"}'):
                line = secrets.scrub(f'{{"error": "bad token {form[:cut]}{after}')
                assert line == f'{{"error": "bad token {MASK}{after}', (name, cut, after)


def test_a_cut_off_basic_string_shows_under_8_characters_of_the_secret() -> None:
    secrets = Secrets(SECRET)
    for name, basic in echoed_forms(SECRET).items():
        if not name.startswith("Basic") or "URL-encoded" in name:
            continue
        user = name.removeprefix("Basic ").split(",")[0]
        first_of_secret = math.ceil(len(f"{user}:") * 4 / 3)  # the first character that
        for cut in range(len(basic)):                         # encodes the secret alone
            line = secrets.scrub(f"Authorization: Basic {basic[:cut]}…")
            shown = line.removeprefix("Authorization: Basic ").removesuffix("…")
            assert len(shown.removesuffix(MASK)) < first_of_secret + PREFIX_CHARS, (name, cut)


def test_short_words_and_pieces_that_run_on_are_left_alone() -> None:
    secrets = Secrets("secret-token-9f8e7d6c")
    text = ("a secret… the secret-\" said secret-t secret-token-9f8eXYZ "
            "(secret-token-9f8e7d6c)")
    assert secrets.scrub(text) == ("a secret… the secret-\" said *** secret-token-9f8eXYZ "
                                   f"({MASK})")
