"""`python -m omnitui` is the `omnitui` command."""

from omnitui.cli import main

main()
