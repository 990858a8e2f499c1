"""Every module and role of the collection must be in the Python 2.7 matrix (tests/py27)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import yaml

from conftest import REPO


def _matrix():
    with open(os.path.join(REPO, "tests", "py27", "matrix.yml")) as handle:
        return yaml.safe_load(handle)


def test_every_module_runs_under_python27():
    # a module that is an action plugin (fleet_reports) runs on the controller, never on a target
    actions = set(os.listdir(os.path.join(REPO, "plugins", "action")))
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(REPO, "plugins", "modules"))
                     if name.endswith(".py") and not name.startswith("_") and name not in actions)
    assert modules, "no modules found"
    assert sorted(entry["name"] for entry in _matrix()["modules"]) == modules


def test_every_role_converges_under_python27():
    roles = sorted(name for name in os.listdir(os.path.join(REPO, "roles"))
                   if os.path.isdir(os.path.join(REPO, "roles", name, "tasks")))
    matrix = _matrix()["roles"]
    assert sorted(entry["name"] for entry in matrix) == roles
    for entry in matrix:
        assert os.path.isfile(os.path.join(REPO, entry["playbook"])), entry
