"""What the console's keys do to cases, one module per kind; each function takes the screen
the key was pressed on (a WorkScreen: it says which cases) and changes them through the
Desk."""
