# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every seed story's collector in one process: the fleet audit's single round trip.

Each collector reads with the same module_utils code its facts module uses and returns
(facts, finding). A collector that breaks on one host yields an ``error`` finding for its
story only; the others still report.

Each collector imports its own module_utils when it runs, so a host compiles only the code of
the stories it audits (AnsiballZ ships every file imported anywhere below: Ansible finds the
imports by reading the code, inside functions too, but Python compiles a file only when it is
imported).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import time

from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import make_finding
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import kernel_release, read_cache


def _running_config(root, context):
    """The running kernel's config, read once per audit and shared by the collectors."""
    from ansible_collections.fleetfix.kernel.plugins.module_utils import kconfig
    if 'config' not in context:
        try:
            context['config'] = kconfig.read_config(root, kernel_release(root), True)
        except kconfig.KernelConfigError as exc:
            context['config'] = exc
    if isinstance(context['config'], Exception):
        raise context['config']
    return context['config']


def _which(name):
    for directory in (os.environ.get('PATH') or '/usr/sbin:/usr/bin:/sbin:/bin').split(os.pathsep) + ['/usr/sbin', '/sbin']:
        path = os.path.join(directory, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _docker_kernel(root, options, context):
    from ansible_collections.fleetfix.kernel.plugins.module_utils import docker_check, kconfig
    host = docker_check.read_host(root, _which)
    try:
        config, source = _running_config(root, context)
    except kconfig.KernelConfigError as exc:
        if not host['docker_present']:
            return {'docker_present': False}, make_finding('docker_kernel', 'not_applicable',
                                                           'no docker/containerd installed', {}, None)
        raise exc
    result = docker_check.evaluate(config, kernel_release(root), 'current', host)
    result['config_source'] = source
    return {'docker_present': host['docker_present'], 'results': [result]}, \
        docker_check.finding([result], host['docker_present'])


def _slab_allocator(root, options, context):
    from ansible_collections.fleetfix.kernel.plugins.module_utils import kconfig, slab
    try:
        config = _running_config(root, context)[0]
    except kconfig.KernelConfigError:
        config = None  # /sys/kernel/slab may still tell
    facts = slab.collect(root, config=config)
    return facts, slab.finding(facts)


def _socket_timeval(root, options, context):
    from ansible_collections.fleetfix.kernel.plugins.module_utils import timeval
    if root != '/':
        return None, make_finding('socket_timeval', 'not_applicable', 'only probed on a live host', {}, None)
    bad = timeval.probe(3, 1000000)
    good = timeval.probe(3, 999999)
    evidence = {'tv_usec_1000000': bad['error'] or 'accepted', 'tv_usec_999999': good['error'] or 'accepted'}
    if bad['error'] == 'EDOM' and good['accepted']:
        return {'probes': [bad, good]}, make_finding(
            'socket_timeval', 'ok', 'the kernel refuses tv_usec >= 1000000 with EDOM, as in the seed: build timeouts '
            'with the fleetfix.kernel.timeval filter', evidence, None)
    return {'probes': [bad, good]}, make_finding(
        'socket_timeval', 'warn', 'unexpected SO_RCVTIMEO answers: %s' % evidence, evidence, None,
        cause='unexpected SO_RCVTIMEO answers')


def _net_iface_names(root, options, context):
    from ansible_collections.fleetfix.kernel.plugins.module_utils import netif
    facts = netif.collect(root)
    return facts, netif.finding(facts)


def _pipe_capacity(root, options, context):
    from ansible_collections.fleetfix.kernel.plugins.module_utils import pipe
    write_size = options.get('pipe_write_size') or pipe.KERNEL_DEFAULT_PIPE_MAX_SIZE
    facts = pipe.collect(root, write_size=write_size, probe=(root == '/'))
    return facts, pipe.finding(facts, write_size)


def _page_allocation(root, options, context):
    from ansible_collections.fleetfix.kernel.plugins.module_utils import memory
    page_size = os.sysconf('SC_PAGE_SIZE') if root == '/' else 4096
    facts = memory.collect(root, page_size=page_size)
    failures = []
    unread = []
    if root == '/':
        try:
            # only the failure records are read into memory, grouped as they are scanned
            failures = memory.scan_failures(memory.read_kmsg(), 'kmsg', '/dev/kmsg')
        except (IOError, OSError) as exc:
            # /dev/kmsg unreadable (dmesg_restrict without root, containers): the watermarks still
            # count, but "no failures logged" is unknown - the finding says so and is never ok
            unread.append(memory.unread_source('/dev/kmsg', exc))
    facts['allocation_failures'] = failures
    facts['log_sources_unread'] = unread
    return facts, memory.finding(facts, failures, unread=unread)


def _ext4_threads(root, options, context):
    from ansible_collections.fleetfix.kernel.plugins.module_utils import ext4threads
    # run() opened the sampling window before the other collectors ran; only what is left
    # of it is waited for here.
    window = context.pop('ext4_window', None) or ext4threads.begin(root)
    if isinstance(window, Exception):
        raise window
    seconds = options.get('ext4_sample_seconds', 0.2) if root == '/' else 0
    facts = ext4threads.finish(window, root, seconds=seconds)
    return facts, ext4threads.finding(facts)


def boot_candidates(installed, running, grub_facts):
    """The installed kernels whose image the verdict reads (bootready.kernels_to_check: the default
    entry's kernel and every kernel newer than the running one), or None for all of them when
    that names none installed (a default entry naming a removed kernel: its own reason)."""
    from ansible_collections.fleetfix.kernel.plugins.module_utils import bootready
    wanted = bootready.kernels_to_check({'kernels': [{'version': kver} for kver in installed], 'running_kernel': running}, grub_facts)
    selected = [kver for kver in wanted if kver in installed]
    return selected or None


def _boot_readiness(root, options, context):
    from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain, bootloader, bootready
    grub_facts = bootloader.collect(root)
    # Only the images that can boot next are decoded: an older kernel's image is not what the
    # host boots after a reboot, and its verdict was never part of the finding (bootready
    # evaluates the same kernels). Each image read is read to its end (the early stop only skips
    # collecting entries), so a damaged image gets the verdict of a full scan.
    initramfs_facts = bootchain.collect_initramfs_facts(
        root, extra=options.get('boot_extra_drivers'), on_error='report', stop_early=True,
        select=lambda installed, running: boot_candidates(installed, running, grub_facts))
    facts = {'initramfs': initramfs_facts, 'grub': grub_facts}
    return facts, bootready.finding(initramfs_facts, grub_facts)


# story name -> collector; the order is the report's column order.
COLLECTORS = (
    ('page_allocation', _page_allocation),
    ('ext4_threads', _ext4_threads),
    ('docker_kernel', _docker_kernel),
    ('slab_allocator', _slab_allocator),
    ('socket_timeval', _socket_timeval),
    ('net_iface_names', _net_iface_names),
    ('pipe_capacity', _pipe_capacity),
    ('boot_readiness', _boot_readiness),
)
STORIES = tuple(name for name, _collector in COLLECTORS)


def select_stories(subset):
    """Resolve a gather_subset-style list ('all', names, '!name') to story names, in order."""
    wanted = set()
    excluded = set()
    for item in subset or ['all']:
        name = item[1:] if item.startswith('!') else item
        if name != 'all' and name not in STORIES:
            raise ValueError('unknown story %r in gather_subset; known: all, %s' % (item, ', '.join(STORIES)))
        target = excluded if item.startswith('!') else wanted
        if name == 'all':
            target.update(STORIES)
        else:
            target.add(name)
    if not wanted:  # only exclusions given: start from everything
        wanted.update(STORIES)
    return [name for name in STORIES if name in wanted and name not in excluded]


def _ms(seconds):
    return int(round(seconds * 1000))


# --- where the module's time goes (timings_ms) -------------------------------------------------
#
# /proc/<pid>/stat field 22 (starttime) is when the process was forked, in clock ticks after boot
# (USER_HZ, sysconf(_SC_CLK_TCK): 100 a second on x86, ARM, POWER and s390, so 10 ms); /proc/uptime is the time since
# boot in seconds with two decimals. Both count the same boot-based clock, so their difference is
# the process's age to within a clock tick - the only record of a process's start the standard
# library can read on Python 2.7 and 3.6 alike.
def process_age(stat_text, uptime_text, ticks_per_second):
    """Seconds since the process whose /proc/<pid>/stat is ``stat_text`` started, at the moment
    ``uptime_text`` (/proc/uptime) was read. ValueError or IndexError on text that is neither."""
    # field 2 (comm) is in parentheses and may itself hold spaces and ')': split after the last one
    after_comm = stat_text.rsplit(')', 1)[1].split()
    started_ticks = int(after_comm[19])  # after_comm[0] is field 3 (state), so field 22 is [19]
    return float(uptime_text.split()[0]) - started_ticks / float(ticks_per_second)


def startup_ms(first_statement):
    """Milliseconds from this process's start (the fork that became the Python interpreter) to
    ``first_statement``, a time.time() taken by the module's first line; None when /proc cannot
    tell (a timing never fails the audit)."""
    try:
        with open('/proc/self/stat') as handle:
            stat_text = handle.read()
        with open('/proc/uptime') as handle:
            uptime_text = handle.read()
        read_at = time.time()
        age = process_age(stat_text, uptime_text, os.sysconf('SC_CLK_TCK'))
    except (EnvironmentError, ValueError, IndexError, ZeroDivisionError):
        return None
    return _ms(max(0.0, age - (read_at - first_statement)))


def module_timings(startup, started, imported, parsed, collectors, finished):
    """timings_ms of kernel_audit from its marks (time.time() values): ``started`` its first line,
    ``imported`` after its imports, ``parsed`` after its arguments, ``finished`` after the
    collectors; ``startup`` from startup_ms(), ``collectors`` from run()."""
    return {
        'startup': startup,
        'imports': _ms(imported - started),
        'arguments': _ms(parsed - imported),
        'collectors': collectors,
        'total': None if startup is None else startup + _ms(finished - started),
    }


def run(stories, options, root='/'):
    """Run the named collectors; return (facts by story, findings, milliseconds by story)."""
    collectors = dict(COLLECTORS)
    context = {}
    read_cache(True)
    facts = {}
    findings = {}
    timings = {}
    order = list(stories)
    if 'ext4_threads' in order:
        # The ext4 threads' CPU sample spans the other collectors instead of adding a sleep:
        # the first sample now, the second (after whatever is left of the window) last.
        from ansible_collections.fleetfix.kernel.plugins.module_utils import ext4threads
        try:
            context['ext4_window'] = ext4threads.begin(root)
        except Exception as exc:  # pylint: disable=broad-except
            context['ext4_window'] = exc
        order.remove('ext4_threads')
        order.append('ext4_threads')
    for story in order:
        started = time.time()
        try:
            story_facts, story_finding = collectors[story](root, options, context)
        except Exception as exc:  # pylint: disable=broad-except
            # One broken collector must not hide the others: report it as this story's finding.
            story_facts = None
            story_finding = make_finding(story, 'error', 'collector failed: %s' % (exc,),
                                         {'exception': exc.__class__.__name__},
                                         cause='collector failed: %s' % exc.__class__.__name__)
        facts[story] = story_facts
        findings[story] = story_finding
        timings[story] = _ms(time.time() - started)
    context['reads'] = read_cache(False)
    return facts, [findings[story] for story in stories], timings
