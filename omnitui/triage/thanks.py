"""A customer's message that only thanks us ("Thanks, that worked!", "Danke, das hat
funktioniert!") asks nothing. Helpdesks that reopen on every reply put such cases back in
the queue, where they wait for an answer nobody needs to give, their clocks run out and
escalate them, and the reopen rate counts them as failures. So it leaves a solved case
solved, and on an open case (the agent has not solved it yet) no answer is due.

Read strictly, so a real follow-up is never mistaken for one: every word of the customer's
own words (not quotes, signature or pasted lines: `text.prose`) must be one of a few hundred
words of thanks and of "it works now" in the languages omnitui's demo and defaults know, at
least one must be a word of thanks, there is no question mark, and it is short. "Thanks, but
it still crashes", "Merci de changer mon adresse", "Thanks! Can you also..." all reopen.
Below it may stand lines of the sender's own name and closing words alone ("Thanks!\nJohn",
"Best,\nAnna Weber": a signature no sign-off pattern knows); anywhere else a name is a word
like any other ("Thanks, it's down again" from Jim Down asks for help).
"""

from __future__ import annotations

import re

from omnitui.triage.text import prose

WORD = re.compile(r"[^\W\d_]+")
MAX_WORDS = 12

THANKS = frozenset("""
thanks thank thx ty cheers ta appreciated appreciate
danke dank dankeschön merci gracias obrigado obrigada valeu grazie
""".split())  # noqa: SIM905 -- a word list reads best as words

# Words that may stand beside a thank-you in a message that asks for nothing more ("it
# works now", "the parcel arrived": a web shop's most common thanks, which reopened its
# case). Never a word that turns it ("but", "still", "not", "however", "also", "damaged"),
# nor one that asks. (A contraction's pieces: "it's" is "it" and "s".)
CONTENT = THANKS | frozenset("""
you so much very many a lot for the your help all that this it is s works worked working
work now great perfect awesome excellent wonderful brilliant fantastic amazing super cool
nice lovely good fine solved fixed sorted resolved ok okay yes yep got have day guys team
quick fast reply again
vielen dank schön sehr super perfekt toll klasse es das hat funktioniert funktioniert jetzt
alles gut gelöst prima für die hilfe ihnen dir euch schnelle schnell
beaucoup bien parfait ça ca c marche fonctionne maintenant tout est résolu génial pour votre
l aide vous rapide
muchas muchísimas perfecto genial ya funciona funcionó todo bien resuelto por su ayuda rápida
muito muita perfeito ótimo otimo funcionou agora tudo certo resolvido pela ajuda
mille perfetto ottimo funziona ha funzionato ora tutto bene risolto per aiuto
i we just today arrived received delivered came package parcel order item
ich wir habe haben ist angekommen erhalten geliefert paket päckchen bestellung sendung ware
heute gerade eben da
je j ai bien reçu recu le la colis commande est arrivé arrivée arrive livré livrée aujourd hui
he recibido recibí llegó llego llegado el paquete pedido hoy
recebi recebido chegou o pacote encomenda pedido hoje já ja
ho ricevuto è arrivato arrivata il pacco ordine oggi
""".split())  # noqa: SIM905

# Words that close a message on a line of their own, before a name ("Best,", "Kind regards").
CLOSING = frozenset("""
best regards kind warm br greetings grüße gruß lg vg mfg cordialement saludos saluti
cordiali abraço abraços cumprimentos atenciosamente
""".split())  # noqa: SIM905


def only_thanks(text: str, signer: str = "") -> bool:
    """The customer's own words in `text` thank us and say nothing else; `signer`: how the
    sender is known (their name, their address), whose words may sign it on its last
    lines."""
    words = prose(text)
    if "?" in words:
        return False
    lines = [found for line in words.splitlines()
             if (found := [w.casefold() for w in WORD.findall(line)])]
    signing = CLOSING | {w.casefold() for w in WORD.findall(signer)}
    while len(lines) > 1 and all(w in signing for w in lines[-1]):
        lines.pop()
    found = [w for line in lines for w in line]
    return (0 < len(found) <= MAX_WORDS and any(w in THANKS for w in found)
            and all(w in CONTENT for w in found))
