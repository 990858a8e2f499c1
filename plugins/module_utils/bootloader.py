# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The boot loader of a host as grub_facts and the boot-readiness audit see it.

Finds the configuration (GRUB legacy, GRUB 2 in BIOS or EFI locations, BLS entries), parses
it with the pure per-format parsers (grub2_cfg, grub_legacy, grub_bls, grubenv, default_grub,
kernel_cmdline; grub_menu merges BLS entries and finds the default), and ties each entry's
``root=`` to the filesystem mounted on / through udev's /dev/disk/by-* links. read_boot_files
reads every boot-loader file of a host. Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os
import re

from ansible_collections.fleetfix.kernel.plugins.module_utils import (
    bootchain,
    default_grub,
    grub2_cfg,
    grub_bls,
    grub_legacy,
    grub_menu,
    grubenv as grubenv_block,
    kernel_cmdline,
)
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import GrubParseError, classify_root
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError, host_path, read_text

GRUB2_CONFIGS = ('/boot/grub2/grub.cfg', '/boot/grub/grub.cfg')
EFI_CONFIG_GLOB = '/boot/efi/EFI/*/grub.cfg'
LEGACY_CONFIGS = ('/boot/grub/grub.conf', '/boot/grub/menu.lst')
GRUBENVS = ('/boot/grub2/grubenv', '/boot/grub/grubenv')
BLS_DIR = '/boot/loader/entries'


def kernel_version(path):
    """'/vmlinuz-6.1.0-50-amd64' -> '6.1.0-50-amd64' (None for other names)."""
    if not path:
        return None
    match = re.search(r'vmlinuz-([^/\s]+)$', path)
    return match.group(1) if match else None


def _glob(root, pattern):
    base = host_path(root, '/')
    return sorted('/' + os.path.relpath(path, base) for path in glob.glob(host_path(root, pattern)))


def find_configs(root):
    found = []
    for path in list(GRUB2_CONFIGS) + _glob(root, EFI_CONFIG_GLOB) + list(LEGACY_CONFIGS):
        if os.path.isfile(host_path(root, path)) and path not in found:
            found.append(path)
    return found


def _is_stub(text):
    """An EFI grub.cfg that only points at the real one (RHEL 9, Ubuntu): no entries, no blscfg."""
    return 'menuentry' not in text and 'blscfg' not in text


def default_grub_files(root):
    files = []
    text = read_text(root, '/etc/default/grub')
    if text is not None:
        files.append(('/etc/default/grub', text))
    for path in _glob(root, '/etc/default/grub.d/*.cfg'):
        files.append((path, read_text(root, path) or ''))
    return files


def _bls_entries(root, grubenv):
    return [grub_bls.parse_bls_entry(read_text(root, path) or '', path, grubenv)
            for path in _glob(root, BLS_DIR + '/*.conf')]


def collect(root):
    """Everything grub_facts returns. A configuration that does not parse -> HostReadError
    naming the file and line (the facts module turns it into a clear failure)."""
    try:
        return _collect(root)
    except GrubParseError as exc:
        raise HostReadError(str(exc))


def _collect(root):
    configs = find_configs(root)
    grubenv = {}
    for path in GRUBENVS:
        text = read_text(root, path)
        if text is not None:
            grubenv = grubenv_block.parse_grubenv(text)
            break
    flavour = config = default_setting = None
    entries = []
    default = None
    for path in configs:
        text = read_text(root, path) or ''
        if path in LEGACY_CONFIGS:
            parsed = grub_legacy.parse_grub_legacy(text, path)
            flavour, config = 'legacy', path
            entries = [dict(entry, index=str(entry['index'])) for entry in parsed['entries']]
            default_setting = str(parsed.get('default'))
            default_index = parsed.get('default')
            if default_index == 'saved':
                default_index = grubenv.get('saved_entry', 0)
            try:
                default = entries[int(default_index)]
            except (ValueError, TypeError, IndexError):
                default = entries[0] if entries else None
            break
        if _is_stub(text):
            continue
        parsed = grub2_cfg.parse_grub2_cfg(text, path)
        config = path
        default_setting = parsed.get('default')
        # RHEL 8/9: grub.cfg runs blscfg, which puts /boot/loader/entries where it is called
        bls = _bls_entries(root, grubenv) if parsed.get('blscfg') else None
        flavour = 'bls' if bls else 'grub2'
        entries = [dict(entry, index=str(entry['index'])) for entry in grub_menu.menu_entries(parsed, bls, grubenv)]
        default = grub_menu.default_entry(parsed, grubenv, bls_entries=bls)
        if default is not None:
            default = dict(default, index=str(default['index']))
        break
    if flavour is None and configs:
        raise HostReadError('no boot entries in %s' % ', '.join(configs))
    mountinfo = read_text(root, '/proc/self/mountinfo') or ''
    ids = bootchain.block_ids(root)
    rootfs = bootchain.root_filesystem(root, mountinfo, ids)
    out = []
    for entry in entries:
        dev = bootchain.resolve_root(root, entry.get('root'), ids)
        item = {
            'title': entry.get('title'), 'index': entry.get('index'), 'kernel': entry.get('kernel'),
            'version': kernel_version(entry.get('kernel')), 'initrd': entry.get('initrd'),
            'args': entry.get('args'), 'root': entry.get('root'), 'root_kind': entry.get('root_kind'),
            'root_dev': dev,
            'resolves_to_root': (dev == rootfs['dev']) if (rootfs and dev) else (False if rootfs and entry.get('root') else None),
            'default': default is not None and entry.get('index') == default.get('index'),
        }
        out.append(item)
    cmdline_text = (read_text(root, '/proc/cmdline') or '').strip()
    cmdline_root = kernel_cmdline.get_arg(kernel_cmdline.parse_cmdline(cmdline_text), 'root')
    default_out = None
    for item in out:
        if item['default']:
            default_out = dict(item)
    return {
        'flavour': flavour, 'config': config, 'configs_found': configs, 'entries': out,
        'default_entry': default_out, 'default_setting': default_setting,
        'default_grub': default_grub.effective_default_grub(default_grub_files(root)),
        'grubenv': grubenv, 'root_filesystem': rootfs,
        'cmdline': {'text': cmdline_text, 'root': cmdline_root, 'root_kind': classify_root(cmdline_root)},
    }


def _listdir(root, path):
    try:
        return sorted(os.listdir(host_path(root, path)))
    except (IOError, OSError):
        return []


def read_boot_files(root):
    """Read every boot-loader file of the host under ``root`` ('/' on a real host).

    Returns {'grub2_cfg': [(path, text)], 'grubenv': [...], 'grub_legacy': [...],
    'bls_entries': [...], 'default_grub': [...]} with only the files that exist: GRUB 2's
    /boot/grub2/grub.cfg, /boot/grub/grub.cfg and /boot/efi/EFI/*/grub.cfg; the grubenv next
    to each; GRUB legacy's grub.conf / menu.lst; /boot/loader/entries/*.conf (sorted);
    /etc/default/grub then /etc/default/grub.d/*.cfg (sorted), the order grub-mkconfig sources
    them in. Unreadable files raise HostReadError.
    """
    efi = ['/boot/efi/EFI/%s' % name for name in _listdir(root, '/boot/efi/EFI')]
    wanted = {
        'grub2_cfg': list(GRUB2_CONFIGS) + [d + '/grub.cfg' for d in efi],
        'grubenv': list(GRUBENVS) + [d + '/grubenv' for d in efi],
        'grub_legacy': list(LEGACY_CONFIGS),
        'bls_entries': [BLS_DIR + '/' + name for name in _listdir(root, BLS_DIR)
                        if name.endswith('.conf')],
        'default_grub': ['/etc/default/grub'] + ['/etc/default/grub.d/' + name
                                                 for name in _listdir(root, '/etc/default/grub.d')
                                                 if name.endswith('.cfg')],
    }
    found = {}
    for kind, paths in wanted.items():
        found[kind] = []
        for path in paths:
            if os.path.isdir(host_path(root, path)):
                continue
            text = read_text(root, path)
            if text is not None:
                found[kind].append((path, text))
    return found
