"""
Split's write surface (``ModuleStoreWriteBase``, ``split.py``, ``split_draft.py``), written out:
each write goes to the fallback store for a course Learning Core does not serve, and raises
:class:`ReadOnlyModuleStoreError` for one it does, because its content is authored in Learning Core
and reaches the store only through the compiler. Every signature names its course where Split's
does, so a call routes the same whether its arguments are positional or keywords.
"""

from __future__ import annotations

from typing import Any

from opaque_keys.edx.keys import CourseKey, UsageKey
from opaque_keys.edx.locator import CourseLocator

from ..exceptions import ReadOnlyModuleStoreError

__all__ = ["ReadOnlyWrites"]


def course_of(value: object) -> CourseKey | None:
    """The course a write names: a course key, a usage key's course, or an XBlock's course."""
    if isinstance(value, UsageKey):
        course_key: CourseKey = value.course_key
        return course_key
    if isinstance(value, CourseKey):
        return value
    location = getattr(getattr(value, "scope_ids", None), "usage_id", None)
    return location.course_key if location is not None else None


class ReadOnlyWrites:
    """Mixed into :class:`~lc_modulestore.serving.modulestore.LearningCoreModuleStore`, which routes."""

    @property
    def fallback(self) -> Any:
        raise NotImplementedError

    def serves(self, course_key: Any) -> bool:
        raise NotImplementedError

    def _write(self, name: str, course_key: CourseKey | None, /, *args: Any, **kwargs: Any) -> Any:
        fallback = self.fallback
        if fallback is not None and course_key is not None and not self.serves(course_key):
            return getattr(fallback, name)(*args, **kwargs)
        raise ReadOnlyModuleStoreError(name)

    # --- courses and libraries ---------------------------------------------------------------------

    def create_course(self, org: str, course: str, run: str, user_id: int, **kwargs: Any) -> Any:
        key = CourseLocator(org, course, run)
        return self._write("create_course", key, org, course, run, user_id, **kwargs)

    def create_library(self, org: str, library: str, user_id: int, fields: Any, **kwargs: Any) -> Any:
        return self._write("create_library", None, org, library, user_id, fields, **kwargs)

    def clone_course(
        self, source_course_id: Any, dest_course_id: Any, user_id: int, *args: Any, **kwargs: Any
    ) -> Any:
        key = course_of(dest_course_id)
        return self._write("clone_course", key, source_course_id, dest_course_id, user_id, *args, **kwargs)

    def delete_course(self, course_key: Any, user_id: int, **kwargs: Any) -> Any:
        return self._write("delete_course", course_of(course_key), course_key, user_id, **kwargs)

    def update_course_index(self, course_key: Any, updated_index_entry: Any, **kwargs: Any) -> Any:
        key = course_of(course_key)
        return self._write("update_course_index", key, course_key, updated_index_entry, **kwargs)

    # --- blocks --------------------------------------------------------------------------------------

    def create_item(self, user_id: int, course_key: Any, block_type: str, *args: Any, **kwargs: Any) -> Any:
        key = course_of(course_key)
        return self._write("create_item", key, user_id, course_key, block_type, *args, **kwargs)

    def create_child(
        self, user_id: int, parent_usage_key: Any, block_type: str, *args: Any, **kwargs: Any
    ) -> Any:
        key = course_of(parent_usage_key)
        return self._write("create_child", key, user_id, parent_usage_key, block_type, *args, **kwargs)

    def create_xblock(self, runtime: Any, course_key: Any, block_type: str, *args: Any, **kwargs: Any) -> Any:
        # Builds an unsaved block in the caller's runtime: refused, as before, whatever the course.
        return self._write("create_xblock", None, runtime, course_key, block_type, *args, **kwargs)

    def update_item(self, xblock: Any, user_id: int, *args: Any, **kwargs: Any) -> Any:
        return self._write("update_item", course_of(xblock), xblock, user_id, *args, **kwargs)

    def delete_item(self, location: Any, user_id: int, *args: Any, **kwargs: Any) -> Any:
        return self._write("delete_item", course_of(location), location, user_id, *args, **kwargs)

    def import_xblock(
        self, user_id: int, course_key: Any, block_type: str, block_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        key = course_of(course_key)
        return self._write("import_xblock", key, user_id, course_key, block_type, block_id, *args, **kwargs)

    def copy_from_template(self, source_keys: Any, dest_key: Any, user_id: int, **kwargs: Any) -> Any:
        key = course_of(dest_key)
        return self._write("copy_from_template", key, source_keys, dest_key, user_id, **kwargs)

    # --- publishing ----------------------------------------------------------------------------------

    def publish(self, location: Any, user_id: int, *args: Any, **kwargs: Any) -> Any:
        return self._write("publish", course_of(location), location, user_id, *args, **kwargs)

    def unpublish(self, location: Any, user_id: int, **kwargs: Any) -> Any:
        return self._write("unpublish", course_of(location), location, user_id, **kwargs)

    def revert_to_published(self, location: Any, user_id: int, **kwargs: Any) -> Any:
        return self._write("revert_to_published", course_of(location), location, user_id, **kwargs)

    def convert_to_draft(self, location: Any, user_id: int, **kwargs: Any) -> Any:
        return self._write("convert_to_draft", course_of(location), location, user_id, **kwargs)

    # --- asset metadata ------------------------------------------------------------------------------

    def save_asset_metadata(self, asset_metadata: Any, user_id: int, *args: Any, **kwargs: Any) -> Any:
        key = course_of(asset_metadata)
        return self._write("save_asset_metadata", key, asset_metadata, user_id, *args, **kwargs)

    def save_asset_metadata_list(
        self, asset_metadata_list: Any, user_id: int, *args: Any, **kwargs: Any
    ) -> Any:
        key = course_of(asset_metadata_list)
        return self._write("save_asset_metadata_list", key, asset_metadata_list, user_id, *args, **kwargs)

    def delete_asset_metadata(self, asset_key: Any, user_id: int, **kwargs: Any) -> Any:
        return self._write("delete_asset_metadata", course_of(asset_key), asset_key, user_id, **kwargs)

    def delete_all_asset_metadata(self, course_key: Any, user_id: int, **kwargs: Any) -> Any:
        key = course_of(course_key)
        return self._write("delete_all_asset_metadata", key, course_key, user_id, **kwargs)

    def set_asset_metadata_attr(
        self, asset_key: Any, attr: str, value: Any, user_id: int, **kwargs: Any
    ) -> Any:
        key = course_of(asset_key)
        return self._write("set_asset_metadata_attr", key, asset_key, attr, value, user_id, **kwargs)

    def set_asset_metadata_attrs(self, asset_key: Any, attr_dict: Any, user_id: int, **kwargs: Any) -> Any:
        key = course_of(asset_key)
        return self._write("set_asset_metadata_attrs", key, asset_key, attr_dict, user_id, **kwargs)

    def copy_all_asset_metadata(
        self, source_course_key: Any, dest_course_key: Any, user_id: int, **kwargs: Any
    ) -> Any:
        key = course_of(dest_course_key)
        return self._write(
            "copy_all_asset_metadata", key, source_course_key, dest_course_key, user_id, **kwargs
        )
