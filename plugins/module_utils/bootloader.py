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

import errno
import os
import re
import stat

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
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import (
    BLS_ENTRY_MAX_BYTES,
    BLS_MAX_ENTRIES,
    BLS_TOTAL_MAX_BYTES,
    DEFAULT_GRUB_MAX_BYTES,
    DEFAULT_GRUB_MAX_FILES,
    DEFAULT_GRUB_TOTAL_MAX_BYTES,
    GRUB_CFG_MAX_BYTES,
    GRUB_LEGACY_MAX_BYTES,
    GRUBENV_MAX_BYTES,
    GrubParseError,
    classify_root,
)
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError, host_path, is_uint, read_text

GRUB2_CONFIGS = ('/boot/grub2/grub.cfg', '/boot/grub/grub.cfg')
EFI_DIR = '/boot/efi/EFI'
EFI_CONFIG_GLOB = EFI_DIR + '/*/grub.cfg'
LEGACY_CONFIGS = ('/boot/grub/grub.conf', '/boot/grub/menu.lst')
GRUBENVS = ('/boot/grub2/grubenv', '/boot/grub/grubenv')
BLS_DIR = '/boot/loader/entries'
DEFAULT_GRUB = '/etc/default/grub'
DEFAULT_GRUB_D = '/etc/default/grub.d'
# The most names read from one directory (/boot/efi/EFI, /boot/loader/entries, grub.d): far
# past any real one, and what keeps a directory of a million files from filling memory.
MAX_DIR_NAMES = 4096


def kernel_version(path):
    """'/vmlinuz-6.1.0-50-amd64' -> '6.1.0-50-amd64' (None for other names). The name is
    reported as it is ('/boot/vmlinuz-5\u00b2' -> '5\u00b2'): a version is compared as text
    (kernel_release), never read as a number."""
    if not path:
        return None
    match = re.search(r'vmlinuz-([^/\s]+)$', path)
    return match.group(1) if match else None


def _denied(root, path, exc, folder=False):
    """The error for a host path that cannot be looked at: it names the directory that refuses
    (an unreadable /boot is named as such, never taken for "no boot loader"). ``folder``: the
    path is a directory being listed (it may be the one that refuses)."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        parts = path.strip('/').split('/')
        for depth in range(1, len(parts) + (1 if folder else 0)):
            folder = '/' + '/'.join(parts[:depth])
            if not os.access(host_path(root, folder), os.R_OK | os.X_OK):
                return HostReadError('cannot read %s: permission denied on %s (run with become)' % (path, folder))
        return HostReadError('cannot read %s: permission denied (run with become)' % path)
    return HostReadError('cannot read %s: %s' % (path, exc.strerror or exc))


def _kind(root, path):
    """'file', 'dir' or 'other' for what ``path`` is (symlinks followed), None when it does not
    exist (a dangling symlink included); HostReadError when it cannot be looked at (permission
    denied, a symlink loop)."""
    try:
        mode = os.stat(host_path(root, path)).st_mode
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise _denied(root, path, exc)
    if stat.S_ISREG(mode):
        return 'file'
    if stat.S_ISDIR(mode):
        return 'dir'
    return 'other'


def _file_or_none(root, path, what='file'):
    """True when ``path`` is a regular file, False when it does not exist; a directory, a
    FIFO or a device there is an error naming it (reading a FIFO would hang)."""
    kind = _kind(root, path)
    if kind is None:
        return False
    if kind == 'dir':
        raise HostReadError('%s is a directory, not a %s' % (path, what))
    if kind == 'other':
        raise HostReadError('%s is not a regular file (a FIFO, socket or device), not a %s' % (path, what))
    return True


def _listdir(root, path):
    """The sorted names in directory ``path``, [] when it does not exist; HostReadError naming
    it when it cannot be read (an unreadable /boot is an error, not an empty one) or holds
    more than MAX_DIR_NAMES names."""
    full = host_path(root, path)
    try:
        names = _names(full)
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return []
        raise _denied(root, path, exc, folder=True)
    if names is None:
        raise HostReadError('%s holds more than %d names (expected a few: no real one holds that many)'
                            % (path, MAX_DIR_NAMES))
    return sorted(names)


def _names(full):
    """The names in a directory, at most MAX_DIR_NAMES of them (None past that)."""
    scandir = getattr(os, 'scandir', None)
    if scandir is None:  # Python 2.7: listdir reads them all at once
        names = os.listdir(full)
        return names if len(names) <= MAX_DIR_NAMES else None
    names = []
    iterator = scandir(full)
    try:
        for item in iterator:
            if len(names) >= MAX_DIR_NAMES:
                return None
            names.append(item.name)
    finally:
        getattr(iterator, 'close', lambda: None)()
    return names


def _matching(root, folder, suffix):
    """Paths of the names in ``folder`` ending with ``suffix``, as a shell glob ``*SUFFIX``
    lists them (no dot files), sorted."""
    return ['%s/%s' % (folder, name) for name in _listdir(root, folder)
            if name.endswith(suffix) and not name.startswith('.')]


def _efi_configs(root):
    return [path + '/grub.cfg' for path in _matching(root, EFI_DIR, '')]


def find_configs(root):
    """Every GRUB configuration of the host: the BIOS locations, then /boot/efi/EFI/*/grub.cfg,
    then GRUB legacy's. One that is a directory or cannot be read is an error naming it."""
    found = []
    for path in list(GRUB2_CONFIGS) + _efi_configs(root) + list(LEGACY_CONFIGS):
        if path not in found and _file_or_none(root, path, 'GRUB configuration'):
            found.append(path)
    return found


def _is_stub(text):
    """An EFI grub.cfg that only points at the real one (RHEL 9, Ubuntu): no entries, no blscfg."""
    return 'menuentry' not in text and 'blscfg' not in text


def _default_grub_paths(root):
    paths = _matching(root, DEFAULT_GRUB_D, '.cfg')
    if len(paths) > DEFAULT_GRUB_MAX_FILES:
        raise HostReadError('%s holds %d .cfg files (expected at most %d)'
                            % (DEFAULT_GRUB_D, len(paths), DEFAULT_GRUB_MAX_FILES))
    return [DEFAULT_GRUB] + paths


def default_grub_files(root):
    """[(path, text)] of /etc/default/grub and /etc/default/grub.d/*.cfg, the order grub-mkconfig
    sources them in; each at most DEFAULT_GRUB_MAX_BYTES, all at most DEFAULT_GRUB_TOTAL_MAX_BYTES."""
    return _read_files(root, _default_grub_paths(root), 'shell file', DEFAULT_GRUB_MAX_BYTES, DEFAULT_GRUB_TOTAL_MAX_BYTES,
                       '%s and its drop-ins up to %%s' % DEFAULT_GRUB)


def _read_files(root, paths, what, each_max, total_max, together):
    """[(path, text)] of the regular files among ``paths`` (missing ones skipped; a directory or
    FIFO is an error naming it): each at most ``each_max`` bytes, all at most ``total_max``
    together (``together`` names them in that error, with %s for the path that went past)."""
    files = []
    total = 0
    for path in paths:
        if not _file_or_none(root, path, what):
            continue
        text = read_text(root, path, each_max)
        if text is None:
            continue
        total += len(text)
        if total > total_max:
            raise HostReadError('%s are larger than %d bytes together, the most this collection reads of them'
                                % (together % path, total_max))
        files.append((path, text))
    return files


def _bls_paths(root):
    """The BLS entry files blscfg reads (directories named *.conf are skipped, as GRUB does), at
    most BLS_MAX_ENTRIES of them."""
    paths = [path for path in _matching(root, BLS_DIR, '.conf') if _kind(root, path) != 'dir']
    if len(paths) > BLS_MAX_ENTRIES:
        raise HostReadError('%s holds %d entries (expected at most %d: a host keeps a few kernels)'
                            % (BLS_DIR, len(paths), BLS_MAX_ENTRIES))
    return paths


def _read_bls(root):
    """[(path, text)] of the BLS entries: each at most BLS_ENTRY_MAX_BYTES, all of them at most
    BLS_TOTAL_MAX_BYTES together."""
    return _read_files(root, _bls_paths(root), 'BLS entry', BLS_ENTRY_MAX_BYTES, BLS_TOTAL_MAX_BYTES,
                       '%s: the BLS entries up to %%s' % BLS_DIR)


def _bls_entries(root, grubenv):
    return [grub_bls.parse_bls_entry(text, path, grubenv) for path, text in _read_bls(root)]


def _read_grubenv(root):
    for path in GRUBENVS:
        if _file_or_none(root, path, 'GRUB environment block'):
            text = read_text(root, path, GRUBENV_MAX_BYTES)
            if text is not None:
                return grubenv_block.parse_grubenv(text, path)
    return {}


def _legacy_default(parsed, entries, grubenv):
    """The entry GRUB legacy boots: ``default`` (or grubenv's saved_entry for ``saved``); a
    number past the entries falls back to the first, as GRUB does."""
    index = parsed.get('default')
    if index == 'saved':
        saved = (grubenv.get('saved_entry') or '').strip()
        index = int(saved) if is_uint(saved) else 0
    if not isinstance(index, int) or not 0 <= index < len(entries):
        index = 0
    return entries[index] if entries else None


def collect(root):
    """Everything grub_facts returns. A configuration that does not parse -> HostReadError
    naming the file and line (the facts module turns it into a clear failure)."""
    try:
        return _collect(root)
    except GrubParseError as exc:
        raise HostReadError(str(exc))


def _collect(root):
    configs = find_configs(root)
    grubenv = _read_grubenv(root)
    flavour = config = default_setting = None
    entries = []
    default = None
    for path in configs:
        if path in LEGACY_CONFIGS:
            text = read_text(root, path, GRUB_LEGACY_MAX_BYTES) or ''
            parsed = grub_legacy.parse_grub_legacy(text, path)
            flavour, config = 'legacy', path
            entries = [dict(entry, index=str(entry['index'])) for entry in parsed['entries']]
            default_setting = str(parsed.get('default'))
            default = _legacy_default(parsed, entries, grubenv)
            break
        text = read_text(root, path, GRUB_CFG_MAX_BYTES) or ''
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


def read_boot_files(root):
    """Read every boot-loader file of the host under ``root`` ('/' on a real host).

    Returns {'grub2_cfg': [(path, text)], 'grubenv': [...], 'grub_legacy': [...],
    'bls_entries': [...], 'default_grub': [...]} with only the files that exist: GRUB 2's
    /boot/grub2/grub.cfg, /boot/grub/grub.cfg and /boot/efi/EFI/*/grub.cfg; the grubenv next
    to each; GRUB legacy's grub.conf / menu.lst; /boot/loader/entries/*.conf (sorted);
    /etc/default/grub then /etc/default/grub.d/*.cfg (sorted), the order grub-mkconfig sources
    them in. Directories are skipped; unreadable files, directories that cannot be listed,
    FIFOs and files past their size cap (grub_common) raise HostReadError naming them.
    """
    efi = ['%s/%s' % (EFI_DIR, name) for name in _listdir(root, EFI_DIR)]
    wanted = {
        'grub2_cfg': (list(GRUB2_CONFIGS) + [d + '/grub.cfg' for d in efi], GRUB_CFG_MAX_BYTES),
        'grubenv': (list(GRUBENVS) + [d + '/grubenv' for d in efi], GRUBENV_MAX_BYTES),
        'grub_legacy': (list(LEGACY_CONFIGS), GRUB_LEGACY_MAX_BYTES),
    }
    found = {'bls_entries': _read_bls(root), 'default_grub': default_grub_files(root)}
    for kind, (paths, limit) in wanted.items():
        found[kind] = []
        for path in paths:
            if _kind(root, path) in ('file', 'other'):
                _file_or_none(root, path)
                text = read_text(root, path, limit)
                if text is not None:
                    found[kind].append((path, text))
    return found
