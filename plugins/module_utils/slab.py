# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slab allocator and out-of-tree modules (seed story 5).

A kernel module passed a name in a stack buffer to kmem_cache_create(). On CentOS 7 (SLUB) it
worked; on CentOS 6 (SLAB, 2.6.32) the next module load failed with "kmem_cache_create:
duplicate cache": SLAB keeps the caller's name pointer instead of a copy, and compares new
names against it, so a name that outlived its stack frame made caches look duplicated.
Out-of-tree modules on a SLAB kernel are where that bites. Python 2.7 / 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import make_finding
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import host_path, read_text

STORY = 'slab_allocator'
# include/linux/kernel.h: TAINT_OOT_MODULE is bit 12 ('O'), TAINT_UNSIGNED_MODULE bit 13 ('E').
TAINT_OOT = 1 << 12
TAINT_UNSIGNED = 1 << 13
_MODULE_FLAGS = re.compile(r'\(([A-Z+-]+)\)\s*$')


def allocator(root, config=None):
    """(allocator, how it was told): SLUB when /sys/kernel/slab exists, else from the config."""
    if os.path.isdir(host_path(root, '/sys/kernel/slab')):
        return 'SLUB', '/sys/kernel/slab exists'
    for name in ('SLUB', 'SLAB', 'SLOB'):
        if config and config.get(name) == 'y':
            return name, 'CONFIG_%s=y' % name
    return None, 'no /sys/kernel/slab and no kernel config'


def parse_modules(text):
    """Loaded modules of /proc/modules: [{'name', 'taint'}] (taint letters, '' when clean)."""
    out = []
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        match = _MODULE_FLAGS.search(line)
        out.append({'name': words[0], 'taint': match.group(1) if match else ''})
    return out


def parse_slabinfo_names(text):
    """Cache names of /proc/slabinfo (versions 2.0 and 2.1)."""
    names = []
    for line in text.splitlines():
        if not line or line.startswith('slabinfo') or line.startswith('#'):
            continue
        names.append(line.split()[0])
    return names


def collect(root='/', config=None, with_caches=False):
    name, why = allocator(root, config)
    modules = parse_modules(read_text(root, '/proc/modules') or '')
    tainted_text = read_text(root, '/proc/sys/kernel/tainted')
    tainted = int(tainted_text.strip()) if tainted_text and tainted_text.strip().isdigit() else None
    out_of_tree = sorted(m['name'] for m in modules if 'O' in m['taint'])
    unsigned = sorted(m['name'] for m in modules if 'E' in m['taint'])
    facts = {
        'allocator': name,
        'allocator_source': why,
        'tainted': tainted,
        'tainted_out_of_tree': bool(tainted and tainted & TAINT_OOT),
        'tainted_unsigned': bool(tainted and tainted & TAINT_UNSIGNED),
        'out_of_tree_modules': out_of_tree,
        'unsigned_modules': unsigned,
        'caches': None,
    }
    if with_caches:
        text = read_text(root, '/proc/slabinfo')
        facts['caches'] = parse_slabinfo_names(text) if text is not None else None
    return facts


def finding(facts):
    evidence = {'allocator': facts['allocator'], 'out_of_tree_modules': facts['out_of_tree_modules'],
                'unsigned_modules': facts['unsigned_modules'], 'tainted': facts['tainted']}
    if facts['allocator'] == 'SLAB' and facts['out_of_tree_modules']:
        return make_finding(STORY, 'warn', 'out-of-tree modules (%s) run on a SLAB kernel: SLAB keeps the name '
                            'pointer given to kmem_cache_create(), so a name in a stack buffer turns into '
                            '"duplicate cache" errors (SLUB copies it)' % ', '.join(facts['out_of_tree_modules']),
                            evidence, 'check those modules pass a static or kstrdup()ed name to kmem_cache_create')
    if facts['allocator'] is None:
        return make_finding(STORY, 'not_applicable', 'slab allocator unknown (no /sys/kernel/slab, no config)',
                            evidence, None)
    return make_finding(STORY, 'ok', '%s allocator; %d out-of-tree module(s)'
                        % (facts['allocator'], len(facts['out_of_tree_modules'])), evidence, None)
