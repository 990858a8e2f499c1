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

import re

from ansible_collections.fleetfix.kernel.plugins.module_utils import kernel_release as releases
from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import make_finding
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import (
    HostReadError,
    kernel_release,
    read_sysctl,
    read_text,
)

STORY = 'page_allocation'
WATERMARK_SYSCTLS = ('vm.min_free_kbytes', 'vm.watermark_scale_factor', 'vm.watermark_boost_factor',
                     'vm.extra_free_kbytes', 'vm.lowmem_reserve_ratio')
# Zones whose pages count as lowmem for min_free_kbytes (init_per_zone_wmark_min uses
# nr_free_buffer_pages(): every zone but HighMem and Movable).
NOT_LOWMEM_ZONES = ('HighMem', 'Movable', 'Device')

# Only ASCII digits count ([0-9], never \d: on str that takes every Unicode digit).
_ZONE_HEADER = re.compile(r'^Node\s+([0-9]+),\s+zone\s+(\S+)\s*$')
_ZONE_VALUE = re.compile(r'^\s+(pages free|min|low|high|boost|spanned|present|managed|scanned|cma|nr_free_cma)'
                         r'\s+([0-9]+)\s*$')
_PROTECTION = re.compile(r'^\s+protection:\s+\(([0-9,\s]*)\)\s*$')
_BUDDY = re.compile(r'^Node\s+([0-9]+),\s+zone\s+(\S+)((?:\s+[0-9]+)+)\s*$')


# zoneinfo names -> our keys. "nr_free_cma" (3.7+) is the free CMA pages, which allocations that
# cannot use CMA (anything not movable) do not count; "cma" (5.x+) is the zone's CMA size: unused.
_ZONE_KEYS = {'pages free': 'free_pages', 'nr_free_cma': 'free_cma'}


class MemoryParseError(HostReadError):
    """A /proc memory file is not shaped the way any known kernel writes it."""


def parse_zoneinfo(text, source='/proc/zoneinfo'):
    """Zones of /proc/zoneinfo: node, zone, free pages, watermarks, sizes, protection.

    Only each zone's header block is read: "high:" inside its pagesets section is a per-cpu
    list size, not a watermark (hence also the patterns without colons).
    """
    zones = []
    current = None
    in_header = False
    for number, line in enumerate(text.splitlines(), 1):
        header = _ZONE_HEADER.match(line)
        if header:
            current = {'node': int(header.group(1)), 'zone': header.group(2), 'free_pages': None,
                       'min': None, 'low': None, 'high': None, 'boost': 0, 'spanned': None,
                       'present': None, 'managed': None, 'free_cma': 0, 'protection': []}
            zones.append(current)
            in_header = True
            continue
        if current is None:
            if line.strip():
                raise MemoryParseError('%s line %d: expected "Node N, zone NAME", found %r'
                                       % (source, number, line.strip()[:60]))
            continue
        if line.strip() == 'pagesets':
            in_header = False
        if not in_header:
            continue
        value = _ZONE_VALUE.match(line)
        if value:
            key = _ZONE_KEYS.get(value.group(1), value.group(1))
            if key in current:
                current[key] = int(value.group(2))
            continue
        protection = _PROTECTION.match(line)
        if protection:
            current['protection'] = [int(x) for x in protection.group(1).replace(',', ' ').split()]
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


def parse_buddyinfo(text, source='/proc/buddyinfo'):
    """Free blocks per order for every zone: {(node, zone): [count of order 0, 1, ...]}."""
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _BUDDY.match(line)
        if not match:
            raise MemoryParseError('%s line %d: expected "Node N, zone NAME counts...", found %r'
                                   % (source, number, line.strip()[:60]))
        out[(int(match.group(1)), match.group(2))] = [int(x) for x in match.group(3).split()]
    if not out:
        raise MemoryParseError('%s: no zones found' % source)
    return out


def parse_meminfo(text, source='/proc/meminfo'):
    """/proc/meminfo as {key: kB} (HugePages_* counts are plain numbers)."""
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, rest = line.partition(':')
        words = rest.split()
        if not sep or not words:
            raise MemoryParseError('%s line %d: expected "Key: value", found %r' % (source, number, line[:60]))
        try:
            out[key.strip()] = int(words[0])
        except ValueError:
            raise MemoryParseError('%s line %d: %s is not a number: %r' % (source, number, key.strip(), words[0]))
    if 'MemTotal' not in out:
        raise MemoryParseError('%s: no MemTotal line' % source)
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

_EL6_RELEASE = re.compile(r'^([0-9]+)(?:\.[0-9]+)*\.el6\Z')


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
    for order in range(len(free_blocks)):
        if not watermark_ok(rule, free_blocks, free_pages, min_pages, order, reserve_pages, free_cma):
            break
        if not any(free_blocks[o] for o in range(order, len(free_blocks))):
            break
        best = order
    return best


def int_sqrt(value):
    """Integer square root, like the kernel's int_sqrt (no floats: exact for large values)."""
    if value < 2:
        return value
    x = int(value ** 0.5)
    while x * x > value:
        x -= 1
    while (x + 1) * (x + 1) <= value:
        x += 1
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


def read_watermark_sysctls(root):
    out = {}
    for name in WATERMARK_SYSCTLS:
        value = read_sysctl(root, name)
        if value is not None and name != 'vm.lowmem_reserve_ratio':
            try:
                value = int(value)
            except ValueError:
                raise MemoryParseError('/proc/sys/%s: expected an integer, found %r' % (name.replace('.', '/'), value))
        elif value is not None:
            value = [int(x) for x in value.split()]
        out[name.split('.', 1)[1]] = value
    return out


def collect(root='/', page_size=4096):
    """Everything about watermarks under ``root`` (no events: see the kmsg helpers)."""
    page_kb = page_size // 1024
    texts = {}
    for name in ('zoneinfo', 'buddyinfo', 'meminfo'):
        texts[name] = read_text(root, '/proc/' + name)
        if texts[name] is None:
            raise MemoryParseError('/proc/%s does not exist' % name)
    zones = parse_zoneinfo(texts['zoneinfo'])
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

# The task name (comm, may hold ':' as in kworker/0:1) stands at the start of the message,
# or after the "[seconds]" of dmesg and syslog lines.
_FAILURE = re.compile(
    r'(?:^|\]\s+|kernel:\s+)(?P<comm>[^\[\]]*?): page allocation failure[:.]\s*order:(?P<order>[0-9]+),\s*'
    r'mode:(?P<mode>0x[0-9a-fA-F]+)(?:\((?P<flags>[^)]*)\))?')
_KMSG = re.compile(r'^(?P<prio>[0-9]+),(?P<seq>[0-9]+),(?P<usec>[0-9]+),[^;]*;(?P<msg>.*)$')
_DMESG_TIME = re.compile(r'^\[\s*(?P<sec>[0-9]+\.[0-9]+)\]\s*(?P<msg>.*)$')


def parse_failure(message):
    """The (comm, order, mode, flags) of a "page allocation failure" line, or None.

    Shapes: 2.6.32 "java: page allocation failure. order:2, mode:0x20", 4.x+
    "kworker/0:1: page allocation failure: order:3, mode:0x2080020(GFP_ATOMIC|__GFP_COMP)".
    """
    match = _FAILURE.search(message)
    if not match:
        return None
    return {'process': match.group('comm').strip(), 'order': int(match.group('order')),
            'mode': match.group('mode').lower(), 'flags': match.group('flags')}


def parse_kmsg_record(record):
    """One /dev/kmsg record -> (seconds since boot, message) or None."""
    match = _KMSG.match(record.strip('\n').split('\n', 1)[0])
    if not match:
        return None
    return int(match.group('usec')) / 1e6, match.group('msg')


def failure_events(lines, kind):
    """Failures in kernel log lines. ``kind``: 'kmsg' (records), 'dmesg' ([sec] msg) or 'syslog'."""
    events = []
    for line in lines:
        when = None
        message = line
        if kind == 'kmsg':
            parsed = parse_kmsg_record(line)
            if parsed is None:
                continue
            when, message = parsed
        elif kind == 'dmesg':
            match = _DMESG_TIME.match(line)
            if match:
                when, message = float(match.group('sec')), match.group('msg')
        else:  # syslog: "Nov 25 10:00:01 host kernel: [12.3] comm: page allocation failure..."
            when = line[:15] if len(line) > 15 and line[3] == ' ' else None
        failure = parse_failure(message)
        if failure:
            failure['when'] = when
            events.append(failure)
    return events


def group_failures(events, source):
    """Group events by (order, mode, process): count, first and last time."""
    groups = {}
    order = []
    for event in events:
        key = (event['order'], event['mode'], event['process'])
        if key not in groups:
            groups[key] = {'order': event['order'], 'mode': event['mode'], 'flags': event['flags'],
                           'process': event['process'], 'count': 0, 'first': event['when'],
                           'last': event['when'], 'source': source}
            order.append(key)
        groups[key]['count'] += 1
        groups[key]['last'] = event['when']
    return [groups[key] for key in sorted(order)]


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


def _number(value, name, allow_float=False):
    if isinstance(value, bool):
        raise WatermarkSettingError('%s must be a number, got %r' % (name, value))
    if isinstance(value, (int, float)) or (allow_float and isinstance(value, float)):
        number = value
    elif hasattr(value, 'strip'):
        try:
            number = float(value.strip()) if allow_float else int(value.strip())
        except ValueError:
            raise WatermarkSettingError('%s must be %s, got %r' % (name, 'a number' if allow_float else 'an integer', value))
    else:
        raise WatermarkSettingError('%s must be %s, got %r' % (name, 'a number' if allow_float else 'an integer', value))
    if not allow_float and isinstance(number, float):
        if number != int(number):
            raise WatermarkSettingError('%s must be an integer, got %r' % (name, value))
        number = int(number)
    if number < 0:
        raise WatermarkSettingError('%s must not be negative, got %r' % (name, value))
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
                                                             current), evidence, remedy)
    low = current is not None and current < target and facts['mem_total_kb'] >= BIG_MEMORY_KB
    if unread:
        return make_finding(STORY, 'warn', 'allocation failures unknown: could not read %s; run with become '
                            '(root) to read the kernel log%s' % (
                                ', '.join('%s (%s)' % (u['source'], u['error']) for u in unread),
                                '; vm.min_free_kbytes is %s kB, below the policy target %d kB' % (current, target)
                                if low else ''), evidence, remedy if low else None)
    if low:
        return make_finding(STORY, 'warn', 'vm.min_free_kbytes is %d kB, below the policy target %d kB for %d MiB '
                            'of RAM' % (current, target, facts['mem_total_kb'] // 1024), evidence, remedy)
    return make_finding(STORY, 'ok', 'vm.min_free_kbytes is %d kB (policy target %d kB); no allocation failures '
                        'logged' % (current, target), evidence, None)


def read_kmsg(path='/dev/kmsg'):
    """Every record in the kernel's ring buffer, without blocking (Linux 3.5+)."""
    import errno
    import os
    records = []
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        while True:
            try:
                chunk = os.read(fd, 8192)
            except OSError as exc:
                if exc.errno == errno.EAGAIN:
                    break
                if exc.errno == errno.EPIPE:  # records overwritten while reading: go on
                    continue
                raise
            if not chunk:
                break
            records.append(chunk.decode('utf-8', 'replace'))
    finally:
        os.close(fd)
    return records
