# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BootLoaderSpec entries (/boot/loader/entries/*.conf, RHEL 8/9 and Fedora) as GRUB's
``blscfg`` reads them: fields, ``$kernelopts`` resolved from grubenv, and blscfg's order.

Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.fleetfix.kernel.plugins.module_utils import kernel_release
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import (
    VARIABLE_RE,
    GrubParseError,
    classify_root,
    shown,
)
from ansible_collections.fleetfix.kernel.plugins.module_utils.kernel_cmdline import get_arg


# A kernel release is at most 64 characters (uname's); blscfg compares versions character by
# character, so a longer one is refused rather than compared.
MAX_VERSION = 256


def parse_bls_entry(text, path, grubenv=None, variables=None):
    """Parse one /boot/loader/entries/*.conf file.

    Returns 'title', 'version', 'linux', 'initrd' (first path), 'initrds' (every word of the
    initrd lines, ``$tuned_initrd`` included), 'options' (raw, may hold ``$kernelopts``), 'id'
    (the file name without .conf: what saved_entry names and what GRUB's blscfg uses as the
    menu id), 'id_field' (the 'id' key inside the file, if any), 'fields' (every key, last
    value), 'root', 'root_kind', 'options_resolved' (variables expanded from ``grubenv``,
    then the grub.cfg ``variables``, unset ones to '' as GRUB does). Without grubenv an
    ``options $kernelopts`` entry therefore has root None; literal options (RHEL 9) give it.
    A NUL byte outside a comment, or a version longer than MAX_VERSION, raises GrubParseError
    naming ``path`` and the line.
    """
    fields = {}
    options = []
    initrds = []
    for number, raw in enumerate((text or '').replace('\r\n', '\n').split('\n'), 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        if '\x00' in line:
            raise GrubParseError(path, number, 'a NUL byte (expected text: GRUB stops reading the line there, so '
                                               'what it boots is not what the line says)')
        parts = line.split(None, 1)
        key = parts[0]
        value = parts[1].strip() if len(parts) > 1 else ''
        if key == 'version' and len(value) > MAX_VERSION:
            raise GrubParseError(path, number, 'expected a kernel version of at most %d characters, found %d '
                                               'characters (%s)' % (MAX_VERSION, len(value), shown(value, 40)))
        if key == 'options':
            options.append(value)
        elif key == 'initrd':
            initrds.extend(value.split())
        fields[key] = value
    name = os.path.basename(path or '')
    if name.endswith('.conf'):
        name = name[:-len('.conf')]
    options_raw = ' '.join(options) if options else None
    entry = {'title': fields.get('title'), 'version': fields.get('version'), 'linux': fields.get('linux'),
             'initrd': initrds[0] if initrds else None, 'initrds': initrds, 'options': options_raw,
             'id': name, 'id_field': fields.get('id'), 'fields': fields, 'path': path}
    resolved = resolve_bls_options(options_raw, grubenv, variables)
    entry['options_resolved'] = resolved
    entry['root'] = get_arg(resolved, 'root') if resolved else None
    entry['root_kind'] = classify_root(entry['root'])
    return entry


def resolve_bls_options(options, grubenv, variables=None):
    """Expand ``$kernelopts``, ``${tuned_params}``... in BLS options the way GRUB does: from
    grubenv first, then from the grub.cfg ``variables`` (its fallback ``set kernelopts=...``),
    unset ones to ''. Whitespace is collapsed; None stays None."""
    if options is None:
        return None
    grubenv = grubenv or {}
    variables = variables or {}

    def repl(match):
        name = match.group(1) or match.group(2)
        if name in grubenv:
            return grubenv[name]
        return variables.get(name, '')
    return ' '.join(VARIABLE_RE.sub(repl, options).split())


def _bls_cmp(e0, e1):
    """blscfg's bls_cmp: an entry with a version before one without, newer version first,
    then file names in descending order."""
    v0, v1 = e0.get('version'), e1.get('version')
    if v0 and not v1:
        return -1
    if v1 and not v0:
        return 1
    r = kernel_release.rpmvercmp(v1 or '', v0 or '')
    if r:
        return r
    n0, n1 = e0.get('id') or '', e1.get('id') or ''
    return (n1 > n0) - (n1 < n0)


def sort_bls_entries(entries):
    """BLS entries in the order GRUB's blscfg shows them: newest version first (rpm version
    comparison), entries without a version last, ties by file name, descending."""
    ordered = []
    for entry in entries:
        at = len(ordered)
        while at > 0 and _bls_cmp(entry, ordered[at - 1]) < 0:
            at -= 1
        ordered.insert(at, entry)
    return ordered
