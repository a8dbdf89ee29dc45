"""Where the gateway finds its parts: every ``gateway/*_api.py`` module contributes HTTP routes
(``routes() -> list[ApiRoute]``) and every ``gateway/cli_*.py`` module contributes commands to
the ``ledger`` command line (``register(app)``). A new capability adds its own module and
touches no shared file."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import gateway


def modules(*, prefix: str = "", suffix: str = "") -> list[ModuleType]:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(gateway.__path__)
        if info.name.startswith(prefix) and info.name.endswith(suffix)
    )
    return [importlib.import_module(f"gateway.{name}") for name in names]
