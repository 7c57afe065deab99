"""
What an import wrote into Learning Core for one course, as sorted text lines free of row ids and
times: the acceptance snapshot of issue 21 (``tests/data/import_snapshot/``), kept so that any
change to how the importer writes can be shown to leave the content as it was.

Each line is one fact, so a diff names exactly what changed: ``entity`` (its kind, draft and
published version), ``version`` (title), ``media`` (path, media type, size, Learning Core's hash
of the bytes), ``child`` (a container version's list, in order, pins included), ``deps``,
``field`` (this project's ``VersionFieldData``, one line per field, big values hashed), ``block``
(``BlockEntity``), ``file`` (``CourseFile``), ``publish`` (every PublishLog of the package in
order, one line per record). Entities are named by ``entity_ref``, versions by number.

Regenerate after an intended change with::

    LC_SNAPSHOT_WRITE=1 .venv/bin/pytest -q tests/test_import_snapshot.py
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from openedx_content.models_api import (
    ComponentVersionMedia,
    ContainerVersion,
    EntityListRow,
    PublishableEntity,
    PublishableEntityVersion,
    PublishableEntityVersionDependency,
    PublishLog,
    PublishLogRecord,
)

from lc_modulestore.models import BlockEntity, CourseBinding, CourseFile, VersionFieldData

__all__ = ["snapshot_lines"]

_INLINE_MAX = 100  # longer values are shown as their hash and length


def _value(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) <= _INLINE_MAX:
        return text
    return f"sha256:{hashlib.sha256(text.encode()).hexdigest()[:16]} ({len(text)} chars)"


def snapshot_lines(binding: CourseBinding) -> list[str]:
    """Every fact the import wrote for ``binding``'s course, sorted."""
    lp_id = binding.learning_package_id
    entities = PublishableEntity.objects.filter(learning_package_id=lp_id)
    refs: dict[int, str] = dict(entities.values_list("id", "entity_ref"))
    versions = {
        pk: (refs[entity_id], num)
        for pk, entity_id, num in PublishableEntityVersion.objects.filter(
            entity__learning_package_id=lp_id
        ).values_list("id", "entity_id", "version_num")
    }

    def v(version_id: int | None) -> str:
        return "-" if version_id is None else f"v{versions[version_id][1]}"

    def named(version_id: int) -> str:
        ref, num = versions[version_id]
        return f"{ref} v{num}"

    lines = [f"root {refs[binding.root_id] if binding.root_id else '-'}"]
    for ref, component_type, container_type, draft, published, alone in entities.values_list(
        "entity_ref",
        "component__component_type__name",
        "container__container_type__type_code",
        "draft__version_id",
        "published__version_id",
        "can_stand_alone",
    ):
        kind = f"component:{component_type}" if component_type else f"container:{container_type}"
        lines.append(f"entity {ref} {kind} draft={v(draft)} published={v(published)} alone={alone}")
    for pk, title in PublishableEntityVersion.objects.filter(entity__learning_package_id=lp_id).values_list(
        "id", "title"
    ):
        lines.append(f"version {named(pk)} title={_value(title)}")
    for version_id, path, media_type, subtype, suffix, size, digest in ComponentVersionMedia.objects.filter(
        component_version__publishable_entity_version__entity__learning_package_id=lp_id
    ).values_list(
        "component_version_id",
        "path",
        "media__media_type__type",
        "media__media_type__sub_type",
        "media__media_type__suffix",
        "media__size",
        "media__hash_digest",
    ):
        mime = f"{media_type}/{subtype}{'+' + suffix if suffix else ''}"
        lines.append(f"media {named(version_id)} {path} {mime} {size} {digest}")
    lists = dict(
        ContainerVersion.objects.filter(
            publishable_entity_version__entity__learning_package_id=lp_id
        ).values_list("entity_list_id", "pk")
    )
    for list_id, order, entity_id, pinned in EntityListRow.objects.filter(
        entity_list_id__in=list(lists)
    ).values_list("entity_list_id", "order_num", "entity_id", "entity_version_id"):
        pin = f"@{v(pinned)}" if pinned is not None else ""
        lines.append(f"child {named(lists[list_id])} {order:04d} {refs[entity_id]}{pin}")
    deps: dict[int, list[str]] = defaultdict(list)
    for version_id, entity_id in PublishableEntityVersionDependency.objects.filter(
        referring_version__entity__learning_package_id=lp_id
    ).values_list("referring_version_id", "referenced_entity_id"):
        deps[version_id].append(refs[entity_id])
    for version_id, referenced in deps.items():
        lines.append(f"deps {named(version_id)} {_value(sorted(referenced))}")
    for version_id, settings, content, parser in VersionFieldData.objects.filter(
        version__entity__learning_package_id=lp_id
    ).values_list("version_id", "settings", "content", "parser_version"):
        lines.append(f"fields {named(version_id)} parser={parser}")
        for scope, values in (("settings", settings), ("content", content)):
            for name, value in values.items():
                lines.append(f"field {named(version_id)} {scope}.{name}={_value(value)}")
    for block_type, block_id, entity_id, filenames in BlockEntity.objects.filter(binding=binding).values_list(
        "block_type", "block_id", "entity_id", "xml_filenames"
    ):
        lines.append(f"block {block_type}/{block_id} {refs[entity_id]} {_value(filenames)}")
    for row in CourseFile.objects.filter(binding=binding).values(
        "legacy_path", "entity_id", "import_path", "display_name", "content_type", "locked", "md5", "size"
    ):
        facts = {k: row[k] for k in ("import_path", "display_name", "content_type", "locked", "md5", "size")}
        lines.append(f"file {row['legacy_path']} {refs[row['entity_id']]} {_value(facts)}")
    logs = list(
        PublishLog.objects.filter(learning_package_id=lp_id).order_by("id").values_list("id", "message")
    )
    number = {log_id: n for n, (log_id, _message) in enumerate(logs, 1)}
    for log_id, message in logs:
        lines.append(f"publishlog {number[log_id]} {_value(message)}")
    for log_id, entity_id, old, new, direct in PublishLogRecord.objects.filter(
        publish_log__learning_package_id=lp_id
    ).values_list("publish_log_id", "entity_id", "old_version_id", "new_version_id", "direct"):
        lines.append(f"publish {number[log_id]} {refs[entity_id]} {v(old)}->{v(new)} direct={direct}")
    return sorted(lines)
