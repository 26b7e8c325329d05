"""`python -m monitor`: the same CLI as bot.py and the draftwatch console script."""

from monitor.cli import main

main()
