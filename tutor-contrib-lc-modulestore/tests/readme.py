"""
The configuration README.rst documents ("Serving courses to the LMS"), read from the README itself:
its ``MODULESTORE`` and ``CONTENTSTORE`` code blocks, run with the site's own values for the names
they leave to the site (``DOC_STORE_CONFIG``, ``DATA_DIR``).
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_FLAG_NAME", "documented_configuration", "python_blocks", "without_default_flag"]

PROJECT = Path(__file__).resolve().parents[2]


def _default_flag_name() -> str:
    """``DEFAULT_FLAG_NAME`` of ``lc_modulestore/serving/flags.py`` (read, not imported: Django)."""
    tree = ast.parse((PROJECT / "lc_modulestore" / "serving" / "flags.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "DEFAULT_FLAG_NAME" for target in node.targets
        ):
            return str(ast.literal_eval(node.value))
    raise AssertionError("DEFAULT_FLAG_NAME not found in lc_modulestore/serving/flags.py")


DEFAULT_FLAG_NAME = _default_flag_name()


def python_blocks(readme: str) -> list[str]:
    """Every ``.. code-block:: python`` of an reStructuredText text, dedented."""
    blocks, lines = [], readme.splitlines()
    for index, line in enumerate(lines):
        if line.strip() != ".. code-block:: python":
            continue
        body = []
        for following in lines[index + 1 :]:
            if following.strip() and not following.startswith(" "):
                break
            body.append(following)
        blocks.append(textwrap.dedent("\n".join(body)).strip() + "\n")
    return blocks


def _block_defining(blocks: list[str], name: str) -> str:
    found = [block for block in blocks if f"\n{name} = {{" in f"\n{block}"]
    assert len(found) == 1, f"README.rst: {len(found)} python blocks define {name}"
    return found[0]


def documented_configuration(
    *, split_doc_store_config: dict[str, Any], contentstore_doc_store_config: dict[str, Any], data_dir: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """README's (MODULESTORE, CONTENTSTORE, the MODULESTORE block's other names) for these values."""
    blocks = python_blocks((PROJECT / "README.rst").read_text(encoding="utf-8"))
    modulestore_names: dict[str, Any] = {"DOC_STORE_CONFIG": split_doc_store_config, "DATA_DIR": data_dir}
    exec(_block_defining(blocks, "MODULESTORE"), modulestore_names)
    contentstore_names: dict[str, Any] = {"DOC_STORE_CONFIG": contentstore_doc_store_config}
    exec(_block_defining(blocks, "CONTENTSTORE"), contentstore_names)
    return modulestore_names["MODULESTORE"], contentstore_names["CONTENTSTORE"], modulestore_names


def without_default_flag(value: Any) -> Any:
    """``value`` with every ``"flag_name": DEFAULT_FLAG_NAME`` left out: README writes the default out."""
    if isinstance(value, dict):
        return {
            key: without_default_flag(item)
            for key, item in value.items()
            if not (key == "flag_name" and item == DEFAULT_FLAG_NAME)
        }
    if isinstance(value, list):
        return [without_default_flag(item) for item in value]
    return value
