#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: memory_watermark_facts
short_description: Read free-page watermarks, fragmentation and "page allocation failure" events
version_added: 0.3.0
description:
  - Seed story 2. Big-memory servers logged "page allocation failure" while C(free) showed plenty
    of memory - most of it page cache - until C(vm.min_free_kbytes) was raised (1 GiB made them rarer,
    4 GiB made them stop). This module reads what explains it.
  - Per node and zone from C(/proc/zoneinfo) - free pages, the min/low/high watermarks,
    managed/present pages, the lowmem reserve (protection), the free CMA pages - in pages and kB;
    from C(/proc/buddyinfo) the free blocks per order and the highest order an allocation can still
    get without going under the min watermark, by the watermark check of the running kernel. The
    rule changed in 4.4 (before it, every lower order's free pages are taken away and min halves at
    each order), and RHEL/CentOS 6 kernels have a rule of their own
    (see RV(ansible_facts.fleetfix_memory.watermark_rule)).
  - C(/proc/meminfo) totals; C(vm.min_free_kbytes), C(vm.watermark_scale_factor) (4.6+),
    C(vm.watermark_boost_factor) (5.0+), C(vm.extra_free_kbytes) (some vendor kernels) and
    C(vm.lowmem_reserve_ratio) where the running kernel has them (null otherwise); the kernel's
    own default C(min_free_kbytes) for this much lowmem.
  - The value each watermark sysctl gets at boot, across every sysctl file in the order this
    host's boot applies them - systemd-sysctl (C(/etc/sysctl.conf) only through the
    C(99-sysctl.conf) link), EL7's systemd (C(/etc/sysctl.conf) last), CentOS/RHEL 6 initscripts
    (C(/etc/sysctl.conf) first, then every file in C(/etc/sysctl.d)) or C(sysctl --system) without
    systemd (see RV(ansible_facts.fleetfix_memory.boot_values)).
  - Events of "page allocation failure" from the kernel log, grouped by order, gfp mask and process.
  - Only reads. Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
  - C(dmesg) - optional - read only with O(log_sources=kmsg) where C(/dev/kmsg) cannot be read; without it that
    source is in RV(ansible_facts.fleetfix_memory.log_sources_unread), with a warning
  - C(journalctl) - optional - read only with O(log_sources=journal) (C(journalctl -k)); without it the journal is in
    RV(ansible_facts.fleetfix_memory.log_sources_unread), with a warning
options:
  log_sources:
    description:
      - Where to look for "page allocation failure" events. V(kmsg) reads C(/dev/kmsg) without
        blocking, or the output of C(dmesg) where C(/dev/kmsg) cannot be read; V(journal) reads
        C(journalctl -k); V(files) reads O(log_files).
    type: list
    elements: str
    choices: [kmsg, journal, files]
    default: [kmsg]
  log_files:
    description:
      - Syslog files read with O(log_sources=files); missing files are skipped. Absolute paths only.
      - Each is read from its end, at most O(log_budget_bytes) of it (the newest lines), one line at a time.
    type: list
    elements: path
    default: [/var/log/messages, /var/log/kern.log]
  log_budget_bytes:
    description:
      - The most bytes read of each log. Memory does not grow with it (a log is read one line at a time and only the
        "page allocation failure" lines are kept, grouped); the time spent does.
      - A log file is read from its end, so its newest O(log_budget_bytes) bytes are searched.
      - C(journalctl -k) is asked for its newest O(log_budget_bytes) / 128 lines (C(-n)); C(/dev/kmsg) and C(dmesg) show the
        kernel's ring buffer (C(log_buf_len), usually well under the default) and are read from its oldest record.
      - A log longer than the budget gives a warning saying which part was read, and
        RV(ansible_facts.fleetfix_memory.log_windows) says it too.
      - From 4096 to 4294967296 (4 GiB). The default is 64 MiB.
    type: int
    default: 67108864
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.linux_host
  - fleetfix.kernel.read_only.facts
notes:
  - Reading C(/dev/kmsg) needs root where C(kernel.dmesg_restrict) is 1.
  - No log is read into memory whole, whatever its size (see O(log_budget_bytes)); C(dmesg) and C(journalctl) are read
    through a pipe as they print, not collected first.
  - The orders are those of a plain allocation at the min watermark - not GFP_ATOMIC, which may dip
    further (to about 3/8 of min), not movable (free CMA pages do not count), from its own zone (no
    lowmem reserve). C(/proc/buddyinfo) counts free blocks of every migrate type and C(/proc) does not
    show the high-atomic reserve of 4.4 and later, so on those kernels an order can be one the kernel
    would still refuse.
seealso:
  - name: Documentation for /proc/sys/vm
    description: min_free_kbytes, watermark_scale_factor and friends.
    link: https://docs.kernel.org/admin-guide/sysctl/vm.html
'''

EXAMPLES = r'''
- name: Read watermarks and allocation failures
  fleetfix.kernel.memory_watermark_facts:
    log_sources: [kmsg, files]

- name: Show the highest order every zone can still serve
  ansible.builtin.debug:
    msg: "{{ ansible_facts.fleetfix_memory.zones | map(attribute='highest_order_above_min') | list }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts added under C(fleetfix_memory).
  returned: always
  type: dict
  contains:
    fleetfix_memory:
      description: Watermarks, fragmentation and allocation failures.
      returned: always
      type: dict
      contains:
        kernel_release:
          description: The running kernel.
          type: str
          sample: 6.1.0-28-amd64
        watermark_rule:
          description:
            - The watermark check of the running kernel's release that C(highest_order_above_min) follows.
            - 'V(any-block-above-min) - 4.4 and later (commit 97a16fc82a7c "mm, page_alloc: only enforce
              watermarks for order-0 allocations"), and a release without a version.'
            - V(subtract-lower-orders) - before 4.4, RHEL/CentOS 7's 3.10 included, and RHEL/CentOS 6
              releases before 2.6.32-642.
            - V(rhel6-no-high-order-below-min) - RHEL/CentOS 6 from 2.6.32-642 (Red Hat's "don't require
              high order pages below min wmark").
          type: str
          choices: [any-block-above-min, subtract-lower-orders, rhel6-no-high-order-below-min]
          sample: any-block-above-min
        watermark_rule_description:
          description: What that rule is, in one line, with the kernel versions and the commit.
          type: str
        page_size:
          description: Bytes per page.
          type: int
          sample: 4096
        mem_total_kb:
          description: MemTotal from C(/proc/meminfo).
          type: int
        mem_free_kb:
          description: MemFree.
          type: int
        mem_available_kb:
          description: MemAvailable (null before 3.14).
          type: int
        cached_kb:
          description: Cached (page cache).
          type: int
        sysctls:
          description: C(min_free_kbytes), C(watermark_scale_factor), C(watermark_boost_factor),
            C(extra_free_kbytes) (ints) and C(lowmem_reserve_ratio) (list); null where the kernel lacks one.
          type: dict
        lowmem_kb:
          description: Managed memory of the lowmem zones, what the kernel sizes min_free_kbytes from.
          type: int
        kernel_default_min_free_kbytes:
          description: The kernel's rule C(int_sqrt(lowmem_kb * 16)) with its clamp (THP may raise it at boot).
          type: int
        min_watermark_kb:
          description: Sum of the lowmem zones' min watermarks in kB.
          type: int
        watermarks_match_min_free_kbytes:
          description: Whether the min watermarks add up to C(vm.min_free_kbytes) (within a page per zone).
          type: bool
        zones:
          description: One entry per node and zone.
          type: list
          elements: dict
          contains:
            node:
              description: NUMA node.
              type: int
            zone:
              description: Zone name (DMA, DMA32, Normal, HighMem, Movable).
              type: str
            free_pages:
              description: Free pages.
              type: int
            min:
              description: Min watermark in pages (C(min_kb), C(low_kb), C(high_kb), C(free_pages_kb) in kB).
              type: int
            low:
              description: Low watermark in pages.
              type: int
            high:
              description: High watermark in pages.
              type: int
            managed:
              description: Pages managed by the buddy allocator (C(present) before 3.8).
              type: int
            protection:
              description: The lowmem reserve against allocations for each higher zone, in pages.
              type: list
              elements: int
            free_cma:
              description: Free CMA pages (C(nr_free_cma), 3.7 and later; 0 where the kernel has none),
                which allocations that are not movable cannot use.
              type: int
            free_blocks:
              description: Free blocks per order (C(/proc/buddyinfo)); null when the zone has no line there.
              type: list
              elements: int
            highest_order_above_min:
              description: The largest order an allocation gets from the zone without going under min,
                by C(watermark_rule) - the check passes and a free block of that order or larger exists;
                -1 for none; null for a zone without pages or buddyinfo line.
              type: int
        lowest_highest_order_above_min:
          description: The smallest of the zones' C(highest_order_above_min).
          type: int
        boot_values:
          description: Per watermark sysctl, the value it gets at boot, the file and line that set it,
            every assignment in order, and C(sysctl_order), the precedence model of this host -
            C(systemd-sysctl), C(systemd-sysctl-el7), C(el6-initscripts) or C(procps-sysctl-system).
            The model is read off the host (os-release or redhat-release, and whether systemd is init).
          type: dict
        allocation_failures:
          description: '"page allocation failure" events grouped by order, mode and process, with
            C(count), C(first), C(last) (seconds since boot from the kernel log, or the syslog time) and C(source).'
          type: list
          elements: dict
        log_sources_read:
          description: The logs actually read (C(/dev/kmsg), C(dmesg), C(journalctl -k) or file paths).
          type: list
          elements: str
        log_sources_unread:
          description: The requested logs that could not be read, each C(source) and C(error) (permission
            denied under C(kernel.dmesg_restrict=1) without become, a directory, a FIFO, a symlink loop,
            a read error); each is also a warning. A log file that does not exist is not listed.
          type: list
          elements: dict
        log_windows:
          description:
            - For each log read, which part of it was searched - C(source), C(bytes_read), C(truncated) (true when the
              log was longer than O(log_budget_bytes)) and C(window) in words - V(whole log), V(last N bytes) (a log file),
              V(first N bytes) (C(/dev/kmsg), C(dmesg)) or V(last N lines) (C(journalctl -k)).
            - A truncated log is also a warning.
          type: list
          elements: dict
          sample:
            - {source: /var/log/messages, bytes_read: 67108864, truncated: true, window: last 67108864 bytes}
        allocation_failures_not_grouped:
          description: Failure events past the first 1000 distinct (order, mode, process) groups, counted here rather
            than listed in C(allocation_failures) (memory stays bounded); 0 on any real host.
          type: int
          sample: 0
'''

import errno
import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import arguments, hostfs, memory, sysctl_d
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import exit_with_facts

BOOT_KEYS = ('vm.min_free_kbytes', 'vm.watermark_scale_factor')
# log_budget_bytes: at least a page, at most 4 GiB (memory does not grow with it: time does)
LOG_BUDGET_MIN = 4096
LOG_BUDGET_MAX = 4 * 1024 * 1024 * 1024


def _log_file_problem(path):
    """Why ``path`` cannot be read as a log file, or None when it can (or does not exist:
    the default log_files are candidates, one of them is usually missing)."""
    try:
        info = os.stat(path)
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        if exc.errno == errno.ELOOP:
            return 'a symlink loop'
        return exc.strerror or str(exc)
    if stat.S_ISDIR(info.st_mode):
        return 'a directory, not a log file'
    if stat.S_ISFIFO(info.st_mode):
        return 'a FIFO, not a log file (reading it would block)'
    if not stat.S_ISREG(info.st_mode):
        return 'not a regular file'
    return None


def _window(source, info, budget, head=False):
    """Which part of a log was read: {'source', 'bytes_read', 'truncated', 'window'}."""
    if not info.get('truncated'):
        window = 'whole log'
    elif head:
        window = 'first %d bytes' % budget
    else:
        window = 'last %d bytes' % budget
    return {'source': source, 'bytes_read': info.get('bytes', 0), 'truncated': bool(info.get('truncated')),
            'window': window}


def _command_failures(module, name, args, kind, budget):
    """Stream a command's output through the failure scan: (groups, info) or (None, error)."""
    path = module.get_bin_path(name)
    if not path:
        return None, '%s not found' % name
    info = {}
    try:
        found = memory.FailureGroups().scan(memory.iter_command_lines([path] + args, budget, info), kind)
    except (IOError, OSError) as exc:
        return None, exc.strerror or str(exc)
    if info['rc'] != 0 and not (info['truncated'] and info['rc'] < 0):  # killed at the budget: read
        return None, info['stderr'] or 'exit status %d' % info['rc']
    return (found, info), None


def read_failures(module, sources, files, budget=hostfs.LOG_BUDGET_BYTES):
    """Failure events from the requested logs: (grouped events, sources read, sources unread,
    windows read, events not grouped).

    Every requested log that could not be read is in the third list with the reason, and a
    warning names it: "no failures" from a log nobody read is not an answer. No log is held in
    memory: files are read from their end (the last ``budget`` bytes), /dev/kmsg, dmesg and
    journalctl line by line, and only the failures are kept, grouped."""
    found = memory.FailureGroups()
    read = []
    unread = []
    windows = []
    if 'kmsg' in sources:
        info = {}
        try:
            found.merge(memory.FailureGroups().scan(memory.read_kmsg(budget=budget, info=info), 'kmsg'))
            read.append('/dev/kmsg')
            windows.append(_window('/dev/kmsg', info, budget, head=True))
        except (IOError, OSError) as exc:
            result, error = _command_failures(module, 'dmesg', [], 'dmesg', budget)
            if result:
                found.merge(result[0])
                read.append('dmesg')
                windows.append(_window('dmesg', result[1], budget, head=True))
            else:
                unread.append(memory.unread_source('/dev/kmsg', exc))
                unread.append({'source': 'dmesg', 'error': error})
    if 'journal' in sources:
        lines = memory.journal_lines(budget)
        result, error = _command_failures(module, 'journalctl', ['-k', '-b', '-o', 'short-monotonic', '--no-pager',
                                                                 '-q', '-n', str(lines)], 'journal', budget)
        if result:
            found.merge(result[0])
            read.append('journalctl -k')
            window = _window('journalctl -k', result[1], budget, head=True)
            if not window['truncated']:
                window['window'] = 'last %d lines' % lines
            windows.append(window)
        else:
            unread.append({'source': 'journalctl -k', 'error': error})
    if 'files' in sources:
        for path in files:
            problem = _log_file_problem(path)
            if problem:
                unread.append({'source': path, 'error': problem})
                continue
            if not os.path.isfile(path):
                continue
            info = {}
            try:
                handle = open(path, 'rb')
                try:
                    found.merge(memory.FailureGroups().scan(hostfs.iter_tail_lines(handle, budget, info), 'syslog'))
                finally:
                    handle.close()
            except (IOError, OSError) as exc:
                unread.append(memory.unread_source(path, exc))
                continue
            read.append(path)
            windows.append(_window(path, info, budget))
    for item in unread:
        module.warn('memory_watermark_facts: cannot read %s: %s; allocation failures logged there are not counted'
                    '%s' % (item['source'], item['error'], ' (run with become)' if item['source'] in ('/dev/kmsg', 'dmesg') else ''))
    for item in windows:
        if item['truncated']:
            module.warn('memory_watermark_facts: %s is longer than log_budget_bytes (%d): only its %s were read; '
                        'allocation failures logged %s are not counted' % (
                            item['source'], budget, item['window'],
                            'after them' if item['window'].startswith('first') else 'before them'))
    if found.not_grouped:
        module.warn('memory_watermark_facts: more than %d distinct allocation failures (order, mode, process): '
                    '%d further events counted in allocation_failures_not_grouped' % (found.max_groups, found.not_grouped))
    return found.groups(', '.join(read)), read, unread, windows, found.not_grouped


def main():
    module = AnsibleModule(
        argument_spec=dict(
            log_sources=dict(type='list', elements='str', choices=['kmsg', 'journal', 'files'], default=['kmsg']),
            log_files=dict(type='list', elements='path', default=['/var/log/messages', '/var/log/kern.log']),
            log_budget_bytes=dict(type='int', default=hostfs.LOG_BUDGET_BYTES),
        ),
        supports_check_mode=True,
    )

    budget = module.params['log_budget_bytes']
    if isinstance(budget, bool) or not LOG_BUDGET_MIN <= budget <= LOG_BUDGET_MAX:
        module.fail_json(msg='log_budget_bytes: %r is not a number of bytes from %d to %d'
                         % (budget, LOG_BUDGET_MIN, LOG_BUDGET_MAX))
    # type='path' takes a relative path, an empty one or one holding a NUL
    arguments.fail_on_input_error(module, [
        lambda: arguments.check_absolute_paths(module.params['log_files'], 'log_files'),
    ])

    def collect():
        facts = memory.collect('/', page_size=os.sysconf('SC_PAGE_SIZE'))
        facts['boot_values'] = sysctl_d.boot_values('/', BOOT_KEYS)
        (facts['allocation_failures'], facts['log_sources_read'], facts['log_sources_unread'],
         facts['log_windows'], facts['allocation_failures_not_grouped']) = read_failures(
            module, module.params['log_sources'], module.params['log_files'], budget)
        return facts

    exit_with_facts(module, 'fleetfix_memory', collect)


if __name__ == '__main__':
    main()
