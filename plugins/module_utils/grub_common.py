# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every boot-loader parser shares: the parse error and what kind of name a ``root=`` is.

Seed story 4: a CentOS 7 kernel upgrade did not boot because GRUB's ``root=`` named a device
path (``/dev/sdb1``) instead of a UUID. The per-format parsers (grub2_cfg, grub_legacy,
grub_bls, grubenv, default_grub, kernel_cmdline) report each entry's ``root=`` and its kind
from classify_root. Runs on the managed host: Python 2.7 and 3.6+, standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError


class GrubParseError(HostReadError):
    """A boot-loader file cannot be understood; the message names the file and the line."""

    def __init__(self, path, line, message):
        self.path = path
        self.line = line
        self.problem = message
        if line:
            text = u'%s, line %d: %s' % (_text(path), line, _text(message))
        else:
            text = u'%s: %s' % (_text(path), _text(message))
        if str is bytes:  # Python 2: a native str (UTF-8), so that str(error) never raises
            text = text.encode('utf-8')
        HostReadError.__init__(self, text)


def _text(value):
    """Text of a path or message part, whatever it came as (bytes decoded as UTF-8, replaced)."""
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return u'%s' % (value,)


def shown(value, limit=60):
    """A piece of a host file as an error message quotes it: cut after ``limit`` characters."""
    if value is None:
        return ''
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    return value if len(value) <= limit else value[:limit] + '...'


# --------------------------------------------------------------------------- size caps
#
# Every GRUB file is read whole, under a cap: past it the reader refuses, naming the file and
# the cap (hostfs.too_large), so memory stays bounded whatever is on the host. Each cap is far
# above the largest real file of its kind and low enough that parsing a file at the cap stays
# well under 100 MB of RSS. Measured in a subprocess (tests/unit/hostile/test_host_files_grub.py,
# Python 3.11, ~14 MB before parsing): a 1 MiB grub.cfg of the costliest shapes peaks at ~43 MB,
# a 256 kB grub.conf planned and checked as grub_set_root does at ~51 MB, every file at its cap
# at once (grub.cfg, grubenv, BLS entries, /etc/default/grub and a drop-in) at ~57 MB.
#
# grub.cfg: grub-mkconfig writes ~1 kB per kernel entry; a RHEL host with 100 entries and
# os-prober ones is ~150 kB.
GRUB_CFG_MAX_BYTES = 1024 * 1024
# GRUB legacy keeps its whole menu in a 32 kB buffer (stage2 MENU_BUFLEN): a bigger grub.conf /
# menu.lst cannot be GRUB's own. 256 kB leaves room for comments.
GRUB_LEGACY_MAX_BYTES = 256 * 1024
# grub-editenv writes exactly 1024 bytes (GRUB's envblk size) and never grows the file.
GRUBENV_MAX_BYTES = 1024
# One BLS entry is ~300 bytes (its options line at most 4 kB: the kernel's COMMAND_LINE_SIZE);
# a host keeps a few kernels (installonly_limit=3 by default) plus the rescue entry; all of
# them together are capped like half a grub.cfg.
BLS_ENTRY_MAX_BYTES = 16 * 1024
BLS_MAX_ENTRIES = 128
BLS_TOTAL_MAX_BYTES = 512 * 1024
# /etc/default/grub is ~2 kB; its grub.d drop-ins are a few lines each. Every line that is not
# an assignment is reported (~100 bytes of facts each), hence the tighter caps.
DEFAULT_GRUB_MAX_BYTES = 64 * 1024
DEFAULT_GRUB_MAX_FILES = 64
DEFAULT_GRUB_TOTAL_MAX_BYTES = 128 * 1024
# Menu entries and submenus of one grub.cfg or grub.conf: a host with 100 kernels and os-prober
# entries has a few hundred. Each costs ~3 kB once reported, so the count is capped too.
MAX_MENU_ITEMS = 1024
# A menu item's path (the titles of its submenus and its own, joined with '>': what GRUB_DEFAULT
# may name) is ~100 characters on real hosts; every item keeps its own, so it is capped too.
MAX_MENU_PATH = 4096
# Blocks (menuentry, submenu, if, function, loops) nested deeper than this are refused: real
# configurations nest 2 or 3 deep.
MAX_NESTING = 64


# ``$name`` and ``${name}`` as GRUB scripts, BLS options and /etc/default/grub write them.
VARIABLE_RE = re.compile(r'\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))')

# --------------------------------------------------------------------------- root= values

_DEVICE_RE = re.compile(
    r'^/dev/(?:'
    r'[shv]d[a-z]+[0-9]*|xvd[a-z]+[0-9]*|ubd[a-z]+[0-9]*|'
    r'nvme[0-9]+n[0-9]+(?:p[0-9]+)?|mmcblk[0-9]+(?:p[0-9]+)?|'
    r'md[0-9]+(?:p[0-9]+)?|md/[^/]+|dm-[0-9]+|loop[0-9]+(?:p[0-9]+)?|sr[0-9]+|'
    r'cciss/c[0-9]+d[0-9]+(?:p[0-9]+)?|ida/c[0-9]+d[0-9]+(?:p[0-9]+)?|'
    r'rd/c[0-9]+d[0-9]+(?:p[0-9]+)?|nbd[0-9]+(?:p[0-9]+)?|ram[0-9]+'
    r')\Z')
# /dev/<vg>/<lv> is LVM unless <vg> is one of the kernel's or udev's own directories.
_NOT_A_VG = ('disk', 'mapper', 'md', 'cciss', 'ida', 'rd', 'block', 'char', 'bus', 'input', 'net',
             'pts', 'shm', 'snd', 'dri', 'fd', 'hugepages', 'mqueue', 'serial', 'usb', 'vfio', 'zvol',
             'cpu', 'bsg', 'raw', 'i2o', 'ataraid')
_BY_PATH_KINDS = (
    ('/dev/disk/by-uuid/', 'uuid_path'),
    ('/dev/disk/by-label/', 'label_path'),
    ('/dev/disk/by-partuuid/', 'partuuid_path'),
    ('/dev/disk/by-partlabel/', 'partlabel_path'),
)
_TAG_KINDS = (('PARTUUID=', 'partuuid'), ('PARTLABEL=', 'partlabel'), ('UUID=', 'uuid'), ('LABEL=', 'label'))


def classify_root(value):
    """What kind of name a ``root=`` value uses.

    ``UUID=`` -> 'uuid', ``LABEL=`` -> 'label', ``PARTUUID=`` -> 'partuuid', ``PARTLABEL=`` ->
    'partlabel', ``/dev/mapper/vg-lv`` or ``/dev/VG/LV`` -> 'lvm', ``/dev/disk/by-uuid/...`` ->
    'uuid_path' (by-label, by-partuuid, by-partlabel -> 'label_path', 'partuuid_path',
    'partlabel_path'), a kernel device name (``/dev/sda1``, ``/dev/vda2``, ``/dev/nvme0n1p2``,
    ``/dev/md0``, ...) -> 'device', empty or None -> None, anything else -> 'other'.
    'device' is the fragile kind: the name can change when disks are added or reordered.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    upper = value.upper()
    for prefix, kind in _TAG_KINDS:
        if upper.startswith(prefix):
            return kind
    for prefix, kind in _BY_PATH_KINDS:
        if value.startswith(prefix):
            return kind
    if value.startswith('/dev/mapper/') and len(value) > len('/dev/mapper/'):
        return 'lvm'
    if _DEVICE_RE.match(value):
        return 'device'
    parts = value.split('/')
    if len(parts) == 4 and parts[0] == '' and parts[1] == 'dev' and parts[2] and parts[3] \
            and parts[2] not in _NOT_A_VG:
        return 'lvm'
    return 'other'


# Every kind classify_root gives: the choices of grub_set_root's keep_kinds and of the
# grub_root_uuid role's fleetfix_grub_keep_kinds.
ROOT_KINDS = ('uuid', 'label', 'partuuid', 'partlabel', 'lvm', 'uuid_path', 'label_path', 'partuuid_path',
              'partlabel_path', 'device', 'other')


def needs_root_fix(entry, wanted, keep_kinds):
    """Whether grub_set_root changes this entry's ``root=`` to ``wanted`` (``UUID=...``).

    Not when its kind is in ``keep_kinds``, not when it is ``wanted`` already, not when the
    entry has no ``root=`` at all (memtest86+, chainloaders, a Xen hypervisor line: the kernel
    that needs one is elsewhere). One rule for the report, the plan and the writer.
    """
    if entry.get('root_kind') in keep_kinds:
        return False
    if not entry.get('kernel') or not entry.get('root'):
        return entry.get('root') is not None and entry.get('root') != wanted
    return entry['root'] != wanted


def display_bytes(data):
    """Bytes as text to show (a diff, a title in a report): UTF-8 where they are UTF-8, every
    other byte as ``\\xNN``, so that what is shown says exactly which bytes are there."""
    out = []
    data = bytes(data)
    while data:
        try:
            out.append(data.decode('utf-8'))
            break
        except UnicodeDecodeError as exc:
            out.append(data[:exc.start].decode('utf-8'))
            out.append(u''.join(u'\\x%02x' % byte for byte in bytearray(data[exc.start:exc.end])))
            data = data[exc.end:]
    return u''.join(out)
