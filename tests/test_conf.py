"""The settings table, the shared vocabulary and the one LRU: what the rest of the code relies on."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest
from django.test import override_settings

from compile.fields import COMMON_FIELDS
from compile.vocabulary import INHERITABLE_FIELDS
from lc_modulestore import conf
from lc_modulestore.lru import SettingSizedLRU

from .conftest import SHARED

README = Path(__file__).resolve().parents[1] / "README.rst"
INHERITANCE_PY = SHARED / "platform" / "src" / "xmodule" / "modulestore" / "inheritance.py"


@pytest.mark.parametrize("setting", conf.ALL_SETTINGS, ids=lambda s: s.name)
def test_readme_lists_every_setting_with_its_default(setting: conf.Setting[object]) -> None:
    rows = [line for line in README.read_text().splitlines() if line.startswith(f"``{setting.name}``")]
    assert len(rows) == 1, f"README.rst's settings table lacks {setting.name}"
    assert f"``{setting.default}``" in rows[0]


def test_a_setting_is_read_when_used() -> None:
    assert conf.STRUCTURE_LRU_SIZE.value == 32
    with override_settings(LC_MODULESTORE_STRUCTURE_LRU_SIZE=3):
        assert conf.STRUCTURE_LRU_SIZE.value == 3


def test_every_stored_inheritable_field_has_a_rule() -> None:
    """The one list of inheritable names and the rule table agree: only the user_info field is not stored."""
    assert INHERITABLE_FIELDS - COMMON_FIELDS.keys() == {"edxnotes_visibility"}


def test_inheritable_fields_are_the_platforms() -> None:
    if not INHERITANCE_PY.is_file():
        pytest.skip(f"{INHERITANCE_PY} is not present (../shared comes with CI, not with a bare clone)")
    tree = ast.parse(INHERITANCE_PY.read_text())
    mixin = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "InheritanceMixin")
    fields = {
        target.id
        for node in mixin.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert fields == INHERITABLE_FIELDS


def test_lru_evicts_least_recently_used_and_follows_its_setting() -> None:
    with override_settings(LC_MODULESTORE_STRUCTURE_INFO_LRU_SIZE=2):
        lru: SettingSizedLRU[str, int] = SettingSizedLRU(conf.STRUCTURE_INFO_LRU_SIZE)
        lru.put("a", 1)
        lru.put("b", 2)
        assert lru.get("a") == 1  # "b" is now the least recently used
        lru.put("c", 3)
        assert "b" not in lru and lru.get("a") == 1 and lru.get("c") == 3
    with override_settings(LC_MODULESTORE_STRUCTURE_INFO_LRU_SIZE=1):
        lru.put("d", 4)  # shrinks to the new size, keeping the newest
        assert len(lru) == 1 and lru.get("d") == 4
    with override_settings(LC_MODULESTORE_STRUCTURE_INFO_LRU_SIZE=0):
        lru.put("e", 5)
        assert len(lru) == 0 and lru.get("e") is None


def test_lru_is_safe_under_concurrent_puts_and_gets() -> None:
    with override_settings(LC_MODULESTORE_STRUCTURE_INFO_LRU_SIZE=8):
        lru: SettingSizedLRU[int, int] = SettingSizedLRU(conf.STRUCTURE_INFO_LRU_SIZE)
        errors: list[BaseException] = []

        def work(offset: int) -> None:
            try:
                for n in range(2000):
                    lru.put(offset + n % 16, n)
                    lru.get(offset + (n * 7) % 16)
            except BaseException as exc:  # pragma: no cover - the assertion reports it
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i * 100,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors and len(lru) == 8
