# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network interface names that can move (seed story 7).

After a kernel upgrade an Ubuntu server's USB NIC (ASIX AX88772B) came up as eth5 instead
of eth3 - the new kernel saw more ports - and /etc/network/interfaces still said eth3, so the
server was reachable only on its serial port. Names the kernel hands out (ethN, usbN) follow
probe order; only a name pinned to the NIC (udev rule, systemd .link) or a predictable name
(enp..., enx...) stays. And a pin by MAC only holds if the MAC is permanent: a USB NIC
without one gets a random MAC each boot (addr_assign_type 1).

Readers take ``root`` so tests can use captured /sys and /etc trees. Python 2.7 / 3.6+.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch
import hashlib
import os
import re
import struct

from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import fix, make_finding
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError, host_path, malformed, parse_int
from ansible_collections.fleetfix.kernel.plugins.module_utils.host_platform import el_major, read_platform
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfiles import (
    LineTooLong, display_path, inspect as inspect_path, list_dir, read_line_split, read_regular, real_path, to_native)

STORY = 'net_iface_names'
# include/uapi/linux/netdevice.h NET_ADDR_*
ADDR_ASSIGN = {0: 'permanent', 1: 'random', 2: 'stolen', 3: 'set'}
KERNEL_NAME = re.compile(r"^(eth|usb|wlan|ib|bond)[0-9]+\Z")
PREDICTABLE_NAME = re.compile(r'^(en|wl|ww|ib|sl)(o[0-9]|s[0-9]|p[0-9]|x[0-9a-f]{12}|P[0-9]|b[0-9]|c[0-9]|v[0-9]|a[0-9]|u[0-9]|i[0-9])')
MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}\Z")
_USB_PORT = re.compile(r'[0-9]{1,9}-[0-9.]{1,64}\Z')

# A sysfs attribute is at most one page (PAGE_SIZE, 64 kB on the largest pages); a udev database
# entry a few kB.
SYSFS_BYTES = 64 * 1024
UDEV_DB_BYTES = 1024 * 1024
# /sys/class/net/<if>/address: hex pairs joined by ':' (sysfs_format_mac; empty when addr_len is 0)
_SYSFS_ADDRESS = re.compile(r'([0-9a-f]{2}(:[0-9a-f]{2}){0,31})?\Z')
# /sys/class/net/<if>/operstate: operstates[] in net/core/net-sysfs.c
# /sys/class/net/<if>/flags: dev->flags in hex (net/core/net-sysfs.c, format_flags "%#x")
_SYSFS_FLAGS = re.compile(r'0x[0-9a-f]{1,8}\Z')
IFF_UP = 0x1
OPERSTATES = ('unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up')


def usb_port_path(devpath):
    """'/devices/pci0000:00/0000:00:07.0/usb1/1-1/1-1:1.0/net/usb0' -> '1-1' (the USB port chain)."""
    ports = [part for part in devpath.split('/') if _USB_PORT.match(part)]
    return ports[-1] if ports else None


def name_kind(name, pinned_names):
    if name in pinned_names:
        return 'pinned'
    if KERNEL_NAME.match(name):
        return 'kernel'
    if PREDICTABLE_NAME.match(name):
        return 'predictable'
    return 'other'


def _names(root, directory, suffix=''):
    """Names ending in ``suffix`` in a host directory, sorted, as native strings."""
    wanted = suffix.encode('ascii')
    return [to_native(name) for name in list_dir(root, directory, lambda name: name.endswith(wanted))]


def _attribute(root, path, limit=SYSFS_BYTES):
    """A sysfs attribute's text, stripped; None when the kernel does not have it."""
    data = read_regular(root, path, limit)
    if data is None:
        return None
    return data.decode('utf-8', 'replace').strip(' \t\n\r\f\v')


def _addr_assign_type(root, path):
    text = _attribute(root, path)
    if text is None:
        return None
    # unsigned char name_assign_type in struct net_device: 0..255, ASCII digits
    return parse_int(text, path, unsigned=True, maximum=255)


def _link_name(root, path):
    """basename of the driver or subsystem a device's link points to, None without the link."""
    entry = inspect_path(root, path)
    if entry is None or entry['kind'] in ('missing', 'loop'):
        return None
    return entry['target'].rstrip('/').rsplit('/', 1)[-1] or None


def read_interfaces(root='/'):
    """Physical interfaces under /sys/class/net (virtual ones and loopback left out).

    Every link is followed inside ``root``; an entry that is not a link to a device directory
    (bonding_masters, an interface gone while it was read) is left out. Attributes that are not
    what the kernel writes (an addr_assign_type of '\u00b2', a non-numeric ifindex) raise
    HostReadError naming the file."""
    out = []
    for name in _names(root, '/sys/class/net'):
        sysdir = '/sys/class/net/' + name
        entry = inspect_path(root, sysdir)
        if entry is None or entry['kind'] == 'missing':
            continue  # gone since the listing
        if entry['kind'] == 'loop':
            raise HostReadError('%s: a symlink loop, expected a link to the device under /sys/devices'
                                % display_path(sysdir))
        if entry['kind'] != 'dir':
            continue  # bonding_masters and other files
        devpath = entry['target']
        if '/devices/virtual/' in devpath:
            continue
        aat = _addr_assign_type(root, sysdir + '/addr_assign_type')
        bus = 'usb' if usb_port_path(devpath) else (_link_name(root, sysdir + '/device/subsystem') or 'platform')
        ifindex = _attribute(root, sysdir + '/ifindex')
        if ifindex is not None:
            ifindex = parse_int(ifindex, sysdir + '/ifindex', unsigned=True, maximum=2 ** 31 - 1)
        udev = {}
        if ifindex is not None:
            database = '/run/udev/data/n%d' % ifindex
            udev = parse_udev_db(read_regular(root, database, UDEV_DB_BYTES) or b'', database)
        mac = _attribute(root, sysdir + '/address')
        if mac is not None and not _SYSFS_ADDRESS.match(mac.lower()):
            raise malformed(sysdir + '/address', None, 'a hardware address (hex pairs joined by colons)', mac)
        operstate = _attribute(root, sysdir + '/operstate')
        if operstate is not None and operstate not in OPERSTATES:
            raise malformed(sysdir + '/operstate', None, 'one of %s' % ', '.join(OPERSTATES), operstate)
        flags = _attribute(root, sysdir + '/flags')
        if flags is not None and not _SYSFS_FLAGS.match(flags):
            raise malformed(sysdir + '/flags', None, 'the interface flags in hexadecimal (0x1003)', flags)
        out.append({
            'name': display_path(name),
            'mac': (mac or '').lower(),
            'addr_assign_type': ADDR_ASSIGN.get(aat, aat),
            'permanent_mac': aat == 0,
            'operstate': operstate or '',
            # IFF_UP: set up by an administrator or a daemon. The kernel renames only a link without
            # it (operstate says whether there is a carrier, not this).
            'admin_up': None if flags is None else bool(int(flags, 16) & IFF_UP),
            'driver': _link_name(root, sysdir + '/device/driver'),
            'bus': bus,
            'usb_port': usb_port_path(devpath),
            'devpath': devpath,
            'id_path': udev.get('ID_PATH'),
            'ifindex': ifindex,
        })
    return out


def parse_udev_db(text, path=None):
    """Properties (E:KEY=value) of a udev database entry, /run/udev/data/n<ifindex>.

    ``text`` is bytes or text; lines that are not E:KEY=value (udev's other records, junk) are
    skipped, and a value that is not UTF-8 gets U+FFFD where the bytes were."""
    out = {}
    data = text if isinstance(text, bytes) else (text or u'').encode('utf-8')
    try:
        for _number, raw in read_line_split(data, UDEV_DB_BYTES + 1):
            line = raw.decode('utf-8', 'replace')
            if line.startswith('E:') and '=' in line:
                key, value = line[2:].split('=', 1)
                out[key] = value
    except LineTooLong:  # cannot happen within UDEV_DB_BYTES; kept for callers passing more
        raise HostReadError('%s: a line longer than %d bytes' % (path or 'the udev database', UDEV_DB_BYTES))
    return out


# --- udev rules, as systemd-udevd reads them (src/udev/udev-rules.c, systemd >= 247) ---------
#
# udev_rules_parse_file(): lines end at '\n', '\r' or NUL (read_line); a line of UDEV_LINE_SIZE
# bytes or more makes read_line fail and the whole file is dropped ("Failed to read rules file
# ..., ignoring"); leading whitespace is skipped; a line starting with '#' is a comment even
# inside a continuation; a line ending in '\' continues on the next one (the pieces joined
# without the backslash), a joined line of UDEV_LINE_SIZE or more is dropped ("Line is too
# long, ignored"), as is a continuation cut by the end of the file. rule_add_line() reads
# KEY[{attr}] OP [e|i]"value" tokens separated by whitespace or commas; a token it cannot read
# (no operator, no closing brace, a value without its closing quote) or a key it does not know
# drops the whole line ("Invalid key/value pair, ignoring."), as does NAME="" or NAME="%k".
UDEV_LINE_SIZE = 16384
_WS = ' \t\n\r'
_OPERATORS = ('==', '!=', '+=', '-=', '=', ':=')  # parse_operator()'s order
_MATCH_OPS = ('==', '!=')
# key: (attribute: 'no' | 'yes' | 'optional', operators allowed) - parse_token()
_ANY = _OPERATORS
_MATCH = _MATCH_OPS
_ASSIGN = ('=', '+=', ':=')
_UDEV_KEYS = {
    'ACTION': ('no', _MATCH), 'DEVPATH': ('no', _MATCH), 'KERNEL': ('no', _MATCH), 'SUBSYSTEM': ('no', _MATCH),
    'DRIVER': ('no', _MATCH), 'KERNELS': ('no', _MATCH), 'SUBSYSTEMS': ('no', _MATCH), 'DRIVERS': ('no', _MATCH),
    'TAGS': ('no', _MATCH), 'RESULT': ('no', _MATCH), 'SYMLINK': ('no', _ANY), 'TAG': ('no', _ANY),
    'NAME': ('no', ('==', '!=', '=', '+=', ':=')), 'ENV': ('yes', _ANY), 'CONST': ('yes', _MATCH),
    'ATTR': ('yes', _ANY), 'SYSCTL': ('yes', _ANY), 'ATTRS': ('yes', _MATCH), 'TEST': ('optional', _MATCH),
    'PROGRAM': ('no', ('==', '!=', '=', '+=', ':=')), 'IMPORT': ('yes', ('==', '!=', '=', '+=', ':=')),
    'OPTIONS': ('no', _ASSIGN), 'OWNER': ('no', _ASSIGN), 'GROUP': ('no', _ASSIGN), 'MODE': ('no', _ASSIGN),
    'SECLABEL': ('yes', ('=', '+=', ':=')), 'RUN': ('optional', _ASSIGN), 'GOTO': ('no', ('=',)),
    'LABEL': ('no', ('=',)),
}
_SIMPLE_ESCAPES = {'a': u'\a', 'b': u'\b', 'f': u'\f', 'n': u'\n', 'r': u'\r', 't': u'\t', 'v': u'\v',
                   '\\': u'\\', '"': u'"', "'": u"'", 's': u' '}
_HEX = '0123456789abcdefABCDEF'


class _Invalid(Exception):
    """A rule line udev drops; the message says why."""


def _cunescape(text):
    """systemd's cunescape() for e"..." values: C escapes, \\xHH, \\ooo, \\uXXXX, \\UXXXXXXXX."""
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != '\\':
            out.append(char)
            i += 1
            continue
        code = text[i + 1:i + 2]
        if code in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[code])
            i += 2
            continue
        width, base, skip = {'x': (2, 16, 2), 'u': (4, 16, 2), 'U': (8, 16, 2)}.get(code, (3, 8, 1))
        digits = text[i + skip:i + skip + width]
        valid = _HEX if base == 16 else '01234567'
        if len(digits) != width or any(digit not in valid for digit in digits):
            raise _Invalid('an escape udev knows after \\ in an e"..." value')
        value = int(digits, base)
        try:
            if value == 0 or value > 0x10FFFF:
                raise ValueError(value)
            out.append(struct.pack('<I', value).decode('utf-32-le'))  # unichr() on Python 2 and 3
        except ValueError:  # NUL, past U+10FFFF, a surrogate: systemd refuses them too
            raise _Invalid('an escape udev knows after \\ in an e"..." value')
        i += skip + width
    return u''.join(out)


def _udev_value(line, i):
    """The value starting at ``line[i]`` ([e|i]"..."): (value, position after the quote)."""
    escaped = insensitive = False
    while i < len(line) and line[i] != '"' and (escaped + insensitive) < 2:
        if line[i] == 'e' and not escaped:
            escaped = True
        elif line[i] == 'i' and not insensitive:
            insensitive = True
        else:
            raise _Invalid('a double-quoted value')
        i += 1
    if line[i:i + 1] != '"':
        raise _Invalid('a double-quoted value')
    i += 1
    out = []
    while True:
        if i >= len(line):
            raise _Invalid('the closing double quote of a value')
        char = line[i]
        if char == '"':
            break
        if char == '\\' and (escaped or line[i + 1:i + 2] == '"'):
            if escaped:
                out.append(char)
            i += 1
            if i >= len(line):
                raise _Invalid('the closing double quote of a value')
            char = line[i]
        out.append(char)
        i += 1
    value = u''.join(out)
    return (_cunescape(value) if escaped else value), i + 1


def udev_tokens(line):
    """[(key, attr, operator, value)] of one udev rule line; _Invalid when udev drops it."""
    tokens = []
    i = 0
    size = len(line)
    while True:
        while i < size and line[i] in _WS + ',':
            i += 1
        if i >= size:
            return tokens
        start = i
        while True:
            if i >= size:
                raise _Invalid('KEY=="value" pairs, found %r without an operator (after an unbalanced quote?)'
                               % line[start:i][:40])
            if line[i] in _WS + '={' or (line[i] in '+-!:' and line[i + 1:i + 2] == '='):
                break
            i += 1
        key = line[start:i]
        attr = None
        if line[i] == '{':
            close = line.find('}', i + 1)
            if close < 0:
                raise _Invalid("the '}' closing %s{" % key[:40])
            attr = line[i + 1:close]
            i = close + 1
        while i < size and line[i] in _WS:
            i += 1
        operator = None
        for candidate in _OPERATORS:
            if line.startswith(candidate, i):
                operator = candidate
                break
        if operator is None:
            raise _Invalid('an operator (==, !=, =, +=, -=, :=) after %s' % key[:40])
        i += len(operator)
        while i < size and line[i] in _WS:
            i += 1
        value, i = _udev_value(line, i)
        _check_token(key, attr, operator, value)
        tokens.append((key, attr, operator, value))


def _check_token(key, attr, operator, value):
    if key not in _UDEV_KEYS:
        raise _Invalid('a key udev knows, not %r' % key[:40])
    takes_attr, operators = _UDEV_KEYS[key]
    if (takes_attr == 'no' and attr is not None) or (takes_attr == 'yes' and not attr):
        raise _Invalid('%s %s an {attribute}' % (key, 'with' if takes_attr == 'yes' else 'without'))
    if operator not in operators:
        raise _Invalid('an operator %s takes (%s), not %s' % (key, ' '.join(operators), operator))
    if key == 'NAME' and operator not in _MATCH_OPS and value in ('', '%k'):
        raise _Invalid('a NAME= udev applies (it ignores NAME="%s")' % value)


def udev_lines(data, path, warnings):
    """The rule lines of a rules file as udev joins them: [(line number, text)]. A file udev
    would not read at all (a line of UDEV_LINE_SIZE bytes or more) gives [] and a warning."""
    out = []
    continuation = None
    ignore = False
    number = 0
    try:
        for number, raw in read_line_split(data, UDEV_LINE_SIZE):
            line = raw.lstrip(b' \t\n\r')
            if line.startswith(b'#'):
                continue
            if continuation is not None and not ignore:
                if len(continuation) + len(line) >= UDEV_LINE_SIZE:
                    ignore = True
                continuation += line
                if not ignore:
                    line = continuation
            if line.endswith(b'\\'):
                if not ignore:
                    continuation = line[:-1]
                continue
            if ignore:
                warnings.append('%s line %d: a rule of %d bytes or more; udev ignores it ("Line is too long")'
                                % (path, number, UDEV_LINE_SIZE))
            elif line:
                out.append((number, line.decode('utf-8', 'replace')))
            continuation = None
            ignore = False
    except LineTooLong as exc:
        warnings.append('%s line %d: a line of %d bytes or more; udev cannot read it and ignores the whole file '
                        '("Failed to read rules file")' % (path, exc.lineno, UDEV_LINE_SIZE))
        return []
    if continuation is not None:
        warnings.append('%s line %d: the file ends after a line continued with \\; udev ignores that rule'
                        % (path, number))
    return out


def parse_udev_rules(text, path, warnings=None):
    """Net naming rules of a udev rules file: [{'file', 'line', 'method', 'name', 'mac', 'path'}].

    ``text`` is bytes or text. A pin is a rule that assigns NAME (=, := or +=, which udev takes
    as =); its MAC is an ATTR{address}== match, its path a KERNELS== or ENV{ID_PATH}== match.
    Lines udev drops are dropped here too; those that mention NAME are named in ``warnings``
    (a list, optional) with the file, the line and why - udev logs the same."""
    warnings = warnings if warnings is not None else []
    data = text if isinstance(text, bytes) else (text or u'').encode('utf-8')
    rules = []
    for number, line in udev_lines(data, path, warnings):
        if 'NAME' not in line:
            continue
        try:
            tokens = udev_tokens(line)
        except _Invalid as exc:
            warnings.append('%s line %d: expected %s; udev ignores this rule ("Invalid key/value pair")'
                            % (path, number, exc))
            continue
        name = mac = where = None
        final = False
        for key, attr, operator, value in tokens:
            if key == 'NAME' and operator not in _MATCH_OPS and not final:
                name = value
                final = operator == ':='
            elif key == 'ATTR' and attr == 'address' and operator == '==':
                mac = value.lower() or None
            elif (key == 'KERNELS' or (key == 'ENV' and attr == 'ID_PATH')) and operator == '==':
                where = value
        if name:
            rules.append({'file': path, 'line': number, 'method': 'udev', 'name': name, 'mac': mac, 'path': where})
    return rules


# --- systemd .link files (systemd.link(5); src/shared/conf-parser.c config_parse()) ----------
#
# Lines as read_line splits them; a line of 1 MiB or more, or a section header without its ']',
# makes the file fail to load ("Failed to parse file"): no pin from it. Lines starting with '#'
# or ';' are comments; a line ending in '\' continues on the next (the backslash becomes a
# space); a line that is not UTF-8 or has no '=' is skipped with a warning; Name= must be a
# valid interface name (ifname_valid(): 1-15 printable ASCII characters, no '/', ':', not '.',
# '..' or all digits) or the assignment is ignored; an empty Name= resets it.
def read_carrier(root, name):
    """/sys/class/net/NAME/carrier: True, False, or None when the kernel does not say (a link that is
    down answers EINVAL; a name that is not a link has no such file)."""
    try:
        text = _attribute(root, '/sys/class/net/%s/carrier' % name)
    except HostReadError:
        return None
    return {'1': True, '0': False}.get(text)


LINK_LINE_MAX = 1024 * 1024
IFNAMSIZ = 16


def ifname_valid(name):
    """Would the kernel (and systemd's ifname_valid) take ``name`` as an interface name?"""
    return (0 < len(name) < IFNAMSIZ and name not in ('.', '..') and not re.match(r'[0-9]+\Z', name)
            and all(32 < ord(char) < 127 and char not in '/:' for char in name))


def systemd_entries(text, path, warnings):
    """(section, key, value, line) of a systemd unit-style file (.link, .network) as
    config_parse() reads it, or None when systemd would not load the file (a warning says why)."""
    data = text if isinstance(text, bytes) else (text or u'').encode('utf-8')
    section = None
    entries = []
    continuation = b''
    try:
        for number, raw in read_line_split(data, LINK_LINE_MAX):
            line = raw.strip(b' \t\n\r')
            if line[:1] in (b'#', b';'):
                continue
            line = continuation + line
            if line.endswith(b'\\'):
                continuation = line[:-1] + b' '
                continue
            continuation = b''
            if not line:
                continue
            try:
                line = line.decode('utf-8')
            except UnicodeDecodeError:
                warnings.append('%s line %d: not UTF-8; systemd skips the line' % (path, number))
                continue
            if line.startswith('['):
                if not line.endswith(']'):
                    warnings.append("%s line %d: expected a section header ending in ']'; systemd does not load "
                                    "the file" % (path, number))
                    return None
                section = line[1:-1]
                continue
            if '=' not in line:
                warnings.append("%s line %d: expected KEY=value; systemd skips the line" % (path, number))
                continue
            key, value = [part.strip(' \t\n\r') for part in line.split('=', 1)]
            entries.append((section, key, value, number))
    except LineTooLong as exc:
        warnings.append('%s line %d: a line of %d bytes or more; systemd does not load the file'
                        % (path, exc.lineno, LINK_LINE_MAX))
        return None
    return entries


def parse_link_file(text, path, warnings=None):
    """A systemd .link file: [Match] MACAddress= (or PermanentMACAddress=, as netplan writes
    them)/Path=, [Link] Name= -> [pin] (or [])."""
    warnings = warnings if warnings is not None else []
    entries = systemd_entries(text, path, warnings)
    match = {}
    name = None
    for section, key, value, number in entries or []:
        if section == 'Match':
            match[key] = value
        elif section == 'Link' and key == 'Name':
            if value and not ifname_valid(value):
                warnings.append('%s line %d: Name=%r is not a valid interface name; systemd ignores it'
                                % (path, number, value[:40]))
                continue
            name = value or None
    if not name:
        return []
    mac = match.get('MACAddress') or match.get('PermanentMACAddress') or ''
    return [{'file': path, 'line': None, 'method': 'link', 'name': name,
             'mac': mac.lower() or None, 'path': match.get('Path')}]


def _rule_files(root, directory, suffix, warnings):
    """(host path, bytes) of each file named *suffix in ``directory``, one at a time, regular
    files only: udev and systemd skip directories, FIFOs, devices, broken links and loops (a symlink to /dev/null
    masks a file); the ones that are not /dev/null or absent are named in ``warnings``."""
    for name in _names(root, directory, suffix):
        path = directory + '/' + name
        entry = inspect_path(root, path)
        if entry is None or entry['kind'] == 'missing' or entry['target'] == '/dev/null':
            continue
        if entry['kind'] != 'file':
            warnings.append('%s is %s; it is not read' % (display_path(path), {
                'dir': 'a directory', 'loop': 'a symlink loop'}.get(entry['kind'], 'not a regular file (a FIFO, socket or device)')))
            continue
        data = read_regular(root, path)
        if data is not None:
            yield display_path(path), data


def read_pins(root='/', warnings=None):
    """Every pinning rule on the host: udev rules (70-persistent-net.rules and friends) and .link
    files. netplan's generated .link files (/run/systemd/network/10-netplan-*) are left to the
    pins read from its YAML (``netplan_pins``): the file to change is the YAML, not its output."""
    warnings = warnings if warnings is not None else []
    pins = []
    for path, data in _rule_files(root, '/etc/udev/rules.d', '.rules', warnings):
        pins += parse_udev_rules(data, path, warnings)
    for directory in ('/etc/systemd/network', '/run/systemd/network'):
        for path, data in _rule_files(root, directory, '.link', warnings):
            if not path.startswith(NETPLAN_GENERATED[0]):
                pins += parse_link_file(data, path, warnings)
    return pins


def conflicts(pins):
    """Two rules for one MAC with different names, one name claimed twice, names in the ethN namespace."""
    out = []
    by_mac = {}
    by_name = {}
    for pin in pins:
        if pin['mac']:
            by_mac.setdefault(pin['mac'], set()).add(pin['name'])
        by_name.setdefault(pin['name'], []).append(pin)
    for mac, names in sorted(by_mac.items()):
        if len(names) > 1:
            out.append({'kind': 'mac_pinned_twice', 'mac': mac, 'names': sorted(names)})
    for name, claims in sorted(by_name.items()):
        targets = set((c['mac'], c['path']) for c in claims)
        if len(targets) > 1:
            out.append({'kind': 'name_claimed_twice', 'name': name,
                        'files': sorted(set(c['file'] for c in claims))})
        if KERNEL_NAME.match(name) and name.startswith('eth'):
            out.append({'kind': 'name_in_kernel_namespace', 'name': name,
                        'files': sorted(set(c['file'] for c in claims))})
    return out


# --- a YAML subset, as netplan files are written (issue 16) ----------------------------------
#
# netplan reads its files with libyaml; nothing here may need a YAML library on the managed
# host, so the subset netplan files are written in is read by this small reader: block mappings
# and sequences (a sequence may sit at its key's indentation), flow sequences and mappings
# ([a, b], {key: value}, also across lines), plain and quoted scalars on one line, comments, one
# document ('---' before it, '...' after it). It refuses - YamlError naming the file and line -
# what it does not read: anchors, aliases, tags, block scalars (| and >), complex keys (?),
# scalars continued on the next line, a key given twice, tabs outside quoted scalars and
# comments, control characters. A refused file is reported unparsed, never guessed at. Scalars
# stay text (netplan types them itself: 52:54:00:12:34:56 is no base-60 number to it); an empty
# value is None. Time and memory are linear in the file, nesting is capped.
YAML_DEPTH = 64
YAML_KEY_CHARS = 1024  # libyaml's limit for an implicit (simple) key
NETPLAN_BYTES = 1024 * 1024  # real netplan files are a few kB
# C0 controls but TAB LF CR, DEL, C1 controls (NEL too: a line break in YAML 1.1 this reader does
# not split at), LS, PS, surrogates, U+FFFE/U+FFFF: libyaml refuses them or breaks lines at them.
# (Escapes the regular expression reads for the C0/C1 range; the characters themselves past
# U+2027, which Python 2's re module cannot take as \\u escapes.)
_YAML_BAD_CHAR = re.compile(u'[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]')
_YAML_LINE_BREAK = re.compile(u'\r\n|\r|\n')
_YAML_COMMENT = re.compile(u' #')
_YAML_KEY_END = re.compile(u':(?= |$)')
_YAML_FLOW_PLAIN_END = re.compile(u'[,\\[\\]{}]|:(?=[ ,\\[\\]{}]|$)| #')
_YAML_DQ_SPECIAL = re.compile(u'["\\\\]')
_YAML_ESCAPES = {u'0': u'\x00', u'a': u'\x07', u'b': u'\x08', u't': u'\t', u'\t': u'\t', u'n': u'\n', u'v': u'\x0b',
                 u'f': u'\x0c', u'r': u'\r', u'e': u'\x1b', u' ': u' ', u'"': u'"', u'/': u'/', u'\\': u'\\',
                 u'N': u'\x85', u'_': u'\xa0', u'L': u'\u2028', u'P': u'\u2029'}
_YAML_UNSUPPORTED = {u'&': 'anchors (&)', u'*': 'aliases (*)', u'!': 'tags (!)', u'|': 'block scalars (|)',
                     u'>': 'block scalars (>)'}


_YAML_NULLS = (u'~', u'null', u'Null', u'NULL')  # plain scalars YAML reads as null (the reader keeps them as text)


class YamlError(HostReadError):
    """Text the netplan YAML reader does not take; ``lineno`` is the line it names."""

    def __init__(self, message, lineno):
        HostReadError.__init__(self, message)
        self.lineno = lineno


class YamlMap(dict):
    """A YAML mapping: a dict that also knows each key's line (``lines``) and the keys' order (``order``)."""

    def __init__(self):
        dict.__init__(self)
        self.lines = {}
        self.order = []

    def put(self, key, value, lineno, error):
        if key in self:
            raise error(lineno, 'each key once in a mapping (%r is given twice; this reader does not guess which '
                        'counts)' % (key[:80],), key)
        self[key] = value
        self.lines[key] = lineno
        self.order.append(key)


def _yaml_rest_ok(rest):
    """Nothing after a value but spaces and a comment (a '#' after a space)."""
    stripped = rest.lstrip(u' ')
    return not stripped or (stripped[0] == u'#' and len(stripped) < len(rest))


def _is_entry(text):
    return text[:1] == u'-' and (len(text) == 1 or text[1] in u' \t')


def _unichr(value):
    return struct.pack('<I', value).decode('utf-32-le')  # unichr() on Python 2 and 3


class _YamlReader(object):
    """One netplan file: ``parse()`` returns its document (YamlMap, list, text or None)."""

    def __init__(self, data, path):
        self.path = path
        self.pos = 0
        self.flow_line = self.flow_col = self.flow_min = 0
        if not isinstance(data, bytes):
            try:
                data = (data or u'').encode('utf-8')
            except UnicodeEncodeError as exc:  # a lone surrogate in text passed by a caller
                raise self.error(1, 'UTF-8 text', exc.object[exc.start:exc.end])
        try:
            text = data.decode('utf-8')
        except UnicodeDecodeError as exc:
            raise self.error(data[:exc.start].count(b'\n') + 1, 'UTF-8 text', data[exc.start:exc.start + 8])
        if text.startswith(u'\ufeff'):
            text = text[1:]
        bad = _YAML_BAD_CHAR.search(text)
        if bad:
            raise self.error(len(_YAML_LINE_BREAK.findall(text, 0, bad.start())) + 1,
                             'printable characters (libyaml refuses control characters)', bad.group())
        self.lines = []
        started = ended = False
        for number, line in enumerate(_YAML_LINE_BREAK.split(text), 1):
            content = line.lstrip(u' ')
            body = content.rstrip(u' \t')
            if not body.lstrip(u'\t') or body.lstrip(u'\t')[0] == u'#':
                continue  # blank or a comment
            indent = len(line) - len(content)
            if content[0] == u'\t':
                raise self.error(number, 'indentation by spaces (YAML forbids tabs there)', line)
            if indent == 0 and body[:3] in (u'---', u'...') and (len(body) == 3 or body[3] in u' \t'):
                if body[:3] == u'...':
                    ended = True
                elif started or not _yaml_rest_ok(body[3:]):
                    raise self.error(number, 'one YAML document, nothing after "---" on its line (netplan reads '
                                     'the first document only)', body)
                started = True
                continue
            if indent == 0 and body[0] == u'%':
                raise self.error(number, 'no directive (%YAML, %TAG are not read here)', body)
            if ended:
                raise self.error(number, 'nothing after the end of the document ("...")', body)
            started = True
            self.lines.append([number, indent, body])

    def error(self, lineno, expected, found):
        return YamlError('%s' % (malformed(self.path, lineno, expected, found),), lineno)

    def current(self):
        return self.lines[self.pos] if self.pos < len(self.lines) else None

    def parse(self):
        if not self.lines:
            return None
        value = self.node(0, 1)
        if self.pos < len(self.lines):
            line = self.lines[self.pos]
            raise self.error(line[0], 'the end of the document (a line indented less than the first one?)', line[2])
        return value

    def node(self, min_indent, depth):
        line = self.current()
        if line is None or line[1] < min_indent:
            return None
        if depth > YAML_DEPTH:
            raise self.error(line[0], 'at most %d levels of nesting' % YAML_DEPTH, line[2])
        if _is_entry(line[2]):
            return self.sequence(line[1], depth)
        if self.key(line) is not None:
            return self.mapping(line[1], depth)
        value = self.value(line, 0, depth, min_indent)
        following = self.current()
        if following is not None and following[1] >= min_indent:
            raise self.error(following[0], 'a line indented less (a scalar continued on the next line is not read '
                             'here)', following[2])
        return value

    def mapping(self, indent, depth):
        result = YamlMap()
        while True:
            line = self.current()
            if line is None or line[1] < indent:
                return result
            number, text = line[0], line[2]
            split = None if line[1] > indent or _is_entry(text) else self.key(line)
            if split is None:
                raise self.error(number, 'KEY: value at the indentation of the mapping (%d spaces)' % indent, text)
            key, col = split
            if _yaml_rest_ok(text[col:]):
                self.pos += 1
                following = self.current()
                if following is not None and following[1] > indent:
                    value = self.node(indent + 1, depth + 1)
                elif following is not None and following[1] == indent and _is_entry(following[2]):
                    value = self.sequence(indent, depth + 1)
                else:
                    value = None
            else:
                value = self.value(line, col, depth + 1, indent + 1)
                following = self.current()
                if following is not None and following[1] > indent:
                    raise self.error(following[0], 'KEY: value at the indentation of the mapping (%d spaces; a value '
                                     'continued on the next line is not read here)' % indent, following[2])
            result.put(key, value, number, self.error)

    def sequence(self, indent, depth):
        result = []
        while True:
            line = self.current()
            if line is None or line[1] < indent or (line[1] == indent and not _is_entry(line[2])):
                return result  # a key after a sequence at its key's indentation: the mapping goes on
            number, text = line[0], line[2]
            if line[1] > indent:
                raise self.error(number, 'an entry ("- ") at the indentation of the sequence (%d spaces)' % indent, text)
            rest = text[1:]
            body = rest.lstrip(u' ')
            if body[:1] == u'\t':
                raise self.error(number, 'a space after "-", not a tab', text)
            if _yaml_rest_ok(rest):
                self.pos += 1
                following = self.current()
                result.append(self.node(indent + 1, depth + 1) if following is not None and following[1] > indent
                              else None)
            else:
                # the entry's content is read as a line of its own, indented where it starts
                self.lines[self.pos] = [number, indent + len(text) - len(body), body]
                result.append(self.node(indent + 1, depth + 1))

    def key(self, line):
        """(key, index after its ':') when the line starts with KEY:, else None."""
        number, text = line[0], line[2]
        first = text[0]
        if first in u'"\'':
            value, end = self.quoted(text, 0, number)
            rest = text[end:].lstrip(u' ')
            if rest[:1] == u':' and (len(rest) == 1 or rest[1] == u' '):
                return value, len(text) - len(rest) + 1
            return None
        if first in u'[{' or _is_entry(text):
            return None
        comment = _YAML_COMMENT.search(text)
        colon = _YAML_KEY_END.search(text, 0, comment.start() if comment else len(text))
        if colon is None:
            return None
        key = text[:colon.start()].rstrip(u' ')
        self.plain_start(key, number)
        if u'\t' in key:
            raise self.error(number, 'spaces, not tabs, outside quoted scalars', key)
        if len(key) > YAML_KEY_CHARS:
            raise self.error(number, 'a key of at most %d characters' % YAML_KEY_CHARS, key)
        return key, colon.end()

    def plain_start(self, text, number):
        """Refuse what cannot start a plain scalar, naming what this reader does not read."""
        first = text[:1]
        if first in _YAML_UNSUPPORTED:
            raise self.error(number, 'no %s: not read here' % _YAML_UNSUPPORTED[first], text)
        if not first or first in u'%@`,[]{}#\t' or (first in u'-?:' and text[1:2] in (u'', u' ')):
            raise self.error(number, 'a value', text or 'nothing')

    def value(self, line, col, depth, min_indent):
        """The value starting at ``line[2][col:]`` (after blanks); the lines it takes are consumed."""
        number, text = line[0], line[2]
        start = len(text) - len(text[col:].lstrip(u' '))
        first = text[start]
        if first in u'[{':
            value = self.flow(start, depth, min_indent)
            index, end = self.flow_line, self.flow_col
            rest = self.lines[index][2][end:]
            if not _yaml_rest_ok(rest):
                raise self.error(self.lines[index][0], 'the end of the line after a flow collection', rest)
            self.pos = index + 1
            return value
        if first in u'"\'':
            value, end = self.quoted(text, start, number)
            if not _yaml_rest_ok(text[end:]):
                raise self.error(number, 'the end of the line after a quoted scalar', text[end:])
            self.pos += 1
            return value
        comment = _YAML_COMMENT.search(text, start)
        value = text[start:comment.start() if comment else len(text)].rstrip(u' ')
        self.plain_start(value, number)
        if _YAML_KEY_END.search(value):
            raise self.error(number, 'one KEY: value on a line (a value holding ": " must be quoted)', value)
        if u'\t' in value:
            raise self.error(number, 'spaces, not tabs, outside quoted scalars', value)
        self.pos += 1
        return value

    def quoted(self, text, start, number):
        """A quoted scalar starting at ``text[start]``: (value, index after its closing quote)."""
        quote = text[start]
        out = []
        i = start + 1
        while True:
            if quote == u"'":
                end = text.find(u"'", i)
            else:
                found = _YAML_DQ_SPECIAL.search(text, i)
                end = found.start() if found else -1
            if end < 0:
                raise self.error(number, 'the closing %s on the same line (quoted scalars continued on the next line '
                                 'are not read here)' % quote, text[start:])
            out.append(text[i:end])
            if quote == u"'":
                if text[end + 1:end + 2] != u"'":
                    return u''.join(out), end + 1
                out.append(u"'")
                i = end + 2
                continue
            if text[end] == u'"':
                return u''.join(out), end + 1
            code = text[end + 1:end + 2]
            if code in _YAML_ESCAPES:
                out.append(_YAML_ESCAPES[code])
                i = end + 2
                continue
            width = {u'x': 2, u'u': 4, u'U': 8}.get(code, 0)
            digits = text[end + 2:end + 2 + width]
            if not width or len(digits) != width or any(digit not in _HEX for digit in digits):
                raise self.error(number, 'an escape YAML knows after \\ (a line continued with \\ is not read here)',
                                 text[end:end + 12])
            value = int(digits, 16)
            if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                raise self.error(number, 'a Unicode code point after \\%s' % code, text[end:end + 12])
            out.append(_unichr(value))
            i = end + 2 + width

    # flow collections: a cursor (flow_line, flow_col) that may cross lines
    def flow(self, col, depth, min_indent):
        self.flow_line, self.flow_col, self.flow_min = self.pos, col, min_indent
        return self.flow_node(depth)

    def flow_text(self):
        return self.lines[self.flow_line][2]

    def flow_peek(self):
        """The next character of a flow collection: '' at the end of the text."""
        text = self.flow_text()
        return text[self.flow_col] if self.flow_col < len(text) else u''

    def flow_skip(self):
        """Skip spaces, line ends and comments inside a flow collection."""
        while True:
            text = self.flow_text()
            while self.flow_col < len(text) and text[self.flow_col] == u' ':
                self.flow_col += 1
            if text[self.flow_col:self.flow_col + 1] == u'#' and (self.flow_col == 0 or text[self.flow_col - 1] == u' '):
                self.flow_col = len(text)
            if self.flow_col < len(text) or self.flow_line + 1 >= len(self.lines):
                return
            following = self.lines[self.flow_line + 1]
            if following[1] < self.flow_min:
                raise self.error(following[0], 'the flow collection to go on indented more than its key', following[2])
            self.flow_line += 1
            self.flow_col = 0

    def flow_error(self, expected):
        text = self.flow_text()[self.flow_col:]
        return self.error(self.lines[self.flow_line][0], expected, text or 'the end of the file')

    def flow_node(self, depth):
        if depth > YAML_DEPTH:
            raise self.flow_error('at most %d levels of nesting' % YAML_DEPTH)
        self.flow_skip()
        char = self.flow_peek()
        if char in (u'[', u'{'):
            return self.flow_collection(char, depth)
        if char in (u'"', u"'"):
            value, self.flow_col = self.quoted(self.flow_text(), self.flow_col, self.lines[self.flow_line][0])
            return value
        text = self.flow_text()
        end = _YAML_FLOW_PLAIN_END.search(text, self.flow_col)
        end = end.start() if end else len(text)
        value = text[self.flow_col:end].rstrip(u' ')
        self.plain_start(value, self.lines[self.flow_line][0])
        if u'\t' in value:
            raise self.flow_error('spaces, not tabs, outside quoted scalars')
        self.flow_col = end
        return value

    def flow_collection(self, opening, depth):
        closing = u']' if opening == u'[' else u'}'
        self.flow_col += 1
        result = [] if opening == u'[' else YamlMap()
        while True:
            self.flow_skip()
            if self.flow_peek() == closing:
                self.flow_col += 1
                return result
            number = self.lines[self.flow_line][0]
            if opening == u'{' and self.flow_peek() in (u'[', u'{'):
                raise self.flow_error('a scalar key in a flow mapping')
            item = self.flow_node(depth + 1)
            self.flow_skip()
            if self.flow_peek() == u':':
                if opening == u'[':
                    raise self.flow_error('values in a flow sequence (KEY: value inside [ ] is not read here)')
                self.flow_col += 1
                self.flow_skip()
                value = None if self.flow_peek() in (u',', u'}') else self.flow_node(depth + 1)
                self.flow_skip()
                result.put(item, value, number, self.error)
            elif opening == u'{':
                result.put(item, None, number, self.error)
            else:
                result.append(item)
            char = self.flow_peek()
            if char == u',':
                self.flow_col += 1
            elif char != closing:
                raise self.flow_error('"," or "%s" in a flow collection' % closing)


def parse_yaml(data, path):
    """The document of a netplan file (bytes): YamlMap, list, text or None (empty).
    YamlError (a HostReadError) naming the file and line for what the subset does not take."""
    return _YamlReader(data, path).parse()


# --- which system configures each interface (issue 16) -------------------------------------
#
# Five systems can configure an interface; each is read as it reads itself:
# - ifupdown: /etc/network/interfaces and what it includes (``source`` globs relative to the
#   including file, ``source-directory`` names of [A-Za-z0-9_-] only; ifupdown 0.8 config.c),
#   ``iface NAME``, ``auto`` and ``allow-*`` lines; state in /run/network/ifstate(.NAME).
# - ifcfg: /etc/sysconfig/network-scripts/ifcfg-* (not *.bak, ~, .orig, .rej, .rpmnew, .rpmsave,
#   .augnew, .augtmp, ;XXXXXXXX; NetworkManager 1.42 nms-ifcfg-rh-utils.c), DEVICE= and HWADDR=;
#   NetworkManager reads them with its ifcfg-rh plugin, initscripts when NM_CONTROLLED=no.
# - netplan: *.yaml in /lib, /etc and /run/netplan, one of each name (/run over /etc over /lib),
#   all in the lexical order of their names, later files adding to earlier ones (netplan-generate(8)).
# - NetworkManager keyfiles: /etc/NetworkManager/system-connections (any name), /run and /usr/lib
#   (*.nmconnection only); hidden files, names ending in '~', mkstemp's .XXXXXX and .pem/.der are
#   ignored, and so are files others may read or write (nm-keyfile.c, nms-keyfile-utils.c).
# - systemd-networkd: *.network in /etc, /run, /usr/local/lib, /usr/lib, /lib systemd/network, one
#   of each name (the first of those directories wins; empty or /dev/null masks), sorted by name;
#   the first file whose [Match] fits an interface configures it (systemd.network(5)).
# netplan's output (/run/systemd/network/10-netplan-*, /run/NetworkManager/system-connections/
# netplan-*) belongs to netplan: its YAML is the configuration.
CONFIG_SYSTEMS = ('ifupdown', 'ifcfg', 'netplan', 'networkmanager', 'networkd')
CONFIG_BYTES = 1024 * 1024  # every configuration file below is read whole, up to this
STATE_BYTES = 64 * 1024     # runtime state files (a few hundred bytes)
IFUPDOWN_DEPTH = 8          # nested source/source-directory levels followed
IFUPDOWN_FILES = 1000
NETPLAN_DIRS = ('/lib/netplan', '/etc/netplan', '/run/netplan')  # netplan's glob order; /run wins a name
NETPLAN_TYPES = ('ethernets', 'wifis', 'modems', 'bonds', 'bridges', 'vlans', 'tunnels', 'vrfs', 'dummy-devices',
                 'virtual-ethernets', 'nm-devices')
NETPLAN_PHYSICAL = ('ethernets', 'wifis')
_TEXT = (type(u''), str)  # a scalar the YAML reader returns: unicode on Python 2, str on 3
NETPLAN_GENERATED = ('/run/systemd/network/10-netplan-', '/run/NetworkManager/system-connections/netplan-')
NETWORKD_DIRS = ('/etc/systemd/network', '/run/systemd/network', '/usr/local/lib/systemd/network',
                 '/usr/lib/systemd/network', '/lib/systemd/network')
NM_KEYFILE_DIRS = (('/run/NetworkManager/system-connections', True), ('/etc/NetworkManager/system-connections', False),
                   ('/usr/lib/NetworkManager/system-connections', True))  # NM's storage priority, and whether .nmconnection is needed
NM_CONF = '/etc/NetworkManager/NetworkManager.conf'
NM_CONF_DIRS = ('/usr/lib/NetworkManager/conf.d', '/run/NetworkManager/conf.d', '/etc/NetworkManager/conf.d')
IFCFG_DIR = '/etc/sysconfig/network-scripts'
IFCFG_IGNORED = ('.bak', '~', '.orig', '.rej', '.rpmnew', '.rpmsave', '.augnew', '.augtmp')
# networkd's link states (networkd-link.c link_state_table): these three mean it took the link
NETWORKD_TAKEN = ('configuring', 'configured', 'failed')
NETWORKD_STATES = ('pending', 'initialized', 'unmanaged', 'linger') + NETWORKD_TAKEN
# nm-uuid.c: nm_uuid_ns_1, the namespace of the UUIDs NetworkManager derives for a keyfile without one
_NM_UUID_NS_1 = b'\xb4\x25\xe9\xfb\x75\x98\x44\xb4\x9e\x3b\x5a\x2e\x3a\xaa\x49\x05'
_MKSTEMP = re.compile(r'\.[a-zA-Z0-9]{6}\Z')
_RPM_TEMP = re.compile(r';[0-9a-fA-F]{8}\Z')
_NM_BOOL = {'true': True, 'yes': True, 'on': True, '1': True, 'false': False, 'no': False, 'off': False, '0': False}
_SHELL_ASSIGNMENT = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=(.*)\Z')
_UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z')
_IFUPDOWN_DIR_NAME = re.compile(r'[a-zA-Z0-9_-]+\Z')
_GLOB_CHARS = re.compile(r'[*?\[]')


def _uuid(digest, version=None):
    """16 bytes as a UUID string; ``version`` sets the version and variant bits (RFC 4122)."""
    data = bytearray(digest[:16])
    if version is not None:
        data[6] = (data[6] & 0x0F) | (version << 4)
        data[8] = (data[8] & 0x3F) | 0x80
    text = ''.join('%02x' % byte for byte in data)
    return '-'.join((text[:8], text[8:12], text[12:16], text[16:20], text[20:]))


def nm_keyfile_uuid(path):
    """The UUID NetworkManager gives a keyfile without uuid=: a version 3 UUID of "keyfile" and
    the file's path in nm_uuid_ns_1 (nm_keyfile_read_ensure_uuid, nm_uuid_generate_from_strings_old)."""
    return _uuid(hashlib.md5(_NM_UUID_NS_1 + b'keyfile\0' + _to_bytes(path) + b'\0').digest(), 3)


def nm_ifcfg_uuid(path):
    """The UUID NetworkManager gives an ifcfg file without UUID=: the MD5 of its path as it is
    (NM_UUID_TYPE_LEGACY, nms-ifcfg-rh-reader.c make_connection_setting)."""
    return _uuid(hashlib.md5(_to_bytes(path)).digest())


def _to_bytes(text):
    return text if isinstance(text, bytes) else text.encode('utf-8')


def normalize_mac(value):
    """A MAC as systemd and NetworkManager write it (aa:bb:.., aa-bb-.., aabb.ccdd.eeff, or a
    keyfile's legacy list of byte values 0;83;0;...) in lower-case colon form; None if it is none."""
    text = (value or '').strip().lower()
    if ';' in text:
        parts = [part for part in text.split(';') if part != '']
        if len(parts) == 6 and all(re.match(r'[0-9]{1,3}\Z', part) and int(part) < 256 for part in parts):
            return ':'.join('%02x' % int(part) for part in parts)
        return None
    if re.match(r'[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}\Z', text):
        return text.replace('-', ':')
    dotted = re.match(r'([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})\Z', text)
    if dotted:
        digits = ''.join(dotted.groups())
        return ':'.join(digits[i:i + 2] for i in range(0, 12, 2))
    return None


def _listing(root, directory, accept, seen=None):
    """(host path, native name) of the entries of a directory whose names ``accept`` takes, sorted;
    the directory's symlinks are followed inside ``root``; ``seen`` (a set of resolved directories)
    skips one read already (/lib is /usr/lib on merged-/usr hosts)."""
    where = inspect_path(root, directory)
    if where is None or where['kind'] != 'dir':
        return []
    if seen is not None:
        if where['target'] in seen:
            return []
        seen.add(where['target'])
    return [(directory + '/' + to_native(name), to_native(name)) for name in list_dir(root, where['target'], accept)]


def _regular(root, path, warnings, limit=CONFIG_BYTES):
    """The bytes of a configuration file; None (and a warning unless it is absent or masked by a
    link to /dev/null) when it is not a regular file."""
    entry = inspect_path(root, path)
    if entry is None or entry['kind'] == 'missing' or entry['target'] == '/dev/null':
        return None
    if entry['kind'] != 'file':
        warnings.append('%s is %s; it is not read' % (display_path(path), {
            'dir': 'a directory', 'loop': 'a symlink loop'}.get(entry['kind'], 'not a regular file (a FIFO, socket or device)')))
        return None
    return read_regular(root, path, limit)


def _text_lines(data):
    """(line number, text) of a file split at '\\n' (a '\\r' before it dropped), undecodable bytes replaced."""
    for number, line in enumerate(data.split(b'\n'), 1):
        yield number, line.rstrip(b'\r').decode('utf-8', 'replace')


# --- netplan ---

def _netplan_files(root, warnings):
    """The netplan files netplan reads, in its order: [(host path, bytes or None)]."""
    chosen = {}
    for directory in NETPLAN_DIRS:
        for path, name in _listing(root, directory, lambda name: name.endswith(b'.yaml')):
            chosen[name] = path  # later directories win a name
    out = []
    for name in sorted(chosen, key=_to_bytes):
        path = chosen[name]
        entry = inspect_path(root, path)
        if entry is not None and entry['target'] == '/dev/null':
            continue  # masked
        out.append((display_path(path), _regular(root, path, warnings, NETPLAN_BYTES)))
    return out


def _netplan_structure(document, path):
    """The device definitions of one parsed file: (renderer or None, [(type, id, definition, line)]),
    or YamlError where netplan would refuse the structure (a mapping expected)."""
    def need_map(value, where, lineno):
        if value in _YAML_NULLS:
            value = None
        if value is not None and not isinstance(value, YamlMap):
            raise YamlError('%s line %d: expected a mapping under %s, found %r; netplan refuses it too'
                            % (path, lineno, where, ('%s' % (value,))[:80]), lineno)
        return value if value is not None else YamlMap()
    if document is None:
        return None, []
    document = need_map(document, 'the top of the file', 1)
    network = need_map(document.get('network'), 'network', document.lines.get('network', 1))
    renderer = network.get('renderer')
    definitions = []
    for kind in NETPLAN_TYPES:
        devices = need_map(network.get(kind), 'network.%s' % kind, network.lines.get(kind, 1))
        for ident in devices.order:
            line = devices.lines[ident]
            definition = need_map(devices[ident], '%s.%s' % (kind, ident), line)
            need_map(definition.get('match'), '%s.%s.match' % (kind, ident), definition.lines.get('match', line))
            definitions.append((kind, ident, definition, line))
    return (renderer if isinstance(renderer, _TEXT) else None), definitions


def read_netplan(root, warnings):
    """netplan's files as netplan merges them: {'files', 'unparsed', 'renderer', 'definitions', 'ids'}.

    ``definitions``: per (type, id), the merged ``match`` and ``set-name`` and every file that
    names the id (path, line); ``ids``: per file, every id it defines. A file the YAML subset
    does not read is named in a warning and listed in ``unparsed``."""
    out = {'files': [], 'unparsed': [], 'renderer': None, 'definitions': [], 'ids': {}}
    merged = {}
    for path, data in _netplan_files(root, warnings):
        out['files'].append(path)
        if data is None:
            continue
        try:
            renderer, definitions = _netplan_structure(parse_yaml(data, path), path)
        except YamlError as exc:
            warnings.append('%s; the file is not read here (listed in systems.netplan.unparsed)' % (exc,))
            out['unparsed'].append(path)
            continue
        if renderer:
            out['renderer'] = renderer
        out['ids'][path] = []
        for kind, ident, definition, line in definitions:
            out['ids'][path].append(ident)
            key = (kind, ident)
            if key not in merged:
                merged[key] = {'type': kind, 'id': ident, 'match': {}, 'set_name': None, 'files': []}
                out['definitions'].append(merged[key])
            item = merged[key]
            item['files'].append((path, line))
            match = definition.get('match') or {}
            for field in ('name', 'macaddress', 'driver'):
                if field in match:
                    item['match'][field] = match[field]
            if 'set-name' in definition:
                item['set_name'] = (definition['set-name'], path, definition.lines['set-name'])
    return out


def _globs(value):
    """A netplan match value as a list of globs (driver may be a list)."""
    items = value if isinstance(value, list) else [value]
    return ['%s' % (item,) for item in items if item is not None]


def _netplan_binding(definition, iface):
    """How a netplan definition names this interface: ('mac' | 'name', name it gives) or None."""
    match = definition['match']
    set_name = definition['set_name'][0] if definition['set_name'] else None
    set_name = set_name if isinstance(set_name, _TEXT) else None  # not a name (a list, a mapping): netplan refuses it
    mac = normalize_mac('%s' % (match.get('macaddress') or ''))
    if definition['type'] not in NETPLAN_PHYSICAL:
        return None
    if 'driver' in match and not any(fnmatch.fnmatchcase(iface['driver'] or '', glob) for glob in _globs(match['driver'])):
        return None
    if mac:
        return ('mac', set_name) if mac == iface['mac'] else None
    if 'macaddress' in match:
        return None  # not a MAC: netplan refuses the file
    # Without a MAC the device is the one of the name: match.name (or the id when there is no
    # match at all), or set-name once renamed. A match by driver alone names no interface.
    names = ([set_name] if set_name else []) + (_globs(match['name']) if 'name' in match else [] if match else [definition['id']])
    if not any(fnmatch.fnmatchcase(iface['name'], glob) for glob in names):
        return None
    given = set_name or ('%s' % (match['name'],) if 'name' in match else definition['id'])
    return 'name', None if _GLOB_CHARS.search(given) else given


def netplan_pins(netplan, warnings):
    """netplan ``set-name`` with a ``macaddress`` match: a naming pin (netplan writes a .link and a
    udev rule for it, whatever the renderer), {name, mac, file, line, method: 'netplan', path: None}."""
    pins = []
    for definition in netplan['definitions']:
        if definition['type'] not in NETPLAN_PHYSICAL or not definition['set_name']:
            continue
        name, path, line = definition['set_name']
        mac = normalize_mac('%s' % (definition['match'].get('macaddress') or ''))
        if not mac:
            continue
        if not isinstance(name, _TEXT) or not ifname_valid(name):
            warnings.append('%s line %d: set-name %r is not a valid interface name; netplan refuses it'
                            % (path, line, ('%s' % (name,))[:40]))
            continue
        pins.append({'file': path, 'line': line, 'method': 'netplan', 'name': name, 'mac': mac, 'path': None})
    return pins


# --- NetworkManager ---

def parse_keyfile(data, path, warnings):
    """A GKeyFile (NetworkManager's keyfiles, NetworkManager.conf, its device state) as GLib reads
    it: {group: {key: (value, line)}}, or None - with a warning - when GLib refuses the file (not
    UTF-8, a line that is no group, KEY=value or comment, a key before any group)."""
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        warnings.append('%s line %d: not UTF-8; NetworkManager does not load the file'
                        % (path, data[:exc.start].count(b'\n') + 1))
        return None
    groups = {}
    group = None
    for number, line in enumerate(text.split(u'\n'), 1):
        line = line.rstrip(u'\r').lstrip(u' \t')
        if not line or line.startswith(u'#'):
            continue
        if line.startswith(u'['):
            if not line.rstrip(u' \t').endswith(u']'):
                warnings.append("%s line %d: expected a group header ending in ']'; NetworkManager does not load the file"
                                % (path, number))
                return None
            group = groups.setdefault(line.rstrip(u' \t')[1:-1], {})
            continue
        if u'=' not in line or group is None:
            warnings.append('%s line %d: expected %s; NetworkManager does not load the file'
                            % (path, number, 'a [group] before it' if group is None and u'=' in line else 'KEY=value'))
            return None
        key, value = line.split(u'=', 1)
        value = value.lstrip(u' \t')
        group[key.rstrip(u' \t')] = (re.sub(u'\\\\([sntr\\\\])', lambda found: {u's': u' ', u'n': u'\n', u't': u'\t', u'r': u'\r'}.get(
            found.group(1), u'\\'), value), number)
    return groups


def _nm_ignored(name, need_suffix):
    """NetworkManager's nm_keyfile_utils_ignore_filename()."""
    if not name or name.startswith('.'):
        return True
    if need_suffix:
        return not (name.endswith('.nmconnection') and len(name) > len('.nmconnection'))
    lower = name.lower()
    return (name.endswith('~') or bool(_MKSTEMP.search(name)) or
            (lower.endswith('.pem') and len(name) > 4) or (lower.endswith('.der') and len(name) > 4))


def _insecure(root, path):
    """The mode of a keyfile when group or others may read or write it (NetworkManager ignores
    those: nms_keyfile_utils_check_file_permissions_stat), else None."""
    entry = inspect_path(root, path)
    try:
        mode = os.stat(host_path(root, entry['target'])).st_mode
    except (OSError, TypeError):
        return None
    return mode & 0o777 if mode & 0o077 else None


def read_keyfiles(root, warnings):
    """NetworkManager's keyfile profiles in its order of priority (/run, /etc, /usr/lib):
    [{path, uuid, id, interface_name, mac, lines: {key: line}, system}]; netplan's are system netplan."""
    profiles = []
    seen = set()
    for directory, need_suffix in NM_KEYFILE_DIRS:
        def accept(raw, need_suffix=need_suffix):
            return not _nm_ignored(to_native(raw), need_suffix)
        for path, _name in _listing(root, directory, accept, seen):
            data = _regular(root, path, warnings)
            if data is None:
                continue
            path = display_path(path)
            mode = _insecure(root, path)
            if mode is not None:
                warnings.append('%s is mode %04o; NetworkManager ignores a keyfile group or others may read or write '
                                '(it wants 0600)' % (path, mode))
                continue
            groups = parse_keyfile(data, path, warnings)
            if groups is None:
                continue
            connection = groups.get('connection', {})
            ethernet = groups.get('ethernet') or groups.get('802-3-ethernet') or groups.get('wifi') or groups.get(
                '802-11-wireless') or {}
            mac_text, mac_line = ethernet.get('mac-address', (u'', None))
            mac = normalize_mac(mac_text) if mac_text else None
            if mac_text and mac is None:
                warnings.append('%s line %d: mac-address=%r is not a MAC address; NetworkManager refuses the profile'
                                % (path, mac_line, mac_text[:40]))
                continue
            uuid = connection.get('uuid', (u'', None))[0].strip().lower() or nm_keyfile_uuid(path)
            profiles.append({
                'path': path, 'uuid': uuid, 'id': connection.get('id', (u'', None))[0] or None,
                'interface_name': connection.get('interface-name', (u'', None))[0] or None, 'mac': mac,
                'lines': {'name': connection.get('interface-name', (None, None))[1], 'mac': mac_line},
                'system': 'netplan' if path.startswith(NETPLAN_GENERATED[1]) else 'networkmanager'})
    return profiles


def _nm_conf_files(root):
    """NetworkManager.conf and its conf.d files in NetworkManager's order (nm-config.c
    read_entire_config): /usr/lib conf.d, /run conf.d - each unless /etc (or /run) has the name -,
    NetworkManager.conf, /etc conf.d."""
    names = {}
    for directory in NM_CONF_DIRS:
        names[directory] = [name for _path, name in _listing(root, directory, lambda raw: raw.endswith(b'.conf'))]
    lib, run, etc = (names[directory] for directory in NM_CONF_DIRS)
    out = [NM_CONF_DIRS[0] + '/' + name for name in lib if name not in etc and name not in run]
    out += [NM_CONF_DIRS[1] + '/' + name for name in run if name not in etc]
    out.append(NM_CONF)
    out += [NM_CONF_DIRS[2] + '/' + name for name in etc]
    return out


def nm_plugins(root, warnings, platform=None):
    """NetworkManager's settings plugins: [main] plugins= (with += and -=) from its configuration,
    or when no file sets it the build's default - ifcfg-rh,keyfile on Enterprise Linux 8 and older,
    keyfile,ifcfg-rh on 9, keyfile elsewhere (NetworkManager.spec, commit c9898dc9) -; keyfile is
    always appended when absent (nm-settings.c load_plugins)."""
    plugins = None
    for path in _nm_conf_files(root):
        data = _regular(root, path, warnings)
        groups = parse_keyfile(data, display_path(path), warnings) if data is not None else None
        for key, (value, _line) in sorted(((groups or {}).get('main') or {}).items()):
            items = [item.strip() for item in value.split(u',') if item.strip()]
            if key == u'plugins':
                plugins = items
            elif key == u'plugins+':
                plugins = (plugins or []) + [item for item in items if item not in (plugins or [])]
            elif key == u'plugins-':
                plugins = [item for item in plugins or [] if item not in items]
    if plugins is None:
        major = _el_major(root, warnings) if platform is None else platform
        plugins = ['ifcfg-rh'] if major is not None and major <= 8 else ['keyfile', 'ifcfg-rh'] if major == 9 else []
    return plugins + ([] if 'keyfile' in plugins else ['keyfile'])


def _el_major(root, warnings):
    try:
        return el_major(read_platform(root))
    except HostReadError as exc:
        warnings.append('%s; NetworkManager\'s default plugins are taken as on a host that is not Enterprise Linux' % (exc,))
        return None


# --- ifcfg ---

def _ifcfg_value(text):
    """A shell value as NetworkManager's shvar.c and initscripts take it: 'single', "double" (with
    \\ escapes), or bare words (backslash escapes); what follows a closing quote is dropped."""
    text = text.strip()
    if text[:1] == "'":
        end = text.find("'", 1)
        return text[1:end] if end > 0 else text[1:]
    if text[:1] == '"':
        out = []
        i = 1
        while i < len(text) and text[i] != '"':
            if text[i] == '\\' and i + 1 < len(text) and text[i + 1] in '"\\$`':
                i += 1
            out.append(text[i])
            i += 1
        return ''.join(out)
    word = text.split('#', 1)[0].split()
    return re.sub(r'\\(.)', r'\1', word[0]) if word else ''


def _ifcfg_name(raw):
    name = to_native(raw)
    return (name.startswith('ifcfg-') and name != 'ifcfg-lo' and not _RPM_TEMP.search(name)
            and not any(name.lower().endswith(tag) for tag in IFCFG_IGNORED))


def read_ifcfg(root, warnings):
    """/etc/sysconfig/network-scripts/ifcfg-*: [{path, device, name, mac, uuid, nm_controlled, lines}];
    ``device`` is DEVICE= or the name after ifcfg- (as initscripts take it), ``name`` DEVICE= alone
    (what NetworkManager binds the profile to)."""
    out = []
    for path, name in _listing(root, IFCFG_DIR, _ifcfg_name):
        data = _regular(root, path, warnings)
        if data is None:
            continue
        path = display_path(path)
        values = {}
        lines = {}
        for number, line in _text_lines(data):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            found = _SHELL_ASSIGNMENT.match(line)
            if not found:
                warnings.append('%s line %d: expected KEY=value; skipped (NetworkManager skips it, initscripts would '
                                'run it as a command)' % (path, number))
                continue
            values[found.group(1)] = _ifcfg_value(found.group(2))
            lines[found.group(1)] = number
        mac = normalize_mac(values.get('HWADDR', '')) if values.get('HWADDR') else None
        if values.get('HWADDR') and mac is None:
            warnings.append('%s line %d: HWADDR=%r is not a MAC address; it is not matched'
                            % (path, lines['HWADDR'], values['HWADDR'][:40]))
        out.append({'path': path, 'device': values.get('DEVICE') or display_path(name[len('ifcfg-'):]), 'mac': mac,
                    'name': values.get('DEVICE') or None,
                    'uuid': (values.get('UUID') or '').lower() or nm_ifcfg_uuid(path),
                    'nm_controlled': _NM_BOOL.get((values.get('NM_CONTROLLED') or 'yes').lower(), True),
                    'lines': {'name': lines.get('DEVICE'), 'mac': lines.get('HWADDR')}})
    return out


# --- systemd-networkd ---

def read_network_files(root, warnings):
    """networkd's .network files in its order: [{path, match: {key: (invert, [values], line)}, generated}]."""
    chosen = {}
    seen = set()
    for directory in NETWORKD_DIRS:
        for path, name in _listing(root, directory, lambda raw: raw.endswith(b'.network'), seen):
            chosen.setdefault(name, path)  # the first directory wins a name
    out = []
    for name in sorted(chosen, key=_to_bytes):
        path = chosen[name]
        data = _regular(root, path, warnings)
        if not data:
            continue  # masked (empty or /dev/null), or not a file
        path = display_path(path)
        entries = systemd_entries(data, path, warnings)
        if entries is None:
            continue
        match = {}
        for section, key, value, number in entries:
            if section != 'Match':
                continue
            invert = value.startswith('!')
            items = value[1:].split() if invert else value.split()
            if not items:
                match.pop(key, None)  # an empty assignment resets the list
                continue
            if key in ('MACAddress', 'PermanentMACAddress'):
                macs = [normalize_mac(item) for item in items]
                for item, mac in zip(items, macs):
                    if mac is None:
                        warnings.append('%s line %d: %s=%s is not a MAC address; systemd ignores it'
                                        % (path, number, key, item[:40]))
                items = [mac for mac in macs if mac]
            old = match.get(key, (invert, [], number))
            match[key] = (invert, old[1] + items, old[2])
        out.append({'path': path, 'match': match, 'generated': path.startswith(NETPLAN_GENERATED[0])})
    return out


def _network_binding(network, iface):
    """Whether networkd's [Match] fits the interface, and how it names it: (fits, 'name' |
    'mac' | None, the name it gives, line). Name= globs, MACAddress= and PermanentMACAddress= (the
    current MAC stands for the permanent one), Driver=, Path= (udev's ID_PATH), Type= (wlan for a
    name starting with wl, else ether), Kind= and WLANInterfaceType= (a physical ethernet NIC has
    neither) are checked; conditions on the host (Host=, Virtualization=, KernelCommandLine=...) and
    Property= are taken to hold."""
    kind = 'wlan' if iface['name'].startswith('wl') else 'ether'
    tests = {
        'Name': lambda glob: fnmatch.fnmatchcase(iface['name'], glob),
        'MACAddress': lambda mac: mac == iface['mac'],
        'PermanentMACAddress': lambda mac: mac == iface['mac'],
        'Driver': lambda glob: fnmatch.fnmatchcase(iface['driver'] or '', glob),
        'Path': lambda glob: fnmatch.fnmatchcase(iface['id_path'] or '', glob),
        'Type': lambda glob: fnmatch.fnmatchcase(kind, glob),
        'Kind': lambda glob: False,
        'WLANInterfaceType': lambda glob: kind == 'wlan',
    }
    named = None
    for key in sorted(tests):
        if key not in network['match']:
            continue
        invert, items, line = network['match'][key]
        if any(tests[key](item) for item in items) == invert:
            return False, None, None, None
        if not invert and key == 'Name':
            named = ('name', items[0] if len(items) == 1 and not _GLOB_CHARS.search(items[0]) else None, line)
        elif not invert and key in ('MACAddress', 'PermanentMACAddress') and named is None:
            named = ('mac', None, line)
    return (True,) + (named or (None, None, None))


# --- ifupdown ---

def _ifupdown_lines(data):
    """ifupdown's get_line(): leading blanks dropped, '#' lines skipped, '\\' continues a line."""
    pending = None
    start = 0
    for number, line in _text_lines(data):
        line = line.lstrip(' \t\v\f')
        if pending is None:
            if line.startswith('#'):
                continue
            start = number
            pending = ''
        pending += line
        if pending.endswith('\\'):
            pending = pending[:-1]
            continue
        yield start, pending.rstrip()
        pending = None
    if pending:
        yield start, pending.rstrip()


def _expand(root, pattern, warnings, where):
    """The paths a ``source`` pattern names (globs in any component, as wordexp() expands them
    without commands), sorted; shell expansions this reader does not do are named in a warning."""
    if re.search(r'[$`~{]', pattern):
        warnings.append('%s: source %s - a shell expansion ($, `, ~, {}) this reader does not do; not followed'
                        % (where, pattern))
        return []
    paths = ['']
    for part in [part for part in pattern.split('/') if part]:
        if not _GLOB_CHARS.search(part):
            paths = [path + '/' + part for path in paths]
            continue
        matched = []
        for path in paths:
            matched += [item for item, name in _listing(root, path or '/', lambda raw: not raw.startswith(b'.'))
                        if fnmatch.fnmatchcase(name, part)]
        paths = sorted(matched, key=_to_bytes)
        if len(paths) > IFUPDOWN_FILES:
            break
    return paths


def read_ifupdown(root, warnings):
    """/etc/network/interfaces and the files it sources: [{path, names: {name: line}, ids}]."""
    out = []
    done = set()
    pending = [('/etc/network/interfaces', 0)]
    while pending:
        path, depth = pending.pop(0)
        if real_path(root, path) in done:
            continue  # ifupdown reads a file once (already_seen)
        done.add(real_path(root, path))
        if len(done) > IFUPDOWN_FILES:
            warnings.append('%s: more than %d files sourced; the rest are not read' % (display_path(path), IFUPDOWN_FILES))
            break
        data = _regular(root, path, warnings)
        if data is None:
            continue
        path = display_path(path)
        names = {}
        ids = []
        included = []
        for number, line in _ifupdown_lines(data):
            words = line.split()
            if not words:
                continue
            where = '%s line %d' % (path, number)
            if words[0] == 'source' or words[0] in ('source-directory', 'source-dir'):
                target = line.split(None, 1)[1] if len(words) > 1 else ''
                if not target.startswith('/'):
                    target = path.rsplit('/', 1)[0] + '/' + target
                if depth >= IFUPDOWN_DEPTH:
                    warnings.append('%s: %s %s - sources nested deeper than %d; not followed'
                                    % (where, words[0], target, IFUPDOWN_DEPTH))
                    continue
                for item in _expand(root, target, warnings, where):
                    if words[0] == 'source':
                        included.append(item)
                    else:
                        included += [found for found, _name in _listing(
                            root, item, lambda raw: bool(_IFUPDOWN_DIR_NAME.match(to_native(raw))))]
                continue
            if words[0] == 'iface' and len(words) > 1:
                found = [words[1]]
            elif words[0] == 'auto' or (words[0].startswith('allow-') and len(words[0]) > 6):
                found = words[1:]
            else:
                continue
            for name in found:
                names.setdefault(name, number)
                if name not in ids:
                    ids.append(name)
        out.append({'path': path, 'names': names, 'ids': ids})
        pending[0:0] = [(item, depth + 1) for item in included]  # an included file is read where it is sourced
    return out


# --- runtime state ---

def _env_file(root, path, warnings):
    """KEY=value lines of a runtime state file; None when it is absent or not a file."""
    data = _regular(root, path, warnings, STATE_BYTES)
    if data is None:
        return None
    values = {}
    for number, line in _text_lines(data):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        if '=' not in line:
            warnings.append('%s line %d: expected KEY=value; skipped' % (path, number))
            continue
        key, value = line.split('=', 1)
        values[key.strip()] = (value.strip(), number)
    return values


def _networkd_state(root, ifindex, warnings):
    """networkd's /run/systemd/netif/links/<ifindex> (private, but read-only here): (state, network file)."""
    path = '/run/systemd/netif/links/%d' % ifindex
    values = _env_file(root, path, warnings)
    if not values:
        return None, None
    state, number = values.get('ADMIN_STATE', ('', None))
    if state not in NETWORKD_STATES:
        if number is not None:
            warnings.append('%s line %d: ADMIN_STATE=%r is no state networkd writes; skipped' % (path, number, state[:40]))
        return None, None
    return state, values.get('NETWORK_FILE', ('', None))[0] or None


def _nm_device(root, ifindex, warnings):
    """NetworkManager's /run/NetworkManager/devices/<ifindex>: (managed, connection uuid)."""
    path = '/run/NetworkManager/devices/%d' % ifindex
    data = _regular(root, path, warnings, STATE_BYTES)
    groups = parse_keyfile(data, path, warnings) if data is not None else None
    device = (groups or {}).get('device') or {}
    managed, number = device.get('managed', (u'', None))
    if managed.strip().lower() not in _NM_BOOL:
        if number is not None:
            warnings.append('%s line %d: managed=%r is not a boolean; skipped' % (path, number, managed[:40]))
        return False, None
    uuid = device.get('connection-uuid', (u'', None))[0].strip().lower() or None
    return _NM_BOOL[managed.strip().lower()], uuid


def _ifupdown_up(root, name, warnings):
    """Whether ifupdown brought ``name`` up: a NAME=... line in /run/network/ifstate, or a
    non-empty /run/network/ifstate.NAME (ifupdown 0.8 main.c update_state)."""
    for _number, line in _text_lines(_regular(root, '/run/network/ifstate', warnings, STATE_BYTES) or b''):
        if line.strip().startswith(name + '=') and line.strip()[len(name) + 1:]:
            return True
    data = _regular(root, '/run/network/ifstate.' + name.replace('/', '.'), warnings, STATE_BYTES)
    return bool(data and data.strip())


def _process_names(root, warnings):
    """The command names (/proc/PID/comm) of the host's processes."""
    names = set()
    try:
        pids = list_dir(root, '/proc', lambda raw: raw.isdigit())
    except HostReadError as exc:
        warnings.append('%s; which network daemons run is not known' % (exc,))
        return names
    for pid in pids:
        try:
            data = read_regular(root, '/proc/%s/comm' % to_native(pid), 4096)
        except HostReadError:
            continue  # gone, or not readable: it says nothing about the daemons
        if data:
            names.add(data.decode('utf-8', 'replace').strip())
    return names


def _exists(root, *paths):
    return any((inspect_path(root, path) or {}).get('kind') == 'file' for path in paths)


def read_systems(root, warnings, netplan, ifcfg):
    """What is installed and running, independent of any interface."""
    running = _process_names(root, warnings)
    nm_present = _exists(root, '/usr/sbin/NetworkManager', NM_CONF)
    return {
        'netplan': {'present': bool(netplan['files']), 'files': netplan['files'], 'renderer': netplan['renderer'],
                    'unparsed': netplan['unparsed']},
        'networkmanager': {'present': nm_present, 'running': 'NetworkManager' in running,
                           'plugins': nm_plugins(root, warnings) if nm_present else []},
        'networkd': {'present': _exists(root, '/lib/systemd/systemd-networkd', '/usr/lib/systemd/systemd-networkd'),
                     'running': 'systemd-network' in running},  # comm is cut to 15 characters
        'ifupdown': {'present': _exists(root, '/sbin/ifup') and _exists(root, '/etc/network/interfaces')},
        'ifcfg': {'present': bool(ifcfg) or _exists(root, '/etc/rc.d/init.d/network', '/etc/init.d/network')},
    }


def _entry(system, path, binding, ids):
    """A config_files entry; ``binding`` is (matches, line, name)."""
    matches, line, name = binding
    return {'system': system, 'path': path, 'matches': matches, 'line': line, 'ids': list(ids), 'name': name}


def _config_files(iface, config, warnings):
    """Every configuration file that names the interface, by its name or its MAC."""
    out = []
    for item in config['ifupdown']:
        if iface['name'] in item['names']:
            out.append(_entry('ifupdown', item['path'], ('name', item['names'][iface['name']], iface['name']), item['ids']))
    for item in config['ifcfg']:
        if item['mac'] and item['mac'] != iface['mac']:
            continue  # bound to another NIC: NetworkManager and initscripts both leave this one alone
        if item['device'] == iface['name']:
            out.append(_entry('ifcfg', item['path'], ('name', item['lines']['name'], item['device']), [item['device']]))
        elif item['mac']:
            out.append(_entry('ifcfg', item['path'], ('mac', item['lines']['mac'], item['name']), [item['device']]))
    for definition in config['netplan']['definitions']:
        binding = _netplan_binding(definition, iface)
        if binding:
            for path, line in definition['files']:
                out.append(_entry('netplan', path, (binding[0], line, binding[1]), config['netplan']['ids'].get(path, [])))
    for profile in config['keyfiles']:
        if profile['system'] != 'networkmanager':
            continue
        ids = [profile['interface_name'] or profile['id'] or profile['path'].rsplit('/', 1)[-1]]
        if profile['interface_name'] == iface['name'] and (not profile['mac'] or profile['mac'] == iface['mac']):
            out.append(_entry('networkmanager', profile['path'], ('name', profile['lines']['name'], iface['name']), ids))
        elif profile['mac'] and profile['mac'] == iface['mac']:
            out.append(_entry('networkmanager', profile['path'], ('mac', profile['lines']['mac'], profile['interface_name']), ids))
    first = None
    for network in config['networkd']:
        fits, named, name, line = _network_binding(network, iface)
        if not fits:
            continue
        if first is None:
            first = network
            if named and not network['generated']:
                ids = network['match'].get('Name', (False, []))[1] or sorted(set(
                    network['match'].get('MACAddress', (False, []))[1] + network['match'].get('PermanentMACAddress', (False, []))[1]))
                out.append(_entry('networkd', network['path'], (named, line, name), ids))
        elif named and not network['generated']:
            warnings.append('%s line %d matches %s too, but networkd applies only the first matching file, %s'
                            % (network['path'], line, iface['name'], first['path']))
    return out


def _owner(root, iface, config, systems, warnings):
    """The one system configuring the interface now, from runtime state; None when none or several say so."""
    found = []
    ifindex = iface.get('ifindex')
    if ifindex is not None and systems['networkd']['running']:
        state, network_file = _networkd_state(root, ifindex, warnings)
        if state in NETWORKD_TAKEN and network_file:
            found.append(('netplan' if network_file.startswith(NETPLAN_GENERATED[0]) else 'networkd',
                          '/run/systemd/netif/links/%d' % ifindex))
    if ifindex is not None and systems['networkmanager']['running']:
        managed, uuid = _nm_device(root, ifindex, warnings)
        if managed:
            profiles = [p for p in config['keyfiles'] if p['uuid'] == uuid]
            ifcfg = [item for item in config['ifcfg'] if item['uuid'] == uuid]
            netplan_ids = [d for d in config['netplan']['definitions'] if uuid and d['id'] == 'NM-' + uuid]
            system = (profiles[0]['system'] if profiles else 'ifcfg' if ifcfg else 'netplan' if netplan_ids
                      else 'networkmanager' if uuid else None)
            if system:
                found.append((system, '/run/NetworkManager/devices/%d' % ifindex))
    if _ifupdown_up(root, iface['name'], warnings):
        found.append(('ifupdown', '/run/network/ifstate'))
    owners = sorted(set(system for system, _where in found))
    if len(owners) > 1:
        warnings.append('%s is taken by %s at once (%s); owner left null'
                        % (iface['name'], ' and '.join(owners), ', '.join(where for _system, where in found)))
        return None
    if owners:
        return owners[0]
    # initscripts: an ifcfg file that NetworkManager leaves alone, when nothing else runs the interface
    if any(item['device'] == iface['name'] and not item['nm_controlled'] for item in config['ifcfg']):
        return 'ifcfg'
    return None


def read_config(root, interfaces, warnings):
    """Per interface: configured_by, owner and config_files; the systems on the host; netplan's pins."""
    netplan = read_netplan(root, warnings)
    config = {'netplan': netplan, 'ifupdown': read_ifupdown(root, warnings), 'ifcfg': read_ifcfg(root, warnings),
              'keyfiles': read_keyfiles(root, warnings), 'networkd': read_network_files(root, warnings)}
    systems = read_systems(root, warnings, netplan, config['ifcfg'])
    per_interface = {}
    for iface in interfaces:
        files = _config_files(iface, config, warnings)
        per_interface[iface['name']] = {
            'config_files': files,
            'configured_by': [system for system in CONFIG_SYSTEMS if any(f['system'] == system for f in files)],
            'owner': _owner(root, iface, config, systems, warnings),
        }
    return {'interfaces': per_interface, 'systems': systems, 'pins': netplan_pins(netplan, warnings)}


def collect(root='/'):
    """Interfaces, pins, conflicts, the configuration systems and ``warnings``: what udev, systemd,
    netplan, NetworkManager or ifupdown would skip, named with the file and line (they skip it too),
    and files in the rule and configuration directories that are not files."""
    warnings = []
    interfaces = read_interfaces(root)
    pins = read_pins(root, warnings)
    config = read_config(root, interfaces, warnings)
    pins += config['pins']
    pinned_names = set(p['name'] for p in pins)
    for iface in interfaces:
        iface['name_kind'] = name_kind(iface['name'], pinned_names)
        iface['pinned_by'] = [p['file'] for p in pins if p['name'] == iface['name']]
        iface.update(config['interfaces'][iface['name']])
        # A kernel-assigned name follows probe order: it can move when there is more than one
        # NIC to order, or when the NIC is hot-plugged (USB) and may appear after others.
        iface['name_can_move'] = iface['name_kind'] == 'kernel' and (len(interfaces) > 1 or iface['bus'] == 'usb')
    return {'interfaces': interfaces, 'pins': pins, 'conflicts': conflicts(pins), 'systems': config['systems'],
            'warnings': warnings}


def _stale(iface):
    """Configuration files that bind this NIC by its MAC under another name (ifcfg-eth3 with the
    HWADDR of the NIC now called eth5): NetworkManager, networkd and initscripts need both to
    match, so the file no longer configures it; netplan renames it at the next boot."""
    return [f for f in iface.get('config_files') or [] if f['matches'] == 'mac' and f.get('name')
            and f['name'] != iface['name']]


def finding(facts):
    movable = [i for i in facts['interfaces'] if i['name_can_move']]
    usb_first = sorted(movable, key=lambda i: (i['bus'] != 'usb', i['name']))
    by_name = dict((i['name'], [f['path'] for f in i.get('config_files') or [] if f['matches'] == 'name'
                                and (not i.get('owner') or f['system'] == i['owner'])]) for i in movable)
    stale = [{'interface': i['name'], 'mac': i['mac'], 'owner': i.get('owner'), 'file': f['path'], 'system': f['system'],
              'names': f['name']} for i in facts['interfaces'] for f in _stale(i)]
    evidence = {'movable': [i['name'] for i in usb_first], 'conflicts': facts['conflicts'],
                'random_mac': [i['name'] for i in facts['interfaces'] if not i['permanent_mac']],
                'configured_by_name': dict((name, paths) for name, paths in by_name.items() if paths),
                'stale_config': stale}
    if facts['conflicts']:
        return make_finding(STORY, 'fail', 'conflicting interface naming rules: %s' % ', '.join(
            '%s %s' % (c['kind'], c.get('name') or c.get('mac')) for c in facts['conflicts']),
            evidence, 'fix the rules in %s' % ', '.join(sorted(set(f for c in facts['conflicts'] for f in c.get('files', [])))),
            cause='conflicting interface naming rules')
    lost = [s for s in stale if not s['owner'] and s['system'] != 'netplan']
    if lost:
        return make_finding(STORY, 'fail', 'a NIC has lost its configuration to a name change: %s' % ', '.join(
            '%s (MAC %s) is configured by %s under the name %s, and nothing configures it now'
            % (s['interface'], s['mac'], s['file'], s['names']) for s in lost), evidence,
            'pin the NIC to the name its configuration uses, or configure it under its name now',
            cause='a NIC lost its configuration to a name change',
            fixes=[fix('persistent_net', per_host=['fleetfix_net_interfaces'])])
    if movable:
        return make_finding(STORY, 'warn', 'kernel-assigned names can move after a kernel upgrade: %s' % ', '.join(
            '%s (%s%s%s)' % (i['name'], i['bus'], ', random MAC' if not i['permanent_mac'] else '',
                             ', configured by that name in %s' % ', '.join(by_name[i['name']]) if by_name[i['name']] else '')
            for i in usb_first), evidence, 'pin them by MAC (or by bus path when the MAC is not permanent) and configure '
            'them by the pinned name',
            cause='kernel-assigned %sname can move%s' % (
                'USB NIC ' if any(i['bus'] == 'usb' for i in movable) else '',
                ', MAC not permanent' if any(not i['permanent_mac'] for i in movable) else ''),
            fixes=[fix('persistent_net', per_host=['fleetfix_net_interfaces'])])
    if not facts['interfaces']:
        return make_finding(STORY, 'not_applicable', 'no physical network interfaces', evidence, None)
    return make_finding(STORY, 'ok', 'every interface has a predictable or pinned name', evidence, None)
