"""
Every read method the store answers itself, fuzzed with arbitrary and malformed arguments (issue
11: caller mistakes answer as Split does; issue 19: against Split, never against itself): for each
generated call, ``LearningCoreModuleStore`` (its flag on for the course it serves) and a real
``DraftVersioningModuleStore`` holding the same compiled course give the same answer, or raise the
same exception with the same message where Split's message is part of its contract (:func:`outcome`).

The store's fallback is no Split here but :class:`NoFallback`, which holds no course and records
every call: a call the store handed over would answer differently from Split, and is reported as
handed over, so every comparison is of the store's own answers. Keys are the served course's own
in every form a caller may hand over (branch-less, published, draft, library or unknown branch, a
stale or current version, version-only), as course keys, usage keys (of its blocks and of blocks
it does not have) and asset keys; queries are Split's query language, valid and not. Blocks are
compared as the LMS reads them (``harness.describe``). What the store hands over (other courses,
non-keys, CCX keys: the LMS's CCX wrapper passes the master course's key) is compared in
``test_mixed_parity.py`` (flag off) and ``test_split_parity.py``. Deterministic (``derandomize``,
no example database).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from .loader import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opaque_keys.edx.locator import BlockUsageLocator, CourseLocator
from xmodule.assetstore import AssetMetadata

from lc_modulestore.serving.modulestore import LearningCoreModuleStore

from .conftest import Course
from .harness import CourseFilesInSplit, comparable_asset, describe, make_lc_store, make_split

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("course", ["sample"], indirect=True)]
EXAMPLES = 325  # x 8 tests
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BLOCK_TYPES = [
    "course",
    "chapter",
    "sequential",
    "vertical",
    "html",
    "problem",
    "video",
    "about",
    "static_tab",
]
FIELD_NAMES = ["display_name", "graded", "start", "due", "format", "children", "group_access", "data", "x"]


# Listings span every course: the store answers for those it serves and asks its fallback for the
# rest, which here holds none.
LISTINGS = frozenset({"get_courses", "get_course_summaries", "get_courses_for_wiki"})


class Delegated(Exception):
    """What :class:`NoFallback` raises: no answer Split gives can equal it."""


class NoFallback:
    """
    The store's fallback in these tests: a store holding no course, which records every call.
    Per-course calls raise :class:`Delegated`; listings answer an empty list.
    """

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            if name in LISTINGS:
                return []
            raise Delegated(name)

        return call


class Stores:
    def __init__(self, course: Course, fs_root: Path, backend: Any = None) -> None:
        self.course = course
        self.split = make_split(fs_root, backend=backend)  # the reference: Split over the same documents
        self.fallback = NoFallback()
        self.ours: LearningCoreModuleStore = make_lc_store(fs_root, fallback=self.fallback)
        self.head = course.structure["_id"]
        self.blocks = list(course.structure["blocks"])
        self.examples = 0
        self.compared = 0
        self.messages = 0

    def ran(self, check: Any) -> None:
        """Run a fuzzed check; it must have seen every example it was given (none left ungenerated)."""
        check()
        assert self.examples >= EXAMPLES
        assert self.compared >= self.examples  # every example compared at least one call

    def same(self, method: str, *args: Any, normalize: Any = None, **kwargs: Any) -> None:
        """Both stores, each with its own copy of the arguments (Split edits some it is given)."""
        theirs = outcome(getattr(self.split, method), *copy.deepcopy(args), **copy.deepcopy(kwargs))
        mine = outcome(getattr(self.ours, method), *copy.deepcopy(args), **copy.deepcopy(kwargs))
        self.compare(method, mine, theirs, normalize or _normal, (args, kwargs))

    def compare(self, method: str, mine: Any, theirs: Any, normalize: Any, given: Any = None) -> None:
        delegated = [name for name in self.fallback.calls if name not in LISTINGS]
        self.fallback.calls.clear()
        assert not delegated, f"{method} {given}: the store handed {delegated} to its fallback"
        assert answered(mine, normalize) == answered(theirs, normalize), (method, given)
        self.compared += 1
        self.messages += theirs[0] == "raised" and theirs[2] is not None


@pytest.fixture
def stores(course: Course, fs_root: Path, classes: Any) -> Stores:
    return Stores(course, fs_root)


def outcome(method: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    """
    ``method(*args, **kwargs)``'s answer, or the exception it raised: its class, and its message
    where the message is Split's contract. Split raises the modulestore's own exceptions
    (``xmodule.modulestore.exceptions``, ``UnsupportedRevisionError``) with what a caller needs in
    the message: ``ItemNotFoundError(usage_key)`` and ``InsufficientSpecificationError(course_key)``
    carry the key as asked (branch and version included), ``ItemNotFoundError(f"Structure: {id}")``
    the structure, ``VersionConflictError`` the requested key and the head, and
    ``UnsupportedRevisionError`` the revisions allowed; callers (Mixed, the LMS's views) log and
    show those. A built-in exception (``TypeError`` from comparing a depth that is no number,
    ``AttributeError`` from a key that is no key) is Python's, raised inside Split's code: its
    class is the contract, its text is Python's wording.
    """
    try:
        return ("answer", method(*args, **kwargs))
    except Exception as exc:  # the comparison is of behaviour, exceptions included
        cls = type(exc)
        message = str(exc) if cls.__module__.startswith("xmodule.") else None
        return ("raised", cls.__qualname__, message)


def answered(result: tuple[Any, ...], normalize: Any) -> tuple[Any, ...]:
    """An :func:`outcome` with its answer (if any) made comparable."""
    return (result[0], normalize(result[1])) if result[0] == "answer" else result


def _normal(answer: Any) -> Any:
    """
    A block as the LMS reads it (``harness.describe``: fields explicit and inherited, parent,
    children, edit info), a list's blocks by what locates them (a query's answer is which blocks,
    in which order), summaries by their fields, asset metadata by value.
    """
    if isinstance(answer, list):
        return [_located(item) for item in answer]
    if hasattr(answer, "scope_ids"):
        return ("block", outcome(describe, answer))  # a field that cannot be read is an answer too
    return _located(answer)


def _located(answer: Any) -> Any:
    if isinstance(answer, AssetMetadata):
        return comparable_asset(answer)
    if hasattr(answer, "scope_ids"):
        return ("block", answer.location, answer.course_version, answer.parent, answer.display_name)
    if hasattr(answer, "display_organization"):
        return ("summary", answer.id, answer.location, answer.display_name, answer.end)
    return answer


def _as_set(answer: Any) -> Any:
    return sorted(map(str, _normal(answer))) if isinstance(answer, list) else answer


# --- strategies ---------------------------------------------------------------------------------------------

IDS = st.from_regex(r"\A[A-Za-z0-9_.\-]{1,12}\Z")


def course_keys(course: Course) -> st.SearchStrategy[Any]:
    """
    The served course's key in every form: each names the course (org, course and run, or its
    current structure), so the store answers it whatever the branch or version asked.
    """
    key = course.key
    head = course.structure["_id"]
    forms = [
        key,
        key.for_branch("published-branch"),
        key.for_branch("draft-branch"),
        key.for_branch("library"),
        key.for_branch("no-such-branch"),
        key.for_branch("published-branch").for_version(head),
        key.for_branch("draft-branch").for_version(head),
        key.for_branch("published-branch").for_version(ObjectId("0" * 24)),
        key.for_version(head),
        key.for_version(ObjectId("1" * 24)),
        CourseLocator(version_guid=head),
    ]
    return st.sampled_from(forms)


def usage_keys(stores: Stores) -> st.SearchStrategy[Any]:
    """Keys of the served course's blocks and of blocks it does not have, in each course key form."""
    located = [stores.course.key, stores.course.key.for_branch("published-branch")]
    keys = st.builds(
        lambda course_key, block: BlockUsageLocator(course_key, block[0], block[1]),
        course_keys(stores.course),
        st.one_of(st.sampled_from(stores.blocks), st.tuples(st.sampled_from(BLOCK_TYPES), IDS)),
    )
    exact = st.builds(
        lambda course_key, block: course_key.make_usage_key(block.type, block.id),
        st.sampled_from(located),
        st.sampled_from(stores.blocks),
    )
    return st.one_of(exact, keys)


def criteria(stores: Stores) -> st.SearchStrategy[Any]:
    ids = [k.id for k in stores.blocks]
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.sampled_from(BLOCK_TYPES + ids + ["Homework", ""]),
        st.text(max_size=4),
        st.sampled_from([re.compile("^[a-m]"), re.compile("z")]),
        st.sampled_from(stores.blocks),
    )
    lists = st.lists(scalar, max_size=3)
    return st.one_of(
        scalar,
        lists,
        st.sets(st.sampled_from(ids), max_size=3),
        st.builds(lambda v: {"$in": v}, st.one_of(lists, scalar)),
        st.builds(lambda v: {"$nin": v}, st.one_of(lists, scalar)),
        st.builds(lambda v: {"$exists": v}, st.one_of(st.booleans(), st.sampled_from([0, 1, "yes", None]))),
        st.sampled_from([callable, lambda value: value is not None, str]),
    )


def query(stores: Stores, names: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.dictionaries(st.sampled_from(names), criteria(stores), max_size=3),
        st.sampled_from([[], "not-a-dict", 5]),
    )


QUALIFIER_NAMES = [
    "category",
    "name",
    "children",
    "block_type",
    "definition",
    "edit_info",
    "fields",
    "asides",
]
DEPTHS = st.one_of(st.none(), st.integers(-2, 4), st.sampled_from(["x", 1.5, True, [1]]))
REVISIONS = st.sampled_from(
    [None, "rev-opt-published-only", "rev-opt-draft-only", "rev-opt-draft-preferred", "rev-opt-all", 7]
)


# --- the fuzzed reads ---------------------------------------------------------------------------------------


def test_get_course_and_has_course(stores: Stores) -> None:
    @FUZZ
    @given(key=course_keys(stores.course), depth=DEPTHS, lazy=st.booleans(), ignore_case=st.booleans())
    def check(key: Any, depth: Any, lazy: bool, ignore_case: bool) -> None:
        stores.examples += 1
        stores.same("get_course", key, depth=depth, lazy=lazy)
        stores.same("has_course", key, ignore_case)
        stores.same("get_course_index_info", key)
        stores.same("make_course_usage_key", key)

    stores.ran(check)


def test_get_item_and_has_item(stores: Stores) -> None:
    @FUZZ
    @given(key=usage_keys(stores), depth=DEPTHS, revision=REVISIONS, lazy=st.booleans())
    def check(key: Any, depth: Any, revision: Any, lazy: bool) -> None:
        stores.examples += 1
        stores.same("get_item", key, depth=depth, revision=revision, lazy=lazy)
        stores.same("has_item", key, revision=revision)

    stores.ran(check)


def test_get_parent_location(stores: Stores) -> None:
    @FUZZ
    @given(key=usage_keys(stores), revision=REVISIONS)
    def check(key: Any, revision: Any) -> None:
        stores.examples += 1
        stores.same("get_parent_location", key, revision=revision)

    stores.ran(check)


def test_get_items_qualifiers(stores: Stores) -> None:
    @FUZZ
    @given(
        key=st.one_of(st.just(stores.course.key), course_keys(stores.course)),
        qualifiers=query(stores, QUALIFIER_NAMES),
        include_orphans=st.sampled_from([True, False, None, 0]),
        revision=REVISIONS,
    )
    def check(key: Any, qualifiers: Any, include_orphans: Any, revision: Any) -> None:
        stores.examples += 1
        stores.same(
            "get_items", key, qualifiers=qualifiers, include_orphans=include_orphans, revision=revision
        )

    stores.ran(check)


def test_get_items_settings_and_content(stores: Stores) -> None:
    @FUZZ
    @given(
        qualifiers=query(stores, ["category", "name"]),
        settings_=query(stores, FIELD_NAMES),
        content=query(stores, FIELD_NAMES),
    )
    def check(qualifiers: Any, settings_: Any, content: Any) -> None:
        stores.examples += 1
        key = stores.course.key
        stores.same("get_items", key, qualifiers=qualifiers, settings=settings_, content=content)

    stores.ran(check)


def test_orphans_and_assets(course: Course, fs_root: Path, classes: Any) -> None:
    # Split holding the asset metadata our store answers from the course's files (CourseFilesInSplit).
    stores = Stores(course, fs_root, backend=CourseFilesInSplit)

    @FUZZ
    @given(
        key=course_keys(stores.course),
        asset_type=st.sampled_from([None, "asset", "video", 5]),
        start=st.integers(0, 3),
        maxresults=st.integers(-1, 3),
        sort=st.sampled_from([None, ("displayname", "ascending"), ("uploadDate", "descending")]),
    )
    def check(key: Any, asset_type: Any, start: int, maxresults: int, sort: Any) -> None:
        stores.examples += 1
        stores.same("get_orphans", key, normalize=_as_set)
        stores.same("get_all_asset_metadata", key, asset_type, start, maxresults, sort)
        if isinstance(key, CourseLocator) and key.org is not None:
            stores.same("find_asset_metadata", key.make_asset_key("asset", "notes.txt"))
            stores.same("find_asset_metadata", key.make_asset_key("asset", "missing.txt"))

    stores.ran(check)


def test_course_listings(stores: Stores) -> None:
    keys = st.one_of(course_keys(stores.course), st.just(stores.course.key))
    orgs = st.sampled_from(
        [None, "", stores.course.key.org, stores.course.key.org.lower(), "OpenedX", "nobody"]
    )

    @FUZZ
    @given(
        org=orgs,
        course_keys_=st.one_of(st.none(), st.lists(keys, max_size=3)),
        slug=st.one_of(IDS, st.none()),
    )
    def check(org: Any, course_keys_: Any, slug: Any) -> None:
        stores.examples += 1
        kwargs = {
            name: value for name, value in (("org", org), ("course_keys", course_keys_)) if value is not None
        }
        stores.same("get_courses", normalize=_as_set, **kwargs)
        stores.same("get_course_summaries", normalize=_as_set, **kwargs)
        stores.same("get_courses_for_wiki", slug)

    stores.ran(check)


def test_block_questions(stores: Stores) -> None:
    """Methods that take a block: has_changes and has_published_version."""

    @FUZZ
    @given(key=usage_keys(stores).filter(lambda k: isinstance(k, BlockUsageLocator)))
    def check(key: Any) -> None:
        stores.examples += 1
        theirs = outcome(stores.split.get_item, key)
        mine = outcome(stores.ours.get_item, key)
        stores.compare("get_item", mine, theirs, _normal, key)
        if theirs[0] == "answer":
            for method in ("has_changes", "has_published_version"):
                answers = (
                    outcome(getattr(stores.ours, method), mine[1]),
                    outcome(getattr(stores.split, method), theirs[1]),
                )
                stores.compare(method, *answers, _normal, key)

    stores.ran(check)
