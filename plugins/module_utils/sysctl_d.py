# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The value a sysctl gets at boot: every sysctl file, in the order the host's boot applies them.

ansible.posix.sysctl writes one key into one file; what a host gets at boot is the last
assignment across all of the files its boot-time tool reads, in that tool's order. The tool
differs per platform, so the order is a *model* chosen from the host tree (``boot_order``).
Every rule below names the source it was read from.

``el6-initscripts`` - EL5 and EL6 (no systemd).
  fedora-sysv/initscripts (formerly fedora-sysadmin/initscripts), branch rhel6-branch =
  tag 9.03.61, commit 70642aeef31025f451fa3ae0fb249aa3c28d6240, rc.d/init.d/functions:
  ``apply_sysctl`` runs ``sysctl -e -p /etc/sysctl.conf`` FIRST, then ``for file in
  /etc/sysctl.d/*``: ``is_ignored_file`` skips names ending in ``~ .bak .orig .rpmnew .rpmorig
  .rpmsave``, ``test -f`` keeps regular files only (after following symlinks: directories,
  broken symlinks, symlink loops and /dev/null links are skipped), and any name counts, not only
  ``*.conf``. The shell glob skips dot-files and is sorted; we sort by bytes (C locale) - under
  LANG=en_US.UTF-8 (/etc/sysconfig/i18n, sourced by functions) names that differ only in
  punctuation or letter case may sort differently. Callers: rc.d/rc.sysinit (twice) and
  rc.d/init.d/network (twice); every run uses the same order, so the last one decides nothing
  new. Added in commit 13c5a4ef (initscripts-9.03.24); rhel5-branch (8.45.45) has the same code.
  /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d are never read: EL6's procps is
  3.2.8 (gooselinux/procps, procps.spec Version 3.2.8 Release 14, RHEL 6.0 SRPM), whose
  ``sysctl -p FILE`` reads that one file; ``--system`` came with procps-ng 3.3.2 (commit
  10095927). No masking: every file is applied.

``systemd-sysctl`` - systemd >= 207 as init (EL8, EL9, Debian 12, Ubuntu 22.04, ...).
  systemd/systemd-stable tags v239 (de7436b0), v249 (f6278558), v252 (e8dc5276):
  src/sysctl/sysctl.c ``conf_files_list_strv(&files, ".conf", NULL, 0,
  CONF_PATHS_STRV("sysctl.d"))``; src/basic/def.h CONF_PATHS: /etc, /run, /usr/local/lib,
  /usr/lib (+ /lib where built with split-usr; we always read /lib/sysctl.d, which is
  /usr/lib/sysctl.d on merged-/usr hosts) ``/sysctl.d``; src/basic/conf-files.c
  ``files_add``: names ending in ``.conf``; ``FOREACH_DIRENT`` (src/basic/dirent-util.h) skips
  dot-files (``hidden_or_backup_file``); with flags 0 nothing is stat()ed, so EVERY such name
  takes its place and masks the same name in later directories - a /dev/null symlink, an empty
  file, a directory, a broken symlink or a loop masks and applies nothing; ``base_cmp`` sorts
  all files by ``strcmp`` of the file name, whatever their directory; later assignments win.
  /etc/sysctl.conf is NOT read (systemd commit 04bf3c1a, first in v207: "should be symlinked
  from /etc/sysctl.d/99-sysctl.conf"); it counts only through that symlink, shipped by
  Debian's systemd package (pexip/os-systemd tag debian/252.22-1_deb12u1, commit 83717d8a,
  debian/systemd.links: ``/etc/sysctl.conf /etc/sysctl.d/99-sysctl.conf``; on a Debian 12
  install: systemd 252.38-1~deb12u1 owns /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf, procps
  2:4.0.2-3 owns /etc/sysctl.conf) and by Fedora's systemd.spec (``ln -s ../sysctl.conf
  %{buildroot}/etc/sysctl.d/99-sysctl.conf``), from which EL8/EL9's spec derives (a RHEL spec
  was not checked; the tree decides anyway). Without the symlink, /etc/sysctl.conf does not
  count at boot. Debian's /etc/init.d/procps (``sysctl
  --system``) never runs under systemd: the same debian/systemd.links aliases procps.service to
  systemd-sysctl.service.

``systemd-sysctl-el7`` - EL7: systemd 219 plus Red Hat's patch "sysctl: bring back
  /etc/sysctl.conf" (redhat-plumbers/systemd-rhel7 commit d2d5f303e9062eff40a0a78ffa7dae0a3e9412e0,
  src/sysctl/sysctl.c: ``parse_file(sysctl_options, "/etc/sysctl.conf", true)`` after the
  sysctl.d files; CentOS-virt7/systemd 0003-sysctl-bring-back-etc-sysctl.conf.patch in
  219-9): /etc/sysctl.conf is applied LAST, with or without the 99-sysctl.conf symlink (which
  EL7's initscripts ships: fedora-sysv/initscripts rhel7-branch, 9.49.x, commit 34310f34,
  Makefile). systemd 219's src/shared/conf-files.c ``files_add`` takes names by
  ``dirent_is_file_with_suffix`` (d_type regular, symlink or unknown): a real directory named
  ``*.conf`` is skipped and masks nothing (except on a filesystem without d_type, e.g. XFS with
  ftype=0, not modelled); everything else is as in systemd-sysctl.

``procps-sysctl-system`` - no systemd: Debian/Ubuntu with sysvinit (/etc/init.d/procps runs
  ``sysctl --system``, procps 2:4.0.2-3), other non-systemd inits. procps-ng tags v3.3.17 and
  v4.0.2 (warmchang/procps mirror), sysctl.c / src/sysctl.c ``PreloadSystem``: ``*.conf``
  (dot-files too) from /etc, /run, /usr/local/lib, /usr/lib, /lib ``/sysctl.d``, the first
  directory holding a name wins, sorted by ``strcmp`` of the name, then /etc/sysctl.conf LAST if
  ``stat`` finds a regular file. (Before 3.3.17, commit 5da3024e, /run came before /etc.)

When /etc/sysctl.conf comes last, a 99-sysctl.conf symlink to it applies the same lines again
earlier; that earlier pass cannot decide any value, so it is left out of the order.

Which model (``choose_order``, pure): /etc/os-release (ID, VERSION_ID, ID_LIKE) or, where it
is absent (EL5/EL6), /etc/redhat-release; systemd is the boot init when /run/systemd/system
exists (systemd is PID 1 now) or /sbin/init resolves to .../systemd; when the tree has neither
an /sbin/init nor /run/systemd, an installed systemd-sysctl binary decides; a tree showing
nothing is assumed to boot systemd-sysctl (every supported release but EL6 does).

Symlinks are followed inside ``root`` (an absolute target such as Debian's /sbin/init ->
/lib/systemd/systemd stays in the fake root). File names are handled as bytes: non-UTF-8 names
sort as the C tools sort them and are reported with U+FFFD in place of the undecodable bytes.
Pure functions over paths and text, plus readers taking ``root``. Python 2.7 / 3.6+. The reading
of a host tree's files (names as bytes, symlinks, read_line) is hostfiles.py's, shared with
netif.py; the distribution and init a tree boots, host_platform.py's.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.host_platform import el_major, read_platform
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfiles import (
    LONG_LINE_MAX, LineTooLong, as_bytes, display_path, inspect, line_text, list_dir, read_line_split, read_regular,
    real_path, split_path, to_bytes, to_native)

SYSCTL_DIRS = ('/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d')
SYSCTL_CONF = '/etc/sysctl.conf'

EL6_INITSCRIPTS = 'el6-initscripts'
SYSTEMD_SYSCTL = 'systemd-sysctl'
SYSTEMD_SYSCTL_EL7 = 'systemd-sysctl-el7'
PROCPS_SYSCTL_SYSTEM = 'procps-sysctl-system'

# The rules of each model, as data (see the module docstring for the source of each).
#   dirs            directories read, earliest first (the first one holding a name wins)
#   suffix          the name must end with it (None: any name)
#   skip_dotfiles   names starting with '.' are not read
#   ignored         name endings skipped (initscripts' is_ignored_file)
#   masking         a name taken in an earlier directory hides it in later ones
#   dirs_take_name  a real directory named like a file takes (masks) the name
#   sysctl_conf     /etc/sysctl.conf applied natively: 'first', 'last' or None
#   lines           how the tool splits a file into lines: 'read_line' (systemd >= 239) or
#                   'stdio' (fgets/getline: systemd 219, procps); see "lines as the tools read them"
ORDERS = {
    EL6_INITSCRIPTS: {'dirs': ('/etc/sysctl.d',), 'suffix': None, 'skip_dotfiles': True,
                      'ignored': (b'~', b'.bak', b'.orig', b'.rpmnew', b'.rpmorig', b'.rpmsave'),
                      'masking': False, 'dirs_take_name': False, 'sysctl_conf': 'first', 'lines': 'stdio'},
    SYSTEMD_SYSCTL: {'dirs': SYSCTL_DIRS, 'suffix': b'.conf', 'skip_dotfiles': True, 'ignored': (),
                     'masking': True, 'dirs_take_name': True, 'sysctl_conf': None, 'lines': 'read_line'},
    SYSTEMD_SYSCTL_EL7: {'dirs': SYSCTL_DIRS, 'suffix': b'.conf', 'skip_dotfiles': True, 'ignored': (),
                         'masking': True, 'dirs_take_name': False, 'sysctl_conf': 'last', 'lines': 'stdio'},
    PROCPS_SYSCTL_SYSTEM: {'dirs': SYSCTL_DIRS, 'suffix': b'.conf', 'skip_dotfiles': False, 'ignored': (),
                           'masking': True, 'dirs_take_name': True, 'sysctl_conf': 'last', 'lines': 'stdio'},
}
# Assignments from facts of an older release carry no model: read them as that release did
# (systemd's directories and masking, /etc/sysctl.conf last).
_LEGACY = dict(ORDERS[SYSTEMD_SYSCTL], sysctl_conf='last')


def _rules(sysctl_order):
    if sysctl_order is None:
        return _LEGACY
    try:
        return ORDERS[sysctl_order]
    except KeyError:
        raise ValueError('unknown sysctl order %r (one of %s)' % (sysctl_order, ', '.join(sorted(ORDERS))))


# --- pure parsing ---------------------------------------------------------------------------

# Where the collection's roles may write a sysctl drop-in: the administrator's directory, a
# name every platform's boot applies (systemd-sysctl takes only *.conf; EL6 takes any name).
DROPIN_DIR = '/etc/sysctl.d/'
DROPIN_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*\.conf\Z')


def dropin_path_error(value, variable):
    """None when ``value`` is /etc/sysctl.d/<safe name>.conf (no other directory, no '..');
    else the message naming ``variable`` and the value - anything else is never applied at boot
    (no .conf) or is another file altogether (/etc/passwd)."""
    if (isinstance(value, str) and value.startswith(DROPIN_DIR) and '..' not in value
            and DROPIN_NAME.match(value[len(DROPIN_DIR):])):
        return None
    return ('%s=%r is not a sysctl drop-in: it must be %s<name>.conf (letters, digits, ".", "_", "-"; '
            'systemd-sysctl applies only *.conf files at boot)' % (variable, value, DROPIN_DIR))


# --- lines as the tools read them ------------------------------------------------------------
#
# systemd-sysctl >= 239 reads a file with read_line(f, LONG_LINE_MAX): '\n', '\r' and NUL all
# end a line ("\r\n" and "\n\r" count once), and a line of 1 MiB or more ends the file there
# ("Failed to read file '...', ignoring"; what came before stays applied). systemd 219 (EL7) and
# procps' sysctl read with fgets()/getline(): only '\n' ends a line and a NUL ends the C string,
# so the rest of that line is never seen. (fgets' buffer - 2048 bytes in systemd 219, 256 in
# procps 3.2.8 - cuts longer lines into pieces; no real sysctl line is that long, so pieces are not
# modelled: such a line is read whole.) systemd strips " \t\n\r" around keys and values,
# procps isspace().
def render_dropin(role, sysctls):
    """The whole content of a role's own drop-in (pure): a header naming the owner, then one
    ``key = value`` line per sysctl in the plan's order. The roles write it with
    ansible.builtin.copy after ansible.posix.sysctl, so --diff shows the file as it ends up; the
    spaces around ``=`` keep it distinct from ansible.posix.sysctl's own ``key=value`` lines, so the
    copy's prediction under --check is the real run's whatever that module wrote first."""
    lines = ['# Managed by fleetfix.kernel.%s: this file is rewritten by the role, edit its variables instead.' % role]
    for entry in sysctls:
        lines.append('%s = %s' % (entry['name'], entry['value']))
    return '\n'.join(lines) + '\n'


SYSTEMD_LINES = 'read_line'
STDIO_LINES = 'stdio'
_STRIP = {SYSTEMD_LINES: ' \t\n\r', STDIO_LINES: ' \t\n\r\f\v'}


def stdio_split(data):
    """Yield (line number, bytes) as fgets()/getline() and C strings see ``data``: lines end at
    newlines, a NUL ends the line's text."""
    pos = 0
    size = len(data)
    lineno = 0
    while pos < size:
        end = data.find(b'\n', pos)
        end = size if end < 0 else end
        lineno += 1
        line = data[pos:end]
        nul = line.find(b'\0')
        yield lineno, line if nul < 0 else line[:nul]
        pos = end + 1


def normalize_key(key):
    """A sysctl key as the tools resolve it, in the dotted form: ' vm.min_free_kbytes ' and
    'vm/min_free_kbytes' -> 'vm.min_free_kbytes'; a leading '-' (ignore errors) goes.

    systemd's sysctl_normalize() (procps does the same): when the first separator is '/', the
    key is a path and '.' in it is a literal dot - 'net/ipv4/conf/eth0.100/rp_filter' is
    'net.ipv4.conf.eth0/100.rp_filter' dotted. Empty components go (the kernel resolves
    /proc/sys/vm//min_free_kbytes), so 'vm..min_free_kbytes' is vm.min_free_kbytes too."""
    key = key.strip()
    if key.startswith('-'):
        key = key[1:].strip()
    first = re.search(r'[./]', key)
    if first is not None and first.group() == '/':
        key = ''.join(_SWAP.get(char, char) for char in key)
    return '.'.join(part for part in key.split('.') if part and part != '/')


_SWAP = {'.': '/', '/': '.'}


def _style(sysctl_order):
    return _rules(sysctl_order)['lines']


def parse_conf(text, sysctl_order=None, skipped=None):
    """Assignments of one sysctl file: [(line number, key, value)], read as the model's tool
    reads it (``sysctl_order``; None: systemd-sysctl's way). ``text`` is bytes or text.

    Never raises: a line that is not an assignment is skipped, as the tools skip it (systemd:
    "Line is not an assignment, ignoring"; procps: "invalid syntax, continuing..."), and
    reported in ``skipped`` (a list, optional) as {'line', 'text', 'reason'}. With systemd's
    read_line, a line of 1 MiB or more ends the file: {'line', 'text': None, 'reason', 'rest'}
    where ``rest`` is the bytes never read."""
    style = _style(sysctl_order)
    strip = _STRIP[style]
    data = as_bytes(text)
    skipped = skipped if skipped is not None else []
    out = []
    lines = read_line_split(data) if style == SYSTEMD_LINES else stdio_split(data)
    try:
        for number, raw in lines:
            line = line_text(raw).strip(strip)
            if not line or line[0] in '#;':
                continue
            if '=' not in line:
                skipped.append({'line': number, 'text': line, 'reason': "not an assignment (no '='): ignored"})
                continue
            key, value = line.split('=', 1)
            out.append((number, normalize_key(key.strip(strip)), value.strip(strip)))
    except LineTooLong as exc:
        skipped.append({'line': exc.lineno, 'text': None, 'rest': data[exc.offset:],
                        'reason': 'a line of %d bytes or more: systemd-sysctl stops reading the file there '
                                  '("Failed to read file"), the lines after it are never applied' % LONG_LINE_MAX})
    return out


# --- integers as the kernel reads them ---------------------------------------------------------
#
# The integer sysctls whose boot value this collection reports, with the kernel's bounds: a value
# outside them, or not an integer at all, is written by systemd-sysctl and sysctl and refused by
# the kernel (EINVAL), so the value before it stays. proc_dointvec_minmax (kernel/sysctl.c):
# leading spaces skipped, an optional '-', then strtoul with base 0 ("0x1f" is hex, "010" octal,
# ASCII digits only), at most 20 characters, then a space, tab, newline or the end.
KERNEL_INTS = {
    'vm.min_free_kbytes': (0, 2 ** 31 - 1),     # min_free_kbytes_sysctl_handler, extra1 = SYSCTL_ZERO
    'vm.watermark_scale_factor': (1, 3000),     # extra1 = SYSCTL_ONE, extra2 = 3000 (1000 before 5.x)
}
_KERNEL_INT = re.compile(r'[ \t\n\r\f\v]*(-?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(?:[ \t\n].*)?\Z', re.S)


def kernel_int(value, low, high):
    """The integer the kernel takes from ``value`` for an int sysctl bounded by low..high, or
    None when it refuses it (EINVAL)."""
    match = _KERNEL_INT.match(value or '')
    if not match:
        return None
    sign, digits = match.groups()
    if len(sign) + len(digits) > 20:
        return None
    if digits[:2] in ('0x', '0X'):
        number = int(digits[2:], 16)
    elif digits.startswith('0'):
        number = int(digits, 8)
    else:
        number = int(digits)
    if number > 2 ** 64 - 1:
        return None
    number = -number if sign else number
    return number if low <= number <= high else None


def kernel_refuses(key, value):
    """Why the kernel refuses ``value`` for ``key`` (text), or None (accepted, or a key whose
    rule this collection does not know)."""
    bounds = KERNEL_INTS.get(key)
    if bounds is None or kernel_int(value, bounds[0], bounds[1]) is not None:
        return None
    return 'the kernel refuses it (it takes an integer %d..%d in ASCII digits)' % bounds


def choose_order(facts):
    """The boot-time precedence model for a host's facts (pure).

    ``facts`` as ``read_platform`` returns them. Returns {'sysctl_order': name, 'reason': text}.
    """
    el = el_major(facts)
    name = facts.get('pretty_name') or facts.get('os_id') or 'this host'
    if el is not None and el <= 6:
        return {'sysctl_order': EL6_INITSCRIPTS,
                'reason': '%s: initscripts apply_sysctl (/etc/sysctl.conf first, then /etc/sysctl.d/*)' % name}
    init = facts.get('init')
    if facts.get('systemd_booted'):
        evidence = 'systemd is PID 1 (/run/systemd/system)'
    elif init and os.path.basename(init) == 'systemd':
        evidence = 'systemd is the init (/sbin/init -> %s)' % init
    elif init is None and facts.get('systemd_sysctl'):
        evidence = 'systemd-sysctl is installed (no /sbin/init in the tree)'
    elif init is not None:
        return {'sysctl_order': PROCPS_SYSCTL_SYSTEM,
                'reason': '%s: the init is not systemd (/sbin/init -> %s): sysctl --system' % (name, init)}
    else:
        return {'sysctl_order': SYSTEMD_SYSCTL,
                'reason': '%s: no init found in the tree; systemd-sysctl assumed' % name}
    if el == 7:
        return {'sysctl_order': SYSTEMD_SYSCTL_EL7,
                'reason': '%s: %s; RHEL 7 systemd-sysctl applies /etc/sysctl.conf last' % (name, evidence)}
    return {'sysctl_order': SYSTEMD_SYSCTL, 'reason': '%s: %s' % (name, evidence)}


def _eligible(rules, name):
    """Would the model's tool consider a file of this name (bytes)?"""
    if not name or name in (b'.', b'..'):
        return False
    if rules['skip_dotfiles'] and name.startswith(b'.'):
        return False
    if rules['suffix'] is not None and not name.endswith(rules['suffix']):
        return False
    return not any(name.endswith(ending) for ending in rules['ignored'])


def _order_key(rules, path):
    """Where ``path`` sorts in the model's application order; None if the tool never reads it."""
    if path == SYSCTL_CONF:
        return {'first': (0, b''), 'last': (2, b'')}.get(rules['sysctl_conf'])
    directory, name = split_path(path)
    name = to_bytes(name)
    if directory not in rules['dirs'] or not _eligible(rules, name):
        return None
    return (1, name)


def dropin_is_read(dropin, sysctl_order):
    """Does the model's boot-time tool read ``dropin`` at all (by its directory and name)?"""
    return _order_key(_rules(sysctl_order), dropin) is not None


def _entry(directory, raw):
    if isinstance(raw, dict):
        entry = dict(raw)
        entry.setdefault('kind', 'file')
        entry.setdefault('link', False)
        entry.setdefault('target', directory + '/' + entry['name'])
        return entry
    return {'name': raw, 'kind': 'file', 'link': False, 'target': directory + '/' + raw}


def order_files(candidates, sysctl_order=None):
    """Application order of sysctl files under a model (pure). Returns host paths.

    ``candidates``: {directory: [entry]} where an entry is a file name (a regular file) or
    {'name', 'kind', 'link', 'target'}: ``kind`` of what the name resolves to ('file', 'dir',
    'missing' for a broken symlink, 'loop', 'other' for /dev/null and the like), ``link`` if
    the name itself is a symlink, ``target`` the host path it resolves to. The optional key
    SYSCTL_CONF holds /etc/sysctl.conf's entry ({'kind', 'target'}).
    Only names resolving to regular files are applied; the others may still mask (see ORDERS).
    """
    rules = _rules(sysctl_order)
    chosen = {}
    for directory in rules['dirs']:
        for raw in candidates.get(directory, ()):
            entry = _entry(directory, raw)
            key = to_bytes(entry['name'])
            if not _eligible(rules, key) or key in chosen:
                continue
            if entry['kind'] == 'dir' and not entry['link'] and not rules['dirs_take_name']:
                continue
            if rules['masking'] or entry['kind'] == 'file':
                chosen[key] = (directory + '/' + entry['name'], entry)
    ordered = [(path, entry) for _key, (path, entry) in sorted(chosen.items()) if entry['kind'] == 'file']
    conf = candidates.get(SYSCTL_CONF)
    conf = _entry('/etc', dict(conf, name='sysctl.conf')) if conf else None
    if rules['sysctl_conf'] and conf and conf['kind'] == 'file':
        if rules['sysctl_conf'] == 'first':
            ordered.insert(0, (SYSCTL_CONF, conf))
        else:
            # Applied again at the end, so an earlier pass of the same file (the 99-sysctl.conf
            # symlink) cannot decide any value.
            ordered = [(path, entry) for path, entry in ordered if entry['target'] != conf['target']]
            ordered.append((SYSCTL_CONF, conf))
    return [path for path, _entry_ in ordered]


def sort_position(path, ordered, sysctl_order=None):
    """Where a (maybe not yet existing) file ``path`` falls among ``ordered`` paths.

    Returns the index it would take (files from that index on are applied after it), or None
    when the model's tool never reads ``path``.
    """
    rules = _rules(sysctl_order)
    key = _order_key(rules, path)
    if key is None:
        return None
    for index, other in enumerate(ordered):
        other_key = _order_key(rules, other)
        if other_key is not None and other_key > key:
            return index
    return len(ordered)


def overriding(entries, dropin):
    """Assignments applied after ``dropin``'s (they win at boot), given one key's ``entries``.

    The entries carry the model they were ordered by (``sysctl_order``). When ``dropin`` does
    not set the key yet, its place is worked out by that model; a drop-in the tool never reads,
    or one masked by a same-named file in an earlier directory, is overridden by every entry.
    An assignment the kernel refuses (``accepted`` False) overrides nothing.
    """
    return [entry for entry in _overriding(entries, dropin) if entry.get('accepted', True)]


def _overriding(entries, dropin):
    after = False
    out = []
    for entry in entries:
        if dropin in (entry['file'], entry.get('real_file')):
            after = True
            out = []
            continue
        if after:
            out.append(entry)
    if after:
        return out
    order = None
    for entry in entries:
        order = entry.get('sysctl_order') or order
    rules = _rules(order)
    key = _order_key(rules, dropin)
    if key is None:
        return list(entries)
    dropin_dir, dropin_name = split_path(dropin)
    later = set()
    for entry in entries:
        directory, name = split_path(entry['file'])
        if (rules['masking'] and dropin != SYSCTL_CONF and name == dropin_name and directory != dropin_dir
                and directory in rules['dirs']):
            if rules['dirs'].index(directory) < rules['dirs'].index(dropin_dir):
                return list(entries)  # the drop-in would be masked: never applied
            continue  # the drop-in would mask this file
        other_key = _order_key(rules, entry['file'])
        if other_key is not None and other_key > key:
            later.add(entry['file'])
    return [entry for entry in entries if entry['file'] in later]


# --- readers (root) -------------------------------------------------------------------------


def read_candidates(root, sysctl_order):
    """The entries ``order_files`` needs, read from the host tree for one model."""
    rules = _rules(sysctl_order)
    candidates = {}
    seen = set()
    for directory in rules['dirs']:
        where = inspect(root, directory)
        # /lib is a symlink to /usr/lib on merged-/usr systems: do not read a directory twice.
        if where is None or where['kind'] != 'dir' or where['target'] in seen:
            continue
        seen.add(where['target'])
        entries = []
        for raw in list_dir(root, where['target'], lambda name: _eligible(rules, name)):
            name = to_native(raw)
            entry = inspect(root, directory + '/' + name)
            if entry is not None:
                entry['name'] = name
                entries.append(entry)
        candidates[directory] = entries
    conf = inspect(root, SYSCTL_CONF)
    if conf is not None:
        candidates[SYSCTL_CONF] = conf
    return candidates


def boot_order(root):
    """The model this host boots with: {'sysctl_order', 'reason'}."""
    return choose_order(read_platform(root))


def list_files(root, sysctl_order=None):
    """The sysctl files of a host, in the order its boot applies them (host paths)."""
    if sysctl_order is None:
        sysctl_order = boot_order(root)['sysctl_order']
    return order_files(read_candidates(root, sysctl_order), sysctl_order)


def _spellings(key):
    """How a line may name ``key``: dotted and slashed."""
    return (key, key.replace('.', '/'))


def _mentions(text, key):
    return any(spelling in text for spelling in _spellings(key))


def assignments(root, keys, ordered=None, overlay=None, sysctl_order=None, warnings=None):
    """Every assignment of ``keys`` at boot, in order: {key: [{'file', 'real_file', 'line', 'value',
    'accepted', 'sysctl_order'}]}. ``accepted`` is False where the kernel refuses the value
    (see KERNEL_INTS): the tools write it, the value before it stays.

    ``overlay`` ({host path: text}) replaces or adds files, to ask "what if this drop-in held X";
    an added file takes its place (and masks, or is masked) as the model says, and one the
    model's tool never reads changes nothing. ``warnings`` (a dict, optional) gets, per key, a
    message for each line skipped that names the key and each refused value.
    """
    if sysctl_order is None:
        sysctl_order = boot_order(root)['sysctl_order']
    overlay = overlay or {}
    if ordered is None:
        candidates = read_candidates(root, sysctl_order)
        for path in overlay:
            if path == SYSCTL_CONF:
                candidates[SYSCTL_CONF] = {'kind': 'file', 'link': False, 'target': path}
                continue
            directory, name = split_path(path)
            listed = [entry for entry in candidates.get(directory, []) if entry['name'] != name]
            candidates[directory] = listed + [{'name': name, 'kind': 'file', 'link': False, 'target': path}]
        ordered = order_files(candidates, sysctl_order)
    else:
        ordered = list(ordered)
        for path in overlay:
            position = sort_position(path, ordered, sysctl_order)
            if path not in ordered and position is not None:
                ordered.insert(position, path)
    wanted = set(keys)
    out = dict((key, []) for key in keys)
    warnings = warnings if warnings is not None else {}
    for key in keys:
        warnings.setdefault(key, [])
    for path in ordered:
        if path in overlay:
            text, real = overlay[path], path
        else:
            real = real_path(root, path)
            text = read_regular(root, real)
        if text is None:
            continue
        shown = display_path(path)
        skipped = []
        for number, key, value in parse_conf(text, sysctl_order, skipped):
            if key not in wanted:
                continue
            refused = kernel_refuses(key, value)
            if refused:
                warnings[key].append('%s line %d sets %s = %r: %s, so the value before it stays'
                                     % (shown, number, key, value[:80], refused))
            out[key].append({'file': shown, 'real_file': display_path(real), 'line': number, 'value': value,
                             'accepted': not refused, 'sysctl_order': sysctl_order})
        for item in skipped:
            text = item['text'] if item['text'] is not None else line_text(item['rest'])
            for key in keys:
                if _mentions(text, key):
                    warnings[key].append('%s line %d: %s' % (shown, item['line'], item['reason']) + (
                        ': %r' % item['text'][:80] if item['text'] is not None else ''))
    return out


def boot_values(root, keys, overlay=None):
    """Per key: the value it gets at boot (None if no file sets it), from where, every assignment,
    the precedence model used (``sysctl_order``) and ``warnings``: lines the boot tool skips that
    name the key, and values the kernel refuses - the value reported is the last one it accepts."""
    sysctl_order = boot_order(root)['sysctl_order']
    warnings = {}
    found = assignments(root, keys, overlay=overlay, sysctl_order=sysctl_order, warnings=warnings)
    out = {}
    for key in keys:
        entries = found[key]
        applied = [entry for entry in entries if entry['accepted']]
        last = applied[-1] if applied else None
        out[key] = {'value': last['value'] if last else None, 'file': last['file'] if last else None,
                    'line': last['line'] if last else None, 'assignments': entries,
                    'sysctl_order': sysctl_order, 'warnings': warnings[key]}
    return out
