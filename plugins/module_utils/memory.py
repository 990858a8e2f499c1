# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Free-page watermarks and "page allocation failure" events (seed story 2).

A "page allocation failure" with plenty of memory in `free` is an allocation of order N
(2^N contiguous pages, often atomic: GFP_ATOMIC cannot wait for reclaim) that found no free
block of that order while the zone stayed above its min watermark. Most memory was page
cache, free memory was fragmented into small blocks, and the watermarks - derived from
vm.min_free_kbytes - were too low to keep a reserve of larger blocks. The parsers below read
/proc/zoneinfo, /proc/buddyinfo and /proc/meminfo of every kernel from 2.6.32 to 6.x.

Pure functions over text, plus collect() which reads a host tree under ``root``.
Python 2.7 / 3.6+, standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import math
import os
import re
import stat
import subprocess
import tempfile

from ansible_collections.fleetfix.kernel.plugins.module_utils import kernel_release as releases
from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import fix, make_finding
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import (
    LOG_BUDGET_BYTES,
    HostReadError,
    host_path,
    kernel_release,
    malformed,
    read_text,
    sysctl_path,
    too_large,
)

STORY = 'page_allocation'
WATERMARK_SYSCTLS = ('vm.min_free_kbytes', 'vm.watermark_scale_factor', 'vm.watermark_boost_factor',
                     'vm.extra_free_kbytes', 'vm.lowmem_reserve_ratio')
# Zones whose pages count as lowmem for min_free_kbytes (init_per_zone_wmark_min uses
# nr_free_buffer_pages(): every zone but HighMem and Movable).
NOT_LOWMEM_ZONES = ('HighMem', 'Movable', 'Device')

# Only ASCII digits count ([0-9], never \d: on str that takes every Unicode digit), and every
# number is parsed by field_int: at most 40 digits (int() refuses 4,300) and within what the
# kernel can hold - a page count or a block count is an unsigned long, a sysctl an int.
U64_MAX = 2 ** 64 - 1
INT_MIN = -2 ** 31
INT_MAX = 2 ** 31 - 1
_DECIMAL = re.compile(r'-?[0-9]+\Z')
# MAX_NUMNODES is 1024 on every architecture (NODES_SHIFT <= 10) and a node has at most six
# zones (DMA, DMA32, Normal, HighMem, Movable, Device): a file listing more zones is not
# /proc/zoneinfo. NR_PAGE_ORDERS (MAX_ORDER + 1) is 11 on x86 and at most a few dozen
# anywhere: /proc/buddyinfo lines with more than 64 counts are refused, as are protection
# lists longer than that.
MAX_ZONES = 8192
MAX_ORDERS = 64
MAX_PROTECTION = 64
# /proc/zoneinfo is streamed (its per-CPU pagesets make it ~100 bytes per CPU per zone: tens of
# MB on a 4096-CPU machine), only the zones' header blocks are kept; this caps the time spent.
ZONEINFO_MAX_BYTES = 512 * 1024 * 1024
# Files read whole: one line per zone (buddyinfo), ~50 lines (meminfo), one value (a sysctl).
BUDDYINFO_MAX_BYTES = 4 * 1024 * 1024
MEMINFO_MAX_BYTES = 1024 * 1024
SYSCTL_MAX_BYTES = 64 * 1024
MAX_LINE_BYTES = 64 * 1024

_ZONE_HEADER = re.compile(r'^Node\s+(\S+?),\s+zone\s+(\S+)\s*$')
_ZONE_VALUE = re.compile(r'^\s+(pages free|min|low|high|boost|spanned|present|managed|scanned|cma|nr_free_cma)'
                         r'(?:\s+(.*))?$')
_PROTECTION = re.compile(r'^\s+protection:(.*)$')
_BUDDY = re.compile(r'^Node\s+(\S+?),\s+zone\s+(\S+)((?:\s+\S+)*)\s*$')


# zoneinfo names -> our keys. "nr_free_cma" (3.7+) is the free CMA pages, which allocations that
# cannot use CMA (anything not movable) do not count; "cma" (5.x+) is the zone's CMA size: unused.
_ZONE_KEYS = {'pages free': 'free_pages', 'nr_free_cma': 'free_cma'}


class MemoryParseError(HostReadError):
    """A /proc memory file is not shaped the way any known kernel writes it."""


def _refuse(source, lineno, expected, found):
    """MemoryParseError "source line N: expected ..., found '...'" (hostfs.malformed's wording)."""
    return MemoryParseError(str(malformed(source, lineno, expected, found)))


def field_int(text, source, lineno, field, low=0, high=U64_MAX):
    """An integer field of a host file: ASCII digits (an optional '-'), from ``low`` to ``high``;
    MemoryParseError naming the file, the line, the field and the value otherwise."""
    value = (text or '').strip()
    if not _DECIMAL.match(value):
        raise _refuse(source, lineno, '%s as a decimal integer' % field, value)
    digits = len(value.lstrip('-'))
    if digits > 40 or not low <= int(value) <= high:
        shown = value if digits <= 40 else '%s... (%d digits)' % (value[:24], digits)
        raise _refuse(source, lineno, '%s from %d to %d' % (field, low, high), shown)
    return int(value)


def _numbered(text):
    """(line number, line) of a text or of an iterable of lines (a streamed file). Lines are split
    at '\\n' only (str.splitlines also splits at \\x0b, \\x1c, \\u2028...: the numbers would not
    be the file's)."""
    lines = text.split('\n') if isinstance(text, (type(u''), str)) else text
    return enumerate(lines, 1)


def parse_zoneinfo(text, source='/proc/zoneinfo'):
    """Zones of /proc/zoneinfo: node, zone, free pages, watermarks, sizes, protection.

    ``text`` is the file's text or an iterable of its lines (collect streams it). Only each
    zone's header block is read: "high:" inside its pagesets section is a per-cpu list size, not
    a watermark (hence also the patterns without colons). Every line that is not indented must
    be a zone header; a known field with anything but one integer is an error naming the line.
    """
    zones = []
    current = None
    in_header = False
    for number, line in _numbered(text):
        line = line.rstrip('\r')
        if not line.strip():
            continue
        if not line[0].isspace():
            header = _ZONE_HEADER.match(line)
            if not header:
                raise _refuse(source, number, '"Node N, zone NAME"', line.strip())
            if len(zones) >= MAX_ZONES:
                raise _refuse(source, number, 'at most %d zones (1024 nodes of 6 zones at most)' % MAX_ZONES, line)
            current = {'node': field_int(header.group(1), source, number, 'a node number', 0, INT_MAX),
                       'zone': header.group(2), 'free_pages': None,
                       'min': None, 'low': None, 'high': None, 'boost': 0, 'spanned': None,
                       'present': None, 'managed': None, 'free_cma': 0, 'protection': []}
            zones.append(current)
            in_header = True
            continue
        if current is None:
            raise _refuse(source, number, '"Node N, zone NAME"', line.strip())
        if line.strip() == 'pagesets':
            in_header = False
        if not in_header:
            continue
        value = _ZONE_VALUE.match(line)
        if value:
            name = value.group(1)
            key = _ZONE_KEYS.get(name, name)
            if key not in current:  # "scanned", "cma": not used (2.6.18's "scanned" had more words)
                continue
            words = (value.group(2) or '').split()
            if len(words) != 1:
                raise _refuse(source, number, '"%s N" (one integer)' % name, line.strip())
            current[key] = field_int(words[0], source, number, '"%s" pages' % name)
            continue
        protection = _PROTECTION.match(line)
        if protection:
            current['protection'] = _parse_protection(protection.group(1).strip(), source, number)
    if not zones:
        raise MemoryParseError('%s: no zones found' % source)
    for zone in zones:
        missing = [k for k in ('free_pages', 'min', 'low', 'high', 'present') if zone[k] is None]
        if missing:
            raise MemoryParseError('%s: zone %s of node %d has no %s line'
                                   % (source, zone['zone'], zone['node'], ', '.join(missing)))
        if zone['managed'] is None:  # before 3.8 there is no "managed": present is the nearest
            zone['managed'] = zone['present']
    return zones


def _parse_protection(text, source, number):
    """'(0, 3019, 12363)' -> [0, 3019, 12363]: the lowmem reserve against each zone, in pages."""
    if not (text.startswith('(') and text.endswith(')')):
        raise _refuse(source, number, '"protection: (N, N, ...)"', text)
    items = text[1:-1].split(',')
    if len(items) > MAX_PROTECTION:
        raise _refuse(source, number, 'at most %d protection values' % MAX_PROTECTION, text)
    if len(items) == 1 and not items[0].strip():
        return []
    return [field_int(item, source, number, 'a protection value (pages)') for item in items]


def parse_buddyinfo(text, source='/proc/buddyinfo'):
    """Free blocks per order for every zone: {(node, zone): [count of order 0, 1, ...]}."""
    out = {}
    for number, line in _numbered(text):
        if not line.strip():
            continue
        match = _BUDDY.match(line.rstrip('\r'))
        if not match:
            raise _refuse(source, number, '"Node N, zone NAME counts..."', line.strip())
        counts = match.group(3).split()
        if not counts or len(counts) > MAX_ORDERS:
            raise _refuse(source, number, 'from 1 to %d free block counts (one per order)' % MAX_ORDERS, line.strip())
        if len(out) >= MAX_ZONES:
            raise _refuse(source, number, 'at most %d zones (1024 nodes of 6 zones at most)' % MAX_ZONES, line)
        node = field_int(match.group(1), source, number, 'a node number', 0, INT_MAX)
        out[(node, match.group(2))] = [field_int(count, source, number, 'the free blocks of order %d' % order)
                                       for order, count in enumerate(counts)]
    if not out:
        raise MemoryParseError('%s: no zones found' % source)
    return out


def parse_meminfo(text, source='/proc/meminfo'):
    """/proc/meminfo as {key: kB} (HugePages_* counts are plain numbers).

    Every line is "Key: value" or "Key: value kB" with an unsigned long value (the kernel prints
    them unsigned); MemTotal must be there and above 0."""
    out = {}
    for number, line in _numbered(text):
        if not line.strip():
            continue
        key, sep, rest = line.partition(':')
        words = rest.split()
        key = key.strip()
        if not sep or not key or len(words) not in (1, 2) or (len(words) == 2 and words[1] != 'kB'):
            raise _refuse(source, number, '"Key: value" or "Key: value kB"', line.strip())
        out[key] = field_int(words[0], source, number, key)
    if 'MemTotal' not in out:
        raise MemoryParseError('%s: no MemTotal line' % source)
    if out['MemTotal'] <= 0:
        raise MemoryParseError('%s: MemTotal is 0 kB: no kernel runs without memory' % source)
    return out


# --- the watermark check of the running kernel ---------------------------------------------
#
# Whether a zone serves an order-N allocation is decided by the kernel's watermark check
# (zone_watermark_ok, later __zone_watermark_ok, in mm/page_alloc.c). Its rule for N > 0 changed
# in 4.4, and Red Hat's 2.6.32 has a rule of its own, so the answer depends on the release.
#
# The allocation modelled is the plain one: the min watermark as /proc/zoneinfo prints it
# (ALLOC_WMARK_MIN, the last check before reclaim and compaction), no ALLOC_HIGH/ALLOC_HARDER
# (GFP_ATOMIC gets min - min/2 - (min - min/2)/4, about 3/8 of min, so it may get one order
# more), not movable (so free CMA pages do not count), and the zone itself as the preferred
# zone (lowmem reserve 0: lowmem_reserve[own index] is always 0). What /proc cannot show is
# left out: the 4.4+ high-atomic reserve (nr_reserved_highatomic, subtracted for plain
# allocations) and the migrate type of the free blocks (4.4+ counts only blocks on the
# unmovable, movable and reclaimable lists; /proc/buddyinfo counts every list).

# Up to 4.3 (zone_watermark_ok in 2.6.32, read in 2.6.32.69; __zone_watermark_ok later, read
# in RHEL/CentOS 7's 3.10.0-1062.el7, which has no backport of the 4.4 rule): free =
# NR_FREE_PAGES - (2^N - 1); order 0 needs free > min + reserve (3.7+ without the free CMA
# pages); then for each lower order o the free pages of order o are taken away and min halves,
# and what is left must stay above it:
#   for (o = 0; o < order; o++) { free_pages -= nr_free[o] << o; min >>= 1;
#                                 if (free_pages <= min) return false; }
# (Some upstream releases between those two may take 2^N + 1, as Red Hat's 2.6.32 does: a
# two-page difference not told apart here.)
RULE_SUBTRACT_LOWER_ORDERS = 'subtract-lower-orders'
# RHEL/CentOS 6 (read in 2.6.32-642.6.2.el6, RHEL 6.8) carries Andrea Arcangeli's "mm:
# compaction: don't require high order pages below min wmark" (posted to linux-mm in 2013,
# never merged upstream): free = NR_FREE_PAGES - (2^N + 1), order 0 needs free > min + reserve,
# then the loop starts from mark - min watermark, which is 0 at the min watermark - so only
# the pages in blocks of order N and up must exceed 2^N + 1. Which el6 release took it first
# is not known here: releases before 642 are treated as upstream 2.6.32.
RULE_RHEL6_NO_HIGH_ORDER_BELOW_MIN = 'rhel6-no-high-order-below-min'
RHEL6_RULE_FROM_RELEASE = 642
# 4.4 and later, commit 97a16fc82a7c "mm, page_alloc: only enforce watermarks for order-0
# allocations" (Mel Gorman, v4.4-rc1): free = NR_FREE_PAGES - (2^N - 1) - free CMA pages must
# stay above min + reserve, then any free block of order N or larger will do.
RULE_ANY_BLOCK_ABOVE_MIN = 'any-block-above-min'

WATERMARK_RULES = {
    RULE_SUBTRACT_LOWER_ORDERS: 'before 4.4 (zone_watermark_ok / __zone_watermark_ok up to 4.3, '
                                'RHEL/CentOS 7 3.10 too): every lower order\'s free pages are '
                                'subtracted and min halves at each order',
    RULE_RHEL6_NO_HIGH_ORDER_BELOW_MIN: 'RHEL/CentOS 6 from 2.6.32-642 ("don\'t require high order '
                                        'pages below min wmark"): above min only the pages in blocks '
                                        'of the order or larger must exceed 2^order + 1',
    RULE_ANY_BLOCK_ABOVE_MIN: '4.4 and later (commit 97a16fc82a7c "mm, page_alloc: only enforce '
                              'watermarks for order-0 allocations"): free pages minus 2^order - 1 '
                              'above min, then any free block of the order or larger',
}

_EL6_RELEASE = re.compile(r'^([0-9]{1,9})(?:\.[0-9]+)*\.el6\Z')


def watermark_rule(release):
    """The watermark rule (one of WATERMARK_RULES) of a kernel release (``uname -r``).

    A release without a version (an unreadable osrelease) gets the rule of today's kernels.
    """
    version = releases.base_version(release)
    if version is None or releases.at_least(release, (4, 4)):
        return RULE_ANY_BLOCK_ABOVE_MIN
    if version == (2, 6, 32):
        el6 = _EL6_RELEASE.match(releases.parse(release)['release'])
        if el6 and int(el6.group(1)) >= RHEL6_RULE_FROM_RELEASE:
            return RULE_RHEL6_NO_HIGH_ORDER_BELOW_MIN
    return RULE_SUBTRACT_LOWER_ORDERS


def watermark_ok(rule, free_blocks, free_pages, min_pages, order, reserve_pages=0, free_cma=0):
    """Whether the zone passes the watermark check of ``rule`` for an order-``order`` allocation.

    ``free_pages`` is the zone's NR_FREE_PAGES ("pages free" in /proc/zoneinfo, the same
    counter the kernel reads), ``free_blocks`` its free blocks per order (/proc/buddyinfo),
    ``min_pages`` the watermark, ``reserve_pages`` the lowmem reserve, ``free_cma`` the free
    CMA pages ("nr_free_cma"). Passing the check does not promise a block: see
    highest_order_above_min.
    """
    if rule == RULE_ANY_BLOCK_ABOVE_MIN:
        if free_pages - ((1 << order) - 1) - free_cma <= min_pages + reserve_pages:
            return False
        return order == 0 or any(free_blocks[o] for o in range(order, len(free_blocks)))
    if rule == RULE_SUBTRACT_LOWER_ORDERS:
        free = free_pages - ((1 << order) - 1)
        if free - free_cma <= min_pages + reserve_pages:
            return False
        minimum = min_pages
        for lower in range(order):
            free -= free_blocks[lower] << lower
            minimum >>= 1
            if free <= minimum:
                return False
        return True
    if rule == RULE_RHEL6_NO_HIGH_ORDER_BELOW_MIN:
        free = free_pages - ((1 << order) + 1)
        if free <= min_pages + reserve_pages:
            return False
        # min = mark - watermark[WMARK_MIN] = 0 at the min watermark (halving 0 keeps it 0)
        for lower in range(order):
            free -= free_blocks[lower] << lower
            if free <= 0:
                return False
        return True
    raise ValueError('unknown watermark rule %r' % (rule,))


def highest_order_above_min(free_blocks, free_pages, min_pages, rule, reserve_pages=0, free_cma=0):
    """The largest order an allocation gets from the zone under ``rule`` without dipping under
    min: the watermark check passes and a free block of that order or larger exists (the rules
    before 4.4 do not look for one; without it the allocation fails all the same). Both only
    get harder as the order grows, so the first order that fails ends the search. -1 when not
    even an order-0 page is left above min.
    """
    best = -1
    # the largest order with a free block: above it no order is served whatever the rule says
    largest = max([o for o, count in enumerate(free_blocks) if count] or [-1])
    for order in range(largest + 1):
        if not watermark_ok(rule, free_blocks, free_pages, min_pages, order, reserve_pages, free_cma):
            break
        best = order
    return best


def int_sqrt(value):
    """Integer square root, like the kernel's int_sqrt: Newton's method on integers, exact for
    any size (``value ** 0.5`` overflows a float past 10**308)."""
    if value < 2:
        return value
    x = value
    y = (x + 1) // 2
    while y < x:
        x = y
        y = (x + value // x) // 2
    return x


def kernel_default_min_free_kbytes(lowmem_kbytes, release):
    """The kernel's own default for vm.min_free_kbytes (init_per_zone_wmark_min).

    min_free_kbytes = int_sqrt(lowmem_kbytes * 16), clamped to [128, 65536] - the rule since
    2.6.x - and to [128, 262144] since 5.7 (commit "mm/page_alloc: increase default
    min_free_kbytes bound"). Transparent hugepages may raise it further at boot
    (khugepaged's set_recommended_min_free_kbytes), so a THP kernel often shows more.
    """
    upper = 262144 if releases.at_least(release, (5, 7)) else 65536
    return max(128, min(upper, int_sqrt(lowmem_kbytes * 16)))


def summarize_zones(zones, buddy, page_kb, release):
    """Per zone: watermarks in pages and kB, buddy counts and the highest order the zone
    serves under the watermark rule of ``release`` (see watermark_rule)."""
    rule = watermark_rule(release)
    out = []
    for zone in zones:
        blocks = buddy.get((zone['node'], zone['zone']))
        entry = dict(zone)
        for key in ('free_pages', 'min', 'low', 'high'):
            entry[key + '_kb'] = zone[key] * page_kb
        entry['free_blocks'] = blocks
        entry['highest_order_above_min'] = (
            highest_order_above_min(blocks, zone['free_pages'], zone['min'], rule, free_cma=zone['free_cma'])
            if blocks is not None and zone['managed'] else None)
        out.append(entry)
    return out


def lowmem_kbytes(zones, page_kb):
    return sum(z['managed'] for z in zones if z['zone'] not in NOT_LOWMEM_ZONES) * page_kb


def min_watermark_kbytes(zones, page_kb):
    """Sum of the lowmem zones' min watermarks: what vm.min_free_kbytes was spread into."""
    return sum(z['min'] for z in zones if z['zone'] not in NOT_LOWMEM_ZONES and z['managed']) * page_kb


def watermarks_match(zones, page_kb, min_free_kbytes):
    """Whether the zones' min watermarks add up to vm.min_free_kbytes (rounding: a page a zone)."""
    populated = [z for z in zones if z['zone'] not in NOT_LOWMEM_ZONES and z['managed']]
    return abs(min_watermark_kbytes(zones, page_kb) - min_free_kbytes) <= max(len(populated), 1) * page_kb


def parse_watermark_sysctl(name, text):
    """The value of one of WATERMARK_SYSCTLS from its /proc/sys text: an int from 0 (the kernel
    refuses less), or for vm.lowmem_reserve_ratio one int per zone."""
    path = sysctl_path(name)
    if name == 'vm.lowmem_reserve_ratio':
        words = text.split()
        if not words or len(words) > MAX_PROTECTION:
            raise _refuse(path, None, 'from 1 to %d ratios (one per zone)' % MAX_PROTECTION, text.strip())
        return [field_int(word, path, None, 'the ratio of zone %d' % index, INT_MIN, INT_MAX)
                for index, word in enumerate(words)]
    return field_int(text, path, None, name, 0, INT_MAX)


def read_watermark_sysctls(root):
    out = {}
    for name in WATERMARK_SYSCTLS:
        text = read_text(root, sysctl_path(name), limit=SYSCTL_MAX_BYTES)
        out[name.split('.', 1)[1]] = None if text is None else parse_watermark_sysctl(name, text)
    return out


def _host_lines(handle, path, limit, max_line=MAX_LINE_BYTES):
    """The lines (text) of an open host file, one at a time: at most ``limit`` bytes in all and
    ``max_line`` a line, HostReadError naming the file past either."""
    total = 0
    number = 0
    pending = b''
    while True:
        try:
            chunk = handle.read(256 * 1024)
        except (IOError, OSError) as exc:
            raise HostReadError('cannot read %s: %s' % (path, exc.strerror or exc))
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise too_large(path, limit)
        lines = (pending + chunk).split(b'\n')
        pending = lines.pop()
        for line in lines:
            number += 1
            if len(line) > max_line:
                raise _refuse(path, number, 'a line of at most %d bytes' % max_line, line[:40])
            yield line.decode('utf-8', 'replace')
        if len(pending) > max_line:
            raise _refuse(path, number + 1, 'a line of at most %d bytes' % max_line, pending[:40])
    if pending:
        yield pending.decode('utf-8', 'replace')


def read_zoneinfo(root, path='/proc/zoneinfo', limit=ZONEINFO_MAX_BYTES):
    """parse_zoneinfo of the host's file, streamed (memory: one chunk and the zones' headers).

    Opened without blocking and read only when it is a regular file (/proc files are): a FIFO
    planted there must not hang the module."""
    try:
        fd = os.open(host_path(root, path), os.O_RDONLY | os.O_NONBLOCK)
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise MemoryParseError('%s does not exist' % path)
        raise MemoryParseError('cannot read %s: %s' % (path, exc.strerror or exc))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        why = os.strerror(errno.EISDIR) if stat.S_ISDIR(mode) else 'not a regular file (a FIFO, a socket or a device)'
        raise MemoryParseError('cannot read %s: %s' % (path, why))
    handle = os.fdopen(fd, 'rb')
    try:
        return parse_zoneinfo(_host_lines(handle, path, limit), path)
    finally:
        handle.close()


def collect(root='/', page_size=4096):
    """Everything about watermarks under ``root`` (no events: see the kmsg helpers)."""
    page_kb = page_size // 1024
    texts = {}
    for name, limit in (('buddyinfo', BUDDYINFO_MAX_BYTES), ('meminfo', MEMINFO_MAX_BYTES)):
        texts[name] = read_text(root, '/proc/' + name, limit=limit)
        if texts[name] is None:
            raise MemoryParseError('/proc/%s does not exist' % name)
    zones = read_zoneinfo(root)
    buddy = parse_buddyinfo(texts['buddyinfo'])
    meminfo = parse_meminfo(texts['meminfo'])
    release = kernel_release(root)
    sysctls = read_watermark_sysctls(root)
    low_kb = lowmem_kbytes(zones, page_kb)
    summary = summarize_zones(zones, buddy, page_kb, release)
    rule = watermark_rule(release)
    return {
        'kernel_release': release,
        'watermark_rule': rule,
        'watermark_rule_description': WATERMARK_RULES[rule],
        'page_size': page_size,
        'mem_total_kb': meminfo['MemTotal'],
        'mem_free_kb': meminfo.get('MemFree'),
        'mem_available_kb': meminfo.get('MemAvailable'),
        'cached_kb': meminfo.get('Cached'),
        'sysctls': sysctls,
        'lowmem_kb': low_kb,
        'kernel_default_min_free_kbytes': kernel_default_min_free_kbytes(low_kb, release),
        'min_watermark_kb': min_watermark_kbytes(zones, page_kb),
        'watermarks_match_min_free_kbytes': (watermarks_match(zones, page_kb, sysctls['min_free_kbytes'])
                                             if sysctls['min_free_kbytes'] is not None else None),
        'zones': summary,
        'lowest_highest_order_above_min': min(
            [z['highest_order_above_min'] for z in summary if z['highest_order_above_min'] is not None] or [None]),
    }


# --- "page allocation failure" events -------------------------------------------------
#
# Logs hold anyone's text (a syslog file takes lines from every local user), so a line that is
# not a failure report is not an error: it is simply not a failure. The numbers of a report are
# bounded like the kernel's own: an order below 100 (the kernel never reports one past
# MAX_ORDER, 10 on x86), a gfp mask of at most 16 hex digits, timestamps of at most 20 digits;
# a line with more is not the kernel's and is not counted. Lines are searched without
# backtracking regexes (a long hostile line costs its length, not its square), and only
# after a plain substring test: most lines never reach a regex.

FAILURE_TEXT = 'page allocation failure'
FAILURE_BYTES = b'page allocation failure'
_FAILURE_AT = ': ' + FAILURE_TEXT
# what follows the task name (comm, which may hold ':' as in kworker/0:1)
_FAILURE_TAIL = re.compile(r': page allocation failure[:.]\s*order:(?P<order>[0-9]{1,2}),\s*'
                           r'mode:(?P<mode>0x[0-9a-fA-F]{1,16})(?:\((?P<flags>[^)]*)\))?')
_KERNEL_TAG = re.compile(r'kernel:\s+')
_KMSG = re.compile(r'^(?P<prio>[0-9]{1,20}),(?P<seq>[0-9]{1,20}),(?P<usec>[0-9]{1,20}),[^;]*;(?P<msg>.*)$')
_DMESG_TIME = re.compile(r'^\[\s*(?P<sec>[0-9]{1,20}\.[0-9]{1,20})\]\s*(?P<msg>.*)$')
# a line reporting more failures than this is not looked at further
_MAX_REPORTS_A_LINE = 16
# Failure events are grouped by (order, mode, process) as they are found; past this many
# groups further new ones are counted (not_grouped), not kept: memory stays bounded even for
# a log made of nothing but failures of distinct made-up processes.
MAX_FAILURE_GROUPS = 1000


def _task_before(message, at):
    """The task name before the failure report at ``at``, or None when nothing there can be one.

    The name stands at the start of the message, after the "] " of a "[seconds]" stamp or after
    "kernel: " (syslog, journal), and holds no '[' or ']': the first of those places after the
    last bracket before ``at``. Without a bracket, after the first "kernel: " or else from the
    start (the regex this replaced took the start there: "host kernel: java" for "java")."""
    head = message[:at]
    bracket = max(head.rfind('['), head.rfind(']'))
    if bracket < 0:
        tag = _KERNEL_TAG.search(head)
        return head[tag.end():] if tag else head
    if head[bracket] == ']' and head[bracket + 1:bracket + 2].isspace():
        return head[bracket + 1:]
    tag = _KERNEL_TAG.search(head, bracket + 1)
    return head[tag.end():] if tag else None


def parse_failure(message):
    """The (comm, order, mode, flags) of a "page allocation failure" line, or None.

    Shapes: 2.6.32 "java: page allocation failure. order:2, mode:0x20", 4.x+
    "kworker/0:1: page allocation failure: order:3, mode:0x2080020(GFP_ATOMIC|__GFP_COMP)".
    """
    start = 0
    for _attempt in range(_MAX_REPORTS_A_LINE):
        at = message.find(_FAILURE_AT, start)
        if at < 0:
            return None
        start = at + 1
        tail = _FAILURE_TAIL.match(message, at)
        comm = _task_before(message, at) if tail else None
        if comm is not None:
            return {'process': comm.strip(), 'order': int(tail.group('order')),
                    'mode': tail.group('mode').lower(), 'flags': tail.group('flags')}
    return None


def parse_kmsg_record(record):
    """One /dev/kmsg record -> (seconds since boot, message) or None."""
    match = _KMSG.match(record.strip('\n').split('\n', 1)[0])
    if not match:
        return None
    return int(match.group('usec')) / 1e6, match.group('msg')


def parse_log_line(line, kind):
    """The failure event of one log line (text), or None. ``kind``: 'kmsg' (records), 'dmesg'
    and 'journal' ("[sec] msg": dmesg, journalctl -o short-monotonic) or 'syslog'."""
    when = None
    message = line
    if kind == 'kmsg':
        parsed = parse_kmsg_record(line)
        if parsed is None:
            return None
        when, message = parsed
    elif kind in ('dmesg', 'journal'):
        match = _DMESG_TIME.match(line)
        if match:
            when, message = float(match.group('sec')), match.group('msg')
    else:  # syslog: "Nov 25 10:00:01 host kernel: [12.3] comm: page allocation failure..."
        when = line[:15] if len(line) > 15 and line[3] == ' ' else None
    failure = parse_failure(message)
    if failure:
        failure['when'] = when
    return failure


def failure_events(lines, kind):
    """Failures in kernel log lines. ``kind``: 'kmsg' (records), 'dmesg' or 'journal' ([sec] msg)
    or 'syslog'."""
    events = []
    for line in lines:
        event = parse_log_line(line, kind)
        if event:
            events.append(event)
    return events


class FailureGroups(object):
    """Failure events grouped by (order, mode, process) as a log streams by: what is kept is
    the groups (at most ``max_groups``), never the log's lines."""

    def __init__(self, max_groups=MAX_FAILURE_GROUPS):
        self.max_groups = max_groups
        self.not_grouped = 0
        self._groups = {}

    def add(self, event, count=1, last=None):
        key = (event['order'], event['mode'], event['process'])
        group = self._groups.get(key)
        if group is None:
            if len(self._groups) >= self.max_groups:
                self.not_grouped += count
                return
            group = self._groups[key] = {'order': event['order'], 'mode': event['mode'], 'flags': event['flags'],
                                         'process': event['process'], 'count': 0, 'first': event['when'],
                                         'last': event['when']}
        group['count'] += count
        group['last'] = event['when'] if last is None else last

    def scan(self, lines, kind):
        """Add the failures of ``lines`` (bytes or text): a substring test first, the parser only
        for the lines that mention a failure. Returns self."""
        for line in lines:
            if isinstance(line, bytes):
                if FAILURE_BYTES not in line:
                    continue
                line = line.decode('utf-8', 'replace')
            elif FAILURE_TEXT not in line:
                continue
            event = parse_log_line(line, kind)
            if event:
                self.add(event)
        return self

    def merge(self, other):
        """Add another log's groups after this one's (its last times are the later ones)."""
        for key in other.keys():
            group = other._groups[key]  # pylint: disable=protected-access
            self.add(dict(group, when=group['first']), group['count'], group['last'])
        self.not_grouped += other.not_grouped
        return self

    def keys(self):
        return sorted(self._groups)

    def count(self):
        return sum(group['count'] for group in self._groups.values()) + self.not_grouped

    def groups(self, source):
        """The groups, sorted by (order, mode, process), each with ``source``."""
        return [dict(self._groups[key], source=source) for key in self.keys()]


def group_failures(events, source):
    """Group events by (order, mode, process): count, first and last time."""
    groups = FailureGroups()
    for event in events:
        groups.add(event)
    return groups.groups(source)


def scan_failures(lines, kind, source):
    """group_failures(failure_events(lines, kind), source), streamed: lines are not kept."""
    return FailureGroups().scan(lines, kind).groups(source)


# --- policy, plan and finding ------------------------------------------------------------

# Policy defaults: 1 % of RAM, at most 4 GiB (the seed: 1 GiB made the failures rare, 4 GiB
# made them disappear on big-memory key-value servers), never below the kernel's own default.
DEFAULT_PERCENT = 1.0
DEFAULT_CEILING_KB = 4 * 1024 * 1024
# The audit warns about a low reserve only from this much RAM: the seed's failures were on
# big-memory servers, and the kernel default is sized well enough for small ones.
BIG_MEMORY_KB = 32 * 1024 * 1024
# Above this share of RAM the reserve starves the page cache and invites the OOM killer.
DEFAULT_SAFETY_PERCENT = 5.0


class WatermarkSettingError(ValueError):
    """A requested watermark setting is invalid or unsafe."""


_SETTING_INT = re.compile(r'-?[0-9]{1,40}\Z')
_SETTING_FLOAT = re.compile(r'-?[0-9]{1,40}(?:\.[0-9]{1,40})?\Z')
_INTEGERS = (int, type(2 ** 64))  # and long on Python 2


def _shown(value):
    """repr() for a message, without turning a huge integer into 4,300+ digits (Python refuses)."""
    if isinstance(value, _INTEGERS) and not isinstance(value, bool) and abs(value) > U64_MAX:
        return 'an integer of about %d digits' % int(value.bit_length() * 0.30103)
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + '...'


def _number(value, name, allow_float=False):
    """A setting as a number: an int (or float with ``allow_float``) or text of ASCII digits,
    finite, from 0 to 2**64 - 1; WatermarkSettingError naming ``name`` otherwise."""
    kind = 'a number' if allow_float else 'an integer'
    if isinstance(value, bool):
        raise WatermarkSettingError('%s must be a number, got %r' % (name, value))
    if isinstance(value, _INTEGERS + (float,)):
        number = value
    elif hasattr(value, 'strip'):
        text = value.strip()
        if not (_SETTING_FLOAT if allow_float else _SETTING_INT).match(text):
            raise WatermarkSettingError('%s must be %s, got %s' % (name, kind, _shown(value)))
        number = float(text) if allow_float else int(text)
    else:
        raise WatermarkSettingError('%s must be %s, got %s' % (name, kind, _shown(value)))
    if isinstance(number, float) and (math.isnan(number) or math.isinf(number)):
        raise WatermarkSettingError('%s must be a finite number, got %r' % (name, value))
    if not allow_float and isinstance(number, float):
        if number != int(number):
            raise WatermarkSettingError('%s must be an integer, got %r' % (name, value))
        number = int(number)
    if number < 0:
        raise WatermarkSettingError('%s must not be negative, got %s' % (name, _shown(value)))
    if number > U64_MAX:
        raise WatermarkSettingError('%s must be at most %d, got %s' % (name, U64_MAX, _shown(value)))
    return number


def policy_target_kbytes(mem_total_kb, kernel_default_kb, percent=DEFAULT_PERCENT, ceiling_kb=DEFAULT_CEILING_KB):
    """The policy: ``percent`` of MemTotal, at most ``ceiling_kb``, never below the kernel default."""
    return max(int(kernel_default_kb), min(int(mem_total_kb * percent / 100.0), int(ceiling_kb)))


def plan_min_free(facts, explicit_kb=None, percent=DEFAULT_PERCENT, ceiling_kb=DEFAULT_CEILING_KB,
                  safety_percent=DEFAULT_SAFETY_PERCENT, allow_lower=False, scale_factor=None):
    """Decide vm.min_free_kbytes (and optionally vm.watermark_scale_factor). Pure.

    Returns {'target_kb', 'source', 'current_kb', 'sysctls': [...], 'changes': [...], 'notes': [...]}.
    Raises WatermarkSettingError with the numbers when the value is invalid or unsafe.
    """
    percent = _number(percent, 'fleetfix_vm_min_free_percent', allow_float=True)
    ceiling_kb = _number(ceiling_kb, 'fleetfix_vm_min_free_ceiling_kbytes')
    safety_percent = _number(safety_percent, 'fleetfix_vm_min_free_safety_percent', allow_float=True)
    mem_total = facts['mem_total_kb']
    if isinstance(mem_total, bool) or not isinstance(mem_total, _INTEGERS) or not 0 < mem_total <= U64_MAX:
        raise WatermarkSettingError('the facts\' mem_total_kb must be a positive number of kB, got %s' % _shown(mem_total))
    current = facts['sysctls']['min_free_kbytes']
    if current is None:
        raise WatermarkSettingError('kernel %s has no vm.min_free_kbytes' % facts['kernel_release'])
    notes = []
    if explicit_kb is not None:
        target = _number(explicit_kb, 'fleetfix_vm_min_free_kbytes')
        if target == 0:
            raise WatermarkSettingError('fleetfix_vm_min_free_kbytes=0 would remove the free-page reserve')
        source = 'explicit'
    else:
        target = policy_target_kbytes(mem_total, facts['kernel_default_min_free_kbytes'], percent, ceiling_kb)
        source = '%s%% of MemTotal %d kB (ceiling %d kB, kernel default %d kB)' % (
            ('%g' % percent), mem_total, ceiling_kb, facts['kernel_default_min_free_kbytes'])
    safety_kb = int(mem_total * safety_percent / 100.0)
    if target > safety_kb:
        raise WatermarkSettingError(
            'vm.min_free_kbytes=%d kB is %.1f%% of MemTotal %d kB, above the safety cap of %g%% (%d kB): '
            'a reserve that large starves the page cache and invites the OOM killer; lower the value or '
            'raise fleetfix_vm_min_free_safety_percent' % (target, 100.0 * target / mem_total, mem_total,
                                                           safety_percent, safety_kb))
    if target < current and not allow_lower:
        notes.append('kept the current %d kB: it is higher than the target %d kB '
                     '(set fleetfix_vm_min_free_allow_lower to lower it)' % (current, target))
        target = current
    sysctls = [{'name': 'vm.min_free_kbytes', 'current': current, 'value': target, 'change': current != target}]
    if scale_factor is not None:
        scale_factor = _number(scale_factor, 'fleetfix_vm_watermark_scale_factor')
        if not 1 <= scale_factor <= 3000:
            raise WatermarkSettingError('fleetfix_vm_watermark_scale_factor=%d is outside 1..3000 (in 1/10000 of RAM)'
                                        % scale_factor)
        existing = facts['sysctls'].get('watermark_scale_factor')
        if existing is None:
            raise WatermarkSettingError('kernel %s has no vm.watermark_scale_factor (added in 4.6); '
                                        'leave fleetfix_vm_watermark_scale_factor unset' % facts['kernel_release'])
        sysctls.append({'name': 'vm.watermark_scale_factor', 'current': existing, 'value': scale_factor,
                        'change': existing != scale_factor})
    return {'target_kb': target, 'source': source, 'current_kb': current, 'safety_cap_kb': safety_kb,
            'sysctls': sysctls, 'changes': [s['name'] for s in sysctls if s['change']], 'notes': notes}


def unread_source(source, exc):
    """How one kernel log could not be read: {'source', 'error'} for the finding's evidence."""
    reason = getattr(exc, 'strerror', None) or ('%s' % (exc,)) or exc.__class__.__name__
    return {'source': source, 'error': reason}


def finding(facts, failures, percent=DEFAULT_PERCENT, ceiling_kb=DEFAULT_CEILING_KB, unread=None):
    """The audit finding for seed story 2.

    ``unread``: the logs that could not be read ([{'source', 'error'}], see unread_source). When
    no failure was found and a log could not be read, "no allocation failures logged" is not
    known, so the finding is a ``warn`` naming the log - never ``ok``. (A plain user cannot read
    /dev/kmsg when kernel.dmesg_restrict=1, the default on Debian 10+, Ubuntu 20.10+, RHEL 8+.)"""
    unread = list(unread or [])
    current = facts['sysctls']['min_free_kbytes']
    target = policy_target_kbytes(facts['mem_total_kb'], facts['kernel_default_min_free_kbytes'], percent, ceiling_kb)
    count = sum(group['count'] for group in failures)
    evidence = {
        'mem_total_kb': facts['mem_total_kb'],
        'min_free_kbytes': current,
        'policy_target_kb': target,
        'kernel_default_min_free_kbytes': facts['kernel_default_min_free_kbytes'],
        'lowest_highest_order_above_min': facts['lowest_highest_order_above_min'],
        'watermark_rule': facts['watermark_rule'],
        'failure_events': count,
        'failure_orders': sorted(set(group['order'] for group in failures)),
        'log_sources_unread': unread,
    }
    remedy = 'role fleetfix.kernel.vm_watermarks (target %d kB)' % target
    if count:
        return make_finding(STORY, 'fail', '%d "page allocation failure" event(s) in the kernel log (orders %s); '
                            'vm.min_free_kbytes is %d kB' % (count, ', '.join(str(o) for o in evidence['failure_orders']),
                                                             current), evidence, remedy,
                            cause='page allocation failures logged', fixes=[fix('vm_watermarks')])
    low = current is not None and current < target and facts['mem_total_kb'] >= BIG_MEMORY_KB
    if unread:
        return make_finding(STORY, 'warn', 'allocation failures unknown: could not read %s; run with become '
                            '(root) to read the kernel log%s' % (
                                ', '.join('%s (%s)' % (u['source'], u['error']) for u in unread),
                                '; vm.min_free_kbytes is %s kB, below the policy target %d kB' % (current, target)
                                if low else ''), evidence, remedy if low else None,
                            cause='kernel log unreadable (audit without become)%s' % (
                                ', vm.min_free_kbytes below policy' if low else ''),
                            fixes=[fix('vm_watermarks')] if low else None)
    if low:
        return make_finding(STORY, 'warn', 'vm.min_free_kbytes is %d kB, below the policy target %d kB for %d MiB '
                            'of RAM' % (current, target, facts['mem_total_kb'] // 1024), evidence, remedy,
                            cause='vm.min_free_kbytes below policy', fixes=[fix('vm_watermarks')])
    return make_finding(STORY, 'ok', 'vm.min_free_kbytes is %d kB (policy target %d kB); no allocation failures '
                        'logged' % (current, target), evidence, None)


def read_kmsg(path='/dev/kmsg', budget=LOG_BUDGET_BYTES, info=None):
    """The records of the kernel's ring buffer (Linux 3.5+) that report a "page allocation
    failure", read without blocking, as text: one record a read(), and only those that mention
    a failure are kept, so memory is the failures, never the buffer.

    Reading stops after ``budget`` bytes (the buffer, log_buf_len, holds 128 KiB to a few MiB on
    real hosts: far less than the 64 MiB default); ``info`` (a dict) gets ``bytes`` (read) and
    ``truncated`` (the budget was reached: the oldest ``budget`` bytes were read). OSError when
    the device cannot be opened or read (EPERM under kernel.dmesg_restrict=1 without root)."""
    info = info if info is not None else {}
    info.update(bytes=0, truncated=False)
    kept = []
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        overwritten = 0
        while True:
            if info['bytes'] >= budget:
                info['truncated'] = True
                break
            try:
                chunk = os.read(fd, 8192)
            except OSError as exc:
                if exc.errno == errno.EAGAIN:
                    break
                if exc.errno == errno.EPIPE and overwritten < 100000:  # records overwritten while reading: go on
                    overwritten += 1
                    continue
                raise
            if not chunk:
                break
            info['bytes'] += len(chunk)
            if FAILURE_BYTES in chunk:
                kept.append(chunk.decode('utf-8', 'replace'))
    finally:
        os.close(fd)
    return kept


# journalctl -n takes lines, not bytes: a kernel line in short-monotonic form is ~100 bytes, so
# the byte budget divided by this is the number of newest lines asked for.
JOURNAL_LINE_BYTES = 128


def journal_lines(budget=LOG_BUDGET_BYTES):
    """The number of journal lines (journalctl -n) read for a byte budget."""
    return max(1, budget // JOURNAL_LINE_BYTES)


def iter_command_lines(args, budget=LOG_BUDGET_BYTES, info=None):
    """Run ``args`` and yield its output lines (bytes, without the newline) one at a time.

    run_command holds a command's whole output in memory; this reads it through a pipe, one
    chunk at a time, at most ``budget`` bytes (past them the command is killed and the rest is
    not read). Lines longer than 64 kB are cut there. ``info`` (a dict) gets ``bytes``,
    ``truncated``, and once the generator is done ``rc`` and ``stderr`` (its first 200
    characters). OSError when the command cannot be started."""
    info = info if info is not None else {}
    info.update(bytes=0, truncated=False, rc=None, stderr='')
    errors = tempfile.TemporaryFile()
    devnull = open(os.devnull, 'rb')
    env = dict(os.environ, LC_ALL='C', LANG='C')
    try:
        proc = subprocess.Popen(args, stdin=devnull, stdout=subprocess.PIPE, stderr=errors,  # pylint: disable=consider-using-with
                                close_fds=True, env=env)
    except (IOError, OSError):
        errors.close()
        devnull.close()
        raise
    pending = b''
    done = False
    try:
        while True:
            chunk = os.read(proc.stdout.fileno(), 256 * 1024)
            if not chunk:
                break
            if info['bytes'] + len(chunk) > budget:
                chunk = chunk[:budget - info['bytes']]
                info['truncated'] = True
            info['bytes'] += len(chunk)
            lines = (pending + chunk).split(b'\n')
            pending = lines.pop()
            for line in lines:
                yield line[:MAX_LINE_BYTES]
            pending = pending[:MAX_LINE_BYTES]
            if info['truncated']:
                proc.kill()
                break
        if pending and not info['truncated']:
            yield pending
        done = True
    finally:
        if not done and proc.poll() is None:  # the caller stopped early (an error): do not wait on it
            proc.kill()
        proc.stdout.close()
        info['rc'] = proc.wait()
        errors.seek(0)
        info['stderr'] = errors.read(4096).decode('utf-8', 'replace').strip()[:200]
        errors.close()
        devnull.close()
