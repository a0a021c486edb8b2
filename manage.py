#!/usr/bin/env python
"""Django's command-line utility for the factcheck workbench."""

import os
import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["suggest"] and any(
        a == "--file" or a.startswith("--file=") for a in sys.argv
    ):
        # Files in, JSON out: no settings, database or keys needed (factcheck/suggest/cli.py).
        from factcheck.suggest.cli import main

        sys.exit(main(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
