"""
One OLX element read by its own XBlock class, as Studio's import reads it.

``XMLModuleStore`` (``xmodule/modulestore/xml.py``, ``xblock_from_node``) reads a block by calling
its class's ``parse_xml(node, runtime, keys)`` with ``ScopeIds(None, type, def_id, usage_id)``
from the course's id generator (``url_name`` or an ``autogen_`` slug), drops ``xblock-family``
first, turns reference fields into usage keys, and saves. The importer then copies every field
set on the block, by scope, into Split (``_update_and_import_block``), which stores each value as
its field's ``to_json`` and references as block keys (``split._serialize_fields``). This does the
same with a runtime of its own, for the compiler's cache: JSON values, settings and content apart.

Children are not fields: a child element the class hands back to the runtime
(``add_node_as_child``) is not read here; the compiler walks children itself.

Where the site's ``XBLOCK_MIXINS`` are set (an LMS, Studio) they are mixed in, as Studio's runtime
does, so the fields every block has (``start``, ``visible_to_staff_only``, ``group_access``, ...)
are read by the platform's own mixins. Where they are not, the rule table reads those attributes
(``COMMON_FIELDS``: a class that lacks the field would otherwise drop ``visible_to_staff_only``
and open the block to everyone).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from typing import Any, Final

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.module_loading import import_string
from lxml import etree
from opaque_keys.edx.keys import UsageKey
from opaque_keys.edx.locator import CourseLocator
from xblock.core import XBlock
from xblock.field_data import DictFieldData
from xblock.fields import Reference, ReferenceList, ReferenceValueDict, Scope, ScopeIds
from xblock.runtime import IdGenerator, IdReader, Mixologist, Runtime

from compile.fields import COMMON_FIELDS, ParserFailure, RealizedFields, realize_fields

__all__ = ["ClassReadError", "read_with_class", "site_mixins"]

# Reference fields are kept as block keys, so the course the ids are made in does not matter.
_COURSE: Final = CourseLocator("lc-modulestore", "parsing", "class")
# What Studio's importer removes from xml_attributes before writing Split.
_IMPORT_ONLY_ATTRIBUTES: Final = ("parent_url", "parent_sequential_url", "index_in_children_list")


class ClassReadError(ValueError):
    """The block's own class refused its OLX: the component becomes an error block, saying so."""


@functools.cache
def _resolved_mixins(names: tuple[Any, ...]) -> tuple[type, ...]:
    return tuple(import_string(m) if isinstance(m, str) else m for m in names)


def site_mixins() -> tuple[type, ...]:
    """The site's ``XBLOCK_MIXINS`` (classes or dotted paths), () where it sets none."""
    return _resolved_mixins(tuple(getattr(settings, "XBLOCK_MIXINS", ())))


class _Ids(IdReader, IdGenerator):
    """Usage ids in one placeholder course: the ``url_name``, else an ``autogen_`` slug as Studio's."""

    def __init__(self) -> None:
        self._autogen = itertools.count()

    def create_definition(self, block_type: str, slug: str | None = None) -> UsageKey:
        return _COURSE.make_usage_key(block_type, slug or f"autogen_{block_type}_{next(self._autogen)}")

    def create_usage(self, def_id: UsageKey) -> UsageKey:
        return def_id

    def get_definition_id(self, usage_id: UsageKey) -> UsageKey:
        return usage_id

    def get_block_type(self, def_id: UsageKey) -> str:
        return str(def_id.block_type)

    def get_usage_id_from_aside(self, aside_id: Any) -> Any:
        raise NotImplementedError("asides are not read")

    def get_definition_id_from_aside(self, aside_id: Any) -> Any:
        raise NotImplementedError("asides are not read")

    def get_aside_type_from_usage(self, aside_id: Any) -> Any:
        raise NotImplementedError("asides are not read")

    def get_aside_type_from_definition(self, aside_id: Any) -> Any:
        raise NotImplementedError("asides are not read")

    def create_aside(self, definition_id: Any, usage_id: Any, aside_type: Any) -> Any:
        raise NotImplementedError("asides are not read")


class _ParsingRuntime(Runtime):
    """Just enough runtime for ``parse_xml``: ids, field data, i18n; nothing is rendered or served."""

    def __init__(self, mixologist: Mixologist) -> None:
        ids = _Ids()
        super().__init__(ids, ids, services={"field-data": DictFieldData({})})
        self.mixologist = mixologist

    def construct_xblock_from_class(
        self, cls: type, scope_ids: ScopeIds, field_data: Any = None, *a: Any, **k: Any
    ) -> Any:
        # One DictFieldData per block: it keys values by field name only.
        return super().construct_xblock_from_class(cls, scope_ids, field_data or DictFieldData({}), *a, **k)

    def add_node_as_child(self, block: Any, node: Any, id_generator: Any = None) -> None:
        """Children are the compiler's to read, not the parent's fields."""

    def handler_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("nothing is served while parsing")

    def resource_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("nothing is served while parsing")

    def local_resource_url(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("nothing is served while parsing")

    def publish(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("nothing is published while parsing")


@functools.cache
def _mixologist(mixins: tuple[type, ...]) -> Mixologist:
    return Mixologist(mixins)  # caches the mixed classes: one per process and mixin set


def read_with_class(
    block_class: type[XBlock],
    block_type: str,
    element: etree._Element,
    mixins: tuple[type, ...] = (),
    policy: Mapping[str, Any] | None = None,
) -> RealizedFields:
    """
    The fields ``block_class.parse_xml`` sets on ``element``, as Split would store them (JSON
    values, references as ``[block_type, block_id]``). ``policy`` (policy.json) goes on top, as the
    reader applies it. A refusal is a :class:`ClassReadError`; a database failure inside the
    class's parsing (ORA writes its rubric tables) a ``ParserFailure``, so the compile is retried.
    """
    element.attrib.pop("xblock-family", None)
    runtime = _ParsingRuntime(_mixologist(mixins))
    usage_id = runtime.id_generator.create_definition(block_type, element.get("url_name"))
    keys = ScopeIds(None, block_type, usage_id, usage_id)
    try:
        with transaction.atomic():  # a failing class leaves the compile's transaction usable
            block = block_class.parse_xml(element, runtime, keys)
            for name, value in (policy or {}).items():
                if name in block.fields:
                    setattr(block, name, block.fields[name].from_json(value))
            block.save()
    except DatabaseError as exc:
        raise ParserFailure(f"{block_type}: {block_class.__name__}.parse_xml: {exc!r}") from exc
    except Exception as exc:
        raise ClassReadError(f"{block_class.__name__}.parse_xml refused it: {exc!r}") from exc
    settings_fields: dict[str, Any] = {}
    content: dict[str, Any] = {}
    for name, field in block.fields.items():
        if field.scope not in (Scope.settings, Scope.content) or not field.is_set_on(block):
            continue
        value = _stored(field, field.read_from(block))
        if name == "xml_attributes" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in _IMPORT_ONLY_ATTRIBUTES}
        (settings_fields if field.scope == Scope.settings else content)[name] = value
    return _with_common_fields(block, block_type, element, RealizedFields(settings_fields, content))


def _stored(field: Any, value: Any) -> Any:
    """The value as Split stores it: references as block keys, anything else its ``to_json``."""
    if value is None:
        return None
    if isinstance(field, Reference):
        return _block_key(value)
    if isinstance(field, ReferenceList):
        return [_block_key(item) for item in value]
    if isinstance(field, ReferenceValueDict):
        return {key: _block_key(item) for key, item in value.items()}
    return field.to_json(value)


def _block_key(reference: Any) -> list[str]:
    key = reference if isinstance(reference, UsageKey) else UsageKey.from_string(str(reference))
    return [str(key.block_type), str(key.block_id)]


def _with_common_fields(
    block: Any, block_type: str, element: etree._Element, fields: RealizedFields
) -> RealizedFields:
    """The fields every block has that the class (without the site's mixins) has not, by the rule table."""
    missing = [name for name in COMMON_FIELDS if name not in block.fields and name in element.attrib]
    if not missing:
        return fields
    rules = realize_fields(block_type, element)
    settings_fields = dict(fields.settings)
    for name, value in rules.settings.items():
        if name in missing:
            settings_fields[name] = value
    unreadable = tuple(u for u in rules.unreadable if u.name in missing)
    for value in unreadable:
        if value.closed is not None:  # an access rule that does not read closes the block
            settings_fields[value.closed[0]] = value.closed[1]
    return RealizedFields(settings_fields, fields.content, unreadable)
