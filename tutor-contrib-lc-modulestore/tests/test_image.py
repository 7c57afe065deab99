"""
The openedx image's Dockerfile Tutor renders with the plugin enabled: it installs lc-modulestore,
where Tutor installs the platform's Python packages. The install command itself is run here with
uv (the image's ``$PIP_COMMAND`` is ``uv pip``) and pip, against this environment's packages,
resolving only (``--dry-run``) and offline: Docker is not needed, and nothing is installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from conftest import Site, new_site, project_version

UV = Path(sys.executable).with_name("uv")
MARK = "# lc-modulestore (tutor-contrib-lc-modulestore)"
CONSTRAINTS = "/tmp/lc-modulestore-constraints.txt"


def dockerfile(site: Site) -> str:
    return site.rendered("build", "openedx", "Dockerfile").read_text()


def install_command(text: str) -> str:
    """The shell command of the plugin's RUN instruction (its cache mount left out)."""
    lines = text[text.index(MARK) :].splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("RUN "))
    instruction = []
    for line in lines[start:]:
        instruction.append(line.rstrip().removesuffix("\\").strip())
        if not line.rstrip().endswith("\\"):
            break
    run, mount, command = " ".join(instruction).split(" ", 2)
    assert run == "RUN" and mount.startswith("--mount="), instruction
    return command


def test_the_image_installs_the_package_with_the_platforms_python_packages(site):
    text = dockerfile(site())
    spec = f"lc-modulestore=={project_version()}"
    assert f"$PIP_COMMAND install --constraint {CONSTRAINTS} '{spec}'" in text
    # In the stage that installs the platform's requirements, after them, into its virtualenv.
    stage = text.index("FROM python AS python-requirements")
    assert stage < text.index("requirements/edx/base.txt") < text.index(MARK)
    assert text.index(MARK) < text.index("FROM python AS nodejs-requirements")
    assert text.count(MARK) == 1


def test_a_git_url_without_the_platforms_constraints(site):
    url = "git+https://example.org/openedx/lc-modulestore@v0.1.0"
    text = dockerfile(site(f"LC_MODULESTORE_PIP_SPEC={url}", "LC_MODULESTORE_PIN_PLATFORM_PACKAGES=false"))
    assert install_command(text) == f"$PIP_COMMAND install '{url}'"
    assert CONSTRAINTS not in text


def resolve(site: Site, tool: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The plugin's install command, run in this environment: ``install`` resolves only, offline."""
    base = {"uv": f"{UV} pip", "pip": f"{sys.executable} -m pip"}[tool]
    offline = {"uv": "--dry-run --offline", "pip": "--dry-run --no-index"}[tool]
    wrapper = tmp_path / f"{tool}-command"
    install = f'if [ "$1" = install ]; then shift; exec {base} install {offline} "$@"; fi'
    wrapper.write_text(f'#!/bin/sh\n{install}\nexec {base} "$@"\n')
    wrapper.chmod(0o755)
    command = install_command(dockerfile(site)).replace(CONSTRAINTS, str(tmp_path / "constraints.txt"))
    env = {
        **os.environ,
        "PIP_COMMAND": str(wrapper),
        "VIRTUAL_ENV": sys.prefix,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    return subprocess.run(["sh", "-e", "-c", command], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("tool", ["uv", "pip"])
def test_the_install_command_runs(site, tool, tmp_path):
    if tool == "uv" and not UV.exists():
        pytest.skip("uv is not installed here (make test-tutor installs it)")
    tutor = f"tutor=={metadata.version('tutor')}"  # installed: resolves with no index
    result = resolve(site(f"LC_MODULESTORE_PIP_SPEC={tutor}"), tool, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "constraints.txt").exists()  # removed after use


def test_a_conflict_with_the_platforms_packages_fails(site, tmp_path):
    if not UV.exists():
        pytest.skip("uv is not installed here (make test-tutor installs it)")
    click = metadata.version("click")
    result = resolve(site(f"LC_MODULESTORE_PIP_SPEC=click!={click}"), "uv", tmp_path)
    assert result.returncode != 0
    assert f"click=={click}" in result.stderr  # refused because of the constraint, not replaced


def test_a_mounted_checkout_is_installed_over_the_release(tmp_path):
    checkout = tmp_path / "lc-modulestore"
    checkout.mkdir()
    scratch = new_site(tmp_path / "site")
    scratch.tutor("plugins", "enable", "lc-modulestore")
    scratch.tutor("mounts", "add", str(checkout))
    text = dockerfile(scratch)
    editable = 'RUN $PIP_COMMAND install -e "/mnt/lc-modulestore"'
    # In the production stage, after the release the plugin installs: the checkout is what runs.
    assert text.index(MARK) < text.index("FROM minimal AS production") < text.index(editable)
    compose = yaml.safe_load(scratch.rendered("local", "docker-compose.yml").read_text())
    assert f"{checkout}:/mnt/lc-modulestore:z" in compose["services"]["lms"]["volumes"]
