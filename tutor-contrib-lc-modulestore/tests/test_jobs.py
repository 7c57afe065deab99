"""
The ``do`` jobs, through Tutor's real CLI: listed with their help, and run as far as Docker: a
``docker`` on ``PATH`` that records what Tutor asks of it stands in for Docker. The command Tutor
would run in the LMS job container is then run with ``sh -e -c``, as the container runs it, with a
``./manage.py`` (and a ``curl``) that record their arguments; and those arguments are parsed by the
real management commands' parsers (in the project's environment, which has Django).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT, Site

JOBS = {
    "lc-import": "Import an OLX course export into Learning Core (lc_import_olx)",
    "lc-compile": "Compile courses' latest Learning Core publish (lc_compile)",
    "lc-status": "Say where courses stand in Learning Core (lc_status)",
    "lc-flag": "Serve courses from Learning Core, or not (lc_flag on|off|unset|show)",
}
KEY = "course-v1:LCDemo+LC101+2026"
REAL_CURL = shutil.which("curl")
RECORDER = """#!{python}
import json, os, sys
with open(os.environ["RECORD"], "a") as record:
    record.write(json.dumps([os.path.basename(sys.argv[0]), *sys.argv[1:]]) + "\\n")
{extra}
"""
# `docker compose ls --format json`: Tutor asks whether a `tutor dev` project runs (none does).
DOCKER_EXTRA = 'if "ls" in sys.argv:\n    print("[]")'
# The real curl, given its options as the job wrote them, downloads from a local file into the test's
# folder instead (the URL and the container's path swapped): its own parser checks the options.
CURL_EXTRA = """
args = sys.argv[1:]
args[args.index("--output") + 1] = os.environ["LOCAL_OUTPUT"]
args = [os.environ["LOCAL_URL"] if arg.startswith("https://") else arg for arg in args]
os.execv(os.environ["REAL_CURL"], [os.environ["REAL_CURL"], *args])
"""


def write_recorder(path: Path, extra: str = "") -> None:
    path.write_text(RECORDER.format(python=sys.executable, extra=extra))
    path.chmod(0o755)


def records(path: Path) -> list[list[str]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


Result = subprocess.CompletedProcess[str]


def run_job(site: Site, tmp_path: Path, *args: str) -> tuple[Result, list[list[str]]]:
    """``tutor local do ARGS`` with the recording ``docker``: the result, and each container's argv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    write_recorder(bin_dir / "docker", DOCKER_EXTRA)
    log = tmp_path / "docker.jsonl"
    result = site.tutor(
        "local", "do", *args, check=False, env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "RECORD": str(log)}
    )
    runs = [argv for argv in records(log) if "run" in argv]
    return result, runs


def in_container(command: str, tmp_path: Path) -> list[list[str]]:
    """What ``command`` runs, run as the job container runs it: ``sh -e -c`` in the platform's folder."""
    platform = tmp_path / "edx-platform"
    platform.mkdir()
    write_recorder(platform / "manage.py")
    write_recorder(tmp_path / "bin" / "curl", CURL_EXTRA)
    export = tmp_path / "export.tar.gz"
    export.write_bytes(b"an export")
    log = tmp_path / "container.jsonl"
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "RECORD": str(log),
        "REAL_CURL": REAL_CURL or "curl-not-installed",
        "LOCAL_URL": export.as_uri(),
        "LOCAL_OUTPUT": str(tmp_path / "downloaded"),
    }
    subprocess.run(["sh", "-e", "-c", command], cwd=platform, env=env, check=True, timeout=60)
    if "curl" in command:
        assert (tmp_path / "downloaded").read_bytes() == b"an export"
    return records(log)


@pytest.mark.parametrize("mode", ["local", "dev", "k8s"])
def test_the_jobs_are_listed_with_their_help(site, mode):
    listing = " ".join(site().tutor(mode, "do", "--help").stdout.split())
    for job, short_help in JOBS.items():
        assert f"{job} {short_help}" in listing


def test_the_jobs_are_not_listed_without_the_plugin(site):
    listing = site(plugin=False).tutor("local", "do", "--help").stdout
    assert not any(job in listing for job in JOBS)


@pytest.mark.parametrize("job", JOBS)
def test_each_job_has_its_help(site, job):
    help_text = " ".join(site().tutor("local", "do", job, "--help").stdout.split())
    assert f"Usage: tutor local do {job}" in help_text
    command = {"lc-import": "lc_import_olx", "lc-compile": "lc_compile", "lc-status": "lc_status"}
    assert f"manage.py lms {command.get(job, 'lc_flag')}" in help_text


CASES = [
    (
        ["lc-import", "exports/c.tar.gz", "--course-key", KEY],
        [["manage.py", "lms", "lc_import_olx", "/openedx/data/exports/c.tar.gz", "--course-key", KEY]],
    ),
    (
        ["lc-import", "/mnt/exports/my course", "--strict", "--json"],
        [["manage.py", "lms", "lc_import_olx", "/mnt/exports/my course", "--strict", "--json"]],
    ),
    (
        ["lc-import", "https://example.org/exports/course.tar.gz"],
        [
            [
                "curl", "--fail", "--silent", "--show-error", "--location",
                "--output", "/tmp/lc-modulestore-export.tar.gz", "https://example.org/exports/course.tar.gz",
            ],
            ["manage.py", "lms", "lc_import_olx", "/tmp/lc-modulestore-export.tar.gz"],
        ],
    ),
    (
        ["lc-compile", KEY, "--full", "--branch", "both", "--json"],
        [["manage.py", "lms", "lc_compile", KEY, "--full", "--branch", "both", "--json"]],
    ),
    (["lc-compile", "--all"], [["manage.py", "lms", "lc_compile", "--all"]]),
    (["lc-status"], [["manage.py", "lms", "lc_status"]]),
    (["lc-status", KEY, "--json"], [["manage.py", "lms", "lc_status", KEY, "--json"]]),
    (
        ["lc-flag", "on", KEY, "--org", "OrgA", "--org", "OrgB", "--note", "pilot {{ LMS_HOST }}, 'OPS-42'"],
        [
            [
                "manage.py", "lms", "lc_flag", "on", KEY, "--org", "OrgA", "--org", "OrgB",
                "--note", "pilot {{ LMS_HOST }}, 'OPS-42'",
            ]
        ],
    ),
    (["lc-flag", "off", "--org", "OrgA"], [["manage.py", "lms", "lc_flag", "off", "--org", "OrgA"]]),
    (["lc-flag", "show", KEY, "--json"], [["manage.py", "lms", "lc_flag", "show", KEY, "--json"]]),
]  # fmt: skip


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(args) for args, _ in CASES])
def test_a_job_runs_the_command_in_the_lms_job_container(site, tmp_path, args, expected):
    if "https://" in " ".join(args) and REAL_CURL is None:
        pytest.skip("no curl here to check the download's options with")
    result, runs = run_job(site(), tmp_path, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    (argv,) = runs  # one container
    assert argv[argv.index("run") :][:3] == ["run", "--rm", "-T"]
    assert argv[-5:-1] == ["lms-job", "sh", "-e", "-c"]
    assert any(arg.endswith("env/local/docker-compose.jobs.yml") for arg in argv)
    assert in_container(argv[-1], tmp_path) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lc-compile"], "name at least one COURSE_KEY, or --all"),
        (["lc-flag", "on"], "name at least one COURSE_KEY, or --org ORG"),
        (["lc-flag", "maybe", KEY], "Invalid value"),
        (["lc-compile", KEY, "--branch", "main"], "Invalid value"),
    ],
)
def test_a_wrong_job_fails_before_any_container(site, tmp_path, args, message):
    result, runs = run_job(site(), tmp_path, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert runs == []


def project_python() -> Path | None:
    python = Path(os.environ.get("LC_PROJECT_PYTHON") or PROJECT / ".venv" / "bin" / "python")
    return python if python.exists() else None


PARSE = """
import json, sys
import django
django.setup()
from django.core.management import load_command_class
for argv in json.loads(sys.argv[1]):
    command = load_command_class("lc_modulestore", argv[0])
    command.create_parser("manage.py", argv[0]).parse_args(argv[1:])
"""


def test_the_management_commands_take_the_jobs_arguments():
    python = project_python()
    if python is None:
        pytest.skip("no project environment (make test-tutor gives LC_PROJECT_PYTHON)")
    argvs = [argv[2:] for _, expected in CASES for argv in expected if argv[0] == "manage.py"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.sqlite"}
    result = subprocess.run(
        [str(python), "-c", PARSE, json.dumps(argvs)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
