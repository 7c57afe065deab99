"""
Cyclic garbage collection paused while a large, acyclic document is built or walked.

Decoding or compiling a 20,000-block structure allocates hundreds of thousands of dicts, lists
and tuples; each allocation threshold crossed triggers a collection that scans every live object,
so the work grows faster than the course. None of these objects form cycles, so nothing is lost
by collecting once afterwards instead (reference counting frees them as usual).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

__all__ = ["gc_paused", "without_gc"]


@contextmanager
def gc_paused() -> Iterator[None]:
    if not gc.isenabled():  # nested, or the caller manages collection itself
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def without_gc[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return function(*args, **kwargs)

    return wrapper
