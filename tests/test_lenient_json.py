"""
Policy and grading files read as Open edX reads them (``compile.lenient_json``).

A file that is not valid JSON is a warning naming file and line, and the defaults apply; the
platform's fallbacks (``policies/<run>.json``, the root ``grading_policy.json``) are tried in its
order. The default grading policy is compared with the platform's own constant.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from compile.lenient_json import (
    DEFAULT_GRADING_POLICY,
    PolicyShapeError,
    merged_grading_policy,
    read_grading_policy,
    read_policy,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
PLATFORM_UTILS = SHARED / "platform" / "src" / "xmodule" / "course_metadata_utils.py"
TWO_TOYS = SHARED / "olx" / "platform-test-courses" / "two_toys"
XML_DAG = SHARED / "olx" / "platform-test-courses" / "xml_dag"


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


GOOD = json.dumps({"course/run": {"display_name": "Good"}})
# The old xml_dag policy: a trailing comma on line 6.
TRAILING_COMMA = '{\n    "course/run": {\n        "start": "2015-07-17T12:00",\n        "display_name": "Toy Course",\n        "graded": "true",\n    }\n}\n'  # noqa: E501


def test_policy_from_the_run_folder(tmp_path: Path) -> None:
    write(tmp_path, "policies/run/policy.json", GOOD)
    write(tmp_path, "policies/run.json", json.dumps({"course/run": {"display_name": "Old"}}))
    policy = read_policy(tmp_path, "run")
    assert (policy.value, policy.source, policy.warnings) == (
        json.loads(GOOD),
        "policies/run/policy.json",
        (),
    )


def test_old_single_file_location(tmp_path: Path) -> None:
    write(tmp_path, "policies/run.json", GOOD)
    policy = read_policy(tmp_path, "run")
    assert (policy.value["course/run"]["display_name"], policy.source) == ("Good", "policies/run.json")


def test_invalid_policy_is_a_warning_and_the_old_location_is_tried(tmp_path: Path) -> None:
    write(tmp_path, "policies/run/policy.json", TRAILING_COMMA)
    write(tmp_path, "policies/run.json", GOOD)
    policy = read_policy(tmp_path, "run")
    assert policy.source == "policies/run.json"
    [warning] = policy.warnings
    assert (warning.file, warning.line) == ("policies/run/policy.json", 6)
    assert str(warning).startswith("policies/run/policy.json:6: invalid JSON")


def test_invalid_policy_alone_means_no_policy(tmp_path: Path) -> None:
    write(tmp_path, "policies/run/policy.json", TRAILING_COMMA)
    policy = read_policy(tmp_path, "run")
    assert (policy.value, policy.source, len(policy.warnings)) == ({}, None, 1)
    assert "no policy applies" in policy.warnings[0].message


def test_empty_policy_falls_through(tmp_path: Path) -> None:
    write(tmp_path, "policies/run/policy.json", "{}")
    write(tmp_path, "policies/run.json", GOOD)
    assert read_policy(tmp_path, "run").source == "policies/run.json"


def test_no_policy_at_all(tmp_path: Path) -> None:
    policy = read_policy(tmp_path, "run")
    assert (policy.value, policy.source, policy.warnings, policy.unusable) == ({}, None, (), ())


def test_policy_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "policies/run/policy.json", "[1, 2]")
    with pytest.raises(PolicyShapeError) as raised:
        read_policy(tmp_path, "run")
    assert raised.value.where == "policies/run/policy.json"


def test_entry_that_is_not_an_object_is_set_apart(tmp_path: Path) -> None:
    write(tmp_path, "policies/run/policy.json", json.dumps({"chapter/a": "oops", "chapter/b": {"x": 1}}))
    policy = read_policy(tmp_path, "run")
    assert (policy.value, policy.unusable) == ({"chapter/b": {"x": 1}}, ("chapter/a",))


def test_not_utf8_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "policies/run").mkdir(parents=True)
    (tmp_path / "policies/run/policy.json").write_bytes(b'{\n"course/run": {"display_name": "\xe9"}}')
    [warning] = read_policy(tmp_path, "run").warnings
    assert (warning.line, warning.message.startswith("not UTF-8")) == (2, True)


WEIGHT_02 = '{\n  "GRADER": [\n    {\n      "type": "Homework",\n      "weight" : .02\n    }\n  ]\n}\n'


def test_invalid_grading_policy_is_a_warning_and_the_default(tmp_path: Path) -> None:
    write(tmp_path, "policies/run/grading_policy.json", WEIGHT_02)
    write(tmp_path, "grading_policy.json", json.dumps({"GRADE_CUTOFFS": {"A": 0.9}}))
    grading = read_grading_policy(tmp_path, "run")
    # The first file found is the only one read, even when it does not parse.
    assert (grading.value, grading.source) == (DEFAULT_GRADING_POLICY, "policies/run/grading_policy.json")
    [warning] = grading.warnings
    assert (warning.where, "default grading policy" in warning.message) == (
        "policies/run/grading_policy.json:5",
        True,
    )


def test_grading_policy_at_the_root(tmp_path: Path) -> None:
    write(tmp_path, "grading_policy.json", json.dumps({"GRADE_CUTOFFS": {"A": 0.9}}))
    grading = read_grading_policy(tmp_path, "run")
    assert grading.source == "grading_policy.json"
    assert grading.value == {"GRADER": DEFAULT_GRADING_POLICY["GRADER"], "GRADE_CUTOFFS": {"A": 0.9}}


def test_no_grading_policy_is_the_default(tmp_path: Path) -> None:
    grading = read_grading_policy(tmp_path, "run")
    assert (grading.value, grading.source, grading.warnings) == (DEFAULT_GRADING_POLICY, None, ())
    assert read_grading_policy(tmp_path, None).source is None


def test_grading_policy_merge_is_shallow_and_keeps_extra_keys() -> None:
    merged = merged_grading_policy({"GRADER": [], "EXTRA": 1})
    assert merged == {"GRADER": [], "GRADE_CUTOFFS": {"Pass": 0.5}, "EXTRA": 1}
    merged["GRADE_CUTOFFS"]["Pass"] = 0.9
    assert DEFAULT_GRADING_POLICY["GRADE_CUTOFFS"] == {"Pass": 0.5}  # never shared


def test_grading_policy_not_an_object_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "grading_policy.json", "[]")
    with pytest.raises(PolicyShapeError):
        read_grading_policy(tmp_path, "run")


def test_default_grading_policy_is_the_platforms() -> None:
    if not PLATFORM_UTILS.is_file():
        pytest.skip(f"{PLATFORM_UTILS} is not present (../shared comes with CI, not with a bare clone)")
    spec = importlib.util.spec_from_file_location("platform_course_metadata_utils", PLATFORM_UTILS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DEFAULT_GRADING_POLICY == DEFAULT_GRADING_POLICY


def test_two_toys_grade_cutoff_and_old_xml_dag_location() -> None:
    if not (TWO_TOYS / "course.xml").is_file():
        pytest.skip(f"{TWO_TOYS} is not present (../shared/olx comes with CI, not with a bare clone)")
    # The platform's test_policy_loading: two_toys.grade_cutoffs['C'] == 0.5999.
    assert read_grading_policy(TWO_TOYS, "TT_2012_Fall").value["GRADE_CUTOFFS"]["C"] == 0.5999
    # xml_dag keeps its policy in the 2012 location, policies/2012_Fall.json.
    policy = read_policy(XML_DAG, "2012_Fall")
    assert (policy.source, policy.value["course/2012_Fall"]["display_name"]) == (
        "policies/2012_Fall.json",
        "Toy Course",
    )
