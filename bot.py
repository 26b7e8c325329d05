"""Entry point of draftwatch: composition only, the CLI lives in monitor.cli."""

from monitor.cli import main

if __name__ == "__main__":
    main()
