"""Every module's and plugin's DOCUMENTATION, EXAMPLES and RETURN is valid YAML (ansible-doc and
sanity's validate-modules refuse the file otherwise; a ': ' inside a plain line is the usual slip),
and every documented return value a module's text points at with RV() exists."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ast
import os
import re

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
PLUGINS = [os.path.join(kind, name) for kind in ("modules", "lookup", "filter")
           for name in sorted(os.listdir(os.path.join(REPO, "plugins", kind))) if name.endswith(".py") and not name.startswith("_")]


def _blocks(path):
    tree = ast.parse(open(os.path.join(REPO, "plugins", path)).read())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and getattr(node.targets[0], "id", None) in (
                "DOCUMENTATION", "EXAMPLES", "RETURN"):
            out[node.targets[0].id] = node.value.value
    return out


@pytest.mark.parametrize("path", PLUGINS)
def test_the_documentation_blocks_are_yaml(path):
    blocks = _blocks(path)
    if path.startswith("modules") or path.startswith("lookup"):
        assert set(blocks) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}, path
    for name, text in blocks.items():
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as exc:
            pytest.fail("%s %s is not YAML: %s" % (path, name, exc))


@pytest.mark.parametrize("path", [p for p in PLUGINS if p.startswith("modules")])
def test_every_rv_reference_names_a_documented_return_value(path):
    blocks = _blocks(path)
    returned = yaml.safe_load(blocks["RETURN"]) or {}
    names = set()

    def walk(prefix, mapping):
        for key, value in (mapping or {}).items():
            names.add(prefix + key)
            if isinstance(value, dict) and isinstance(value.get("contains"), dict):
                suffix = "[]" if value.get("type") == "list" else ""
                walk(prefix + key + suffix + ".", value["contains"])
    walk("", returned)
    text = blocks["DOCUMENTATION"] + blocks["RETURN"]
    for ref in re.findall(r"RV\(([^)=]+)", text):
        if "#" in ref:  # another plugin's
            continue
        assert ref in names, "%s: RV(%s) is not a return value" % (path, ref)
