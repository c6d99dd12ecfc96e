"""The ``faqbot`` command: the knowledge engine's commands plus the Discord ones."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from knowledge import cli as knowledge_cli


def main(argv: Sequence[str] | None = None) -> int:
    parser, _commands = knowledge_cli.build_parser()
    return knowledge_cli.run_parsed(parser, argv)


if __name__ == "__main__":
    sys.exit(main())
