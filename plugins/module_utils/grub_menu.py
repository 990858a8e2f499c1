# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The boot menu as GRUB shows it and the entry it boots by default.

Combines a parsed grub.cfg (grub2_cfg, or a GRUB legacy grub.conf from grub_legacy) with the
BLS entries ``blscfg`` inserts (grub_bls) and grubenv's ``saved_entry``/``next_entry``.
Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_bls import resolve_bls_options, sort_bls_entries
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import VARIABLE_RE, classify_root
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import is_uint
from ansible_collections.fleetfix.kernel.plugins.module_utils.kernel_cmdline import get_arg


def menu_entries(parsed_grub2, bls_entries=None, grubenv=None):
    """The boot menu as GRUB shows it: the grub.cfg entries, with the BLS entries (parsed by
    parse_bls_entry) put where grub.cfg runs ``blscfg``. BLS entries get the same keys as
    grub.cfg ones ('kernel' = linux, 'args' = options resolved with grubenv and the grub.cfg
    variables, 'source' = 'bls'), indexes are renumbered."""
    entries = list(parsed_grub2.get('entries') or [])
    if not parsed_grub2.get('blscfg') or not bls_entries:
        return entries
    variables = parsed_grub2.get('variables') or {}
    bls = []
    for e in sort_bls_entries(bls_entries):
        args = resolve_bls_options(e.get('options'), grubenv, variables)
        root = get_arg(args, 'root') if args else None
        bls.append({'title': e.get('title'), 'id': e.get('id'), 'submenu': None, 'kernel': e.get('linux'),
                    'initrd': e.get('initrd'), 'initrds': list(e.get('initrds') or []), 'args': args,
                    'root': root, 'root_kind': classify_root(root), 'path': e.get('title') or '',
                    'line': None, 'conditional': False, 'source': 'bls', 'bls_path': e.get('path')})
    at = parsed_grub2.get('blscfg_index') or 0
    shift = len(bls)
    merged = []
    for e in entries:
        parts = _index_parts(e['index'])
        if parts[0] >= at:
            e = dict(e)
            parts = [parts[0] + shift] + parts[1:]
            e['index'] = parts[0] if len(parts) == 1 else '>'.join(str(p) for p in parts)
        merged.append(e)
    for offset, e in enumerate(bls):
        e['index'] = at + offset
    before = [e for e in merged if _index_parts(e['index'])[0] < at]
    after = [e for e in merged if _index_parts(e['index'])[0] >= at]
    return before + bls + after


def _index_parts(index):
    """[S, J, ...] of a menu index the parsers give (an int, or 'S>J' built from ints)."""
    if isinstance(index, int):
        return [index]
    return [int(p) for p in str(index).split('>') if is_uint(p)]


def _menu_items(parsed_grub2, entries):
    """(parts, kind, item) for every entry and submenu of the menu."""
    items = [(_index_parts(e['index']), 'entry', e) for e in entries]
    shift_at = parsed_grub2.get('blscfg_index')
    shift = len(entries) - len(parsed_grub2.get('entries') or [])
    for s in parsed_grub2.get('submenus') or []:
        parts = _index_parts(s['index'])
        if shift and shift_at is not None and parts[0] >= shift_at:
            parts = [parts[0] + shift] + parts[1:]
        items.append((parts, 'submenu', s))
    return items


def default_entry(parsed_grub2, grubenv, bls_entries=None, next_boot=False):
    """The menu entry GRUB boots by default, or None.

    ``parsed_grub2`` comes from parse_grub2_cfg (or parse_grub_legacy); ``grubenv`` from
    parse_grubenv (may be None or {}). The default may be a number, an 'S>J' path, a title or
    an id (each '>'-separated part matched against title or id, as GRUB does), ``saved`` or a
    variable such as ``${saved_entry}`` taken from grubenv. An empty value means entry 0. With
    ``bls_entries`` a blscfg menu is resolved against them (see menu_entries). ``next_boot``
    honours a one-shot ``next_entry`` from grubenv (grub2-reboot). Returns None when the
    value names no entry or names a submenu (GRUB itself would then fall back to entry 0:
    a stale saved_entry is worth reporting, not hiding).
    """
    grubenv = grubenv or {}
    entries = menu_entries(parsed_grub2, bls_entries, grubenv)
    value = parsed_grub2.get('default')
    if next_boot and grubenv.get('next_entry'):
        value = grubenv['next_entry']
    if isinstance(value, int):
        value = str(value)
    if value is None:
        value = '0'
    if value == 'saved':
        value = grubenv.get('saved_entry', '')
    value = VARIABLE_RE.sub(lambda m: grubenv.get(m.group(1) or m.group(2), ''), value).strip()
    if value == '':
        value = '0'
    items = _menu_items(parsed_grub2, entries)
    found = _resolve_menu_path(items, value.split('>'), [])
    if found is None:
        # A '>' can be part of a title; GRUB also tries the whole string at top level.
        found = _resolve_menu_path(items, [value], [])
    if found is None or found[0] != 'entry':
        return None
    return found[1]


def _resolve_menu_path(items, parts, prefix):
    """(kind, item) that ``parts`` (a number, title or id per menu level) names, or None.
    Iterative: one level per part, and never deeper than the menu nests."""
    for depth, want in enumerate(parts):
        level = [(p, kind, item) for p, kind, item in items if p[:-1] == prefix]
        level.sort(key=lambda x: x[0][-1])
        match = None
        # a number is ASCII digits only, as GRUB reads it ('\u00b2' or Arabic-Indic digits are a title)
        if is_uint(want):
            number = int(want)
            for p, kind, item in level:
                if p[-1] == number:
                    match = (p, kind, item)
                    break
        else:
            for p, kind, item in level:
                if item.get('title') == want or (item.get('id') is not None and item.get('id') == want):
                    match = (p, kind, item)
                    break
        if match is None:
            return None
        prefix, kind, item = match
        if depth == len(parts) - 1:
            return kind, item
        if kind != 'submenu':
            return None
    return None
