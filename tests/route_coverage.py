"""Every command the gateway serves is carried out over HTTP by some end-to-end test.

Each command the gateway's committer accepts while a test of ``tests/e2e`` runs is noted (by
its class name), in every xdist worker; the workers hand their notes to the controller. When a
run selected every test of ``tests/e2e`` (no ``-k``, ``-m`` or ``--deselect``, every file of
the folder), a command with a route that no test got accepted fails the run, naming it. A run
of a few files checks nothing: it could not tell a missing test from one it did not select.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any

import pytest

E2E = Path(__file__).resolve().parent / "e2e"
NOTED: set[str] = set()
SELECTED: set[str] = set()
_in_e2e = False


def pytest_configure(config: pytest.Config) -> None:
    from domain.application import Outcome, Request
    from domain.commands import Accepted
    from gateway.committer import Committer

    original: Callable[[Committer, Request], Any] = Committer.submit

    async def noting(self: Committer, request: Request) -> Outcome:
        outcome: Outcome = await original(self, request)
        if _in_e2e and isinstance(outcome, Accepted):
            NOTED.add(type(request.command).__name__)
        return outcome

    Committer.submit = noting  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    global _in_e2e
    _in_e2e = E2E in item.path.parents
    try:
        return (yield)
    finally:
        _in_e2e = False


def pytest_collection_finish(session: pytest.Session) -> None:
    SELECTED.update(item.nodeid for item in session.items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: Sequence[str]) -> None:
    SELECTED.update(ids)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    NOTED.update(getattr(node, "workeroutput", {}).get("accepted_commands", []))


def _whole_e2e_selected(config: pytest.Config) -> bool:
    narrowed = config.getoption("keyword", "") or config.getoption("markexpr", "")
    if narrowed or config.getoption("deselect", None):
        return False
    root = Path(config.rootpath)
    files = {str(p.relative_to(root)) for p in E2E.glob("test_*.py")}
    ran = {nodeid.split("::", 1)[0] for nodeid in SELECTED}
    return bool(files) and files <= ran


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller decides
        workeroutput["accepted_commands"] = sorted(NOTED)
        return
    if not _whole_e2e_selected(config):
        return
    import domain.areas  # noqa: F401 - registers every command's handler
    from domain.application import HANDLERS

    missing = sorted(
        f"{t.ROUTE} ({t.__name__})" for t in HANDLERS if t.ROUTE and t.__name__ not in NOTED
    )
    if not missing:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", "commands no end-to-end test got accepted over HTTP", red=True)
        for line in missing:
            reporter.write_line(f"  {line}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
