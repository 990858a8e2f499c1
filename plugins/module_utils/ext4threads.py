# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ext4-dio-unwrit kernel threads (seed story 3): count them, measure them, explain them.

ext4 converts unwritten extents to written ones after direct or delayed-allocation I/O in a
per-filesystem workqueue: "ext4-dio-unwritten" on 2.6.32-era kernels (one thread per CPU
per ext4 mount, shown truncated to 15 characters as "ext4-dio-unwrit"), "ext4-rsv-conversion"
("ext4-rsv-conver") since 3.10, where it is the rescuer thread of a concurrency-managed
workqueue; since 6.x kworker names carry the workqueue ("kworker/R-ext4-rsv-conversion" for
the rescuer, "kworker/u8:1-ext4-rsv-conversion" for a worker running its items). Many of them after heavy writes is normal: they are idle unless extents are
being converted. They matter only if they burn CPU.

Pure functions over /proc text, plus readers that take ``root``. Python 2.7 / 3.6+.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import time

from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import make_finding
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import (
    HostReadError,
    host_path,
    is_uint,
    malformed,
    read_text,
)

STORY = 'ext4_threads'
THREAD_PREFIXES = ('ext4-dio-unwrit', 'ext4-rsv-conver')
# A thread family is "busy" above this share of one CPU, summed over its threads.
DEFAULT_BUSY_PERCENT = 5.0
EXPLANATION = ('ext4 converts unwritten extents to written ones after direct and delayed-allocation '
               'writes in a per-filesystem workqueue; its threads exist per ext4 mount (per CPU on '
               '2.6.32) and sleep unless a conversion is pending, so their number alone is harmless.')


# /proc/PID/stat is one line of a few hundred bytes (the comm is at most 64): a larger file is
# not one. utime and stime are unsigned longs; PIDs stop at PID_MAX_LIMIT (4194304, 2^22).
STAT_MAX_BYTES = 64 * 1024
U64_MAX = 2 ** 64 - 1
PID_MAX_LIMIT = 4194304


def _ticks(text, source, field):
    if not is_uint(text) or int(text) > U64_MAX:
        raise malformed(source, None, '%s as clock ticks from 0 to %d' % (field, U64_MAX), text)
    return int(text)


def parse_stat(text, source='/proc/PID/stat'):
    """(comm, utime + stime in clock ticks) from /proc/PID/stat; the comm may hold spaces, ')'
    and even newlines (prctl PR_SET_NAME takes any byte but NUL), so it is what lies between the
    first '(' and the last ')'. Anything else is a HostReadError naming ``source``."""
    start = text.find('(')
    end = text.rfind(')')
    if start < 0 or end < start or not is_uint(text[:start].strip()):
        raise malformed(source, None, '"PID (comm) state ..."', text.strip())
    comm = text[start + 1:end]
    fields = text[end + 1:].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    if len(fields) < 13:
        raise malformed(source, None, 'at least 15 fields (utime and stime are fields 14 and 15)', text.strip())
    return comm, _ticks(fields[11], source, 'utime (field 14)') + _ticks(fields[12], source, 'stime (field 15)')


def family_of(comm):
    """'ext4-dio-unwrit' or 'ext4-rsv-conver' for a thread of that workqueue, else None."""
    for prefix in THREAD_PREFIXES:
        if prefix in comm:
            return prefix
    return None


def ext4_mounts(mounts_text):
    """Mount points of ext4 filesystems in /proc/mounts."""
    out = []
    for line in mounts_text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[2] == 'ext4':
            out.append(words[1])
    return out


def sample(root):
    """{pid: (comm, cpu ticks)} of the ext4 conversion threads under ``root``.

    Every /proc/PID/stat is parsed (a malformed one is an error naming it); a process that
    exits while it is read is skipped."""
    found = {}
    proc = host_path(root, '/proc')
    try:
        names = os.listdir(proc)
    except (IOError, OSError) as exc:
        raise HostReadError('cannot list /proc: %s' % (exc.strerror or exc))
    for name in names:
        if not is_uint(name) or int(name) > PID_MAX_LIMIT:  # not a process ('self', 'sys', ...)
            continue
        path = '/proc/%s/stat' % name
        try:
            text = read_text(root, path, limit=STAT_MAX_BYTES)
        except HostReadError:
            if not os.path.isdir(host_path(root, '/proc/' + name)):  # exited while read (ESRCH)
                continue
            raise
        if text is None:  # the task exited between listdir and read
            continue
        comm, ticks = parse_stat(text, path)
        if family_of(comm):
            found[int(name)] = (comm, ticks)
    return found


def is_transient_worker(comm):
    """A pool kworker that last ran the workqueue (its name says so since 4.18), not a thread of
    its own: it comes and goes, so it counts for CPU time but not in the number of threads."""
    return comm.startswith('kworker/') and not comm.startswith('kworker/R-')


def diagnose(first, second, seconds, clock_ticks, mounts, busy_percent=DEFAULT_BUSY_PERCENT):
    """Compare two samples taken ``seconds`` apart: counts, CPU use and a verdict (pure)."""
    families = {}
    for pid, (comm, ticks) in second.items():
        family = family_of(comm)
        entry = families.setdefault(family, {'threads': 0, 'workers': 0, 'cpu_ticks': 0})
        entry['workers' if is_transient_worker(comm) else 'threads'] += 1
        if pid in first:
            entry['cpu_ticks'] += max(0, ticks - first[pid][1])
    busy = []
    for family, entry in families.items():
        entry['cpu_percent'] = round(100.0 * entry['cpu_ticks'] / clock_ticks / seconds, 2) if seconds else 0.0
        if entry['cpu_percent'] > busy_percent:
            busy.append(family)
    return {
        'threads': sum(entry['threads'] for entry in families.values()),
        'families': families,
        'ext4_mounts': mounts,
        'sample_seconds': seconds,
        'busy_percent': busy_percent,
        'verdict': 'busy' if busy else 'benign',
        'busy_families': sorted(busy),
        'explanation': EXPLANATION,
    }


def begin(root='/'):
    """Take the first sample and note when: the start of a measuring window that other work
    (the fleet audit's other collectors) can fill before :func:`finish` takes the second."""
    first = sample(root)
    return {'first': first, 'taken': time.time()}


def finish(window, root='/', seconds=1.0, busy_percent=DEFAULT_BUSY_PERCENT):
    """Wait for what is left of ``seconds`` since :func:`begin`, sample again and diagnose.
    CPU shares are computed over the time that really passed between the two samples."""
    mounts_text = read_text(root, '/proc/mounts') or ''
    first = window['first']
    elapsed = 0
    second = first
    if seconds > 0 and first:
        remaining = window['taken'] + seconds - time.time()
        if remaining > 0:
            time.sleep(remaining)
        elapsed = round(time.time() - window['taken'], 3)
        second = sample(root)
    clock_ticks = os.sysconf('SC_CLK_TCK')
    return diagnose(first, second, elapsed, clock_ticks, ext4_mounts(mounts_text), busy_percent)


def collect(root='/', seconds=1.0, busy_percent=DEFAULT_BUSY_PERCENT):
    """Sample the threads twice, ``seconds`` apart, and diagnose."""
    return finish(begin(root), root, seconds, busy_percent)


def finding(facts):
    evidence = {'threads': facts['threads'], 'ext4_mounts': len(facts['ext4_mounts']),
                'families': facts['families'], 'sample_seconds': facts['sample_seconds']}
    if not facts['ext4_mounts'] and not facts['threads']:
        return make_finding(STORY, 'not_applicable', 'no ext4 filesystem mounted', evidence, None)
    if facts['verdict'] == 'busy':
        summary = ('%s busy above %g%% of a CPU: unwritten-extent conversion is running hot (heavy direct '
                   'or fallocated writes)' % (', '.join(facts['busy_families']), facts['busy_percent']))
        return make_finding(STORY, 'warn', summary, evidence, 'look at the writers (iotop, /proc/PID/io); the threads are the symptom',
                            cause='ext4 conversion threads busy')
    return make_finding(STORY, 'ok', '%d ext4 conversion thread(s) for %d ext4 mount(s), idle: benign'
                        % (facts['threads'], len(facts['ext4_mounts'])), evidence, None)
