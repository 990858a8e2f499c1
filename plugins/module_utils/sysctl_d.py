# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The value a sysctl gets at boot: every sysctl.d file, in the order they are applied.

ansible.posix.sysctl writes one key into one file; what a host actually gets at boot is the
last assignment across all of these, which is what this module works out:

- systemd-sysctl (and procps' ``sysctl --system``) read ``*.conf`` from /etc/sysctl.d,
  /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d and /lib/sysctl.d; a file name
  in an earlier directory masks the same name in later ones; all files are applied sorted by
  file name, whatever their directory; a later assignment wins.
- /etc/sysctl.conf: ``sysctl --system`` applies it last. systemd-sysctl reads it only through
  the 99-sysctl.conf symlink that Debian, Ubuntu and EL7+ ship in /etc/sysctl.d; CentOS 6
  applies it from rc.sysinit. Either way it comes last unless that symlink already placed it.

Pure functions over paths and text, plus readers taking ``root``. Python 2.6+ / 3.6+.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import host_path, read_text

SYSCTL_DIRS = ('/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d')
SYSCTL_CONF = '/etc/sysctl.conf'


def normalize_key(key):
    """'net/ipv4/ip_forward' and ' vm.min_free_kbytes ' -> dotted form; a leading '-' (ignore errors) goes."""
    key = key.strip()
    if key.startswith('-'):
        key = key[1:].strip()
    if '/' in key and '.' not in key:
        key = key.replace('/', '.')
    return key


def parse_conf(text):
    """Assignments of one sysctl.d file: [(line number, key, value)]."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in '#;' or '=' not in stripped:
            continue
        key, value = stripped.split('=', 1)
        out.append((number, normalize_key(key), value.strip()))
    return out


def order_files(candidates):
    """Application order of sysctl files (pure).

    ``candidates``: {directory: [file names]} for SYSCTL_DIRS, plus whether /etc/sysctl.conf
    exists and what each path resolves to are handled by the caller. Returns host paths.
    """
    chosen = {}
    for directory in SYSCTL_DIRS:
        for name in candidates.get(directory, []):
            if name.endswith('.conf') and name not in chosen:
                chosen[name] = directory + '/' + name
    return [chosen[name] for name in sorted(chosen)]


def sort_position(path, ordered):
    """Where a (maybe not yet existing) drop-in ``path`` falls among ``ordered`` paths.

    Returns the index it would take; files at that index and after are applied after it.
    /etc/sysctl.conf always stays last.
    """
    name = os.path.basename(path)
    for index, other in enumerate(ordered):
        if other == SYSCTL_CONF:
            return index
        if os.path.basename(other) > name:
            return index
    return len(ordered)


def list_files(root):
    """The sysctl files of a host, in application order (host paths)."""
    candidates = {}
    seen_real = set()
    for directory in SYSCTL_DIRS:
        full = host_path(root, directory)
        real = os.path.realpath(full)
        # /lib is a symlink to /usr/lib on merged-/usr systems: do not read a directory twice.
        if real in seen_real or not os.path.isdir(full):
            continue
        seen_real.add(real)
        candidates[directory] = sorted(os.listdir(full))
    ordered = order_files(candidates)
    conf = host_path(root, SYSCTL_CONF)
    if os.path.isfile(conf):
        real_conf = os.path.realpath(conf)
        if not any(os.path.realpath(host_path(root, path)) == real_conf for path in ordered):
            ordered.append(SYSCTL_CONF)
    return ordered


def assignments(root, keys, ordered=None, overlay=None):
    """Every assignment of ``keys`` at boot, in order: {key: [{'file', 'line', 'value'}]}.

    ``overlay`` ({host path: text}) replaces or adds files, to ask "what if this drop-in held X".
    """
    if ordered is None:
        ordered = list_files(root)
    overlay = overlay or {}
    ordered = list(ordered)
    for path in overlay:
        if path not in ordered:
            ordered.insert(sort_position(path, ordered), path)
    wanted = set(keys)
    out = dict((key, []) for key in keys)
    for path in ordered:
        text = overlay[path] if path in overlay else read_text(root, path)
        if text is None:
            continue
        real = real_path(root, path)
        for number, key, value in parse_conf(text):
            if key in wanted:
                out[key].append({'file': path, 'real_file': real, 'line': number, 'value': value})
    return out


def real_path(root, path):
    """The host path a (maybe symlinked) file resolves to, e.g. 99-sysctl.conf -> /etc/sysctl.conf."""
    base = os.path.realpath(root or '/')
    full = os.path.realpath(host_path(root, path))
    if base != '/' and full.startswith(base + os.sep):
        return full[len(base):]
    return full


def boot_values(root, keys, overlay=None):
    """Per key: the value it gets at boot (None if no file sets it), from where, and every assignment."""
    found = assignments(root, keys, overlay=overlay)
    out = {}
    for key in keys:
        entries = found[key]
        last = entries[-1] if entries else None
        out[key] = {'value': last['value'] if last else None, 'file': last['file'] if last else None,
                    'line': last['line'] if last else None, 'assignments': entries}
    return out


def overriding(entries, dropin):
    """Assignments applied after ``dropin``'s (they win at boot), given one key's ``entries``."""
    after = False
    out = []
    for entry in entries:
        if entry['file'] == dropin:
            after = True
            out = []
            continue
        if after:
            out.append(entry)
    if not after:  # the drop-in does not set the key yet: work out where it would sort
        ordered = []
        for entry in entries:
            if entry['file'] not in ordered:
                ordered.append(entry['file'])
        position = sort_position(dropin, ordered)
        later = set(ordered[position:])
        out = [entry for entry in entries if entry['file'] in later]
    return out
