# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host tree's files as the C tools see them: names as bytes, symlinks followed inside the
root, regular files only, lines as systemd's read_line() splits them.

Shared by the readers of configuration directories - sysctl.d (sysctl_d.py), udev rules, systemd
.link and .network files, netplan, NetworkManager and ifcfg (netif.py) - and of os-release
(host_platform.py). Readers take ``root`` (a host tree; ``/`` on a live host). Python 2.7 / 3.6+.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import re
import stat

from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import MAX_FILE_BYTES, HostReadError, host_path, read_bytes


# --- names as the C tools see them: bytes ---------------------------------------------------

def to_bytes(path):
    if isinstance(path, bytes):
        return path
    if str is bytes:
        return path.encode('utf-8')  # Python 2 unicode
    return os.fsencode(path)  # novermin: Python 3 only, Python 2 took the branch above


def to_native(data):
    """Bytes from os.listdir (a name from ``list_dir``) -> the native str path type (Python 3:
    surrogateescape, round-trips)."""
    if str is bytes or not isinstance(data, bytes):
        return data
    return os.fsdecode(data)  # novermin: Python 3 only, Python 2 returned above


def display_path(path):
    """``path`` as clean text for facts and messages: undecodable bytes become U+FFFD."""
    data = to_bytes(path)
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        return data.decode('utf-8', 'replace')
    return data if str is bytes else text  # Python 2: keep the native str when it is valid UTF-8


# --- lines as systemd's read_line() splits them ------------------------------------------------
#
# '\n', '\r' and NUL all end a line ("\r\n" and "\n\r" count once); a line of LONG_LINE_MAX
# bytes or more is refused (systemd: "Failed to read file"). sysctl_d.py also models the stdio
# reading of systemd 219 and procps.
LONG_LINE_MAX = 1024 * 1024
_EOL_BITS = {b'\n': 1, b'\r': 2, b'\0': 4}
_LINE_BODY = re.compile(br'[^\n\r\x00]*')


class LineTooLong(Exception):
    """A line read_line() refuses: ``lineno`` is its number, ``offset`` where it starts."""

    def __init__(self, lineno, offset):
        Exception.__init__(self, lineno, offset)
        self.lineno = lineno
        self.offset = offset


def read_line_split(data, limit=LONG_LINE_MAX):
    """Yield (line number, bytes) as systemd's read_line() splits ``data`` (bytes); raise
    LineTooLong for a line of ``limit`` bytes or more. Memory: one line at a time."""
    pos = 0
    size = len(data)
    lineno = 0
    while pos < size:
        end = _LINE_BODY.match(data, pos).end()
        lineno += 1
        if end - pos >= limit:
            raise LineTooLong(lineno, pos)
        yield lineno, data[pos:end]
        seen = 0
        while end < size:
            bit = _EOL_BITS.get(data[end:end + 1])
            if bit is None or seen & 4 or seen & bit:
                break
            seen |= bit
            end += 1
        pos = end


def as_bytes(text):
    if isinstance(text, bytes):
        return text
    return (text or u'').encode('utf-8')


def line_text(raw):
    return raw.decode('utf-8', 'replace')


# --- paths inside the root -----------------------------------------------------------------------

_SYMLINK_HOPS = 40  # Linux's MAXSYMLINKS: more than this is ELOOP


def split_path(path):
    directory, _sep, name = path.rpartition('/')
    return directory, name


def _resolve(root, path):
    """Follow the symlinks of host ``path`` inside ``root``: (resolved host path, problem).

    An absolute link target is taken relative to ``root``, as it would be on that host.
    ``problem`` is None, 'missing' (a component does not exist) or 'loop' (more than 40 links,
    Linux's MAXSYMLINKS: loops and long chains end there, whatever their length).
    """
    parts = [part for part in path.split('/') if part]
    done = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == '.':
            continue
        if part == '..':
            if done:
                done.pop()
            continue
        current = '/' + '/'.join(done + [part])
        try:
            target = os.readlink(host_path(root, current))
        except OSError as exc:
            if exc.errno == errno.EINVAL:  # exists and is not a symlink
                done.append(part)
                continue
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return '/' + '/'.join(done + [part] + parts), 'missing'
            raise HostReadError('cannot read %s: %s' % (display_path(current), exc.strerror or exc))
        hops += 1
        if hops > _SYMLINK_HOPS:
            return current, 'loop'
        if target.startswith('/'):
            done = []
        parts = [item for item in target.split('/') if item] + parts
    return '/' + '/'.join(done), None


def real_path(root, path):
    """The host path a (maybe symlinked) file resolves to, e.g. 99-sysctl.conf -> /etc/sysctl.conf."""
    return _resolve(root, path)[0]


def inspect(root, path):
    """What host ``path`` is: {'kind', 'link', 'target'} (see ``order_files``), or None if absent."""
    parent, name = split_path(path)
    parent, problem = _resolve(root, parent or '/')
    link = not problem and os.path.islink(host_path(root, parent.rstrip('/') + '/' + name))
    target, problem = _resolve(root, path)
    if problem:
        return {'kind': problem, 'link': link, 'target': target} if link else None
    try:
        mode = os.stat(host_path(root, target)).st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        return {'kind': 'other', 'link': link, 'target': target}
    kind = 'file' if stat.S_ISREG(mode) else 'dir' if stat.S_ISDIR(mode) else 'other'
    return {'kind': kind, 'link': link, 'target': target}


# A directory is read one entry at a time (os.scandir where there is one) and only the names the
# caller accepts are kept: a directory of millions of other entries costs time, not memory. Past
# this many accepted names the listing is refused, naming the directory.
MAX_DIR_ENTRIES = 100000


def list_dir(root, path, accept=None, limit=None):
    """The names (bytes, sorted as the C tools sort them) in host directory ``path`` that
    ``accept(name)`` takes (all when None); [] when it does not exist or is not a directory.
    More than ``limit`` (MAX_DIR_ENTRIES) accepted names: HostReadError naming the directory."""
    limit = MAX_DIR_ENTRIES if limit is None else limit
    full = to_bytes(host_path(root, path))
    names = []
    try:
        scandir = getattr(os, 'scandir', None)  # Python 3.5+; Python 2.7 has only listdir
        iterator = scandir(full) if scandir is not None else iter(os.listdir(full))
        try:
            for item in iterator:
                name = getattr(item, 'name', item)
                if accept is None or accept(name):
                    names.append(name)
                    if len(names) > limit:
                        raise HostReadError('%s holds more than %d entries this collection would read; no real host '
                                            'has that many' % (display_path(path), limit))
        finally:
            close = getattr(iterator, 'close', None)
            if close is not None:
                close()
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return []
        raise HostReadError('cannot list %s: %s' % (display_path(path), exc.strerror or exc))
    return sorted(names)


def read_regular(root, path, limit=MAX_FILE_BYTES):
    """The bytes of host ``path`` (symlinks followed inside ``root``) when it is a regular file,
    None when it is absent or anything else (a directory, a FIFO - never opened, it would block -,
    a device, a loop). At most ``limit`` bytes: past that, HostReadError naming the file."""
    entry = inspect(root, path)
    if entry is None or entry['kind'] != 'file':
        return None
    try:
        return read_bytes(root, entry['target'], limit)
    except HostReadError as exc:
        raise HostReadError(display_path('%s' % (exc,)))
