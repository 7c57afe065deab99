"""
The distribution and its configuration: a Tutor 22 plugin named lc-modulestore, that brings nothing
but Tutor into the operator's environment, with its configuration keys and defaults.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib import metadata

import pytest
from conftest import PLUGIN, PLUGIN_DIR, PROJECT, project_version

from tutorlcmodulestore.config import DEFAULTS
from tutorlcmodulestore.plugin import python_literal, setting_name

DISTRIBUTION = "tutor-contrib-lc-modulestore"


def test_tested_against_tutor_22():
    assert metadata.version("tutor").split(".")[0] == "22"


def test_a_tutor_plugin_that_requires_tutor_alone():
    (entry_point,) = [ep for ep in metadata.entry_points(group="tutor.plugin.v1") if ep.name == PLUGIN]
    assert entry_point.value == "tutorlcmodulestore.plugin"
    assert entry_point.dist is not None and entry_point.dist.name == DISTRIBUTION
    requirements = metadata.requires(DISTRIBUTION) or []
    assert [requirement.split("<")[0].split(">")[0].strip() for requirement in requirements] == ["tutor"]


def test_the_plugin_and_the_settings_helpers_import_no_django():
    """What runs in Tutor's environment, and what the settings patch imports before Django is set up."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import tutorlcmodulestore.plugin, lc_modulestore.operations.modulestore_settings,"
        " lc_modulestore.operations.contentstore_settings;"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'openedx_content'));"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code, str(PROJECT)], check=True, timeout=60)


def test_the_plugin_is_listed(site):
    listing = site().tutor("plugins", "list").stdout
    assert any(line.split()[0] == PLUGIN and "enabled" in line for line in listing.splitlines()[1:])


def test_configuration_defaults(site):
    version = project_version()
    printed = {key: site().tutor("config", "printvalue", key).stdout.strip() for key in DEFAULTS}
    assert printed == {
        "LC_MODULESTORE_VERSION": version,  # the release of this repository
        "LC_MODULESTORE_PIP_SPEC": f"lc-modulestore=={version}",
        "LC_MODULESTORE_PIN_PLATFORM_PACKAGES": "true",
        "LC_MODULESTORE_SERVE": "false",
        "LC_MODULESTORE_COMPILE_ASYNC": "false",
        "LC_MODULESTORE_COMPILE_QUEUE": "null",
        "LC_MODULESTORE_STRUCTURE_CACHE": "default",
        "LC_MODULESTORE_EXTRA_SETTINGS": "{}",
    }


@pytest.mark.parametrize("value", [None, True, 0, 2.5, "edx.cms.core.default", "it's", [1, "a"], {"a": None}])
def test_configuration_values_written_as_python(value):
    assert eval(python_literal(value)) == value


@pytest.mark.parametrize("value", [{1, 2}, {"a": object()}, [b"bytes"], float("inf"), [float("nan")]])
def test_other_values_refused(value):
    with pytest.raises(TypeError, match="cannot write"):
        python_literal(value)


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "LC_MODULESTORE_", "lc_modulestore_x", "LC_MODULESTORE_X=1", 3]
)
def test_extra_setting_names_checked(name):
    with pytest.raises(ValueError, match="LC_MODULESTORE_\\* settings only"):
        setting_name(name)


@pytest.mark.parametrize("name", ["LC_MODULESTORE_SERVE", "LC_MODULESTORE_COMPILE_QUEUE"])
def test_extra_settings_leave_the_keys_of_their_own_alone(name):
    with pytest.raises(ValueError, match="a configuration key of its own"):
        setting_name(name)


def test_the_wheel_holds_the_plugin_its_patches_and_tutor_alone(tmp_path):
    """Built from a copy of the folder (nothing written in it), offline, with this venv's setuptools."""
    pytest.importorskip(
        "setuptools", reason="make test-tutor installs setuptools, to build the wheel offline"
    )
    source = tmp_path / "source"
    shutil.copytree(PLUGIN_DIR, source, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
    build = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
    ]
    subprocess.run([*build, "--wheel-dir", str(tmp_path), str(source)], check=True, timeout=300)
    (wheel,) = tmp_path.glob("tutor_contrib_lc_modulestore-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(name for name in names if name.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
        metadata_text = archive.read(f"{info}/METADATA").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    patches = {path.name for path in (PLUGIN_DIR / "tutorlcmodulestore" / "patches").iterdir()}
    assert {f"tutorlcmodulestore/patches/{name}" for name in patches} <= names
    assert "[tutor.plugin.v1]\nlc-modulestore = tutorlcmodulestore.plugin" in entry_points
    requires = [line for line in metadata_text.splitlines() if line.startswith("Requires-Dist:")]
    assert [line.split()[1].rstrip("<>=,0123456789.") for line in requires] == ["tutor"]
