"""Which rules a command can refuse with, read from the domain's code (for docs/api.md).

A rule is named where it is raised: ``RuleViolation("rule-name", ...)``. This follows the
command's handler through the functions and methods of ``domain/`` it calls and collects the
names raised on the way. A call is resolved as Python would: a name through the calling
module's globals; ``module.f`` and ``Class.f`` through that module or class; ``obj.f`` on an
object as the method ``f`` of the domain classes the code followed so far names (its
aggregates). What it cannot resolve it does not follow, so the list can miss a rule raised
behind a call through a variable; it never invents one.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from types import FunctionType, ModuleType
from typing import Any

from pydantic import BaseModel

RAISERS = frozenset({"RuleViolation", "RecordedRefusal"})


@dataclass
class _Scan:
    rules: set[str] = field(default_factory=set)
    calls: list[tuple[str | None, str]] = field(default_factory=list)
    """(base name or ``None``, called name) of each call."""
    names: set[str] = field(default_factory=set)


def _is_domain(obj: object) -> bool:
    return str(getattr(obj, "__module__", "")).startswith("domain")


@cache
def _scan(func: Callable[..., Any]) -> _Scan:
    found = _Scan()
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return found
    module = inspect.getmodule(func)
    scope: dict[str, Any] = vars(module) if module is not None else {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            found.names.add(node.id)
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        if isinstance(callee, ast.Name):
            name = callee.id
            found.calls.append((None, name))
        elif isinstance(callee, ast.Attribute):
            name = callee.attr
            base = callee.value.id if isinstance(callee.value, ast.Name) else None
            found.calls.append((base, name))
        else:
            continue
        if name in RAISERS and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.rules.add(arg.value)
            elif isinstance(arg, ast.Name) and isinstance(scope.get(arg.id), str):
                found.rules.add(scope[arg.id])
    return found


def _function(obj: object) -> FunctionType | None:
    """The domain function behind ``obj`` (a function, a method, or a class's ``__init__``)."""
    if isinstance(obj, type):
        obj = obj.__dict__.get("__init__") if _is_domain(obj) else None
    obj = getattr(obj, "__func__", obj)  # a classmethod, bound to its class
    while hasattr(obj, "__wrapped__"):
        obj = obj.__wrapped__
    if isinstance(obj, FunctionType) and _is_domain(obj):
        return obj
    return None


def rules_of(command: type[BaseModel]) -> list[str]:
    """The rule names ``command``'s handler can raise, sorted."""
    from domain.application import HANDLERS

    handler = _function(next((h for t, h in HANDLERS.items() if t is command), None))
    if handler is None:
        return []
    classes: set[type] = set()
    rules: set[str] = set()
    seen: set[FunctionType] = set()
    pending: list[FunctionType] = [handler]
    while pending:
        func = pending.pop()
        if func in seen:
            continue
        seen.add(func)
        scan = _scan(func)
        rules |= scan.rules
        scope = func.__globals__
        classes |= {
            value
            for value in (scope.get(n) for n in scan.names)
            if isinstance(value, type) and _is_domain(value)
        }
        for base, name in scan.calls:
            targets: list[object] = []
            if base is None:
                targets.append(scope.get(name))
            elif isinstance(scope.get(base), ModuleType | type):
                targets.append(getattr(scope[base], name, None))
            else:
                targets.extend(getattr(cls, name, None) for cls in list(classes))
            pending.extend(f for f in map(_function, targets) if f is not None)
    return sorted(rules)
