"""The ``faqbot`` command: the knowledge engine's commands plus the Discord ones."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bot import health, reporting
from knowledge import cli as knowledge_cli


def _setting(name: str) -> Path:
    """One path setting, for commands that need no more; bad settings are one line, exit 2."""
    from bot.config import ConfigError, load_settings

    try:
        value: Path = getattr(load_settings(), name)
    except ConfigError as error:
        print(f"faqbot: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    return value


def _database() -> Path:
    return _setting("database")


def _health_file() -> Path:
    return _setting("health_file")


def main(argv: Sequence[str] | None = None) -> int:
    # The engine takes whatever directory it is given; the settings say which one.
    parser, commands = knowledge_cli.build_parser(default_faq_dir=_setting("faq_dir"))

    run = commands.add_parser(
        "run", help="run the Discord bot (needs DISCORD_TOKEN; see the README's settings)"
    )
    run.add_argument(
        "--or-chat",
        action="store_true",
        help="without a token, start the local chat instead of failing (what `make run` does)",
    )
    run.set_defaults(handler=_lazy("command_run"))

    sync = commands.add_parser("sync", help="upload the slash commands to Discord now")
    sync.set_defaults(handler=_lazy("command_sync"))

    reporting.add_report_command(commands, _database)
    health.add_health_command(commands, _health_file)
    return knowledge_cli.run_parsed(parser, argv)


def _lazy(name: str):  # type: ignore[no-untyped-def]
    """Import the Discord runner only for the commands that need it: `faqbot ask` stays fast."""

    def handler(args):  # type: ignore[no-untyped-def]
        from bot import runner

        return getattr(runner, name)(args)

    return handler


if __name__ == "__main__":
    sys.exit(main())
