"""A reply that only thanks us, told from one that asks for more, in the languages omnitui
knows: a follow-up taken for thanks would leave a customer's problem in a solved case."""

from __future__ import annotations

import pytest

from omnitui.triage.thanks import only_thanks

THANKS = [
    "Thanks, that worked!",
    "Thank you so much for the quick reply, it works now :)",
    "thx!",
    "Great, it's working now. Thanks a lot!",
    "Thanks! 👍",
    "Thanks, that worked!\n\nBest regards,\nAnna Weber",
    "Thanks!\n\nOn Mon, 30 Nov 2026, Support <help@example.com> wrote:\n> Is it fixed?\n",
    "Danke, das hat funktioniert!",
    "Vielen Dank für die Hilfe!",
    "Merci beaucoup, ça marche maintenant !",
    "¡Gracias, ya funciona!",
    "Obrigado, funcionou!",
    "Grazie, ha funzionato!",
    # the parcel arrived: a web shop's most common thanks reopened its case
    "Vielen Dank, das Paket ist angekommen!",
    "Thanks, the parcel arrived today.",
    "Merci, j'ai bien reçu le colis.",
    "¡Gracias, ya llegó el paquete!",
    "Obrigado, a encomenda chegou!",
    "Grazie, il pacco è arrivato!",
    "Gracias, el paquete ha llegado.",
    "Danke, das Paket ist da!",
]

FOLLOW_UPS = [
    "Thanks, but it still crashes when I export.",
    "Thanks! Can you also send the invoice?",
    "Thanks. Now I get error 503.",
    "Still not fixed, sorry.",
    "Any update on this?",
    "ok",
    "Thank you, it worked before but now it does not",
    "Merci de changer l'adresse de facturation de mon compte.",
    "Danke, aber es geht immer noch nicht.",
    "Gracias, pero sigue sin funcionar.",
    "Obrigado, mas ainda não resolvido.",
    "Grazie, ma ancora non risolto.",
    "Thanks, the parcel arrived damaged.",
    "Danke, das Paket ist nicht angekommen.",
    "Merci, mais le colis n'est pas arrivé.",
    "Thanks, I received the wrong item.",
    "Gracias, el paquete llegó roto.",
    "Thanks, has the parcel arrived",  # a question without its mark
    "Thanks!!! Also my colleague cannot log in, and the export is broken, and the app is slow",
    "",
]


@pytest.mark.parametrize("text", THANKS)
def test_thanks_alone(text: str) -> None:
    assert only_thanks(text)


@pytest.mark.parametrize("text", FOLLOW_UPS)
def test_a_follow_up_is_not_thanks(text: str) -> None:
    assert not only_thanks(text)


@pytest.mark.parametrize(("text", "signer"), [
    ("Thanks!\nJohn", "John Smith"),
    ("Many thanks,\nMaria", "maria.lopez"),
    ("Thanks, that worked!\nBest,\nJohn Smith", "John Smith john.smith"),
    ("Danke, funktioniert!\nLG Jens", "Jens Becker"),
])
def test_thanks_signed_with_the_senders_name(text: str, signer: str) -> None:
    """A name on a line of its own is a signature no sign-off pattern knows: the sender's
    own name may sign a thank-you."""
    assert only_thanks(text, signer)


@pytest.mark.parametrize(("text", "signer"), [
    ("Thanks!\nJohn", "Mary Jones"),  # not the sender's name: someone to pass it to?
    ("Thanks! Smith needs access too", "John Smith"),
    ("Thanks, that worked!\nJohn Smith\nAcme Corp", "John Smith"),  # the safe side
    ("Thanks, it's down again", "Jim Down"),  # a name is a sign-off on its own line only
    ("Gracias, todo mal\nMal", "Carlos Mal"),
    ("Thanks. Refund please", "refund.please"),
    ("Thanks, it is warm again\nBest,\nAnn", "Ann"),  # "warm" closes "Warm regards" only
])
def test_other_names_are_not_a_signature(text: str, signer: str) -> None:
    assert not only_thanks(text, signer)
