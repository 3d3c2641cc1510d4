"""Reply templates (macros', acknowledgements'): the variables they may use, and their parts.

The config checks a template when it is loaded, and applying the macro fills it in: both
read it with `template_parts`, so a template that loads is one that fills.
"""

from __future__ import annotations

import re
import string

from omnitui.closest import closest

TEMPLATE_VARIABLES = ("customer_name", "customer_first_name", "case_id", "subject", "agent",
                      "queue")
# An acknowledgement's: the expected wait ("We usually answer within about 2 working hours."),
# the opening hours ("Mon-Fri 09:00-17:00, Europe/Berlin time") and the knowledge-base
# article most likely to help ("This may help meanwhile: Refunds — https://...", or "").
ACKNOWLEDGEMENT_VARIABLES = ("customer_name", "customer_first_name", "case_id", "subject",
                             "queue", "expected_wait", "business_hours", "article")

# A word in literal braces ({{custmer_name}}): meant as a variable, it would reach the customer
# as the text "{custmer_name}".
BRACED_WORD = re.compile(r"\{(\w+)\}")

# A message nobody asked for (`[events] payment_failed_message`): about the customer only.
PROACTIVE_VARIABLES = ("customer_name", "customer_first_name", "case_id")


def template_parts(template: str, variables: tuple[str, ...] = TEMPLATE_VARIABLES
                   ) -> list[tuple[str, str | None]]:
    """A template as (literal text, variable or None) pairs, with str.format's rules
    ({{ and }} are literal braces). Only plain known variables are allowed: no attribute or
    index access, conversion or format spec, so a template can never reach further than the
    values it is given; nor a variable, or a typo of one, in doubled braces, which the
    customer would read as it stands. Raises ValueError saying what is wrong."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"is not a valid template: {exc} (write {{{{ and }}}} for literal "
                         "braces)") from None
    parts: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is not None and name not in variables:
            near = closest(name, variables)
            raise ValueError(f"uses an unknown variable {{{name}}}"
                             + (f" (did you mean {{{near}}}?)" if near else ""))
        if spec or conversion:
            raise ValueError(f"uses {{{name}}} with a conversion or format spec; only plain "
                             "{variable} is allowed")
        parts.append((literal, name))
    for word in BRACED_WORD.findall("".join(literal for literal, _ in parts)):
        if near := closest(word, variables):
            raise ValueError(f"writes {{{{{word}}}}}, which the customer would read as the text "
                             f"{{{word}}}: a variable takes one brace each side, {{{near}}}")
    return parts
