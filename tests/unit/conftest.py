"""Make the collection importable as ansible_collections.fleetfix.kernel from this checkout."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import sys
import tempfile

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def _collection_parent():
    parts = REPO.split(os.sep)
    if parts[-3:-1] == ["ansible_collections", "fleetfix"] and parts[-1] == "kernel":
        return os.sep.join(parts[:-3])  # already laid out as ansible-test wants it
    tmp = tempfile.mkdtemp(prefix="fleetfix-unit-")
    os.makedirs(os.path.join(tmp, "ansible_collections", "fleetfix"))
    os.symlink(REPO, os.path.join(tmp, "ansible_collections", "fleetfix", "kernel"))
    return tmp


_PARENT = _collection_parent()
sys.path.insert(0, _PARENT)


def pytest_unconfigure(config):
    if _PARENT.startswith(tempfile.gettempdir()) and "fleetfix-unit-" in _PARENT:
        shutil.rmtree(_PARENT, ignore_errors=True)


@pytest.fixture
def fixture_root():
    """Path of a captured host tree under tests/unit/fixtures."""
    def _root(*parts):
        path = os.path.join(FIXTURES, *parts)
        assert os.path.isdir(path), path
        return path
    return _root
