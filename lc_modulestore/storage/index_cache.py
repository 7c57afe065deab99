"""
Where course indexes are cached per thread (a RequestCache namespace of our own, so clearing it
never touches Split's ``course_index_cache`` when both run side by side). Apart from the backend
so that a compile can forget the indexes without loading the serving side's types.
"""

from __future__ import annotations

from edx_django_utils.cache import RequestCache

__all__ = ["INDEX_CACHE_NAMESPACE", "forget_course_indexes"]

INDEX_CACHE_NAMESPACE = "lc_modulestore.course_index_cache"


def forget_course_indexes() -> None:
    """Drop this thread's cached course indexes (a compile just made a new structure live)."""
    RequestCache(namespace=INDEX_CACHE_NAMESPACE).clear()
