# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a host's /proc, /sys, /etc and /boot under a root directory.

Every reader takes ``root`` (``/`` on a real host) so that unit tests can point it at a
fixture tree captured from a real machine. Runs on the managed host: Python 2.7 and 3.6+,
standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import io
import os
import re
import stat
import traceback


class HostReadError(Exception):
    """A file exists but cannot be read or does not hold what it should.

    The collection's one error type for host input: every parser in module_utils raises it
    (or a subclass) for malformed input, with a message naming the file, the line and what
    was expected, and the facts modules turn it into a ``fail_json``."""


# Every host file read whole is capped: a file past its cap is an error naming the cap, never
# a blowup (a 9.5 MB grub.cfg once took 640 MB to parse). The largest real files read whole
# are /proc/self/mountinfo on container hosts (thousands of mounts, ~150 bytes each) and
# /boot/config-* (~250 kB): 16 MiB is far past both. Callers pass a tighter cap where the
# parser's cost per byte is high (GRUB files). Logs are not read whole: see read_tail.
MAX_FILE_BYTES = 16 * 1024 * 1024


def too_large(path, limit):
    """The error for a host file past its size cap."""
    return HostReadError('%s is larger than %d bytes, the most this collection reads of it; '
                         'no real file of its kind is that large' % (path, limit))


def malformed(path, lineno, expected, found):
    """The error for a malformed line: ``path`` line ``lineno``: expected ..., found '...'.

    ``lineno`` may be None (a file read as a whole); ``found`` is cut to 80 characters."""
    if isinstance(found, bytes):
        found = found.decode('utf-8', 'replace')
    where = path if lineno is None else '%s line %d' % (path, lineno)
    return HostReadError('%s: expected %s, found %r' % (where, expected, ('%s' % (found,))[:80]))


def host_path(root, path):
    """Join an absolute host path onto the root directory the readers work under."""
    return os.path.join(root or '/', path.lstrip('/'))


# One kernel_audit call runs every collector in one process; files that several of them read
# and that do not change during the call are read once. Sampled files (/proc/PID/stat,
# /proc/meminfo, ...) are never cached: only these paths and prefixes are.
CACHEABLE = ('/proc/mounts', '/proc/self/mountinfo', '/proc/cmdline', '/proc/modules', '/proc/sys/kernel/osrelease',
             '/lib/modules/', '/usr/lib/modules/', '/boot/config-')
_cache = {'on': False, 'data': {}, 'reads': 0, 'hits': 0}


def _cacheable(path):
    return any(path == item or (item.endswith('/') and path.startswith(item)) or
               (item.endswith('-') and path.startswith(item)) for item in CACHEABLE)


def read_cache(enabled):
    """Turn the per-call read cache on (empty) or off; returns the counts of the period ended."""
    counts = {'reads': _cache['reads'], 'cache_hits': _cache['hits']}
    _cache.update(on=bool(enabled), data={}, reads=0, hits=0)
    return counts


# The host file read last: the facts modules' catch-all names it in its bug report.
_last = {'path': None}


def last_path():
    """The host path read last in this process (None before any read)."""
    return _last['path']


def read_bytes(root, path, limit=MAX_FILE_BYTES):
    """Return the bytes of ``path`` under ``root``, or None when it does not exist.

    At most ``limit`` bytes are read: a longer file raises HostReadError naming the cap."""
    _last['path'] = path
    if _cache['on'] and _cacheable(path):
        key = (root or '/', path)
        if key in _cache['data']:
            _cache['hits'] += 1
            return _cache['data'][key]
        _cache['data'][key] = _read_bytes(root, path, limit)
        return _cache['data'][key]
    return _read_bytes(root, path, limit)


def read_capped(handle, path, limit):
    """Read an open binary file to its end, refusing (HostReadError) past ``limit`` bytes.

    /proc and /sys files report a size of 0, so the size is never trusted: the read stops at
    ``limit + 1`` bytes whatever stat says."""
    chunks = []
    total = 0
    while True:
        try:
            chunk = handle.read(min(1024 * 1024, limit + 1 - total))
        except (IOError, OSError) as exc:
            raise HostReadError('cannot read %s: %s' % (path, exc.strerror or exc))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise too_large(path, limit)
    return b''.join(chunks)


def _read_bytes(root, path, limit):
    _cache['reads'] += 1
    full = host_path(root, path)
    try:
        # O_NONBLOCK: a FIFO planted where a file should be must not hang the read
        fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK)
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        if exc.errno == errno.ELOOP:
            raise HostReadError('cannot read %s: a symlink loop' % path)
        raise HostReadError('cannot read %s: %s' % (path, exc.strerror or exc))
    try:
        kind = _not_a_file(os.fstat(fd).st_mode)
    except OSError as exc:
        os.close(fd)
        raise HostReadError('cannot read %s: %s' % (path, exc.strerror or exc))
    if kind:
        os.close(fd)
        raise HostReadError('cannot read %s: %s' % (path, kind))
    handle = io.FileIO(fd, 'r')  # unbuffered, binary; closes fd
    try:
        return read_capped(handle, path, limit)
    finally:
        handle.close()


def _not_a_file(mode):
    """What a mode is when it is not something to read whole (a regular or /proc, /sys file)."""
    if stat.S_ISDIR(mode):
        return os.strerror(errno.EISDIR)  # as open() and read() say it: 'Is a directory'
    if stat.S_ISFIFO(mode):
        return 'a FIFO, not a file (reading it could block)'
    if stat.S_ISSOCK(mode):
        return 'a socket, not a file'
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return 'a device, not a file'
    return None


def read_text(root, path, limit=MAX_FILE_BYTES):
    """Return the text of ``path`` under ``root`` (UTF-8, undecodable bytes replaced), or None."""
    data = read_bytes(root, path, limit)
    if data is None:
        return None
    return data.decode('utf-8', 'replace')


# Logs are read from the end, at most this many bytes of each, one line at a time (memory
# stays at one chunk whatever the size of the log). 64 MiB is days of a busy kernel log.
LOG_BUDGET_BYTES = 64 * 1024 * 1024
_CHUNK = 256 * 1024


def iter_tail_lines(handle, budget=LOG_BUDGET_BYTES, info=None):
    """Yield the lines (bytes, without the newline) of the last ``budget`` bytes of an open
    binary file, one at a time; a line cut by the start of the window is dropped.

    ``info`` (a dict, optional) gets ``truncated`` (True when the file was longer than the
    budget) and ``bytes`` (how many bytes were read). Lines longer than 64 kB are cut there."""
    info = info if info is not None else {}
    try:
        size = os.fstat(handle.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        size = 0
    start = max(0, size - budget)
    info['truncated'] = start > 0
    info['bytes'] = 0
    if start:
        handle.seek(start - 1)
    pending = b''
    skip_first = start > 0
    while info['bytes'] < budget + 1:
        chunk = handle.read(min(_CHUNK, budget + 1 - info['bytes']))
        if not chunk:
            break
        info['bytes'] += len(chunk)
        lines = (pending + chunk).split(b'\n')
        pending = lines.pop()
        for line in lines:
            if skip_first:
                skip_first = False
                continue
            yield line[:65536]
        if len(pending) > 65536:
            pending = pending[:65536]
    if pending and not skip_first:
        yield pending


def sysctl_path(name):
    """Map a sysctl name (``fs.pipe-max-size``) to its file under /proc/sys."""
    return '/proc/sys/' + name.replace('.', '/')


def read_sysctl(root, name):
    """Return a sysctl's value as stripped text, or None when the running kernel lacks it."""
    text = read_text(root, sysctl_path(name))
    if text is None:
        return None
    return text.strip()


# ASCII digits only (str.isdigit() takes '\u00b2', int() takes Arabic-Indic digits), at most
# 40 of them: far past 2**64, far below Python's int-string limit of 4,300 digits.
_INT = re.compile(r'-?[0-9]{1,40}\Z')
_UINT = re.compile(r'[0-9]{1,40}\Z')


def is_uint(text):
    """True when ``text`` is 1-40 ASCII digits (no sign, no space, no '\u00b2')."""
    try:
        return bool(_UINT.match(text))
    except TypeError:  # not text (None, a number, bytes on Python 3)
        return False


def parse_int(text, what, lineno=None, unsigned=False, maximum=None):
    """Parse a decimal integer read from a host file, naming ``what`` (the file) and the line
    when it is not one: ASCII digits only, at most 40 of them, optionally >= 0 and <= maximum."""
    value = text or ''
    if isinstance(value, bytes):
        value = value.decode('ascii', 'replace')
    value = value.strip(' \t\n\r\x0b\x0c')  # ASCII whitespace only, as the kernel writes it
    pattern = _UINT if unsigned else _INT
    if not pattern.match(value):
        raise malformed(what, lineno, 'a non-negative integer' if unsigned else 'an integer', value)
    number = int(value)
    if maximum is not None and number > maximum:
        raise malformed(what, lineno, 'an integer at most %d' % maximum, value)
    return number


def read_sysctl_int(root, name):
    """Return an integer sysctl, None when the kernel lacks it; malformed -> HostReadError."""
    text = read_sysctl(root, name)
    if text is None:
        return None
    return parse_int(text, sysctl_path(name))


def kernel_release(root):
    """The running kernel's release string (``uname -r``), from /proc."""
    text = read_text(root, '/proc/sys/kernel/osrelease')
    if text is None:
        return None
    return text.strip()


def exit_with_facts(module, fact_key, collect):
    """The end of every facts module: run ``collect()``, return its result under ``fact_key``,
    or fail with a message naming the module and the problem (never a traceback)."""
    name = (getattr(module, '_name', None) or 'fleetfix.kernel').split('.')[-1]
    try:
        facts = collect()
    except HostReadError as exc:
        module.fail_json(msg='%s: %s' % (name, exc))
    except (IOError, OSError) as exc:
        filename = getattr(exc, 'filename', None)
        if filename:
            module.fail_json(msg='%s: cannot read %s: %s' % (name, filename, getattr(exc, 'strerror', None) or exc))
        # no file named by the error (a read() or a device): say which error, not "cannot read ?"
        module.fail_json(msg='%s: a host read failed (%s: %s)' % (name, exc.__class__.__name__, exc))
    except Exception as exc:  # pylint: disable=broad-except
        # A bug, not a traceback: name the collector, the file it read last and the error.
        message = ('%s: unexpected %s while reading %s: %s (a bug in fleetfix.kernel: please report it with '
                   'this message and the file)' % (name, exc.__class__.__name__, last_path() or 'the host', exc))
        module.fail_json(msg=message, exception=traceback.format_exc())
    module.exit_json(changed=False, ansible_facts={fact_key: facts})
