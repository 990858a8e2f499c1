# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which kernels are installed, where their initramfs lives, and which drivers boot this host.

Seed story 4: a CentOS 7 host upgraded to a new kernel did not come back because the new
initramfs lacked ``mpt2sas``, the driver of the SAS controller holding / and /boot. The
boot-critical chain is read off sysfs: the block device of each mount, down through
device-mapper and md slaves to the disks, and up each disk's device path to every driver
bound on the way (disk driver, controller driver, bus driver), plus the filesystem module.

Readers take ``root`` (``/`` on a real host) so unit tests can point them at fixture trees.
Runs on the managed host: Python 2.7 and 3.6+, standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import json
import os
import re

from ansible_collections.fleetfix.kernel.plugins.module_utils import initramfs, kernel_release
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import (
    HostReadError, host_path, is_uint, malformed, read_text)

# Image names by generator, in the order they are looked for (RHEL dracut, Debian, SUSE and
# RHEL 5 mkinitrd). The first existing one is the kernel's image.
IMAGE_PATTERNS = (
    '/boot/initramfs-%s.img',
    '/boot/initrd.img-%s',
    '/boot/initrd-%s.img',
    '/boot/initrd-%s',
)

GENERATORS = (
    # name, programs whose presence says which generator builds this host's images
    ('dracut', ('/usr/bin/dracut', '/sbin/dracut', '/usr/sbin/dracut')),
    ('initramfs-tools', ('/usr/sbin/mkinitramfs', '/usr/sbin/update-initramfs', '/sbin/mkinitramfs')),
    ('mkinitrd', ('/sbin/mkinitrd', '/usr/sbin/mkinitrd')),
)

DRACUT_LIST_KEYS = ('drivers', 'add_drivers', 'force_drivers', 'omit_drivers', 'filesystems')
# (no lazy group before trailing blanks: '(.*?)\s*$' took quadratic time on a long line of blanks)
_DRACUT_ASSIGN = re.compile(r'[ \t]*(%s)[ \t]*(\+?=)(.*)\Z' % '|'.join(DRACUT_LIST_KEYS))

# ---------------------------------------------------------------------------------------
# The input contract: what may reach a generator's configuration or its command line.
# dracut sources its *.conf files as bash and both generators take options: a value is
# checked against what the kernel itself accepts, never quoted and hoped for.

# A kernel module name as modprobe takes it ('-' and '_' are one); the kernel keeps at most
# MODULE_NAME_LEN - 1 = 64 - sizeof(unsigned long) - 1 = 55 characters of it. Not starting
# with '-': initramfs-tools hands each line of its modules file to modprobe unquoted, where
# '-v' or '--help' would be an option.
MODULE_NAME = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_-]*\Z')
MODULE_NAME_MAX = 55
# A kernel release (uname -r, __NEW_UTS_LEN = 64): what distributions and kernel builds put
# there - letters, digits, '.', '_', '+', '~', '-' - starting with a letter or digit, so it can
# never be read as an option.
KERNEL_RELEASE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._+~-]*\Z')
KERNEL_RELEASE_MAX = 64
# Seconds one image build may take: at least 1 (0 would mean "no limit" to timeout(1)), at
# most a day.
TIMEOUT_MIN, TIMEOUT_MAX = 1, 86400


class InputError(ValueError):
    """A value refused by the input contract; the message names the variable and the value."""


def shown(value):
    """A value as an error message shows it: quoted, control and non-ASCII characters escaped
    (a Cyrillic 'а' in 'mpt3sаs' shows as \\u0430)."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _is_text(value):
    return isinstance(value, (str, type(u'')))


def module_name(name):
    """Kernel module names are compared with '-' folded to '_' (``dm-mod`` is ``dm_mod``)."""
    return name.strip().replace('-', '_')


def check_module_name(name, what):
    """``name`` folded ('-' -> '_') when it is a kernel module name, else InputError naming
    ``what`` (the variable or option) and the value."""
    if not _is_text(name) or not MODULE_NAME.match(name) or len(name) > MODULE_NAME_MAX:
        reason = 'empty' if _is_text(name) and not name else (
            'longer than %d characters' % MODULE_NAME_MAX if _is_text(name) and MODULE_NAME.match(name)
            else 'only ASCII letters, digits, "_" and "-" (as modprobe takes them), not starting with "-"')
        raise InputError('%s: %s is not a kernel module name (%s)' % (what, shown(name), reason))
    return name.replace('-', '_')


def check_module_names(names, what):
    """A list of module names, folded and without duplicates, in order; InputError for the
    first bad one or for a value that is not a list."""
    if not isinstance(names, (list, tuple)):
        raise InputError('%s: %s is not a list of kernel module names' % (what, shown(names)))
    result = []
    for name in names:
        name = check_module_name(name, what)
        if name not in result:
            result.append(name)
    return result


def check_kernel_release(kver, what):
    """``kver`` when it looks like a kernel release (KERNEL_RELEASE), else InputError. Whether
    it is installed is installed_kernels()' business."""
    if not _is_text(kver) or not KERNEL_RELEASE.match(kver) or len(kver) > KERNEL_RELEASE_MAX:
        raise InputError('%s: %s is not a kernel release (letters, digits and "._+~-", starting with a letter '
                         'or digit, at most %d characters)' % (what, shown(kver), KERNEL_RELEASE_MAX))
    return kver


def check_kernel_releases(kvers, what):
    if not isinstance(kvers, (list, tuple)):
        raise InputError('%s: %s is not a list of kernel releases' % (what, shown(kvers)))
    result = []
    for kver in kvers:
        if check_kernel_release(kver, what) not in result:
            result.append(kver)
    return result


def check_installed(kvers, installed, what):
    """InputError naming the kernels of ``kvers`` that are not installed."""
    unknown = [kver for kver in kvers if kver not in installed]
    if unknown:
        raise InputError('%s: kernel(s) %s not installed (installed: %s)' % (
            what, ', '.join(shown(kver) for kver in unknown), ', '.join(installed) or 'none'))


def check_timeout(value, what):
    """A whole number of seconds from TIMEOUT_MIN to TIMEOUT_MAX (an int, or decimal digits
    as -e gives them); InputError otherwise - booleans and floats included."""
    number = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int) or type(value).__name__ == 'long':
        number = value
    elif _is_text(value) and re.match(r'^\s*[0-9]{1,9}\s*\Z', value):
        number = int(value)
    if number is None or not TIMEOUT_MIN <= number <= TIMEOUT_MAX:
        raise InputError('%s: %s is not a number of seconds from %d to %d' % (what, shown(value), TIMEOUT_MIN, TIMEOUT_MAX))
    return int(number)


# ---------------------------------------------------------------------------------------
# What the role writes into the generators' configuration - from checked names only.

DROPIN_HEADER = b'# Managed by fleetfix.kernel.initramfs_drivers: the drivers that boot this host.\n'
MODULES_MARKER = b'fleetfix.kernel.initramfs_drivers: the drivers that boot this host'
MODULES_BEGIN = b'# BEGIN ' + MODULES_MARKER
MODULES_END = b'# END ' + MODULES_MARKER


def dracut_dropin(drivers):
    """The bytes of the dracut drop-in holding ``drivers`` (checked again here: dracut sources
    the file as bash). The spaces inside the quotes are what dracut asks for with +=."""
    names = check_module_names(drivers, 'drivers')
    return DROPIN_HEADER + b'add_drivers+=" ' + ' '.join(names).encode('ascii') + b' "\n'


def initramfs_tools_modules(existing, drivers):
    """initramfs-tools' modules file with the managed block holding ``drivers``, one per line
    (what ansible.builtin.blockinfile wrote before: a file it converged stays byte for byte).
    ``existing`` is the file's bytes or None; every byte outside the block stays. A block
    whose end marker is missing, or two blocks, is refused (InputError) - fix it by hand."""
    names = check_module_names(drivers, 'drivers')
    block = [MODULES_BEGIN + b'\n'] + [name.encode('ascii') + b'\n' for name in names] + [MODULES_END + b'\n']
    lines = (existing or b'').splitlines(True)
    bare = [line.rstrip(b'\r\n') for line in lines]
    begins = [i for i, line in enumerate(bare) if line == MODULES_BEGIN]
    ends = [i for i, line in enumerate(bare) if line == MODULES_END]
    if not begins and not ends:
        if lines and not lines[-1].endswith(b'\n'):
            lines[-1] += b'\n'
        return b''.join(lines + block)
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise InputError('the managed block (%s) is damaged: %d begin and %d end marker(s); fix it by hand'
                         % (MODULES_MARKER.decode('ascii'), len(begins), len(ends)))
    tail = lines[ends[0]:]
    if not tail[0].endswith(b'\n'):
        block[-1] = block[-1][:-1]  # the end marker was the last line, without a newline: keep it so
    return b''.join(lines[:begins[0]] + block + lines[ends[0] + 1:])


def _mtime(root, path):
    try:
        return int(os.stat(host_path(root, path)).st_mtime)
    except OSError:
        return None


def _exists(root, path):
    return os.path.exists(host_path(root, path))


def list_dir(full, shown=None):
    """The names in the directory ``full``: [] when it does not exist or is not a directory,
    HostReadError naming it (``shown``, else ``full``) when it cannot be listed."""
    try:
        return os.listdir(full)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return []
        raise HostReadError('cannot list %s: %s' % (shown or full, exc.strerror or exc))


def list_host_dir(root, path):
    """list_dir of a host path under ``root``."""
    return list_dir(host_path(root, path), path)


def is_kernel_release(name):
    """Whether a name read off the host (/boot/vmlinuz-NAME, /lib/modules/NAME) is a kernel
    release: /boot/vmlinuz-5² or vmlinuz---help is not, and never reaches a path or a command."""
    return _is_text(name) and bool(KERNEL_RELEASE.match(name)) and len(name) <= KERNEL_RELEASE_MAX


def installed_kernels(root):
    """Kernel releases with a kernel image: /boot/vmlinuz-KVER, or /lib/modules/KVER/vmlinuz
    (where RHEL 8+ keeps the package's copy). A /lib/modules directory left behind by a removed
    kernel is not an installed kernel."""
    found = set()
    for name in list_host_dir(root, '/boot'):
        if name.startswith('vmlinuz-') and not name.endswith('.hmac') and 'rescue' not in name:
            found.add(name[len('vmlinuz-'):])
    for base in ('/lib/modules', '/usr/lib/modules'):
        for kver in list_host_dir(root, base):
            # (checked first: only a kernel release is joined into a path)
            if is_kernel_release(kver) and _exists(root, '%s/%s/vmlinuz' % (base, kver)):
                found.add(kver)
    # A stray /boot/vmlinuz---help is no kernel: a name that is not a kernel release never
    # reaches a command line (KERNEL_RELEASE: no leading '-', no spaces, ASCII only).
    return sorted((kver for kver in found if is_kernel_release(kver)), key=kernel_release.sort_key)


OSRELEASE = '/proc/sys/kernel/osrelease'


def running_kernel(root):
    """The running kernel's release (/proc/sys/kernel/osrelease), None when the file is missing;
    HostReadError naming the file when it does not hold a kernel release."""
    text = read_text(root, OSRELEASE, limit=4096)
    if text is None:
        return None
    release = text.strip()
    if not release:
        return None
    if not is_kernel_release(release):
        raise malformed(OSRELEASE, None, 'a kernel release (letters, digits and "._+~-", at most %d characters)'
                        % KERNEL_RELEASE_MAX, release)
    return release


def modules_dir(root, kver):
    for base in ('/lib/modules', '/usr/lib/modules'):
        if _exists(root, '%s/%s' % (base, kver)):
            return '%s/%s' % (base, kver)
    return None


def kernel_files(root, kver):
    """Paths of one kernel: its vmlinuz, its initramfs (existing or expected), its modules."""
    vmlinuz = '/boot/vmlinuz-%s' % kver
    if not _exists(root, vmlinuz):
        mdir = modules_dir(root, kver)
        vmlinuz = '%s/vmlinuz' % mdir if mdir and _exists(root, '%s/vmlinuz' % mdir) else None
    image = None
    for pattern in IMAGE_PATTERNS:
        if _exists(root, pattern % kver):
            image = pattern % kver
            break
    return {'vmlinuz': vmlinuz, 'image': image, 'modules_dir': modules_dir(root, kver)}


def expected_image_path(generator, kver):
    """Where a generator writes a kernel's image when none exists yet."""
    if generator == 'initramfs-tools':
        return '/boot/initrd.img-%s' % kver
    return '/boot/initramfs-%s.img' % kver


def staleness(root, files):
    """The image is stale when it is older than its kernel or its modules (modules.dep is
    rewritten by depmod whenever a module is added)."""
    image_time = _mtime(root, files['image']) if files.get('image') else None
    if image_time is None:
        return None
    newer = []
    if files.get('vmlinuz'):
        kernel_time = _mtime(root, files['vmlinuz'])
        if kernel_time is not None and kernel_time > image_time:
            newer.append(files['vmlinuz'])
    if files.get('modules_dir'):
        dep = files['modules_dir'] + '/modules.dep'
        dep_time = _mtime(root, dep)
        if dep_time is not None and dep_time > image_time:
            newer.append(dep)
    return newer


# A module file as depmod writes it into modules.dep / modules.builtin / modules.order: a path of
# printable ASCII without spaces or ':' ending in .ko (or .ko.xz, .ko.zst, .ko.gz).
_MODULE_FILE = re.compile(r'[!-9;-~]+\.ko(?:\.(?:xz|zst|gz))?\Z')
_MODULE_FILE_WORDS = 'a module path ending in .ko (.ko.xz, .ko.zst, .ko.gz) with a name of letters, digits, "_" and "-"'


def _module_of(token, path, number, line):
    name = initramfs.normalise_module_name(token) if _MODULE_FILE.match(token) else None
    if not name or not MODULE_NAME.match(name):
        raise malformed(path, number, _MODULE_FILE_WORDS, line)
    return name


def parse_module_list(text, path='modules list', dep=None):
    """modules.builtin / modules.order (one module path a line) or modules.dep (``path:`` then
    the paths it depends on): the set of module names. ``dep`` None takes both forms. A line
    that is neither is a HostReadError naming ``path`` and the line."""
    names = set()
    for number, line in enumerate((text or '').split('\n'), 1):
        if not line.strip():
            continue
        head, colon, deps = line.partition(':')
        if (dep is True and not colon) or (dep is False and colon):
            raise malformed(path, number, "a module path%s" % (' followed by ":"' if dep else ' (no ":")'), line)
        names.add(_module_of(head.strip(), path, number, line))
        for token in deps.split():
            _module_of(token, path, number, line)
    return names


def kernel_module_sets(root, kver):
    """(built-in, loadable) module names of one kernel, from modules.builtin and modules.dep."""
    mdir = modules_dir(root, kver)
    if not mdir:
        return set(), set()
    builtin, dep = mdir + '/modules.builtin', mdir + '/modules.dep'
    return (parse_module_list(read_text(root, builtin), builtin, dep=False),
            parse_module_list(read_text(root, dep), dep, dep=True))


def system_generator(root):
    """Which initramfs generator this host runs: dracut, initramfs-tools, mkinitrd or None."""
    for name, programs in GENERATORS:
        for program in programs:
            if _exists(root, program):
                return name
    return None


def parse_dracut_conf(text):
    """dracut.conf lines: KEY="..." and KEY+=" ..." for the driver lists -> {key: [(op, [names])]}."""
    found = {}
    for line in (text or '').split('\n'):
        match = _DRACUT_ASSIGN.match(line)
        if not match:
            continue
        key, op, value = match.group(1), match.group(2), match.group(3).strip()
        if value[:1] in ('"', "'"):  # a quoted value ends at its closing quote (a comment may follow)
            end = value.find(value[0], 1)
            value = value[1:end] if end > 0 else value[1:]
        else:
            value = value.split('#', 1)[0]
        names = [module_name(part) for part in value.split() if part]
        found.setdefault(key, []).append((op, names))
    return found


def dracut_config(root):
    """The effective driver lists of dracut: /etc/dracut.conf then /etc/dracut.conf.d/*.conf
    (and /usr/lib/dracut/dracut.conf.d), later files overriding or adding, as dracut reads them."""
    files = ['/etc/dracut.conf']
    conf_files = {}
    for directory in ('/usr/lib/dracut/dracut.conf.d', '/etc/dracut.conf.d'):
        for name in list_host_dir(root, directory):
            if name.endswith('.conf'):
                # A file in /etc overrides the one of the same name in /usr/lib.
                conf_files[name] = '%s/%s' % (directory, name)
    files.extend(conf_files[name] for name in sorted(conf_files))
    result = dict((key, []) for key in DRACUT_LIST_KEYS)
    origin = {}
    read = []
    for path in files:
        text = read_text(root, path)
        if text is None:
            continue
        read.append(path)
        for key, assignments in parse_dracut_conf(text).items():
            for op, names in assignments:
                if op == '=':
                    result[key] = list(names)
                else:
                    result[key].extend(names)
                origin.setdefault(key, []).append(path)
    return {'files': read, 'lists': result, 'origin': origin}


def initramfs_tools_config(root):
    """initramfs-tools: the MODULES= policy (most, dep, list, netboot) and /etc/initramfs-tools/modules."""
    policy = None
    sources = ['/etc/initramfs-tools/initramfs.conf']
    sources.extend('/etc/initramfs-tools/conf.d/' + name for name in sorted(list_host_dir(root, '/etc/initramfs-tools/conf.d')))
    policy_file = None
    for path in sources:
        for line in (read_text(root, path) or '').split('\n'):
            match = _MODULES_POLICY.match(line)
            if match:
                policy, policy_file = match.group(1), path
    modules = parse_initramfs_tools_modules(read_text(root, '/etc/initramfs-tools/modules'))
    return {'modules_policy': policy, 'modules_policy_file': policy_file, 'modules_file': modules}


_MODULES_POLICY = re.compile(r'[ \t]*MODULES[ \t]*=[ \t]*["\']?([A-Za-z0-9_]+)')


def parse_initramfs_tools_modules(text):
    """initramfs-tools' modules file: one module per line, options after it, '#' comments."""
    modules = []
    for line in (text or '').split('\n'):
        line = line.split('#', 1)[0].strip()
        if line:
            modules.append(module_name(line.split()[0]))
    return modules


# ---------------------------------------------------------------------------------------
# The boot chain, from /proc/self/mountinfo and sysfs


# A device number as sysfs and mountinfo write it: MAJ:MIN, ASCII digits (the kernel's dev_t has
# 12 + 20 bits: at most 7 digits each).
DEV_NUMBER = re.compile(r'[0-9]{1,7}:[0-9]{1,7}\Z')
_MOUNTINFO_WORDS = 'a mountinfo line (ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE OPTIONS)'
# The kernel escapes space, tab, newline and backslash in mountinfo paths as \ooo (octal).
_OCTAL_ESCAPE = re.compile(r'\\([0-3][0-7][0-7])')


def unescape_mountinfo(field):
    """A mountinfo path with the kernel's \\040-style escapes decoded."""
    return _OCTAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), field)


def parse_mountinfo(text, path='/proc/self/mountinfo'):
    """/proc/self/mountinfo -> {mount point: {'dev': 'MAJ:MIN', 'fstype', 'source'}} (the last
    mount of a mount point wins: it is the one visible). A line that is not a mountinfo line is
    a HostReadError naming ``path`` and the line."""
    mounts = {}
    for number, line in enumerate((text or '').split('\n'), 1):
        # (fields are separated by single spaces; split() would also split at \x1c or \xa0)
        fields = [field for field in line.rstrip('\r').split(' ') if field]
        if not fields:
            continue
        sep = fields.index('-', 6) if '-' in fields[6:] else -1
        if (sep < 0 or len(fields) < sep + 3 or not is_uint(fields[0]) or not is_uint(fields[1])
                or not DEV_NUMBER.match(fields[2]) or not fields[4].startswith('/')):
            raise malformed(path, number, _MOUNTINFO_WORDS, line)
        mounts[unescape_mountinfo(fields[4])] = {
            'dev': fields[2], 'fstype': fields[sep + 1], 'source': unescape_mountinfo(fields[sep + 2])}
    return mounts


def _read_link_name(path):
    try:
        return os.path.basename(os.path.realpath(path))
    except OSError:
        return None


def _sys_block_dir(root, dev):
    if not DEV_NUMBER.match(dev):  # (parse_mountinfo and _slave_devs checked it: never a path)
        return None
    path = host_path(root, '/sys/dev/block/%s' % dev)
    if not os.path.exists(path):
        return None
    return os.path.realpath(path)


def _device_drivers(root, block_dir):
    """Walk up a disk's device path from its block device to the root of /sys/devices,
    collecting each bound driver and the module that provides it."""
    drivers = []
    device = os.path.join(block_dir, 'device')
    if not os.path.exists(device):
        return drivers
    path = os.path.realpath(device)
    top = os.path.realpath(host_path(root, '/sys/devices'))
    while path.startswith(top + os.sep):
        driver_link = os.path.join(path, 'driver')
        if os.path.exists(driver_link):
            driver = _read_link_name(driver_link)
            module_link = os.path.join(driver_link, 'module')
            module = _read_link_name(module_link) if os.path.exists(module_link) else None
            drivers.append({'device': path[len(top):] or '/', 'driver': driver,
                            'module': module_name(module) if module else None})
        path = os.path.dirname(path)
    return drivers


def _dm_modules(block_dir):
    uuid = (read_text('/', os.path.join(block_dir, 'dm', 'uuid')) or '').strip()
    kind = 'dm'
    modules = ['dm_mod']
    if uuid.startswith('LVM-'):
        kind = 'lvm'
    elif uuid.startswith('CRYPT-'):
        kind, modules = 'crypt', ['dm_mod', 'dm_crypt']
    elif uuid.startswith('mpath-'):
        kind, modules = 'multipath', ['dm_mod', 'dm_multipath']
    return kind, modules


def _md_modules(block_dir):
    level = (read_text('/', os.path.join(block_dir, 'md', 'level')) or '').strip()
    if level in ('raid4', 'raid5', 'raid6'):
        return ['raid456']
    if level in ('raid0', 'raid1', 'raid10', 'linear', 'multipath'):
        return [level]
    return []


# The most block devices one chain walks (a real stack - md over dm over partitions - has a few
# dozen at most; the walk is iterative, so this is a bound on work, not on recursion).
MAX_CHAIN_DEVICES = 4096


def _slave_devs(slaves_dir):
    """The device numbers of a disk's slaves (sorted by name), each read from slaves/NAME/dev."""
    devs = []
    # (hidden names: only in fixture trees, where git needs a file to keep an empty directory)
    for slave in sorted(n for n in list_dir(slaves_dir) if not n.startswith('.')):
        path = os.path.join(slaves_dir, slave, 'dev')
        text = read_text('/', path, limit=4096)
        if text is None or not text.strip():
            continue
        if not DEV_NUMBER.match(text.strip()):
            raise malformed(path, 1, 'a device number MAJ:MIN', text.strip())
        devs.append(text.strip())
    return devs


def block_chain(root, dev, seen=None):
    """The devices and drivers under one block device number ('8:1'): a list of layers, each
    device before its slaves (depth first, slaves in name order), each device once."""
    seen = seen if seen is not None else set()
    layers = []
    stack = [dev]
    while stack:
        dev = stack.pop()
        if dev in seen:
            continue
        seen.add(dev)
        if len(seen) > MAX_CHAIN_DEVICES:
            raise HostReadError('/sys/dev/block: the chain of block devices under %s has more than %d devices'
                                % (layers[0]['dev'], MAX_CHAIN_DEVICES))
        block_dir = _sys_block_dir(root, dev)
        if block_dir is None:
            layers.append({'dev': dev, 'name': None, 'kind': 'unknown', 'modules': [], 'drivers': []})
            continue
        name = os.path.basename(block_dir)
        disk_dir = block_dir
        kind = 'disk'
        if os.path.exists(os.path.join(block_dir, 'partition')):
            disk_dir = os.path.dirname(block_dir)
            kind = 'partition'
        layer = {'dev': dev, 'name': name, 'kind': kind, 'modules': [], 'drivers': []}
        layers.append(layer)
        slaves = _slave_devs(os.path.join(disk_dir, 'slaves'))
        if os.path.isdir(os.path.join(disk_dir, 'dm')):
            layer['kind'], layer['modules'] = _dm_modules(disk_dir)
        elif os.path.isdir(os.path.join(disk_dir, 'md')):
            layer['kind'], layer['modules'] = 'md', _md_modules(disk_dir)
        if slaves:
            stack.extend(reversed(slaves))
            continue
        layer['drivers'] = _device_drivers(root, disk_dir)
        layer['modules'].extend(d['module'] for d in layer['drivers'] if d['module'])
    return layers


def boot_chain(root, mountinfo_text, loadable, builtin, mount_points=('/', '/boot')):
    """The boot-critical drivers of this host: for / and /boot, every layer down to the
    controllers, and the filesystem module. Only names that are modules (loadable or built-in)
    of the running kernel are required: a bus or port driver the kernel has no module name for
    can not be missing from an initramfs."""
    mounts = parse_mountinfo(mountinfo_text)
    chains = []
    required = []
    for point in mount_points:
        mount = mounts.get(point)
        if mount is None:
            continue
        layers = block_chain(root, mount['dev']) if not mount['dev'].startswith('0:') else [
            {'dev': mount['dev'], 'name': mount['source'], 'kind': 'virtual', 'modules': [], 'drivers': []}]
        names = []
        for layer in layers:
            names.extend(layer['modules'])
        fstype = module_name(mount['fstype'])
        if fstype in loadable or fstype in builtin:
            names.append(fstype)
        chains.append({'mount_point': point, 'dev': mount['dev'], 'source': mount['source'],
                       'fstype': mount['fstype'], 'layers': layers})
        for name in names:
            if name not in required and (name in loadable or name in builtin):
                required.append(name)
    return {'mounts': chains, 'required': required}


def missing_drivers(required, image_modules, builtin, loadable):
    """Per kernel: a required driver is present when the image holds it or the kernel has it
    built in. Each missing one says whether the kernel ships it at all."""
    missing = []
    image_modules = set(image_modules or [])
    for name in required:
        if name in image_modules or name in builtin:
            continue
        missing.append({'name': name, 'shipped_by_kernel': name in loadable})
    return missing


# ---------------------------------------------------------------------------------------
# Everything together: what initramfs_facts returns and the boot-readiness audit reads


# What an image's listing says about the whole image's contents: unknown (None) after an early
# stop, which collects entries only up to the required drivers - a partial count or list would read
# as the image's. ('entries' is known: the early stop still checks every header to the end.)
WHOLE_IMAGE_KEYS = ('module_count', 'kernel_versions', 'dracut_modules', 'image_generator')


def _image_report(root, kver, files, generator, required, contents, on_error, running, newest, module_sets,
                  stop_early=False):
    """One kernel's entry of the facts. ``stop_early`` (and not ``contents``): entries are
    collected only until every required driver that is not built in has been seen under this
    kernel's module directory; the image is still decoded and its cpio headers checked to the
    end (initramfs.list_image), so a truncated or damaged image gets the error, and the verdict,
    of a full scan. ``scan`` says whether the stop happened ('stopped_early') or every entry was
    collected ('full'; None without an image or when it could not be read), and ``complete_by``
    how the image was checked after the stop ('decoded_to_end', 'cpio_headers'; 'read_to_end'
    for a full scan). After an early stop the WHOLE_IMAGE_KEYS are None: only the verdict's
    inputs (missing_drivers, and that this kernel's module directory is there) and the image's
    structure (size, segments, entries) are known."""
    builtin, loadable = module_sets[kver] if kver in module_sets else kernel_module_sets(root, kver)
    image = files['image'] or expected_image_path(generator, kver)
    entry = {
        'version': kver, 'running': kver == running, 'newest': kver == newest,
        'vmlinuz': files['vmlinuz'], 'image': image, 'image_exists': files['image'] is not None,
        'size': None, 'stale_against': [], 'compression': None, 'early_cpio': None, 'segments': [],
        'image_generator': None, 'entries': None, 'module_count': None, 'dracut_modules': None,
        'kernel_versions': None, 'missing_drivers': [], 'error': None, 'scan': None, 'complete_by': None,
    }
    if contents:
        entry['modules'] = []
        entry['firmware'] = []
    if not files['image']:
        entry['missing_drivers'] = missing_drivers(required, [], builtin, loadable)
        return entry
    entry['stale_against'] = staleness(root, files)
    if stop_early and not contents:
        # a built-in driver is never in the image: only the others are waited for
        wait_for = [name for name in required if name not in builtin]
        listing_args = {'kernel': kver, 'required': wait_for}
    else:
        listing_args = {}
    try:
        listing = initramfs.list_image(host_path(root, files['image']), **listing_args)
    except initramfs.InitramfsError as exc:
        if on_error == 'fail':
            raise HostReadError(str(exc))
        entry['error'] = str(exc)
        entry['missing_drivers'] = missing_drivers(required, [], builtin, loadable)
        return entry
    # Only modules under (usr/)lib/modules/<this kernel>/ count: an image copied from another
    # kernel holds modules modprobe will never look at.
    held = sorted(initramfs.modules_for_kernel(listing, kver))
    entry.update({
        'size': listing['size'], 'compression': listing['compression'], 'early_cpio': listing['early_cpio'],
        'segments': listing['segments'], 'image_generator': listing['generator'], 'entries': listing['entries'],
        'module_count': len(held), 'dracut_modules': listing['dracut_modules'],
        'kernel_versions': listing['kernel_versions'],
        'missing_drivers': missing_drivers(required, held, builtin, loadable),
        'scan': listing['scan'], 'complete_by': listing['complete_by'],
    })
    if listing['scan'] == 'stopped_early':
        entry.update(dict((key, None) for key in WHOLE_IMAGE_KEYS))
    if contents:
        entry['modules'] = held
        entry['firmware'] = listing['firmware']
    return entry


def collect_initramfs_facts(root, kernels=None, required=None, extra=None, contents=False, on_error='fail',
                            stop_early=False, select=None):
    """What initramfs_facts returns. ``stop_early``: each image's entries are collected only as
    far as the verdict needs, the image still checked to its end (see _image_report) - for the
    boot-readiness audit; the facts module and every listing asked for with ``contents`` collect
    every entry. ``select(installed, running)``: the kernels to read, chosen from what this call
    reads anyway (None: all), when ``kernels`` does not name them."""
    running = running_kernel(root)
    installed = installed_kernels(root)
    if not kernels and select is not None:
        kernels = select(installed, running)
    newest = installed[-1] if installed else None
    generator = system_generator(root)
    if generator == 'dracut':
        generator_config = dracut_config(root)
    elif generator == 'initramfs-tools':
        generator_config = initramfs_tools_config(root)
    else:
        generator_config = {}
    run_builtin, run_loadable = kernel_module_sets(root, running) if running else (set(), set())
    mountinfo = read_text(root, '/proc/self/mountinfo')
    if mountinfo is None:
        raise HostReadError('/proc/self/mountinfo is missing: is /proc mounted?')
    chain = boot_chain(root, mountinfo, run_loadable, run_builtin)
    if required:
        wanted, source = [module_name(name) for name in required], 'parameter'
    else:
        wanted, source = list(chain['required']), 'discovered'
    for name in extra or []:
        if module_name(name) not in wanted:
            wanted.append(module_name(name))
    selected = installed
    if kernels:
        unknown = [kver for kver in kernels if kver not in installed]
        if unknown:
            raise HostReadError('kernel(s) %s not installed (installed: %s)' % (', '.join(unknown), ', '.join(installed) or 'none'))
        selected = [kver for kver in installed if kver in kernels]
    known_sets = {running: (run_builtin, run_loadable)} if running else {}
    reports = [_image_report(root, kver, kernel_files(root, kver), generator, wanted, contents, on_error, running, newest, known_sets,
                             stop_early=stop_early)
               for kver in selected]
    return {
        'generator': generator, 'generator_config': generator_config, 'running_kernel': running,
        'newest_kernel': newest, 'boot_chain': chain['mounts'], 'required_drivers': wanted,
        'required_source': source, 'kernels': reports,
    }


# ---------------------------------------------------------------------------------------
# Filesystem identities: what a root= value resolves to


def block_ids(root):
    """/dev/disk/by-{uuid,label,partuuid,partlabel}: {kind: {value: 'MAJ:MIN'}} (udev's symlinks)."""
    ids = {}
    for kind in ('uuid', 'label', 'partuuid', 'partlabel'):
        found = {}
        directory = host_path(root, '/dev/disk/by-%s' % kind)
        for name in list_dir(directory, '/dev/disk/by-%s' % kind):
            dev = device_number(os.path.join(directory, name))
            if dev:
                found[unescape_udev(name)] = dev
        ids[kind] = found
    return ids


_UDEV_ESCAPE = re.compile(r'\\x([0-9a-fA-F]{2})')


def unescape_udev(name):
    """A /dev/disk/by-label name with udev's \\xNN escapes (space, '/', and every byte of a
    non-ASCII label) decoded as the UTF-8 bytes they are; undecodable bytes become U+FFFD."""
    if not _is_text(name) or '\\x' not in name:
        return name
    if isinstance(name, bytes):  # Python 2: os.listdir gave bytes
        return _UDEV_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), name)
    raw = bytearray()
    pos = 0
    for match in _UDEV_ESCAPE.finditer(name):
        raw.extend(name[pos:match.start()].encode('utf-8', 'surrogateescape'))
        raw.append(int(match.group(1), 16))
        pos = match.end()
    raw.extend(name[pos:].encode('utf-8', 'surrogateescape'))
    return bytes(raw).decode('utf-8', 'replace')


def device_number(path):
    """'MAJ:MIN' of a block device node (following symlinks), or None."""
    try:
        rdev = os.stat(path).st_rdev
    except (OSError, ValueError):  # (ValueError: a NUL in a root= value read from a boot entry)
        return None
    if not rdev:
        return None
    return '%d:%d' % (os.major(rdev), os.minor(rdev))


def resolve_root(root, value, ids):
    """The 'MAJ:MIN' a root= value names on this host, or None when it names nothing here."""
    if not value:
        return None
    for prefix, kind in (('UUID=', 'uuid'), ('LABEL=', 'label'), ('PARTUUID=', 'partuuid'), ('PARTLABEL=', 'partlabel')):
        if value.upper().startswith(prefix):
            wanted = value[len(prefix):]
            table = ids.get(kind, {})
            if kind in ('uuid', 'partuuid'):
                for key, dev in table.items():
                    if key.lower() == wanted.lower():
                        return dev
                return None
            return table.get(wanted)
    if value.startswith('/dev/'):
        return device_number(host_path(root, value))
    return None


def root_filesystem(root, mountinfo_text, ids):
    """The filesystem mounted on /: its device number, source, type and identities."""
    mount = parse_mountinfo(mountinfo_text).get('/')
    if mount is None:
        return None
    result = {'dev': mount['dev'], 'source': mount['source'], 'fstype': mount['fstype'],
              'uuid': None, 'label': None, 'partuuid': None}
    for kind in ('uuid', 'label', 'partuuid'):
        for value, dev in sorted(ids.get(kind, {}).items()):
            if dev == mount['dev']:
                result[kind] = value
                break
    return result
