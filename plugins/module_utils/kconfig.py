# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel build configurations: where to find them, and what they say (seed stories 5 and 6).

Pure parsing over text, plus readers that take ``root``. Python 2.7 / 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import re
import zlib

from ansible_collections.fleetfix.kernel.plugins.module_utils import kernel_release
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import (
    MAX_FILE_BYTES,
    HostReadError,
    host_path,
    malformed,
    read_bytes,
    read_text,
)

_SET = re.compile(r'CONFIG_([A-Za-z0-9_]+)=(.*)\Z')
# What Kconfig writes after '=': y, m, n, a decimal or hex number, or a double-quoted string
# with \" and \\ escaped. Numbers are kept as text; ASCII digits only, at most 40 of them.
_VALUE = re.compile(r'(?:[ymn]|-?[0-9]{1,40}|0[xX][0-9A-Fa-f]{1,40}|"(?:[^"\\]|\\.)*")\Z')
# A kernel release as installed_kernels and the running kernel must spell it (bootchain's rule:
# letters, digits and '._+~-', starting with a letter or digit, at most 64 characters).
_RELEASE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}\Z')
OSRELEASE = '/proc/sys/kernel/osrelease'
# A config, gzipped or not, is read whole: at most this many bytes of text (a real one is some
# 250 kB). /proc/config.gz is gunzipped in memory in 64 KiB steps and stopped past this cap,
# so a gzip bomb costs 16 MiB, never more.
MAX_CONFIG_BYTES = MAX_FILE_BYTES
_STEP = 64 << 10


class KernelConfigError(HostReadError):
    """A kernel config cannot be found, read or parsed."""


def _error(exc):
    """A HostReadError of hostfs (too large, unreadable, malformed) as a KernelConfigError."""
    return exc if isinstance(exc, KernelConfigError) else KernelConfigError(str(exc))


def parse_config(text, source='config'):
    """{option (without CONFIG_): value} - 'y', 'm', numbers and strings as text, quotes removed.

    "# CONFIG_X is not set" lines leave X out (absent), as do options the config never names.
    Any other line - or a value Kconfig never writes - is a KernelConfigError naming ``source``
    and the line.
    """
    options = {}
    lines = 0
    for number, line in enumerate(text.split('\n'), 1):  # (splitlines() would also split at \x0c, \x85 ...)
        line = line.strip()
        if not line:
            continue
        match = _SET.match(line)
        if match:
            value = match.group(2)
            if not _VALUE.match(value):
                raise _error(malformed(source, number, 'y, m, n, a number or a double-quoted string after "CONFIG_%s="'
                                       % match.group(1), line))
            if value[0] == '"':
                value = value[1:-1]
            options[match.group(1)] = value
            lines += 1
            continue
        if line.startswith('#'):
            continue
        raise _error(malformed(source, number, 'a kernel config line (CONFIG_NAME=value or a # comment)', line))
    if not lines:
        raise KernelConfigError('%s holds no CONFIG_ options' % source)
    return options


def candidate_paths(kver, running):
    """Where a kernel's config may be, in check-config.sh's order (/proc/config.gz only for the
    running kernel), plus the kernel's build tree."""
    paths = []
    if running:
        paths.append('/proc/config.gz')
    paths += ['/boot/config-%s' % kver, '/usr/src/linux-%s/.config' % kver, '/lib/modules/%s/build/.config' % kver]
    if running:
        paths.append('/usr/src/linux/.config')
    return paths


def _ended(decomp):
    """Whether a zlib decompressor has seen its end marker. Python 2's has no eof attribute: a
    byte fed after the end is left over in unused_data."""
    ended = getattr(decomp, 'eof', None)
    if ended is not None:
        return ended
    if decomp.unused_data:
        return True
    try:
        decomp.decompress(b'\x00')
    except zlib.error:
        return False
    return bool(decomp.unused_data)


MAX_GZIP_MEMBERS = 16  # /proc/config.gz is one gzip member; `cat a.gz b.gz` makes more


def gunzip(data, path, limit=MAX_CONFIG_BYTES):
    """The bytes of the gzip member(s) ``data``, decompressed 64 KiB at a time. Past ``limit``
    bytes, corrupt, truncated or followed by junk is a KernelConfigError naming ``path`` and
    the compressed byte offset. Zero padding after the last member is allowed (as gzip -d does)."""
    out = []
    total = 0
    rest = data
    for member in range(MAX_GZIP_MEMBERS):
        start = len(data) - len(rest)
        decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pending = rest
        while True:
            try:
                chunk = decomp.decompress(pending, _STEP)
            except zlib.error as exc:
                raise KernelConfigError('%s is a corrupt gzip file (gzip member %d at byte %d, error at or after byte %d): %s'
                                        % (path, member + 1, start, len(data) - len(pending), exc))
            total += len(chunk)
            if total > limit:
                raise KernelConfigError('%s decompresses to more than %d bytes, the most this collection reads of a '
                                        'kernel config (a real one is some 250 kB): a gzip bomb?' % (path, limit))
            out.append(chunk)
            pending = decomp.unconsumed_tail
            if getattr(decomp, 'eof', False) or decomp.unused_data or (not chunk and not pending):
                break
        if not _ended(decomp):
            raise KernelConfigError('%s is a corrupt gzip file: it ends at byte %d without the end of the gzip stream '
                                    'that starts at byte %d (truncated?)' % (path, len(data), start))
        rest = decomp.unused_data
        if not rest.strip(b'\x00'):
            return b''.join(out)
        if rest[:2] != b'\x1f\x8b':
            raise KernelConfigError('%s is a corrupt gzip file: junk at byte %d after its gzip stream'
                                    % (path, len(data) - len(rest)))
    raise KernelConfigError('%s holds more than %d gzip members: not a kernel config' % (path, MAX_GZIP_MEMBERS))


def decode(data, path):
    """Text of a config file; gzip-compressed ones (config.gz) are decompressed (at most
    MAX_CONFIG_BYTES)."""
    if data[:2] == b'\x1f\x8b':
        data = gunzip(data, path)
    elif len(data) > MAX_CONFIG_BYTES:
        raise KernelConfigError('%s is larger than %d bytes, the most this collection reads of a kernel config'
                                % (path, MAX_CONFIG_BYTES))
    return data.decode('utf-8', 'replace')


def is_release(name):
    """Whether ``name`` (a directory or file name) is a kernel release: /boot/config-5² is not."""
    try:
        return bool(_RELEASE.match(name))
    except TypeError:
        return False


def _listdir(root, path):
    """Names in a host directory: [] when it is missing or not a directory."""
    try:
        return os.listdir(host_path(root, path))
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return []
        raise KernelConfigError('cannot list %s: %s' % (path, exc.strerror or exc))


def installed_kernels(root):
    """Kernel versions with modules or a config installed: /lib/modules/* and /boot/config-*
    (names that are kernel releases only: a stray /boot/config-5² or config-$(id) is none)."""
    found = set()
    for name in _listdir(root, '/lib/modules'):
        if is_release(name) and os.path.isdir(host_path(root, '/lib/modules/' + name)):
            found.add(name)
    for name in _listdir(root, '/boot'):
        if name.startswith('config-') and is_release(name[len('config-'):]):
            found.add(name[len('config-'):])
    return sorted(found, key=kernel_release.sort_key)


def running_release(root):
    """The running kernel's release from /proc/sys/kernel/osrelease (None when missing); a
    value that is not a kernel release is a KernelConfigError naming the file."""
    try:
        text = read_text(root, OSRELEASE, limit=4096)
    except HostReadError as exc:
        raise _error(exc)
    if text is None:
        return None
    release = text.strip()
    if not is_release(release):
        raise _error(malformed(OSRELEASE, None, 'a kernel release (letters, digits and "._+~-", at most 64)', release))
    return release


def read_config(root, kver, running):
    """(options, path) of a kernel's config, or KernelConfigError naming the paths tried (or
    the file that is unreadable, too large or malformed)."""
    if kver is None and running:
        tried = ['/proc/config.gz']  # /proc/sys/kernel/osrelease is missing: only the running kernel's own config
    elif not is_release(kver):
        raise _error(malformed(OSRELEASE if running else 'the kernels option', None,
                               'a kernel release (letters, digits and "._+~-", at most 64)', '%s' % (kver,)))
    else:
        tried = candidate_paths(kver, running)
    for path in tried:
        try:
            data = read_bytes(root, path)
        except HostReadError as exc:
            raise _error(exc)
        if data is not None:
            return parse_config(decode(data, path), path), path
    raise KernelConfigError('no config found for kernel %s (tried %s)' % (kver, ', '.join(tried)))


def collect(root='/', kernels=None, options=None):
    """Configs of the running kernel and ``kernels`` ('all' or a list; None: only the running one)."""
    running = running_release(root)
    installed = installed_kernels(root)
    if kernels == 'all':
        wanted = list(installed)
    else:
        wanted = list(kernels or [])
        unknown = [k for k in wanted if k not in installed and k != running]
        if unknown:
            raise KernelConfigError('kernel %s is not installed (installed: %s)'
                                    % (', '.join(unknown), ', '.join(installed) or 'none'))
    if running and running not in wanted:
        wanted.insert(0, running)
    out = {}
    for kver in wanted:
        config, path = read_config(root, kver, kver == running)
        if options:
            config = dict((name, config.get(name)) for name in options)
        out[kver] = {'source': path, 'running': kver == running, 'options': config}
    return {'running': running, 'installed': installed, 'kernels': out}
