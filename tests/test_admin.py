"""The Django admin, as staff use it: every page renders, every action does what it says."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from compile.vocabulary import PUBLISHED_BRANCH
from lc_modulestore.models import (
    CompiledErrorBlock,
    CompiledStructure,
    CompileFailure,
    CourseBinding,
    CourseFile,
    CourseFlagOverride,
    CourseIndex,
    ImportReport,
    OrgFlagOverride,
)
from lc_modulestore.serving.flags import SERVING_FLAG, set_org_override

from . import lc_ops
from .conftest import SAMPLE_COURSE

pytestmark = pytest.mark.django_db
KEY = "course-v1:LCDemo+LC101+2026"


@pytest.fixture
def binding(run_import: Any) -> CourseBinding:
    run_import(SAMPLE_COURSE)
    return CourseBinding.objects.get()


@pytest.fixture
def staff(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw")
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:lc_modulestore_{name}", args=args)


def page(client: Client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200, address
    return response.content.decode()


def act(client: Client, model: str, action: str, pks: list[int]) -> str:
    response = client.post(
        url(f"{model}_changelist"), {"action": action, "_selected_action": pks}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def test_bindings_list_and_page_say_where_each_course_stands(staff: Client, binding: CourseBinding) -> None:
    structure = CompiledStructure.objects.get(binding=binding, branch=PUBLISHED_BRANCH)
    listing = page(staff, url("coursebinding_changelist"))
    assert KEY in listing
    assert f"published-branch: {structure.publish_log_id}" in listing
    assert str(structure.block_count) in listing and str(len(structure.data)) in listing
    detail = page(staff, url("coursebinding_change", binding.pk))
    report = ImportReport.objects.get(course_key=KEY)
    assert "imported from " + str(SAMPLE_COURSE) in detail and "new," in detail  # the last import report
    assert url("importreport_change", report.pk) in detail  # linked to the report and to every import
    every = url("importreport_changelist") + "?" + urlencode({"course_key": KEY})
    assert every.replace("&", "&amp;") in detail and KEY in page(staff, every)
    shown = page(staff, url("importreport_change", report.pk))  # read-only, every problem listed
    assert "drafts/ ignored" in shown and 'name="_save"' not in shown
    assert "(full)" in detail  # the last compile, with its duration


def test_bindings_show_their_files_and_the_files_are_listed_read_only(
    staff: Client, binding: CourseBinding, run_import: Any, sample_copy: Path
) -> None:
    static = SAMPLE_COURSE / "static"
    total = sum(len(p.read_bytes()) for p in static.iterdir())
    files = url("coursefile_changelist") + f"?binding__id__exact={binding.pk}"
    listing = page(staff, url("coursebinding_changelist"))
    assert f'<td class="field-file_count"><a href="{files}">2</a></td>' in listing
    assert f'<td class="field-file_bytes">{total}</td>' in listing
    detail = page(staff, url("coursebinding_change", binding.pk))
    assert f'<a href="{files}">2</a>' in detail and f'<div class="readonly">{total}</div>' in detail
    shown = page(staff, files)
    md5 = hashlib.md5((static / "notes.txt").read_bytes()).hexdigest()
    assert "intro_video-en.srt" in shown and "notes.txt" in shown and md5 in shown
    notes = CourseFile.objects.get(legacy_path="notes.txt")
    one = page(staff, url("coursefile_change", notes.pk))
    assert md5 in one and "text/plain" in one and 'name="_save"' not in one  # read-only
    assert staff.get(url("coursefile_add")).status_code == 403
    assert staff.get(url("coursefile_delete", notes.pk)).status_code == 403
    assert "delete_selected" not in shown
    # A file a re-import deleted keeps its row, shown as not published, and is no longer counted.
    (sample_copy / "static" / "intro_video-en.srt").unlink()
    run_import(sample_copy)
    gone = CourseFile.objects.get(legacy_path="intro_video-en.srt")
    assert 'alt="False"' in page(staff, url("coursefile_change", gone.pk))
    assert 'alt="True"' in page(staff, url("coursefile_change", notes.pk))
    listing = page(staff, url("coursebinding_changelist"))
    assert f'<td class="field-file_count"><a href="{files}">1</a></td>' in listing
    assert f'<td class="field-file_bytes">{len((static / "notes.txt").read_bytes())}</td>' in listing


def test_recent_failures_are_counted_and_listed(
    staff: Client, binding: CourseBinding, django_capture_on_commit_callbacks: Any
) -> None:
    # A component that does not parse compiles into an error block, listed for operators.
    html = lc_ops.entity_of(binding, "html", "summary_html")
    lc_ops.set_block_xml(binding, html, "<html><p>unclosed</html")
    with django_capture_on_commit_callbacks(execute=True):
        lc_ops.publish(binding, [html])
    error_block = CompiledErrorBlock.objects.get(binding=binding)
    assert "summary_html" in page(staff, url("compilederrorblock_changelist"))
    page(staff, url("compilederrorblock_change", error_block.pk))
    # A compile that failed outright, as CompileFailure records it (message quoted from the compiler).
    failure = CompileFailure.objects.create(
        binding=binding, publish_log_id=None, message="SnapshotError: block.xml line 1: unclosed <p>"
    )
    listing = page(staff, url("coursebinding_changelist"))
    assert f"?binding__id__exact={binding.pk}" in listing
    assert "unclosed" not in listing and "block.xml" in page(staff, url("coursebinding_change", binding.pk))
    assert "block.xml" in page(staff, url("compilefailure_changelist") + f"?binding__id__exact={binding.pk}")
    page(staff, url("compilefailure_change", failure.pk))


def test_structures_are_read_only_and_have_an_outline(staff: Client, binding: CourseBinding) -> None:
    structure = CompiledStructure.objects.get(binding=binding, branch=PUBLISHED_BRANCH)
    assert url("compiledstructure_outline", structure.pk) in page(staff, url("compiledstructure_changelist"))
    detail = page(staff, url("compiledstructure_change", structure.pk))
    assert 'name="_save"' not in detail  # nothing to save: read-only
    outline = page(staff, url("compiledstructure_outline", structure.pk))
    assert "chapter" in outline and "[week1]" in outline and structure.object_id in outline
    assert staff.get(url("compiledstructure_add")).status_code == 403
    page(staff, url("courseindex_changelist"))
    page(staff, url("courseindex_change", CourseIndex.objects.get().pk))


def test_binding_actions_turn_courses_on_off_and_back_to_the_default(
    staff: Client, binding: CourseBinding
) -> None:
    assert "for 1 course(s)" in act(staff, "coursebinding", "serve_on", [binding.pk])
    assert SERVING_FLAG.explain(KEY).source == "course override" and SERVING_FLAG.is_enabled(KEY)
    act(staff, "coursebinding", "serve_off", [binding.pk])
    assert not SERVING_FLAG.is_enabled(KEY) and CourseFlagOverride.objects.get().note == "admin: ops"
    act(staff, "coursebinding", "serve_unset", [binding.pk])
    assert not CourseFlagOverride.objects.exists() and SERVING_FLAG.explain(KEY).source == "global flag"


def test_course_overrides_are_added_listed_and_switched(staff: Client, binding: CourseBinding) -> None:
    page(staff, url("courseflagoverride_add"))
    response = staff.post(
        url("courseflagoverride_add"),
        {"flag_name": SERVING_FLAG.name, "course_key": KEY, "enabled": "on", "note": "pilot"},
        follow=True,
    )
    assert response.status_code == 200 and SERVING_FLAG.is_enabled(KEY)
    row = CourseFlagOverride.objects.get()
    assert KEY in page(staff, url("courseflagoverride_changelist"))
    page(staff, url("courseflagoverride_change", row.pk))
    act(staff, "courseflagoverride", "serve_off", [row.pk])
    assert not SERVING_FLAG.is_enabled(KEY)
    act(staff, "courseflagoverride", "serve_unset", [row.pk])
    assert not CourseFlagOverride.objects.exists()


def test_org_overrides_are_added_listed_and_switched(staff: Client, binding: CourseBinding) -> None:
    response = staff.post(
        url("orgflagoverride_add"), {"flag_name": SERVING_FLAG.name, "org": "LCDemo", "note": ""}, follow=True
    )
    assert response.status_code == 200 and not SERVING_FLAG.is_enabled(KEY)
    assert SERVING_FLAG.explain(KEY).source == "org override"
    row = OrgFlagOverride.objects.get()
    page(staff, url("orgflagoverride_change", row.pk))
    act(staff, "orgflagoverride", "org_on", [row.pk])
    assert SERVING_FLAG.is_enabled(KEY)
    act(staff, "orgflagoverride", "org_unset", [row.pk])
    assert not OrgFlagOverride.objects.exists()
    set_org_override(SERVING_FLAG.name, "LCDemo", False)
    assert "LCDemo" in page(staff, url("orgflagoverride_changelist"))


def test_every_admin_page_of_the_app_renders(staff: Client, binding: CourseBinding) -> None:
    index = page(staff, reverse("admin:app_list", args=["lc_modulestore"]))
    for name in (
        "coursebinding",
        "compiledstructure",
        "compilefailure",
        "courseflagoverride",
        "orgflagoverride",
        "importreport",
        "coursefile",
    ):
        assert url(f"{name}_changelist") in index
        page(staff, url(f"{name}_changelist"))
    assert ImportReport.objects.exists()


def staff_with(client: Client, *codenames: str) -> Client:
    """A staff user (not a superuser) holding only these permissions of the app."""
    user = get_user_model().objects.create_user("viewer", "viewer@example.com", "pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="lc_modulestore", codename__in=codenames)
    )
    client.force_login(user)
    return client


def test_a_staff_user_who_may_only_view_cannot_turn_a_course_on(
    client: Client, binding: CourseBinding
) -> None:
    """Issue 19, defect 4: the on/off/unset actions checked no permission."""
    viewer = staff_with(client, "view_coursebinding", "view_courseflagoverride", "view_orgflagoverride")
    set_org_override(SERVING_FLAG.name, "LCDemo", False)
    override = CourseFlagOverride.objects.create(flag_name=SERVING_FLAG.name, course_key=KEY, enabled=False)
    org = OrgFlagOverride.objects.get()
    listing = page(viewer, url("coursebinding_changelist"))
    assert "serve_on" not in listing
    for model, action, pk in (
        ("coursebinding", "serve_on", binding.pk),
        ("courseflagoverride", "serve_on", override.pk),
        ("courseflagoverride", "serve_unset", override.pk),
        ("orgflagoverride", "org_on", org.pk),
    ):
        viewer.post(url(f"{model}_changelist"), {"action": action, "_selected_action": [pk]})
    assert not SERVING_FLAG.is_enabled(KEY)
    assert (
        CourseFlagOverride.objects.get().enabled is False and OrgFlagOverride.objects.get().enabled is False
    )


def test_the_flag_actions_need_the_override_permissions(client: Client, binding: CourseBinding) -> None:
    operator = staff_with(
        client,
        "view_coursebinding",
        "add_courseflagoverride",
        "change_courseflagoverride",
        "delete_courseflagoverride",
    )
    assert "for 1 course(s)" in act(operator, "coursebinding", "serve_on", [binding.pk])
    assert SERVING_FLAG.is_enabled(KEY)


def test_the_outline_needs_the_structure_view_permission(client: Client, binding: CourseBinding) -> None:
    """Issue 19, defect 5: any staff user read any compiled course's outline."""
    structure = CompiledStructure.objects.get(binding=binding, branch=PUBLISHED_BRANCH)
    stranger = staff_with(client, "view_coursebinding")
    assert stranger.get(url("compiledstructure_outline", structure.pk)).status_code == 403
    viewer = get_user_model().objects.get(username="viewer")
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_compiledstructure"))
    assert "[week1]" in page(stranger, url("compiledstructure_outline", structure.pk))
