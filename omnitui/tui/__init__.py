"""The Textual console: the only package that imports Textual."""

import os

# After an escape, Textual waits ESCDELAY ms for the rest of a key sequence before it takes
# it as the escape key (100 by default), and escape is how an agent goes back. A terminal
# sends a sequence (an arrow, alt+key) in one write, which arrives whole even over SSH: 25 ms,
# what mutt and vim users set, loses none of them. An ESCDELAY of the agent's own wins.
os.environ.setdefault("ESCDELAY", "25")
