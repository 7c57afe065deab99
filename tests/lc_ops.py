"""
Authoring operations done the way Studio-on-Learning-Core would do them: through the public API,
then a publish (whose on_commit compile the caller lets run).
"""

from __future__ import annotations

from datetime import UTC, datetime

from openedx_content import api as content_api
from openedx_content.models_api import ComponentVersionMedia, PublishLog

from lc_modulestore.models import BlockEntity, CourseBinding


def now() -> datetime:
    return datetime.now(tz=UTC)


def entity_of(binding: CourseBinding, block_type: str, block_id: str) -> int:
    return BlockEntity.objects.get(binding=binding, block_type=block_type, block_id=block_id).entity_id


def block_xml(entity_id: int) -> str:
    version = content_api.get_component(entity_id).versioning.draft
    return ComponentVersionMedia.objects.get(component_version=version, path="block.xml").media.text


def set_block_xml(binding: CourseBinding, entity_id: int, olx: str) -> None:
    component = content_api.get_component(entity_id)
    media_type = content_api.get_or_create_media_type(
        f"application/vnd.openedx.xblock.v1.{component.component_type.name}+xml"
    )
    media = content_api.get_or_create_text_media(
        binding.learning_package_id, media_type.id, text=olx, created=now()
    )
    content_api.create_next_component_version(
        entity_id, media_to_replace={"block.xml": media.id}, created=now()
    )


def add_html(binding: CourseBinding, code: str, body: str) -> int:
    component_type = content_api.get_or_create_component_type("xblock.v1", "html")
    media_type = content_api.get_or_create_media_type("application/vnd.openedx.xblock.v1.html+xml")
    olx = f'<html display_name="{code}"><![CDATA[{body}]]></html>'
    media = content_api.get_or_create_text_media(
        binding.learning_package_id, media_type.id, text=olx, created=now()
    )
    component, _ = content_api.create_component_and_version(
        binding.learning_package_id,
        component_type=component_type,
        component_code=code,
        title=code,
        created=now(),
        media={"block.xml": media.id},
    )
    return component.id


def unit_children(unit_id: int) -> list[int]:
    unit = content_api.get_unit(unit_id)
    return [
        entry.component_version.component.id
        for entry in content_api.get_components_in_unit(unit, published=False)
    ]


def set_unit_children(unit_id: int, component_ids: list[int]) -> None:
    components = [content_api.get_component(c) for c in component_ids]
    content_api.create_next_unit_version(unit_id, components=components, created=now(), created_by=None)


def publish(binding: CourseBinding, entity_ids: list[int] | None = None) -> PublishLog:
    """Publish the given entities (with their unpublished dependencies), or every draft."""
    lp_id = binding.learning_package_id
    if entity_ids is None:
        return content_api.publish_all_drafts(lp_id, published_at=now())
    drafts = content_api.get_all_drafts(lp_id).filter(entity_id__in=entity_ids)
    return content_api.publish_from_drafts(lp_id, draft_qset=drafts, published_at=now())
