"""
One depth-first walk of a graph that may be a DAG (a child several parents list, rule S1), used
by the importer (children before parents) and the compiler (Split's block order): each node once,
without recursion (deep courses must not hit the recursion limit), a cycle named.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

__all__ = ["Cycle", "depth_first"]


class Cycle(ValueError):
    """A node is its own descendant; ``nodes`` runs from it, down, back to it."""

    def __init__(self, nodes: list[Any]) -> None:
        super().__init__(" > ".join(map(str, nodes)))
        self.nodes = nodes


def depth_first[K: Hashable](
    roots: Iterable[K], children: Callable[[K], Iterable[K]]
) -> Iterator[tuple[K, bool]]:
    """
    ``(node, True)`` when the walk enters a node, ``(node, False)`` once all its descendants are
    done: each node once, however many parents list it, in children order. ``children`` is asked
    for a node's children when the walk enters it. Raises :class:`Cycle`.
    """
    done: set[K] = set()
    path: dict[K, None] = {}  # the nodes being walked, outermost first
    frames: list[tuple[K, Iterator[K]]] = []
    for root in roots:
        node: K | None = root
        while True:
            if node is not None:
                if node in path:
                    cycle = [*path, node]
                    raise Cycle(cycle[cycle.index(node) :])
                if node not in done:
                    path[node] = None
                    frames.append((node, iter(children(node))))
                    yield node, True
            if not frames:
                break
            parent, rest = frames[-1]
            node = next(rest, None)
            if node is None:
                frames.pop()
                del path[parent]
                done.add(parent)
                yield parent, False
