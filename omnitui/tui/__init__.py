"""The Textual console: the only package that imports Textual."""

import os

# After an escape, Textual waits ESCDELAY ms for the rest of a key sequence before it takes
# it as the escape key (100 by default), and escape is how an agent goes back. It looks again
# only when its input thread's 0.1 s wait ends, so escape takes 0.1 s at best and, with the
# default, up to 0.2 s; at 25 ms (what mutt and vim users set; a terminal sends a sequence
# such as an arrow or alt+key in one write, whole even over SSH) it is always the first
# look. An ESCDELAY of the agent's own wins.
os.environ.setdefault("ESCDELAY", "25")
