"""
``get_course(depth=None)`` walked to every block through ``get_children()``, three ways (issue 9's
R5 and R6): through this project's store; through real Split (``DraftVersioningModuleStore``) over
the same backend, with the same block classes and mixins; and the XBlock floor, the same number of
blocks of the same classes and mixins constructed over ``DictFieldData`` holding the same fields,
with no store at all.

With ``../shared/platform`` installed (:mod:`.platform`) every walk runs as in an LMS: the platform's
mixins (``InheritanceMixin``, ``XModuleMixin``, ``EditInfoMixin``), look-alikes of the LMS's block
classes registered as entry points. Without it there is no Split to measure, and our store and the
floor use the store's own look-alike classes and mixins.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import CourseLocator
from xblock.core import XBlock
from xblock.field_data import DictFieldData, FieldData
from xblock.fields import ScopeIds
from xblock.runtime import Runtime

from ..serving.modulestore import LearningCoreModuleStore
from ..storage.backend import LearningCorePersistenceBackend
from . import platform

__all__ = ["Walks", "walks"]

Walk = Callable[[], int]


@dataclass(slots=True)
class Walks:
    """The three walks of one course (``split`` is None without the platform, with ``note`` saying so)."""

    ours: Walk
    floor: Walk
    split: Walk | None
    note: str


def visit_all(root: XBlock) -> int:
    """Every block reached from ``root`` by ``get_children()``: the walk each figure times."""
    count, stack = 0, [root]
    while stack:
        block = stack.pop()
        count += 1
        if block.has_children:
            stack.extend(block.get_children())
    return count


@contextlib.contextmanager
def walks(course_key: CourseKey) -> Iterator[Walks]:
    """The three walks of the course, ready to time (the structure is decoded and cached)."""
    backend = LearningCorePersistenceBackend()
    index = backend.get_course_index(course_key)
    if index is None:
        raise LookupError(f"{course_key} is not compiled")
    structure = backend.cached_structure(index["versions"]["published-branch"])
    assert structure is not None
    with contextlib.ExitStack() as stack:
        if platform.installed():
            stack.enter_context(platform.registered_classes(platform.look_alike_classes(structure)))
            mixins, default_class = platform.lms_mixins(), platform.DEFAULT_CLASS
            note = f"as in an LMS: edx-platform's Split, Mixed and mixins from {platform.PLATFORM_DIR}"
        else:
            mixins, default_class = (), None
            note = (
                f"no real Split: {platform.PLATFORM_DIR} is absent or could not be installed first;"
                " the store's own look-alike classes and mixins"
            )
        store = LearningCoreModuleStore(xblock_mixins=mixins, default_class=default_class)
        with store.flag.forced_on():
            ours = _ours(store, course_key)
            ours()  # warm: the figures are about building XBlocks, not decoding the structure
            split = None
            if platform.installed():
                fs_root = stack.enter_context(tempfile.TemporaryDirectory(prefix="lc-bench-split-"))
                split = _split(platform.split_store(fs_root, mixins=mixins), course_key)
                split()
            yield Walks(ours, _floor(store, course_key, structure), split, note)


def _ours(store: LearningCoreModuleStore, course_key: CourseKey) -> Walk:
    return lambda: visit_all(store.get_course(course_key, depth=None))


def _split(split: Any, course_key: CourseKey) -> Walk:
    return lambda: visit_all(split.get_course(course_key, depth=None))


# --- the floor -----------------------------------------------------------------------------------------


class _FloorRuntime(Runtime):
    """
    XBlock's own runtime, handing each block its class and a DictFieldData of its fields, both
    found by (block type, block id): hashing an opaque key would cost more than the rest.
    """

    def __init__(self, classes: dict[Any, type], field_data: dict[Any, FieldData], mixins: tuple[type, ...]):
        super().__init__(id_reader=None, id_generator=None, mixins=mixins, services={})
        self._classes = classes
        self._by_usage = field_data
        self.export_fs = None  # XModuleMixin.get_child hands it to every child's runtime

    def get_block(self, usage_id: Any, for_parent: XBlock | None = None) -> XBlock:
        scope_ids = ScopeIds(None, usage_id.block_type, None, usage_id)
        cls = self._classes[(usage_id.block_type, usage_id.block_id)]
        return self.construct_xblock_from_class(cls, scope_ids, for_parent=for_parent)

    def service(self, block: Any, service_name: str) -> Any:
        if service_name == "field-data":
            usage = block.scope_ids.usage_id
            return self._by_usage[(usage.block_type, usage.block_id)]
        return super().service(block, service_name)

    def handler_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError

    def resource_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError

    def local_resource_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError

    def publish(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError


def _floor(store: LearningCoreModuleStore, course_key: CourseKey, structure: dict[str, Any]) -> Walk:
    """
    The floor's data, made before any timing: for each block of the tree, the class the store
    loads for it (unmixed) and a DictFieldData of its stored settings, children as the usage keys
    the store hands out (Split's: branch and version in them, which makes them dearer to hash).
    """
    classes: dict[Any, type] = {}
    located = CourseLocator(
        course_key.org, course_key.course, course_key.run, "published-branch", structure["_id"]
    )
    stack = [store.get_course(course_key, depth=None)]
    while stack:
        block = stack.pop()
        usage = block.scope_ids.usage_id
        classes[(usage.block_type, usage.block_id)] = getattr(type(block), "unmixed_class", type(block))
        if block.has_children:
            stack.extend(block.get_children())
    field_data: dict[Any, FieldData] = {}
    for key in classes:
        stored = dict(structure["blocks"][key].fields)
        if "children" in stored:
            stored["children"] = [located.make_usage_key(*child) for child in stored["children"]]
        field_data[key] = DictFieldData(stored)
    root = located.make_usage_key(*structure["root"])
    mixins = store.xblock_mixins
    return lambda: visit_all(_FloorRuntime(classes, field_data, mixins).get_block(root))
