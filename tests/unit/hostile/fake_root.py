"""Malformed host files on fake roots: the harness every ``host_files_*.py`` list runs through.

A case is ``(collector, files, fragment)``: ``files`` maps host paths to the bytes planted
under a temporary root (a value of ``None`` plants a directory); ``collector`` names a callable
in COLLECTORS of the test that uses the list, called with the root. The result goes through
the facts modules' own exit path (hostfs.exit_with_facts) with a stand-in module, so what is
checked is what a user would see: facts, or a ``fail_json`` message. A fragment means the
message must hold it (and the file's path); None means the facts are returned. No input may
reach the catch-all (that is a bug report, not an answer) and nothing may escape as a traceback.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from ansible_collections.fleetfix.kernel.plugins.module_utils import hostfs

CATCH_ALL = 'a bug in fleetfix.kernel'


class _Exit(Exception):
    pass


class StandIn(object):
    """What exit_with_facts needs of an AnsibleModule: records the outcome."""

    _name = 'fleetfix.kernel.fake_root'

    def __init__(self):
        self.outcome = None

    def fail_json(self, **kwargs):
        self.outcome = ('failed', kwargs)
        raise _Exit()

    def exit_json(self, **kwargs):
        self.outcome = ('ok', kwargs)
        raise _Exit()


def plant(root, files):
    """Write ``files`` ({host path: bytes or None for a directory}) under ``root``."""
    for path, data in sorted(files.items()):
        full = os.path.join(str(root), path.lstrip('/'))
        if data is None:
            if not os.path.isdir(full):
                os.makedirs(full)
            continue
        parent = os.path.dirname(full)
        if not os.path.isdir(parent):
            os.makedirs(parent)
        with open(full, 'wb') as handle:
            handle.write(data if isinstance(data, bytes) else data.encode('utf-8'))
    return str(root)


def outcome(collect):
    """Run ``collect()`` through exit_with_facts: ('ok', facts) or ('failed', message)."""
    module = StandIn()
    try:
        hostfs.exit_with_facts(module, 'facts', collect)
    except _Exit:
        pass
    status, result = module.outcome
    if status == 'ok':
        return status, result['ansible_facts']['facts']
    return status, result['msg']


def check(case_outcome, fragment, path=None):
    """Assert an outcome against a case's fragment (see the module docstring)."""
    status, value = case_outcome
    if fragment is None:
        assert status == 'ok', value
        return
    assert status == 'failed', 'accepted: %r' % (value,)
    assert CATCH_ALL not in value, value
    assert fragment in value, value
    if path:
        assert path in value, value
