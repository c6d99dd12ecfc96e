"""Shared test configuration: where the project and the shared material are, and the
PostgreSQL server that the store's tests run against (tests/support/postgres_server.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.phrase_vectors import VECTOR_FILE
from support.postgres_server import REQUIRE_VARIABLE, PostgresServer, find_bindir

from bot.storage.backend import Target

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA = PROJECT_ROOT / "tests" / "data"
SHIPPED_FAQ = PROJECT_ROOT / "knowledge" / "faq"
MINI_FAQ = DATA / "mini-faq"


@pytest.fixture
def mini_faq() -> Path:
    return MINI_FAQ


@pytest.fixture(scope="session", autouse=True)
def shared_phrase_vectors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every process of this run keeps its phrase vectors in one file, in the run's temporary
    directory (shared by xdist's workers; each file write replaces it whole), so every run
    starts without it: the first to need a phrase embeds it, the others read it
    (tests/support/phrase_vectors.py)."""
    run_directory = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_directory = run_directory.parent  # pytest-N/, above this worker's popen-gwN/
    os.environ[VECTOR_FILE] = str(run_directory / "phrase-vectors.npz")
    yield
    os.environ.pop(VECTOR_FILE, None)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One server per test process (each xdist worker has its own), started on first use."""
    bindir = find_bindir()
    if bindir is None:
        reason = (
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found via pg_config,"
            f" PATH or /usr/lib/postgresql/*/bin; {REQUIRE_VARIABLE}=1 makes this a failure"
        )
        if os.environ.get(REQUIRE_VARIABLE) == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
        server.stop(mode="immediate")
    finally:
        server.remove()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty database of its own for each test, so tests stay independent."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Target]]:
    """Makes a new, empty database of the parametrised backend: a file path or a URL.

    The PostgreSQL server is asked for only by the postgresql half, so the SQLite half runs
    (and the other skips) on a machine without PostgreSQL.
    """
    if request.param == "sqlite":
        paths = iter(tmp_path / f"db-{n}" / "nested" / "faqbot.db" for n in range(1000))
        yield lambda: next(paths)
        return
    server = request.getfixturevalue("postgres_server")
    made: list[str] = []

    def database() -> str:
        made.append(server.create_database())
        return made[-1]

    yield database
    for url in made:
        server.drop_database(url)
