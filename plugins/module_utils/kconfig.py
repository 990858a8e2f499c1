# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel build configurations: where to find them, and what they say (seed stories 5 and 6).

Pure parsing over text, plus readers that take ``root``. Python 2.7 / 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import gzip
import io
import os
import re

from ansible_collections.fleetfix.kernel.plugins.module_utils import kernel_release
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import (
    HostReadError,
    host_path,
    kernel_release as running_release,
    read_bytes,
)

_SET = re.compile(r'^CONFIG_([A-Za-z0-9_]+)=(.*)$')
_NOT_SET = re.compile(r'^# CONFIG_([A-Za-z0-9_]+) is not set$')


class KernelConfigError(HostReadError):
    """A kernel config cannot be found, read or parsed."""


def parse_config(text, source='config'):
    """{option (without CONFIG_): value} - 'y', 'm', numbers and strings as text, quotes removed.

    "# CONFIG_X is not set" lines leave X out (absent), as do options the config never names.
    """
    options = {}
    lines = 0
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        match = _SET.match(line)
        if match:
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            options[match.group(1)] = value
            lines += 1
            continue
        if line.startswith('#'):
            continue
        raise KernelConfigError('%s line %d is not a kernel config line: %r' % (source, number, line[:80]))
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


def decode(data, path):
    """Text of a config file; gzip-compressed ones (config.gz) are decompressed."""
    if data[:2] == b'\x1f\x8b':
        try:
            data = gzip.GzipFile(fileobj=io.BytesIO(data)).read()
        except (IOError, OSError, EOFError, ValueError) as exc:
            raise KernelConfigError('%s is a corrupt gzip file: %s' % (path, exc))
    return data.decode('utf-8', 'replace')


def installed_kernels(root):
    """Kernel versions with modules or a config installed: /lib/modules/* and /boot/config-*."""
    found = set()
    modules = host_path(root, '/lib/modules')
    if os.path.isdir(modules):
        for name in os.listdir(modules):
            if os.path.isdir(os.path.join(modules, name)):
                found.add(name)
    boot = host_path(root, '/boot')
    if os.path.isdir(boot):
        for name in os.listdir(boot):
            if name.startswith('config-'):
                found.add(name[len('config-'):])
    return sorted(found, key=kernel_release.sort_key)


def read_config(root, kver, running):
    """(options, path) of a kernel's config, or KernelConfigError naming the paths tried."""
    tried = candidate_paths(kver, running)
    for path in tried:
        data = read_bytes(root, path)
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
