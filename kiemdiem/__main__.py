"""The `kiemdiem` console command: `kiemdiem demo`, `kiemdiem rules check FILE`, … wrap manage.py."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemdiem.settings")
    argv = sys.argv[1:]
    if argv[:1] == ["rules"]:
        # The rules commands need no database and no Django: they run the pure package directly.
        from kiemdiem.rules.cli import main as rules_main

        sys.exit(rules_main(argv[1:], sys.stdin, sys.stdout, sys.stderr))
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kiemdiem", *argv])


if __name__ == "__main__":
    main()
