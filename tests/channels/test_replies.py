"""The pieces replies share: Standard Webhooks signing, the rule for writing first, and
error lines without secrets."""

from __future__ import annotations

import pytest

from omnitui.channels.errors import PermanentFailure, TemporaryFailure
from omnitui.channels.replies import http, routes
from omnitui.channels.secrets import ERROR_CHARS
from omnitui.channels.signing import standard_webhooks_signature
from omnitui.config import HookChannel


def test_signature_matches_the_standard_webhooks_test_vector() -> None:
    # The vector published with the Standard Webhooks specification: a receiver using any
    # of its libraries accepts what we sign.
    assert standard_webhooks_signature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330, b'{"test": 2432232314}') == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def channel(kind: str, name: str = "") -> HookChannel:
    return HookChannel(name=name or kind, kind=kind, secret="s")


@pytest.mark.parametrize(("message_channel", "address", "expected"), [
    ("telegram", "111", {"hook": "telegram", "chat_id": 111, "user_id": 111, "public": False}),
    ("slack", "U42", {"hook": "slack", "user": "U42", "public": False}),
    ("instagram", "IG1", {"hook": "meta", "platform": "instagram", "recipient": "IG1"}),
])
def test_writing_first_where_the_platform_allows_it(message_channel: str, address: str,
                                                    expected: dict[str, object]) -> None:
    channels = [channel("generic", "site"), channel("telegram"), channel("slack"),
                channel("meta")]
    hook, route = routes.resolve(channels, message_channel, None, address)
    assert (hook.name, route) == (expected["hook"], expected)


@pytest.mark.parametrize(("message_channel", "kind", "why"), [
    ("sms", "twilio", "our number to send the sms message from"),
    ("whatsapp", "meta", "phone_number_id"),
    ("telegram", "telegram", "not a Telegram user id"),
    ("web", "generic", "gave no reply_url"),
])
def test_writing_first_where_it_cannot_says_why(message_channel: str, kind: str,
                                                why: str) -> None:
    with pytest.raises(PermanentFailure, match=why):
        routes.resolve([channel(kind)], message_channel, None, "@someone")


def test_failure_lines_hide_secrets_and_stay_short() -> None:
    error = http.failure("Telegram: 400 bad\n /botSECRET-1/sendMessage " + "x" * 400,
                        ["SECRET-1"], temporary=True)
    assert isinstance(error, TemporaryFailure)
    assert "SECRET-1" not in str(error) and "/bot***/sendMessage" in str(error)
    assert "\n" not in str(error) and len(str(error)) == ERROR_CHARS


def test_only_2xx_is_success() -> None:
    assert http.by_status(201, {}) is None
    moved = http.by_status(301, "moved")
    assert moved is not None and not moved.temporary
    refused = http.by_status(403, {"error": "forbidden"})
    assert refused is not None and refused.login and not refused.temporary
    busy = http.by_status(429, "", "slow down")
    assert busy is not None and busy.temporary and busy.message == "429 slow down"
