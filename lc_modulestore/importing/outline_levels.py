"""
The course tree as Learning Core can hold it: every child one outline level below its parent.

OLX lets a sequential hold components and a chapter hold units or components (rule L3 of
docs/IMPORT_RULES.md); Learning Core's containers take only the next level down. Each run of
consecutive children sitting too deep gets an implicit container of the missing level
(:mod:`compile.implicit_containers`), recursively, so ``chapter > [video, problem, sequential]``
becomes ``chapter > [implicit sequential > implicit unit > [video, problem], sequential]``.

The course the reader made is not changed: a container whose children change is copied, once
per object, so a shared block (one object under several parents) stays one block.

A block that contains itself is refused here, naming the blocks of the cycle. Also here: the
order blocks are written in, children before parents, each block once however many parents list it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import replace

from lxml import etree
from openedx_content.models_api import Container, Section, Subsection, Unit

from compile.implicit_containers import implicit_id
from compile.olx_export import OlxBlock, OlxCourse, OlxError
from compile.walk import depth_first

from ..courses.models import CourseOutline

__all__ = ["held_by_learning_core", "written_order"]

# Learning Core's container classes, by outline level; anything else is a component, one below units.
_LEVELS: dict[type[Container], int] = {CourseOutline: 0, Section: 1, Subsection: 2, Unit: 3}
_COMPONENT_LEVEL = 4
# The OLX tag an implicit container of each level gets.
_IMPLICIT_TAGS = {1: "chapter", 2: "sequential", 3: "vertical"}


def held_by_learning_core(course: OlxCourse, classes: Mapping[str, type[Container]]) -> OlxCourse:
    """``course`` with implicit containers where a child sits deeper than its parent's next level."""

    def level(block: OlxBlock) -> int:
        cls = classes.get(block.block_type)
        return _LEVELS[cls] if cls is not None else _COMPONENT_LEVEL

    arranged: dict[int, OlxBlock] = {}

    def arrange(block: OlxBlock, path: tuple[OlxBlock, ...]) -> OlxBlock:
        if id(block) in arranged:
            return arranged[id(block)]
        if any(above is block for above in path):
            cycle = [*path[[id(above) for above in path].index(id(block)) :], block]
            names = " > ".join(f"{b.block_type}/{b.block_id}" for b in cycle)
            raise OlxError(block.source, f"a block contains itself: {names}", key=block.block_id)
        children = [arrange(child, (*path, block)) for child in block.children]
        wrapped = _wrapped(block, level(block), children, level)
        same = len(wrapped) == len(block.children) and all(map(operator.is_, wrapped, block.children))
        result = block if same else replace(block, children=wrapped)
        arranged[id(block)] = result
        return result

    return replace(course, root=arrange(course.root, ()))


def _wrapped(
    parent: OlxBlock, parent_level: int, children: list[OlxBlock], level: Callable[[OlxBlock], int]
) -> list[OlxBlock]:
    """``children`` with each run of too-deep ones in an implicit container of the level below ``parent``."""
    below = parent_level + 1
    result: list[OlxBlock] = []
    run: list[OlxBlock] = []
    occurrences: dict[tuple[str, str], int] = {}

    def close_run() -> None:
        if not run:
            return
        first = run[0].key
        occurrence = occurrences[first] = occurrences.get(first, -1) + 1
        tag = _IMPLICIT_TAGS[below]
        container = OlxBlock(
            tag, implicit_id(parent.key, first, occurrence), etree.Element(tag), parent.source
        )
        container.children = _wrapped(container, below, list(run), level)
        result.append(container)
        run.clear()

    for child in children:
        if parent_level < _COMPONENT_LEVEL - 1 and level(child) > below:
            run.append(child)
            continue
        close_run()
        result.append(child)
    close_run()
    return result


def written_order(course: OlxCourse) -> list[OlxBlock]:
    """
    Every block once, each after all its children (a container version lists entities that must
    exist): the outline depth first, then the detached pages. A block listed by several parents
    is one object, written once; two different blocks with one key are refused naming both.
    """
    blocks: dict[tuple[str, str], OlxBlock] = {}

    def children(key: tuple[str, str]) -> list[tuple[str, str]]:
        for child in blocks[key].children:
            seen = blocks.setdefault(child.key, child)
            if seen is not child:
                raise OlxError(
                    child.source,
                    f"{child.block_type}/{child.block_id} is defined twice (first at {seen.source})",
                    key=child.block_id,
                )
        return [child.key for child in blocks[key].children]

    tops = [course.root, *course.detached]
    blocks.update((top.key, top) for top in tops)
    walk = depth_first([top.key for top in tops], children)
    return [blocks[key] for key, entering in walk if not entering]
