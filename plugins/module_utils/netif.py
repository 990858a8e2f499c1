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

import re
import struct

from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import make_finding
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError, malformed, parse_int
from ansible_collections.fleetfix.kernel.plugins.module_utils.sysctl_d import (
    LineTooLong, display_path, inspect as inspect_path, list_dir, read_line_split, read_regular, to_native)

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
        out.append({
            'name': display_path(name),
            'mac': (mac or '').lower(),
            'addr_assign_type': ADDR_ASSIGN.get(aat, aat),
            'permanent_mac': aat == 0,
            'operstate': operstate or '',
            'driver': _link_name(root, sysdir + '/device/driver'),
            'bus': bus,
            'usb_port': usb_port_path(devpath),
            'devpath': devpath,
            'id_path': udev.get('ID_PATH'),
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
LINK_LINE_MAX = 1024 * 1024
IFNAMSIZ = 16


def ifname_valid(name):
    """Would the kernel (and systemd's ifname_valid) take ``name`` as an interface name?"""
    return (0 < len(name) < IFNAMSIZ and name not in ('.', '..') and not re.match(r'[0-9]+\Z', name)
            and all(32 < ord(char) < 127 and char not in '/:' for char in name))


def parse_link_file(text, path, warnings=None):
    """A systemd .link file: [Match] MACAddress=/Path=, [Link] Name= -> [pin] (or [])."""
    warnings = warnings if warnings is not None else []
    data = text if isinstance(text, bytes) else (text or u'').encode('utf-8')
    section = None
    match = {}
    name = None
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
                    return []
                section = line[1:-1]
                continue
            if '=' not in line:
                warnings.append("%s line %d: expected KEY=value; systemd skips the line" % (path, number))
                continue
            key, value = [part.strip(' \t\n\r') for part in line.split('=', 1)]
            if section == 'Match':
                match[key] = value
            elif section == 'Link' and key == 'Name':
                if value and not ifname_valid(value):
                    warnings.append('%s line %d: Name=%r is not a valid interface name; systemd ignores it'
                                    % (path, number, value[:40]))
                    continue
                name = value or None
    except LineTooLong as exc:
        warnings.append('%s line %d: a line of %d bytes or more; systemd does not load the file'
                        % (path, exc.lineno, LINK_LINE_MAX))
        return []
    if not name:
        return []
    return [{'file': path, 'line': None, 'method': 'link', 'name': name,
             'mac': (match.get('MACAddress') or '').lower() or None, 'path': match.get('Path')}]


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
    """Every pinning rule on the host: udev rules (70-persistent-net.rules and friends) and .link files."""
    warnings = warnings if warnings is not None else []
    pins = []
    for path, data in _rule_files(root, '/etc/udev/rules.d', '.rules', warnings):
        pins += parse_udev_rules(data, path, warnings)
    for directory in ('/etc/systemd/network', '/run/systemd/network'):
        for path, data in _rule_files(root, directory, '.link', warnings):
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


def read_config_systems(root, names, warnings=None):
    """Which configuration system mentions each interface: ifupdown, ifcfg, NetworkManager, networkd.

    Files are read one at a time (regular files only, each capped), so memory stays at one file
    whatever the number of them."""
    warnings = warnings if warnings is not None else []
    found = dict((name, []) for name in names)
    main = read_regular(root, '/etc/network/interfaces')
    sources = [('ifupdown', [('/etc/network/interfaces', main)] if main is not None else [])]
    for directory, kind, suffix in (('/etc/network/interfaces.d', 'ifupdown', ''),
                                    ('/etc/NetworkManager/system-connections', 'NetworkManager', ''),
                                    ('/etc/systemd/network', 'networkd', '.network')):
        sources.append((kind, _rule_files(root, directory, suffix, warnings)))
    patterns = dict((name, re.compile(r'(^|[\s=])' + re.escape(name) + r'(\s|$)', re.M)) for name in names)
    for kind, files in sources:
        for _path, data in files:
            text = data.decode('utf-8', 'replace')
            for name in names:
                if kind not in found[name] and name in text and patterns[name].search(text):
                    found[name].append(kind)
    for name in names:
        if (inspect_path(root, '/etc/sysconfig/network-scripts/ifcfg-' + name) or {}).get('kind') == 'file':
            found[name].insert(0, 'ifcfg')
    return found


def collect(root='/'):
    """Interfaces, pins, conflicts and ``warnings``: what udev or systemd would skip, named with
    the file and line (they skip it too), and files in the rule directories that are not files."""
    warnings = []
    interfaces = read_interfaces(root)
    pins = read_pins(root, warnings)
    pinned_names = set(p['name'] for p in pins)
    systems = read_config_systems(root, [i['name'] for i in interfaces], warnings)
    for iface in interfaces:
        iface['name_kind'] = name_kind(iface['name'], pinned_names)
        iface['pinned_by'] = [p['file'] for p in pins if p['name'] == iface['name']]
        iface['configured_by'] = systems[iface['name']]
        # A kernel-assigned name follows probe order: it can move when there is more than one
        # NIC to order, or when the NIC is hot-plugged (USB) and may appear after others.
        iface['name_can_move'] = iface['name_kind'] == 'kernel' and (len(interfaces) > 1 or iface['bus'] == 'usb')
    return {'interfaces': interfaces, 'pins': pins, 'conflicts': conflicts(pins), 'warnings': warnings}


def finding(facts):
    movable = [i for i in facts['interfaces'] if i['name_can_move']]
    usb_first = sorted(movable, key=lambda i: (i['bus'] != 'usb', i['name']))
    evidence = {'movable': [i['name'] for i in usb_first], 'conflicts': facts['conflicts'],
                'random_mac': [i['name'] for i in facts['interfaces'] if not i['permanent_mac']]}
    if facts['conflicts']:
        return make_finding(STORY, 'fail', 'conflicting interface naming rules: %s' % ', '.join(
            '%s %s' % (c['kind'], c.get('name') or c.get('mac')) for c in facts['conflicts']),
            evidence, 'fix the rules in %s' % ', '.join(sorted(set(f for c in facts['conflicts'] for f in c.get('files', [])))))
    if movable:
        return make_finding(STORY, 'warn', 'kernel-assigned names can move after a kernel upgrade: %s' % ', '.join(
            '%s (%s%s)' % (i['name'], i['bus'], ', random MAC' if not i['permanent_mac'] else '') for i in usb_first),
            evidence, 'pin them by MAC (or by bus path when the MAC is not permanent)')
    if not facts['interfaces']:
        return make_finding(STORY, 'not_applicable', 'no physical network interfaces', evidence, None)
    return make_finding(STORY, 'ok', 'every interface has a predictable or pinned name', evidence, None)
