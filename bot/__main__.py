"""`python -m bot` runs Peluit (the same as the `peluit` command)."""

from bot.cli import main

main()
