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
import os


class HostReadError(Exception):
    """A file exists but cannot be read or does not hold what it should."""


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


def read_bytes(root, path):
    """Return the bytes of ``path`` under ``root``, or None when it does not exist."""
    if _cache['on'] and _cacheable(path):
        key = (root or '/', path)
        if key in _cache['data']:
            _cache['hits'] += 1
            return _cache['data'][key]
        _cache['data'][key] = _read_bytes(root, path)
        return _cache['data'][key]
    return _read_bytes(root, path)


def _read_bytes(root, path):
    _cache['reads'] += 1
    full = host_path(root, path)
    try:
        handle = open(full, 'rb')
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise HostReadError('cannot read %s: %s' % (path, exc.strerror or exc))
    try:
        try:
            return handle.read()
        except (IOError, OSError) as exc:
            raise HostReadError('cannot read %s: %s' % (path, exc.strerror or exc))
    finally:
        handle.close()


def read_text(root, path):
    """Return the text of ``path`` under ``root`` (UTF-8, undecodable bytes replaced), or None."""
    data = read_bytes(root, path)
    if data is None:
        return None
    return data.decode('utf-8', 'replace')


def sysctl_path(name):
    """Map a sysctl name (``fs.pipe-max-size``) to its file under /proc/sys."""
    return '/proc/sys/' + name.replace('.', '/')


def read_sysctl(root, name):
    """Return a sysctl's value as stripped text, or None when the running kernel lacks it."""
    text = read_text(root, sysctl_path(name))
    if text is None:
        return None
    return text.strip()


def parse_int(text, what):
    """Parse a decimal integer read from the kernel, naming ``what`` if it is not one."""
    value = (text or '').strip()
    try:
        return int(value)
    except ValueError:
        raise HostReadError('%s: expected an integer, found %r' % (what, value[:80]))


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
    module.exit_json(changed=False, ansible_facts={fact_key: facts})
