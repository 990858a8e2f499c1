# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pipe capacity: facts, the probe, the plan and the audit finding (seed story 8).

What the kernel does, by version:
- up to 2.6.34 a pipe holds PIPE_BUFFERS = 16 pages (64 KiB with 4 KiB pages) and cannot be
  resized: a single write larger than that blocks until a reader drains the pipe;
- 2.6.35 added F_SETPIPE_SZ / F_GETPIPE_SZ and ``fs.pipe-max-size`` (default 1 MiB), the
  largest size an unprivileged process may ask for; CAP_SYS_RESOURCE may exceed it;
- the size asked for is rounded up to a power-of-two number of pages (round_pipe_size), and
  since 4.14 a value written to ``fs.pipe-max-size`` is rounded the same way;
- 4.5 added ``fs.pipe-user-pages-soft`` / ``-hard``: per-user totals above which new pipes
  are created small (soft) or resizing fails (hard).

Runs on the managed host (Python 2.7 / 3.6+, stdlib only) and, for plan and finding, on
the controller through the filter plugin: the functions below are pure unless named probe_*.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os

from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import fix, make_finding
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import (
    is_uint,
    kernel_release,
    malformed,
    read_text,
    sysctl_path,
)

# fcntl commands, from include/uapi/linux/fcntl.h (F_LINUX_SPECIFIC_BASE + 7 / + 8);
# Python's fcntl module only names them since 3.10.
F_SETPIPE_SZ = 1031
F_GETPIPE_SZ = 1032
# include/linux/pipe_fs_i.h before 2.6.35: the fixed number of pages in every pipe.
LEGACY_PIPE_BUFFERS = 16
# Default of fs.pipe-max-size since 2.6.35.
KERNEL_DEFAULT_PIPE_MAX_SIZE = 1048576
# Largest fs.pipe-max-size the role sets without an explicit override: every pipe of every
# user may pin this much unswappable kernel memory once it is full.
DEFAULT_MAX_SIZE_CAP = 268435456
# fs/pipe.c round_pipe_size(): a size above 1 << 31 rounds to 0, which pipe_max_size's handler
# refuses (EINVAL): the kernel's own ceiling for fs.pipe-max-size, and the largest pipe there is.
KERNEL_PIPE_MAX_SIZE = 1 << 31
# fs.pipe-user-pages-soft is an unsigned long (proc_doulongvec_minmax).
KERNEL_USER_PAGES_MAX = 2 ** 64 - 1
# The seed's case: 16 MiB in a single write().
SEED_WRITE_SIZE = 16777216

STORY = 'pipe_capacity'
SYSCTL_MAX_SIZE = 'fs.pipe-max-size'
SYSCTL_USER_PAGES_SOFT = 'fs.pipe-user-pages-soft'
SYSCTL_USER_PAGES_HARD = 'fs.pipe-user-pages-hard'


class PipeSettingError(ValueError):
    """A requested pipe setting is invalid or cannot be applied on this kernel."""


def is_int(value):
    """True for real integers; bool is not a size."""
    return isinstance(value, (int, type(2 ** 64))) and not isinstance(value, bool)


def as_int(value, name):
    """An integer from an int or a string of decimal digits (-e on the command line gives
    strings); anything else is a PipeSettingError naming the variable and the value."""
    if is_int(value):
        return value
    if hasattr(value, 'strip'):  # text (and Python 2 unicode)
        text = value.strip()
        # ASCII digits only ('\xb2'.isdigit() is true, int() refuses it); 40 digits is past any limit here.
        if text and len(text) <= 40 and all(char in '0123456789' for char in text):
            return int(text)
    raise PipeSettingError('%s must be an integer, got %r' % (name, value))


def round_pipe_size(size, page_size):
    """The capacity the kernel gives for a requested ``size`` (round_pipe_size in fs/pipe.c)."""
    pages = max(1, (size + page_size - 1) // page_size)
    power = 1
    while power < pages:
        power *= 2
    return power * page_size


def human_size(size):
    """16777216 -> '16 MiB'; used in messages people read."""
    if size is None:
        return 'unknown'
    for unit, factor in (('GiB', 1 << 30), ('MiB', 1 << 20), ('KiB', 1 << 10)):
        if size >= factor and size % factor == 0:
            return '%d %s' % (size // factor, unit)
    return '%d bytes' % size


# What the kernel holds: fs.pipe-max-size is an unsigned int, the user-pages limits unsigned longs.
SYSCTL_MAXIMA = {
    SYSCTL_MAX_SIZE: 2 ** 32 - 1,
    SYSCTL_USER_PAGES_SOFT: KERNEL_USER_PAGES_MAX,
    SYSCTL_USER_PAGES_HARD: KERNEL_USER_PAGES_MAX,
}
# a sysctl value is one line: a larger file is not one
SYSCTL_MAX_BYTES = 64 * 1024


def parse_sysctl(name, text):
    """The value of a pipe sysctl from its /proc/sys text: ASCII digits, within what the kernel
    holds; HostReadError naming the file and the value otherwise."""
    value = text.strip()
    if not is_uint(value) or int(value) > SYSCTL_MAXIMA[name]:
        raise malformed(sysctl_path(name), None, 'an integer from 0 to %d' % SYSCTL_MAXIMA[name], value)
    return int(value)


def read_limits(root):
    """The pipe sysctls of the running kernel; None where the kernel predates the knob."""
    out = {}
    for key, name in (('pipe_max_size', SYSCTL_MAX_SIZE), ('pipe_user_pages_soft', SYSCTL_USER_PAGES_SOFT),
                      ('pipe_user_pages_hard', SYSCTL_USER_PAGES_HARD)):
        text = read_text(root, sysctl_path(name), limit=SYSCTL_MAX_BYTES)
        out[key] = None if text is None else parse_sysctl(name, text)
    return out


def _fcntl_size(fd, command, arg=0):
    import fcntl
    return fcntl.fcntl(fd, command, arg)


def probe_default_capacity():
    """Capacity of a fresh pipe, by F_GETPIPE_SZ. Returns (capacity, errno or None)."""
    read_fd, write_fd = os.pipe()
    try:
        try:
            return _fcntl_size(write_fd, F_GETPIPE_SZ), None
        except (IOError, OSError) as exc:
            return None, exc.errno
    finally:
        os.close(read_fd)
        os.close(write_fd)


def _try_resize(size):
    """Resize a fresh pipe to ``size``. Returns (capacity, errno or None)."""
    read_fd, write_fd = os.pipe()
    try:
        try:
            return _fcntl_size(write_fd, F_SETPIPE_SZ, size), None
        except (IOError, OSError) as exc:
            return None, exc.errno
    finally:
        os.close(read_fd)
        os.close(write_fd)


def _unprivileged_ids():
    try:
        import pwd
        entry = pwd.getpwnam('nobody')
        return entry.pw_uid, entry.pw_gid
    except (ImportError, KeyError):
        return 65534, 65534


def probe_resize_unprivileged(size):
    """Ask for a pipe of ``size`` bytes as an unprivileged process.

    Root holds CAP_SYS_RESOURCE and may exceed fs.pipe-max-size, so a probe run as root
    proves nothing about the limit: the probe forks, and the child drops to ``nobody``
    before it asks. Returns a dict: requested, capacity (None on failure), errno,
    error (errno name) and as_uid.
    """
    if os.geteuid() != 0:
        capacity, err = _try_resize(size)
        return _probe_result(size, capacity, err, os.geteuid())
    uid, gid = _unprivileged_ids()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop privileges, try, report, and never return into Ansible.
        status = 1
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            capacity, err = _try_resize(size)
            os.write(write_fd, ('%s %s' % (capacity, err)).encode('ascii'))
            status = 0
        except Exception:  # pylint: disable=broad-except
            status = 2
        os._exit(status)  # pylint: disable=protected-access
    os.close(write_fd)
    chunks = []
    total = 0
    while total < 256:  # the child writes "capacity errno": a few dozen bytes
        chunk = os.read(read_fd, 64)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    os.close(read_fd)
    os.waitpid(pid, 0)
    words = b''.join(chunks).decode('ascii', 'replace').split()
    if len(words) != 2 or not all(word == 'None' or is_uint(word) for word in words):
        return _probe_result(size, None, None, uid, failed='the unprivileged probe did not report')
    capacity = None if words[0] == 'None' else int(words[0])
    err = None if words[1] == 'None' else int(words[1])
    return _probe_result(size, capacity, err, uid)


def _probe_result(size, capacity, err, uid, failed=None):
    return {
        'requested': size,
        'capacity': capacity,
        'errno': err,
        'error': failed or (errno.errorcode.get(err, str(err)) if err is not None else None),
        'as_uid': uid,
    }


def build_facts(release, page_size, limits, default_capacity, default_errno,
                write_size=None, resize_probe=None):
    """Assemble ``ansible_facts.fleetfix_pipe`` from what was read and probed (pure)."""
    if default_capacity is not None:
        resizable = True
        capacity_source = 'F_GETPIPE_SZ'
    elif default_errno is not None or limits['pipe_max_size'] is None:
        # EINVAL from F_GETPIPE_SZ (or no pipe-max-size at all): a kernel before 2.6.35.
        resizable = False
        default_capacity = LEGACY_PIPE_BUFFERS * page_size
        capacity_source = 'PIPE_BUFFERS (kernel before 2.6.35)'
    else:  # not probed (fixture trees, or probe=false)
        resizable = True
        capacity_source = None
    max_size = limits['pipe_max_size']
    facts = {
        'kernel_release': release,
        'page_size': page_size,
        'pipe_max_size': max_size,
        'pipe_user_pages_soft': limits['pipe_user_pages_soft'],
        'pipe_user_pages_hard': limits['pipe_user_pages_hard'],
        'resizable': resizable,
        'default_capacity': default_capacity,
        'default_capacity_source': capacity_source,
        'max_unprivileged_capacity': max_size if resizable else default_capacity,
        'write_size': write_size,
        'write_fits_default_pipe': None,
        'write_fits_unprivileged': None,
        'resize_probe': resize_probe,
    }
    if write_size is not None:
        needed = round_pipe_size(write_size, page_size)
        if default_capacity is not None:
            facts['write_fits_default_pipe'] = write_size <= default_capacity
        if facts['max_unprivileged_capacity'] is not None:
            facts['write_fits_unprivileged'] = needed <= facts['max_unprivileged_capacity']
    return facts


def collect(root='/', write_size=None, probe=True, page_size=None):
    """Read (and, on the live host, probe) everything about pipes. Raises HostReadError."""
    if page_size is None:
        page_size = os.sysconf('SC_PAGE_SIZE')
    limits = read_limits(root)
    default_capacity = default_errno = resize_probe = None
    if probe:
        default_capacity, default_errno = probe_default_capacity()
        if default_capacity is not None:
            resize_probe = probe_resize_unprivileged(
                write_size if write_size is not None else (limits['pipe_max_size'] or page_size))
    return build_facts(kernel_release(root), page_size, limits, default_capacity,
                       default_errno, write_size, resize_probe)


def validate_write_size(write_size, name='write_size'):
    """A write size for the probe: a positive integer of at most 2 GiB. A bool is refused (true is
    not 1 byte), and larger values would wrap in F_SETPIPE_SZ's unsigned int argument."""
    if isinstance(write_size, bool):
        raise PipeSettingError('%s must be a positive number of bytes, got %r (a boolean is not a size)'
                               % (name, write_size))
    if not is_int(write_size) or write_size < 1:
        raise PipeSettingError('%s must be a positive number of bytes, got %r' % (name, write_size))
    if write_size > KERNEL_PIPE_MAX_SIZE:
        raise PipeSettingError('%s=%d is above %d (2 GiB), the largest pipe the kernel makes'
                               % (name, write_size, KERNEL_PIPE_MAX_SIZE))
    return write_size


def validate_max_size(max_size, page_size, cap):
    """Check a requested fs.pipe-max-size; PipeSettingError names the value and the rule."""
    if max_size < page_size:
        raise PipeSettingError('fleetfix_pipe_max_size=%d is below one page (%d bytes)'
                               % (max_size, page_size))
    if max_size & (max_size - 1):
        raise PipeSettingError(
            'fleetfix_pipe_max_size=%d is not a power of two; the kernel would round it up to %d '
            'and the value read back would differ' % (max_size, round_pipe_size(max_size, page_size)))
    if max_size > KERNEL_PIPE_MAX_SIZE:
        raise PipeSettingError('fleetfix_pipe_max_size=%d is above the kernel\'s limit of %d (2 GiB, '
                               'round_pipe_size in fs/pipe.c)' % (max_size, KERNEL_PIPE_MAX_SIZE))
    if max_size > cap:
        raise PipeSettingError(
            'fleetfix_pipe_max_size=%d (%s) is above the safety cap of %d (%s): every full pipe may '
            'pin that much unswappable kernel memory; raise fleetfix_pipe_max_size_cap to allow it'
            % (max_size, human_size(max_size), cap, human_size(cap)))


def plan_settings(facts, max_size, user_pages_soft=None, cap=DEFAULT_MAX_SIZE_CAP):
    """Decide what to change (pure): a list of sysctls with current and target values."""
    cap = as_int(cap, 'fleetfix_pipe_max_size_cap')
    if cap <= 0:
        raise PipeSettingError('fleetfix_pipe_max_size_cap must be positive, got %d' % cap)
    max_size = as_int(max_size, 'fleetfix_pipe_max_size')
    validate_max_size(max_size, facts['page_size'], cap)
    if facts['pipe_max_size'] is None:
        raise PipeSettingError(
            'kernel %s has no fs.pipe-max-size: pipes are fixed at %s before 2.6.35; upgrade the '
            'kernel instead' % (facts['kernel_release'], human_size(LEGACY_PIPE_BUFFERS * facts['page_size'])))
    wanted = [(SYSCTL_MAX_SIZE, 'pipe_max_size', max_size)]
    if user_pages_soft is not None:
        user_pages_soft = as_int(user_pages_soft, 'fleetfix_pipe_user_pages_soft')
        if user_pages_soft < 0 or user_pages_soft > KERNEL_USER_PAGES_MAX:
            raise PipeSettingError('fleetfix_pipe_user_pages_soft must be an integer >= 0 (pages; 0 = '
                                   'no limit; at most %d, an unsigned long), got %r' % (KERNEL_USER_PAGES_MAX, user_pages_soft))
        if facts['pipe_user_pages_soft'] is None:
            raise PipeSettingError('kernel %s has no fs.pipe-user-pages-soft (added in 4.5); leave '
                                   'fleetfix_pipe_user_pages_soft unset' % facts['kernel_release'])
        wanted.append((SYSCTL_USER_PAGES_SOFT, 'pipe_user_pages_soft', user_pages_soft))
    sysctls = []
    for name, key, value in wanted:
        sysctls.append({'name': name, 'current': facts[key], 'value': value,
                        'change': facts[key] != value})
    return {'sysctls': sysctls, 'changes': [s['name'] for s in sysctls if s['change']]}


def finding(facts, write_size=SEED_WRITE_SIZE):
    """The audit finding for seed story 8: does a ``write_size`` write fit in one pipe?"""
    evidence = {
        'kernel_release': facts['kernel_release'],
        'write_size': write_size,
        'pipe_max_size': facts['pipe_max_size'],
        'default_capacity': facts['default_capacity'],
        'max_unprivileged_capacity': facts['max_unprivileged_capacity'],
        'pipe_user_pages_soft': facts['pipe_user_pages_soft'],
        'pipe_user_pages_hard': facts['pipe_user_pages_hard'],
    }
    needed = round_pipe_size(write_size, facts['page_size'])
    if not facts['resizable']:
        if write_size <= facts['default_capacity']:
            return _finding('ok', 'pipes are fixed at %s on this kernel (before 2.6.35), enough for %s writes'
                            % (human_size(facts['default_capacity']), human_size(write_size)), evidence, None)
        return _finding('warn', 'pipes are fixed at %s on kernel %s (before 2.6.35): a %s write blocks until '
                        'a reader drains it' % (human_size(facts['default_capacity']), facts['kernel_release'],
                                                human_size(write_size)),
                        evidence, 'upgrade to a kernel of 2.6.35 or later (F_SETPIPE_SZ, fs.pipe-max-size)',
                        cause='pipes fixed in size (kernel before 2.6.35)')
    limit = facts['max_unprivileged_capacity']
    if limit is not None and needed > limit:
        return _finding('warn', 'a %s write does not fit the largest pipe an unprivileged process may ask for '
                        '(fs.pipe-max-size = %s)' % (human_size(write_size), human_size(limit)),
                        evidence, 'role fleetfix.kernel.pipe_size with fleetfix_pipe_max_size: %d' % needed,
                        cause='fs.pipe-max-size below the write size',
                        fixes=[fix('pipe_size', {'fleetfix_pipe_max_size': needed})])
    return _finding('ok', 'a %s write fits: a program may resize its pipe up to %s (F_SETPIPE_SZ)'
                    % (human_size(write_size), human_size(limit)), evidence, None)


def _finding(status, summary, evidence, remedy, cause=None, fixes=None):
    return make_finding(STORY, status, summary, evidence, remedy, cause=cause, fixes=fixes)
