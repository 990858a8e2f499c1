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
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import host_path, is_uint, malformed, read_text

STORY = 'slab_allocator'
# include/linux/kernel.h: TAINT_OOT_MODULE is bit 12 ('O'), TAINT_UNSIGNED_MODULE bit 13 ('E').
TAINT_OOT = 1 << 12
TAINT_UNSIGNED = 1 << 13
_MODULE_FLAGS = re.compile(r'\(([A-Z+-]+)\)\s*$')
_SLABINFO_HEADER = re.compile(r'^slabinfo - version: 2\.[0-9]{1,3}\s*$')
TAINTED = '/proc/sys/kernel/tainted'
U64_MAX = 2 ** 64 - 1
# a sysctl value is one line: a larger file is not one
SMALL_FILE_BYTES = 64 * 1024


def allocator(root, config=None):
    """(allocator, how it was told): SLUB when /sys/kernel/slab exists, else from the config."""
    if os.path.isdir(host_path(root, '/sys/kernel/slab')):
        return 'SLUB', '/sys/kernel/slab exists'
    for name in ('SLUB', 'SLAB', 'SLOB'):
        if config and config.get(name) == 'y':
            return name, 'CONFIG_%s=y' % name
    return None, 'no /sys/kernel/slab and no kernel config'


def parse_modules(text, source='/proc/modules'):
    """Loaded modules of /proc/modules: [{'name', 'taint'}] (taint letters, '' when clean).

    Each line is "name size refcount deps state address [(taints)]" (2.6 to 6.x); a line
    without a name and a size in bytes is a HostReadError naming the line."""
    out = []
    for number, line in enumerate(text.split('\n'), 1):
        words = line.split()
        if not words:
            continue
        if len(words) < 2 or not is_uint(words[1]) or int(words[1]) > U64_MAX:
            raise malformed(source, number, '"name size refcount deps state address"', line.strip())
        match = _MODULE_FLAGS.search(line)
        out.append({'name': words[0], 'taint': match.group(1) if match else ''})
    return out


def parse_tainted(text, source=TAINTED):
    """kernel.tainted: an unsigned long, the taint flags as bits."""
    value = text.strip()
    if not is_uint(value) or int(value) > U64_MAX:
        raise malformed(source, None, 'the taint flags as an integer from 0 to %d' % U64_MAX, value)
    return int(value)


def parse_slabinfo(text, source='/proc/slabinfo'):
    """Cache names of /proc/slabinfo (versions 2.0 and 2.1; SLUB writes 2.1 too).

    The first line is "slabinfo - version: 2.x"; lines starting with '#' are comments; every
    other line is "name active_objs num_objs objsize objperslab pagesperslab : ...", the five
    numbers unsigned. Anything else is a HostReadError naming the line."""
    names = []
    header = False
    for number, line in enumerate(text.split('\n'), 1):
        if not line.strip():
            continue
        if not header:
            if not _SLABINFO_HEADER.match(line):
                raise malformed(source, number, '"slabinfo - version: 2.0" or "2.1"', line.strip())
            header = True
            continue
        if line.startswith('#'):
            continue
        words = line.split()
        if len(words) < 6 or not all(is_uint(word) and int(word) <= U64_MAX for word in words[1:6]):
            raise malformed(source, number, '"name active_objs num_objs objsize objperslab pagesperslab ..."',
                            line.strip())
        names.append(words[0])
    if not header:
        raise malformed(source, None, '"slabinfo - version: 2.x" first', text.strip())
    return names


def parse_slabinfo_names(text, source='/proc/slabinfo'):
    """Cache names of /proc/slabinfo (parse_slabinfo; the name this had before)."""
    return parse_slabinfo(text, source)


def collect(root='/', config=None, with_caches=False):
    name, why = allocator(root, config)
    modules = parse_modules(read_text(root, '/proc/modules') or '')
    tainted_text = read_text(root, TAINTED, limit=SMALL_FILE_BYTES)
    tainted = parse_tainted(tainted_text) if tainted_text is not None else None
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
        facts['caches'] = parse_slabinfo(text) if text is not None else None
    return facts


def finding(facts):
    evidence = {'allocator': facts['allocator'], 'out_of_tree_modules': facts['out_of_tree_modules'],
                'unsigned_modules': facts['unsigned_modules'], 'tainted': facts['tainted']}
    if facts['allocator'] == 'SLAB' and facts['out_of_tree_modules']:
        return make_finding(STORY, 'warn', 'out-of-tree modules (%s) run on a SLAB kernel: SLAB keeps the name '
                            'pointer given to kmem_cache_create(), so a name in a stack buffer turns into '
                            '"duplicate cache" errors (SLUB copies it)' % ', '.join(facts['out_of_tree_modules']),
                            evidence, 'check those modules pass a static or kstrdup()ed name to kmem_cache_create',
                            cause='out-of-tree modules on a SLAB kernel')
    if facts['allocator'] is None:
        return make_finding(STORY, 'not_applicable', 'slab allocator unknown (no /sys/kernel/slab, no config)',
                            evidence, None)
    return make_finding(STORY, 'ok', '%s allocator; %d out-of-tree module(s)'
                        % (facts['allocator'], len(facts['out_of_tree_modules'])), evidence, None)
