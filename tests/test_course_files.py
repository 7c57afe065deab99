"""
Course files (``static/`` and ``policies/assets.json``) imported into Learning Core: Open edX's
names and facts, bad files reported by name with nothing outside the export read, incremental
re-imports, and publishes that change only files compiling no new structure. The LMS's own path
(the contentserver view, static_replace) is tested in tests/platform/test_course_files.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openedx_content import api as content_api
from openedx_content.models_api import Component, Media, PublishLogRecord

from compile.vocabulary import ASSET_COMPONENT_NAMESPACE, ASSET_COMPONENT_TYPE, PUBLISHED_BRANCH
from lc_modulestore.api import ImportResult, OlxImportError, import_olx
from lc_modulestore.models import CourseBinding, CourseFile
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.serving.modulestore import LearningCoreModuleStore
from lc_modulestore.storage.backend import LearningCorePersistenceBackend
from lc_modulestore.storage.course_files import course_file_index, open_file

from .conftest import needs_demo_course
from .olx_cases import write_export

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "course-v1:LCTest+T1+2026"
OUTLINE = {
    "course/2026.xml": '<course display_name="Files"><chapter url_name="c1"/></course>',
    "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
    "sequential/s1.xml": '<sequential><vertical url_name="v1"/></sequential>',
    "vertical/v1.xml": '<vertical><html url_name="h1"/></vertical>',
    "html/h1.xml": '<html display_name="Page"><![CDATA[<img src="/static/a b.png"/>]]></html>',
}


def export_with(tmp_path: Path, files: dict[str, str | bytes], name: str = "export") -> Path:
    return write_export(tmp_path / name, {**OUTLINE, **files})


def files_of(key: str = KEY) -> dict[str, Any]:
    return course_file_index(key)


def read(record: Any) -> bytes:
    with open_file(record) as handle:
        data: bytes = handle.read()
    return data


def problems_about(result: ImportResult, text: str) -> list[str]:
    return [str(problem) for problem in result.problems if text in str(problem)]


# --- the demo course: every file, as the platform names it ---------------------------------------------


def test_the_demo_course_imports_every_file_with_its_bytes_and_facts(
    run_import: Callable[..., ImportResult],
) -> None:
    demo = needs_demo_course()
    static = demo / "static"
    on_disk = {p.relative_to(static).as_posix(): p for p in static.rglob("*") if p.is_file()}
    policy = json.loads((demo / "policies" / "assets.json").read_text())

    result = run_import(demo)

    index = files_of("course-v1:OpenedX+DemoX+DemoCourse")
    assert len(on_disk) == 124 and len(index) == 124 and result.files.created == 124
    by_import_path = {record.import_path: record for record in index.values()}
    assert set(by_import_path) == set(on_disk)
    for relative, path in on_disk.items():
        record = by_import_path[relative]
        data = path.read_bytes()
        # StaticContent.compute_location: '/' to '_', then what an asset key cannot hold to '_'.
        assert record.name == re.sub(r"[^\w.%-]", "_", relative.replace("/", "_"))
        assert record.length == len(data)
        assert record.content_digest == hashlib.md5(data).hexdigest()
        entry = policy.get(record.name, {})
        assert record.display_name == entry.get("displayname", path.name)
        assert record.locked is bool(entry.get("locked", False))
    assert read(index["open_source_guy.svg"]) == (static / "open source guy.svg").read_bytes()
    # One publish for blocks and files: the files' records are in the import's PublishLog.
    records = PublishLogRecord.objects.filter(publish_log_id=result.publish_log_id)
    asset_records = records.filter(
        entity__component__component_type__namespace=ASSET_COMPONENT_NAMESPACE,
        entity__component__component_type__name=ASSET_COMPONENT_TYPE,
    )
    assert asset_records.count() == 124 and records.count() > 124


# --- names, as Open edX gives them ---------------------------------------------------------------------


def test_names_follow_the_platform_rules_and_collisions_are_reported(
    tmp_path: Path, run_import: Callable[..., ImportResult]
) -> None:
    export = export_with(
        tmp_path,
        {
            "static/a b.png": b"space",
            "static/ünï cødé.txt": b"unicode",
            "static/x~y.txt": b"tilde inside",
            "static/50%.txt": b"percent",
            "static/sub/dir/deep.txt": b"nested, walked later",
            "static/sub_dir_deep.txt": b"top level, walked first",
            "static/backup.txt~": b"editor backup",
            "static/.DS_Store": b"macOS",
            "static/._a.png": b"AppleDouble",
        },
    )
    result = run_import(export)

    index = files_of()
    assert sorted(index) == ["50%.txt", "a_b.png", "sub_dir_deep.txt", "x_y.txt", "ünï_cødé.txt"]
    assert index["a_b.png"].display_name == "a b.png"
    assert index["a_b.png"].import_path == "a b.png"
    assert read(index["ünï_cødé.txt"]) == b"unicode"
    # Two paths, one name: the later file in os.walk's top-down order is the course's (the platform
    # saves both, the second over the first), and both are named.
    assert read(index["sub_dir_deep.txt"]) == b"nested, walked later"
    (collision,) = problems_about(result, "names the same course file")
    assert "static/sub_dir_deep.txt" in collision and "static/sub/dir/deep.txt" in collision
    skipped = problems_about(result, "skipped, as Open edX does")
    assert len(skipped) == 3
    # Learning Core codes are unique even where two names clean to one code (% is not a code character).
    codes = Component.objects.filter(publishable_entity__lc_course_file__binding__course_key=KEY).values_list(
        "component_code", flat=True
    )
    assert len(set(codes)) == 5


def test_assets_json_gives_names_types_and_locks_and_fails_closed(
    tmp_path: Path, run_import: Callable[..., ImportResult]
) -> None:
    policy = {
        "handout.pdf": {"displayname": "Week 1 handout", "contentType": "application/pdf", "locked": True},
        "odd.bin": {"contentType": "not/a-known-type", "locked": "yes"},
        "ghost.png": {"displayname": "not in the export"},
    }
    export = export_with(
        tmp_path,
        {
            "static/handout.pdf": b"%PDF",
            "static/odd.bin": b"\x00",
            "policies/assets.json": json.dumps(policy),
        },
    )
    result = run_import(export)

    index = files_of()
    assert index["handout.pdf"].display_name == "Week 1 handout"
    assert index["handout.pdf"].content_type == "application/pdf"
    assert index["handout.pdf"].locked is True
    # An unknown type is guessed from the name; a lock that is not a boolean locks (access never widened).
    assert index["odd.bin"].content_type == "application/octet-stream"
    assert index["odd.bin"].locked is True
    assert problems_about(result, "locked is 'yes'")
    assert problems_about(result, "ghost.png")


def test_malformed_assets_json_is_a_warning_and_defaults_apply(
    tmp_path: Path, run_import: Callable[..., ImportResult]
) -> None:
    export = export_with(tmp_path, {"static/a.txt": b"a", "policies/assets.json": '{"a.txt": {"locked": tru'})
    result = run_import(export)
    assert files_of()["a.txt"].locked is False
    (warning,) = problems_about(result, "policies/assets.json")
    assert warning.startswith("warning: policies/assets.json:1")


# --- bad input: named, skipped, nothing outside the export read ----------------------------------------


def test_bad_files_are_reported_by_name_and_the_rest_imports(
    tmp_path: Path, run_import: Callable[..., ImportResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_bytes(b"SECRET OUTSIDE THE EXPORT")
    export = export_with(tmp_path, {"static/good.txt": b"good", "static/locked-away.txt": b"unreadable"})
    (export / "static" / "link.txt").symlink_to(secret)
    (export / "static" / "linked-folder").symlink_to(secret.parent, target_is_directory=True)
    with open(export / "static" / "huge.bin", "wb") as huge:  # sparse: no 50 MB written
        huge.truncate(Media.MAX_FILE_SIZE + 1)
    unreadable = export / "static" / "locked-away.txt"
    _make_unreadable(unreadable, monkeypatch)

    result = run_import(export)

    assert sorted(files_of()) == ["good.txt"]
    assert problems_about(result, "static/link.txt")[0].startswith("error: static/link.txt")
    assert "leads outside the export" in problems_about(result, "static/link.txt")[0]
    assert "leads outside the export" in problems_about(result, "static/linked-folder")[0]
    assert "over Learning Core's limit" in problems_about(result, "static/huge.bin")[0]
    assert "cannot be read" in problems_about(result, "static/locked-away.txt")[0]
    secret_digest = hashlib.md5(secret.read_bytes()).hexdigest()
    assert not CourseFile.objects.filter(md5=secret_digest).exists()
    stored = [read(record) for record in files_of().values()]
    assert all(b"SECRET" not in data for data in stored)


def test_strict_refuses_bad_files_naming_them_and_writes_nothing(tmp_path: Path) -> None:
    export = export_with(tmp_path, {"static/good.txt": b"good"})
    with open(export / "static" / "huge.bin", "wb") as huge:
        huge.truncate(Media.MAX_FILE_SIZE + 1)
    with pytest.raises(OlxImportError) as refused:
        import_olx(export, strict=True)
    assert "static/huge.bin" in str(refused.value)
    assert not CourseBinding.objects.filter(course_key=KEY).exists()
    assert not CourseFile.objects.exists()


def _make_unreadable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No read permission; as root (CI), where permissions do not stop reads, the read fails instead."""
    path.chmod(0)
    if os.geteuid() != 0:
        return
    real = Path.read_bytes

    def refusing(self: Path) -> bytes:
        if self.name == path.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refusing)


# --- re-imports cost what changed ----------------------------------------------------------------------


def test_reimports_are_incremental(tmp_path: Path, run_import: Callable[..., ImportResult]) -> None:
    export = export_with(tmp_path, {"static/a.txt": b"one", "static/b.txt": b"bee", "static/c.txt": b"sea"})
    first = run_import(export)
    assert first.files.created == 3
    entity_of_a = CourseFile.objects.get(legacy_path="a.txt").entity_id

    again = run_import(export)
    assert again.publish_log_id is None
    assert (again.files.created, again.files.changed, again.files.unchanged) == (0, 0, 3)

    (export / "static" / "a.txt").write_bytes(b"two")
    (export / "static" / "c.txt").unlink()
    changed = run_import(export)
    assert (changed.files.changed, changed.files.unchanged, changed.files.deleted) == (1, 1, 1)
    index = files_of()
    assert sorted(index) == ["a.txt", "b.txt"]
    assert read(index["a.txt"]) == b"two"
    assert index["a.txt"].content_digest == hashlib.md5(b"two").hexdigest()
    assert content_api.get_component(entity_of_a).versioning.latest.version_num == 2

    (export / "static" / "c.txt").write_bytes(b"sea")  # back: the same component, a new version
    back = run_import(export)
    assert back.files.changed == 1 and back.files.created == 0
    assert read(files_of()["c.txt"]) == b"sea"


def test_a_changed_lock_updates_the_file_without_a_new_version(
    tmp_path: Path, run_import: Callable[..., ImportResult]
) -> None:
    export = export_with(tmp_path, {"static/a.txt": b"one"})
    run_import(export)
    (export / "policies").mkdir(exist_ok=True)
    (export / "policies" / "assets.json").write_text(json.dumps({"a.txt": {"locked": True}}))
    result = run_import(export)
    assert result.publish_log_id is None and result.files.changed == 1 and result.files.touched == ["a.txt"]
    assert files_of()["a.txt"].locked is True
    entity = CourseFile.objects.get(legacy_path="a.txt").entity_id
    assert content_api.get_component(entity).versioning.latest.version_num == 1


def test_a_files_only_publish_compiles_no_new_structure(
    tmp_path: Path, run_import: Callable[..., ImportResult]
) -> None:
    export = export_with(tmp_path, {"static/a.txt": b"one"})
    run_import(export)
    backend = LearningCorePersistenceBackend()
    before = backend.get_course_index(KEY)["versions"][PUBLISHED_BRANCH]

    (export / "static" / "a.txt").write_bytes(b"two")
    files_only = run_import(export)
    assert files_only.publish_log_id is not None
    assert backend.get_course_index(KEY)["versions"][PUBLISHED_BRANCH] == before

    (export / "static" / "a.txt").write_bytes(b"three")
    (export / "html" / "h1.xml").write_text('<html display_name="Page, edited"><![CDATA[<p>new</p>]]></html>')
    both = run_import(export)
    after = backend.get_course_index(KEY)["versions"][PUBLISHED_BRANCH]
    assert both.publish_log_id is not None and after != before
    assert read(files_of()["a.txt"]) == b"three"
    structure = backend.cached_structure(after)
    assert all(block_type != ASSET_COMPONENT_TYPE for block_type, _ in structure["blocks"])


def test_an_archive_imports_its_files(tmp_path: Path, run_import: Callable[..., ImportResult]) -> None:
    export = export_with(tmp_path, {"static/in-archive.txt": b"packed"})
    archive = tmp_path / "course.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(export, arcname="course")
    run_import(archive)
    assert read(files_of()["in-archive.txt"]) == b"packed"


# --- asset metadata through the modulestore -------------------------------------------------------------


def test_the_modulestore_answers_asset_metadata_from_the_files(
    tmp_path: Path, run_import: Callable[..., ImportResult]
) -> None:
    from opaque_keys.edx.keys import CourseKey

    export = export_with(tmp_path, {"static/b.txt": b"bee", "static/a.txt": b"a", "static/sub/c.txt": b"c"})
    run_import(export)
    key = CourseKey.from_string(KEY)
    store = LearningCoreModuleStore()
    set_course_override(DEFAULT_FLAG_NAME, key, True)

    found = store.find_asset_metadata(key.make_asset_key("asset", "sub_c.txt"))
    assert found.asset_id == key.for_branch(PUBLISHED_BRANCH).make_asset_key("asset", "sub_c.txt")
    assert found.pathname == "sub" and found.curr_version == hashlib.md5(b"c").hexdigest()
    assert store.find_asset_metadata(key.make_asset_key("asset", "missing.txt")) is None
    assert store.find_asset_metadata(key.make_asset_key("thumbnail", "a.txt")) is None
    listed = store.get_all_asset_metadata(key, "asset")
    assert [meta.asset_id.block_id for meta in listed] == ["a.txt", "b.txt", "sub_c.txt"]
    descending = 2  # ModuleStoreEnum.SortOrder.descending
    paged = store.get_all_asset_metadata(key, None, 1, 1, ("displayname", descending))
    assert [meta.asset_id.block_id for meta in paged] == ["b.txt"]
    assert store.get_all_asset_metadata(key, "thumbnail") == []


def test_a_file_that_cannot_be_imported_again_keeps_what_was_served(
    tmp_path: Path, run_import: Callable[..., ImportResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    export = export_with(
        tmp_path,
        {"static/big.bin": b"small at first", "static/linked.txt": b"a file", "static/unread.txt": b"r"},
    )
    (export / "static" / "gone-folder").mkdir()
    (export / "static" / "gone-folder" / "inner.txt").write_bytes(b"inner")
    run_import(export)
    assert sorted(files_of()) == ["big.bin", "gone-folder_inner.txt", "linked.txt", "unread.txt"]

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "inner.txt").write_bytes(b"SECRET")
    with open(export / "static" / "big.bin", "wb") as big:
        big.truncate(Media.MAX_FILE_SIZE + 1)
    (export / "static" / "linked.txt").unlink()
    (export / "static" / "linked.txt").symlink_to(outside / "inner.txt")
    _make_unreadable(export / "static" / "unread.txt", monkeypatch)
    result = run_import(export)

    # Each is reported, and the course keeps serving what it had under each name.
    assert len([p for p in result.problems if p.severity == "error"]) == 3
    index = files_of()
    assert read(index["big.bin"]) == b"small at first"
    assert read(index["linked.txt"]) == b"a file"
    assert read(index["unread.txt"]) == b"r"
    assert result.files.deleted == 0

    # A folder that has become a link out of the export: nothing of it read, nothing of it deleted.
    monkeypatch.undo()
    (export / "static" / "gone-folder" / "inner.txt").unlink()
    (export / "static" / "gone-folder").rmdir()
    (export / "static" / "gone-folder").symlink_to(outside, target_is_directory=True)
    (export / "static" / "linked.txt").unlink()
    result = run_import(export)
    assert read(files_of()["gone-folder_inner.txt"]) == b"inner"
    assert "leads outside the export" in problems_about(result, "static/gone-folder")[0]
    assert result.files.deleted == 0 and "linked.txt" in files_of()


def test_entries_for_absent_files_are_one_note(
    tmp_path: Path, run_import: Callable[..., ImportResult]
) -> None:
    policy = {f"absent-{n}.png": {"displayname": "x"} for n in range(12)}
    result = run_import(
        export_with(tmp_path, {"static/a.txt": b"a", "policies/assets.json": json.dumps(policy)})
    )
    (note,) = problems_about(result, "entries describe files the export does not have")
    assert note.startswith("note: policies/assets.json: 12 entries") and "and 7 more" in note
