"""Job functions are named by dotted path, so the worker can import them in its own process."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

JobFunction = Callable[..., Any]


def job_path(func: str | JobFunction) -> str:
    """The importable dotted path of ``func`` (checked now, so a typo fails at the caller)."""
    if isinstance(func, str):
        path = func.replace(":", ".")
    else:
        module, qualname = getattr(func, "__module__", None), getattr(func, "__qualname__", "")
        if not module or module == "__main__" or "<" in qualname:
            raise ValueError(f"{func!r} is not a module-level function a worker can import")
        path = f"{module}.{qualname}"
    resolve(path)
    return path


def resolve(path: str) -> JobFunction:
    """Import the function at ``path`` ("package.module.function")."""
    module_name, _, attr = path.rpartition(".")
    if not module_name:
        raise ValueError(f"job path {path!r} must be 'module.function'")
    try:
        target = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"job path {path!r}: {exc}") from exc
    func = getattr(target, attr, None)
    if not callable(func):
        raise ValueError(f"job path {path!r} does not name a function")
    return func
