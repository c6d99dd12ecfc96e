"""The ``faqbot`` command line, all of it: the knowledge engine's commands and the Discord ones.

Every command's options are defined here; what a command does is in the module of its
layer (knowledge/cli.py, bot/runner.py, bot/reporting.py, bot/suggestions.py, bot/health.py).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot import backup as backup_command
from bot import health, reporting, suggestions
from bot.storage.backend import Target, parse_target
from knowledge import cli as knowledge_cli
from knowledge.language import LANGUAGES
from knowledge.loader import SHIPPED_FAQ_DIR

EXIT_OK = 0
EXIT_USAGE = 2


def _setting(name: str) -> Any:
    """One path setting, for commands that need no more; bad settings are one line, exit 2."""
    from bot.config import ConfigError, load_settings

    try:
        value = getattr(load_settings(), name)
    except ConfigError as error:
        print(f"faqbot: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    return value


def _database() -> Target:
    value: Target = _setting("database")
    return value


def _health_file() -> Path:
    value: Path = _setting("health_file")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    # The engine takes whatever directory it is given; the settings say which one.
    parser = build_parser(
        default_faq_dir=_setting("faq_dir"),
        default_database=_database,
        default_health_file=_health_file,
        vector_file=_setting("vector_cache"),
    )
    return run_parsed(parser, argv)


def build_parser(
    *,
    default_faq_dir: Path = SHIPPED_FAQ_DIR,
    default_database: Callable[[], Target],
    default_health_file: Callable[[], Path],
    vector_file: Path | None = None,
) -> argparse.ArgumentParser:
    """The whole ``faqbot`` command line; each command's handler is in the module doing it.

    ``default_database`` and ``default_health_file`` are called only when the command that
    needs them runs without --database or --file. Commands that embed the FAQ's phrases keep
    them in ``vector_file`` (FAQBOT_VECTOR_CACHE), as the bot does.
    """
    parser = argparse.ArgumentParser(
        prog="faqbot",
        description="Answer questions from the Japan–UK–ASEAN cyber cooperation FAQ.",
    )
    parser.add_argument(
        "--faq-dir",
        type=Path,
        default=default_faq_dir,
        help="FAQ directory (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    # --- the knowledge engine's commands (knowledge/cli.py) ---
    ask = commands.add_parser("ask", help="answer one question, or one per line from stdin")
    ask.add_argument("question", help="the question, or - to read one question per line")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument(
        "--locale",
        choices=LANGUAGES,
        default=None,
        help="answer in this language (default: Japanese for a question in Japanese)",
    )
    ask.add_argument(
        "--explain",
        action="store_true",
        help="show the scores of the top entries, the words matched and why the decision",
    )
    ask.set_defaults(
        handler=lambda args: knowledge_cli.ask(
            args.faq_dir,
            args.question,
            as_json=args.json,
            explain=args.explain,
            locale=args.locale,
            vector_file=vector_file,
        )
    )

    chat = commands.add_parser("chat", help="ask questions interactively in the terminal")
    chat.set_defaults(
        handler=lambda args: knowledge_cli.chat(args.faq_dir, vector_file=vector_file)
    )

    check = commands.add_parser("check", help="validate a FAQ directory")
    check.add_argument("path", nargs="?", type=Path, help="FAQ directory (default: --faq-dir)")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(
        handler=lambda args: knowledge_cli.check(
            args.path or args.faq_dir, strict=args.strict, vector_file=vector_file
        )
    )

    ev = commands.add_parser("eval", help="measure matching on an evaluation set")
    ev.add_argument("files", nargs="*", type=Path, help="evaluation YAML files")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.add_argument(
        "--min-top1", type=float, metavar="RATE", help="fail if top-1 accuracy is below RATE"
    )
    ev.add_argument(
        "--min-answered",
        type=float,
        metavar="RATE",
        help="fail if the share of in-scope questions answered right is below RATE",
    )
    ev.add_argument(
        "--max-oos",
        type=float,
        metavar="RATE",
        help="fail if more than RATE of out-of-scope questions get an answer",
    )
    ev.add_argument(
        "--lexical-only",
        action="store_true",
        help="measure the lexical stage alone, without the embedding model (for comparison)",
    )
    ev.set_defaults(
        handler=lambda args: knowledge_cli.evaluate_sets(
            args.faq_dir,
            args.files,
            gates=knowledge_cli.Gates(args.min_top1, args.min_answered, args.max_oos),
            as_json=args.json,
            lexical_only=args.lexical_only,
            vector_file=vector_file,
        )
    )

    # --- the Discord bot (bot/runner.py) ---
    run = commands.add_parser(
        "run", help="run the Discord bot (needs DISCORD_TOKEN; see the README's settings)"
    )
    run.add_argument(
        "--or-chat",
        action="store_true",
        help="without a token, start the local chat instead of failing (what `make run` does)",
    )
    run.set_defaults(handler=_run)

    sync = commands.add_parser("sync", help="upload the slash commands to Discord now")
    sync.set_defaults(handler=_sync)

    # --- maintainers' figures (bot/reporting.py) and the health check (bot/health.py) ---
    report = commands.add_parser(
        "report",
        help="show question statistics and unanswered questions from the bot's database",
        description="Question statistics and the most asked unanswered questions.",
        epilog=reporting.REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_period_and_database(report)
    layout = report.add_mutually_exclusive_group()
    layout.add_argument("--csv", action="store_true", help="write CSV instead of text (below)")
    layout.add_argument(
        "--json", action="store_true", help="write one JSON object instead of text (below)"
    )
    report.add_argument(
        "--limit",
        type=_positive,
        default=20,
        metavar="N",
        help="list at most N groups of unanswered questions (default 20)",
    )
    report.set_defaults(
        handler=lambda args: reporting.run_report(
            args.database or default_database(),
            days=args.days,
            limit=args.limit,
            as_csv=args.csv,
            as_json=args.json,
            faq_dir=args.faq_dir,
            vector_file=vector_file,
        )
    )

    suggest = commands.add_parser(
        "suggest",
        help="propose FAQ edits from the questions it could not answer well",
        description=(
            "Groups of similar questions from the bot's database that got no answer or only "
            "a did-you-mean, each with a proposal: YAML lines to add as alternates of the "
            "entry members picked or the matcher found closest (with the file and the line "
            "they go after), or 'no entry covers this'. Then the answers voted not helpful. "
            "Small talk and questions the FAQ (--faq-dir) answers now are left out."
        ),
    )
    _add_period_and_database(suggest)
    suggest.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="at most N proposals (20)"
    )
    suggest.add_argument("--json", action="store_true", help="write one JSON object")
    suggest.set_defaults(
        handler=lambda args: suggestions.run_suggest(
            args.database or default_database(),
            args.faq_dir,
            days=args.days,
            limit=args.limit,
            as_json=args.json,
            vector_file=vector_file,
        )
    )

    backup = commands.add_parser(
        "backup",
        help="copy the bot's SQLite database to PATH, consistently, while the bot runs",
        description=(
            "Copy the bot's SQLite database to a new file with SQLite's online backup API: one "
            "consistent moment, WAL included, while the bot keeps writing. For PostgreSQL it "
            "prints the pg_dump command to use instead (exit 1)."
        ),
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="the new file (must not exist)")
    backup.add_argument(
        "--database",
        type=_database_option,
        default=None,
        metavar="PATH|URL",
        help="the database to copy (default: the one the bot uses)",
    )
    backup.set_defaults(
        handler=lambda args: backup_command.run_backup(
            args.database or default_database(), args.path
        )
    )

    move = commands.add_parser(
        "migrate-store",
        help="copy an SQLite database's questions and votes into PostgreSQL (idempotent)",
        description=(
            "Copy the questions and votes of an SQLite database into a PostgreSQL database, "
            "creating its tables if it is empty. Running it again copies nothing twice."
        ),
    )
    move.add_argument(
        "--from", dest="source", type=_database_option, required=True, metavar="PATH",
        help="the SQLite database file",
    )  # fmt: skip
    move.add_argument(
        "--to", dest="target", type=_database_option, required=True, metavar="URL",
        help="the postgresql:// URL of the database to copy into",
    )  # fmt: skip
    move.set_defaults(handler=_migrate_store)

    check_health = commands.add_parser(
        "health",
        help="say whether the running bot is healthy, from its heartbeat file",
        description=(
            "Read the running bot's heartbeat file and print one line: healthy, or why not. "
            "Exit status 0 when the heartbeat is fresh and the gateway is connected, else 1; "
            "suitable for a container HEALTHCHECK."
        ),
    )
    check_health.add_argument(
        "--file",
        type=Path,
        default=None,
        metavar="PATH",
        help="the heartbeat file (default: $FAQBOT_HEALTH_FILE or the bot's default)",
    )
    check_health.add_argument(
        "--max-age",
        type=_positive_seconds,
        default=health.DEFAULT_MAX_AGE,
        metavar="SECONDS",
        help=f"the oldest heartbeat that counts as alive (default {health.DEFAULT_MAX_AGE:g})",
    )
    check_health.set_defaults(
        handler=lambda args: health.run_health(
            args.file if args.file is not None else default_health_file(),
            max_age=args.max_age,
        )
    )
    return parser


def run_parsed(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _database_option(text: str) -> Target:
    try:
        return parse_target(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"expected a file path or a postgresql:// URL ({error})"
        ) from None


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _migrate_store(args: argparse.Namespace) -> int:
    # Imported only when run: it loads the PostgreSQL driver, which `faqbot ask` never needs.
    from bot import migrate_store

    return migrate_store.run_migrate_store(args.source, args.target)


def _add_period_and_database(command: argparse.ArgumentParser) -> None:
    """--days and --database, for the commands that read the bot's figures."""
    command.add_argument(
        "--days", type=_positive, default=30, metavar="N", help="the last N days (default 30)"
    )
    command.add_argument(
        "--database",
        type=_database_option,
        default=None,
        metavar="PATH|URL",
        help="the bot's database file or postgresql:// URL (default: the one the bot uses)",
    )


# The Discord runner is imported only by the commands that need it: `faqbot ask` stays fast.
def _run(args: argparse.Namespace) -> int:
    from bot import runner

    return runner.command_run(args.faq_dir, or_chat=args.or_chat)


def _sync(args: argparse.Namespace) -> int:
    from bot import runner

    return runner.command_sync(args.faq_dir)


if __name__ == "__main__":
    sys.exit(main())
