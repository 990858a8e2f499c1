"""Malformed /proc files (host_files_proc.py) through the collectors the facts modules call.

Each case's files are planted over a copy of its collector's base tree and the collector runs
through hostfs.exit_with_facts (fake_root.outcome): the message must hold the case's fragment
and name the file, never reach the catch-all; a case without a fragment must return facts.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import ext4threads, memory, pipe, slab
from hostile.fake_root import check, outcome, plant
from hostile.host_files_proc import BASES, CASES, MISSING

# what memory_watermark_facts, pipe_facts, ext4_thread_facts and slab_facts call with a root
COLLECTORS = {
    "memory": lambda root: memory.collect(root, page_size=4096),
    "pipe": lambda root: pipe.collect(root, probe=False, page_size=4096),
    "ext4": lambda root: ext4threads.collect(root, seconds=0),
    "slab": lambda root: slab.collect(root, config=None, with_caches=True),
}


def _ids():
    return ["%s-%d" % (case[0], index) for index, case in enumerate(CASES)]


def _fake_root(tmp_path, collector, files):
    root = str(tmp_path / "root")
    shutil.copytree(BASES[collector], root, symlinks=True)
    planted = {}
    for path, data in files.items():
        full = os.path.join(root, path.lstrip("/"))
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        elif os.path.lexists(full):
            os.remove(full)
        if data is not MISSING:
            planted[path] = data
    return plant(root, planted)


@pytest.mark.parametrize("collector, files, fragment", CASES, ids=_ids())
def test_malformed_proc_file_is_named_or_read(tmp_path, collector, files, fragment):
    root = _fake_root(tmp_path, collector, files)
    path = sorted(files)[0] if files else None
    check(outcome(lambda: COLLECTORS[collector](root)), fragment, path)


def test_every_collector_has_cases_and_there_are_enough():
    counts = dict((name, sum(1 for case in CASES if case[0] == name)) for name in COLLECTORS)
    assert all(count >= 5 for count in counts.values()), counts
    assert len(CASES) >= 30
    # refusals and acceptances both
    assert sum(1 for case in CASES if case[2] is None) >= 5 and sum(1 for case in CASES if case[2]) >= 30


def test_no_case_is_listed_twice():
    keys = [repr((case[0], sorted(case[1].items()))) for case in CASES]
    assert len(keys) == len(set(keys))
