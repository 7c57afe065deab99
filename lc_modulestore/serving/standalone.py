"""
XBlock classes for serving outside edx-platform (the demo, the tests, a bare Django project).

Inside the LMS, block types load from the platform's entry points (CourseBlock, HtmlBlock, ...) and
unknown ones as the configured ``default_class``. Outside it none of those exist, so each block
type gets a class declared from the compiler's own field rule table: the same names, types and
scopes the compiler used to store the fields. A class per (type, extra field names) is built once
and cached; fields the table does not know (block types it does not model) are declared as
``Any`` so that every stored value is readable through the XBlock API.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from xblock.core import XBlock, XBlockMixin
from xblock.fields import (
    Any as AnyField,
)
from xblock.fields import (
    Boolean,
    Date,
    Dict,
    Field,
    Float,
    Integer,
    List,
    Reference,
    ReferenceList,
    ReferenceValueDict,
    Scope,
    String,
)

from compile.fields import COMMON_FIELDS, CONTENT, TYPE_FIELDS, FieldRule, Kind
from compile.vocabulary import BLOCK_TYPES_WITH_CHILDREN, CONTAINER_TYPES

from ..exceptions import ItemNotFoundError

__all__ = ["EditInfoMixin", "StandaloneErrorBlock", "is_reference_field", "standalone_class"]

log = logging.getLogger(__name__)


class _Randomization(String):
    """
    ``ProblemBlock.rerandomize`` as the platform's ``Randomization`` reads it: ``""`` and ``"true"``
    are "always", ``"false"`` is "per_student", and the JSON booleans Studio's import stores for
    ``rerandomize="true"``/``"false"`` pass through (a ``String`` would refuse them).
    """

    def from_json(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        return {"": "always", "true": "always", "false": "per_student"}.get(value, super().from_json(value))

    to_json = from_json


_FIELD_CLASSES: dict[Kind, type[Field]] = {
    Kind.STRING: String,
    Kind.BOOLEAN: Boolean,
    Kind.INTEGER: Integer,
    Kind.FLOAT: Float,
    Kind.DATE: Date,
    Kind.TIMEDELTA: String,  # stored as Split stores Timedelta: "1 days 7200 seconds"
    Kind.RELATIVE_TIME: String,  # "HH:MM:SS"
    Kind.DICT: Dict,
    Kind.LIST: List,
    Kind.GROUP_ACCESS: Dict,
    Kind.RANDOMIZATION: _Randomization,
    Kind.REFERENCE_DICT: ReferenceValueDict,
    Kind.REFERENCE_LIST: ReferenceList,
    Kind.ANY: AnyField,
}


class EditInfoMixin(XBlockMixin):
    """
    What edx-platform's ``EditInfoMixin`` and ``XModuleMixin`` give every block, for when they are
    not among the configured mixins: edit info read from the runtime, and the block's location.
    """

    @property
    def location(self) -> Any:
        return self.scope_ids.usage_id

    @property
    def category(self) -> str:
        return self.scope_ids.block_type

    @property
    def course_id(self) -> Any:
        return self.scope_ids.usage_id.course_key

    @property
    def edited_by(self) -> Any:
        return self.runtime.get_edited_by(self)

    @property
    def edited_on(self) -> Any:
        return self.runtime.get_edited_on(self)

    @property
    def subtree_edited_by(self) -> Any:
        return self.runtime.get_subtree_edited_by(self)

    @property
    def subtree_edited_on(self) -> Any:
        return self.runtime.get_subtree_edited_on(self)

    @property
    def published_by(self) -> Any:
        return self.runtime.get_published_by(self)

    @property
    def published_on(self) -> Any:
        return self.runtime.get_published_on(self)


class _StandaloneBlock(XBlock):
    """Base of the generated classes; renders nothing, as it only serves data."""

    def get_child(self, usage_id: Any) -> Any:
        """
        None for a child that is no block of the course (a conditional's show target the course
        does not hold), as the LMS's classes answer (``XModuleMixin.get_child``, a base of theirs).
        """
        try:
            return super().get_child(usage_id)
        except ItemNotFoundError:
            log.warning("Unable to load item %s, skipping", usage_id)
            return None

    def get_children(self, usage_id_filter: Any = None) -> list[Any]:
        return [child for child in super().get_children(usage_id_filter) if child is not None]


class StandaloneErrorBlock(XBlock):
    """Stands in for a block that failed to construct, as edx-platform's ErrorBlock does."""

    display_name = String(scope=Scope.settings)
    error_msg = String(scope=Scope.content)
    contents = String(scope=Scope.content)


def _field(rule: FieldRule) -> Field:
    scope = Scope.content if rule.scope == CONTENT else Scope.settings
    return _FIELD_CLASSES[rule.kind](scope=scope)


@cache
def standalone_class(block_type: str, extra_fields: tuple[str, ...] = ()) -> type[XBlock]:
    """The class for ``block_type``, declaring the table's fields plus ``extra_fields`` as Any."""
    rules = {**COMMON_FIELDS, **TYPE_FIELDS.get(block_type, {})}
    attributes: dict[str, Any] = {name: _field(rule) for name, rule in rules.items()}
    attributes["xml_attributes"] = Dict(scope=Scope.settings)
    for name in extra_fields:
        attributes.setdefault(name, AnyField(scope=Scope.settings))
    attributes["has_children"] = block_type in CONTAINER_TYPES or block_type in BLOCK_TYPES_WITH_CHILDREN
    if block_type == "course":  # CourseBlock.id: Mixed and LMS code key courses by it
        attributes["id"] = property(lambda self: self.scope_ids.usage_id.course_key)
    attributes["__module__"] = __name__
    name = "".join(part.capitalize() for part in block_type.replace("-", "_").split("_")) + "Block"
    return type(name, (_StandaloneBlock,), attributes)


def is_reference_field(field: Field) -> bool:
    return isinstance(field, Reference | ReferenceList | ReferenceValueDict)
