"""Fixtures of the service tests: small checklist files in a temporary folder."""

from __future__ import annotations

import copy

import pytest
import yaml


@pytest.fixture
def write_checklist(checklist_dir):
    """Write a definition (a dict, dumped as YAML) or raw YAML text as ``<name>.yaml``."""

    def write(content: dict | str, name: str | None = None):
        if isinstance(content, dict):
            name = name or content["id"]
            content = yaml.safe_dump(copy.deepcopy(content), allow_unicode=True, sort_keys=False)
        path = checklist_dir / f"{name}.yaml"
        path.write_text(content, encoding="utf-8")
        return path

    return write
