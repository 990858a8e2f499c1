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

import os
import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import make_finding
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import host_path, read_text

STORY = 'net_iface_names'
# include/uapi/linux/netdevice.h NET_ADDR_*
ADDR_ASSIGN = {0: 'permanent', 1: 'random', 2: 'stolen', 3: 'set'}
KERNEL_NAME = re.compile(r"^(eth|usb|wlan|ib|bond)[0-9]+\Z")
PREDICTABLE_NAME = re.compile(r'^(en|wl|ww|ib|sl)(o\d|s\d|p\d|x[0-9a-f]{12}|P\d|b\d|c\d|v\d|a\d|u\d|i\d)')
MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}\Z")
_UDEV_KEY = re.compile(r'([A-Z]+(?:\{[^}]*\})?)\s*(==|!=|=|\+=|:=)\s*"([^"]*)"')


def _readlink_abs(root, path):
    """realpath of a host path under root, as a host path."""
    base = os.path.realpath(root or '/')
    full = os.path.realpath(host_path(root, path))
    return full[len(base):] if base != '/' and full.startswith(base) else full


def usb_port_path(devpath):
    """'/devices/pci0000:00/0000:00:07.0/usb1/1-1/1-1:1.0/net/usb0' -> '1-1' (the USB port chain)."""
    ports = [part for part in devpath.split('/') if re.match(r'^\d+-[\d.]+$', part)]
    return ports[-1] if ports else None


def name_kind(name, pinned_names):
    if name in pinned_names:
        return 'pinned'
    if KERNEL_NAME.match(name):
        return 'kernel'
    if PREDICTABLE_NAME.match(name):
        return 'predictable'
    return 'other'


def read_interfaces(root='/'):
    """Physical interfaces under /sys/class/net (virtual ones and loopback left out)."""
    out = []
    base = host_path(root, '/sys/class/net')
    if not os.path.isdir(base):
        return out
    for name in sorted(os.listdir(base)):
        devpath = _readlink_abs(root, '/sys/class/net/' + name)
        if '/devices/virtual/' in devpath:
            continue
        sysdir = '/sys/class/net/' + name
        aat_text = (read_text(root, sysdir + '/addr_assign_type') or '').strip()
        aat = int(aat_text) if aat_text.isdigit() else None
        driver = subsystem = None
        if os.path.exists(host_path(root, sysdir + '/device/driver')):
            driver = os.path.basename(_readlink_abs(root, sysdir + '/device/driver'))
        if os.path.exists(host_path(root, sysdir + '/device/subsystem')):
            subsystem = os.path.basename(_readlink_abs(root, sysdir + '/device/subsystem'))
        bus = 'usb' if usb_port_path(devpath) else (subsystem or 'platform')
        ifindex = (read_text(root, sysdir + '/ifindex') or '').strip()
        udev = parse_udev_db(read_text(root, '/run/udev/data/n%s' % ifindex) or '') if ifindex else {}
        out.append({
            'name': name,
            'mac': (read_text(root, sysdir + '/address') or '').strip().lower(),
            'addr_assign_type': ADDR_ASSIGN.get(aat, aat),
            'permanent_mac': aat == 0,
            'operstate': (read_text(root, sysdir + '/operstate') or '').strip(),
            'driver': driver,
            'bus': bus,
            'usb_port': usb_port_path(devpath),
            'devpath': devpath,
            'id_path': udev.get('ID_PATH'),
        })
    return out


def parse_udev_db(text):
    """Properties (E:KEY=value) of a udev database entry, /run/udev/data/n<ifindex>."""
    out = {}
    for line in text.splitlines():
        if line.startswith('E:') and '=' in line:
            key, value = line[2:].split('=', 1)
            out[key] = value
    return out


def parse_udev_rules(text, path):
    """Net naming rules of a udev rules file: [{'file', 'line', 'mac', 'kernels', 'name'}]."""
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith('#') or 'NAME' not in stripped:
            continue
        keys = dict((key, value) for key, op, value in _UDEV_KEY.findall(stripped) if op in ('==', '=', ':='))
        name = keys.get('NAME')
        if not name:
            continue
        rules.append({'file': path, 'line': number, 'method': 'udev', 'name': name,
                      'mac': (keys.get('ATTR{address}') or '').lower() or None,
                      'path': keys.get('KERNELS') or keys.get('ENV{ID_PATH}')})
    return rules


def parse_link_file(text, path):
    """A systemd .link file: [Match] MACAddress=/Path=/OriginalName=, [Link] Name=."""
    section = None
    match = {}
    name = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in '#;':
            continue
        if stripped.startswith('[') and stripped.endswith(']'):
            section = stripped[1:-1]
            continue
        if '=' not in stripped:
            continue
        key, value = [part.strip() for part in stripped.split('=', 1)]
        if section == 'Match':
            match[key] = value
        elif section == 'Link' and key == 'Name':
            name = value
    if not name:
        return []
    return [{'file': path, 'line': None, 'method': 'link', 'name': name,
             'mac': (match.get('MACAddress') or '').lower() or None, 'path': match.get('Path')}]


def read_pins(root='/'):
    """Every pinning rule on the host: udev rules (70-persistent-net.rules and friends) and .link files."""
    pins = []
    for directory in ('/etc/udev/rules.d',):
        full = host_path(root, directory)
        if os.path.isdir(full):
            for name in sorted(os.listdir(full)):
                if name.endswith('.rules'):
                    pins += parse_udev_rules(read_text(root, directory + '/' + name) or '', directory + '/' + name)
    for directory in ('/etc/systemd/network', '/run/systemd/network'):
        full = host_path(root, directory)
        if os.path.isdir(full):
            for name in sorted(os.listdir(full)):
                if name.endswith('.link'):
                    pins += parse_link_file(read_text(root, directory + '/' + name) or '', directory + '/' + name)
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


def read_config_systems(root, names):
    """Which configuration system mentions each interface: ifupdown, ifcfg, NetworkManager, networkd."""
    found = dict((name, []) for name in names)
    texts = []
    for path in ('/etc/network/interfaces',):
        texts.append(('ifupdown', read_text(root, path) or ''))
    for directory, kind, suffix in (('/etc/network/interfaces.d', 'ifupdown', ''),
                                    ('/etc/NetworkManager/system-connections', 'NetworkManager', ''),
                                    ('/etc/systemd/network', 'networkd', '.network')):
        full = host_path(root, directory)
        if os.path.isdir(full):
            for name in sorted(os.listdir(full)):
                if name.endswith(suffix):
                    texts.append((kind, read_text(root, directory + '/' + name) or ''))
    for name in names:
        if os.path.isfile(host_path(root, '/etc/sysconfig/network-scripts/ifcfg-' + name)):
            found[name].append('ifcfg')
        for kind, text in texts:
            if re.search(r'(^|[\s=])' + re.escape(name) + r'(\s|$)', text, re.M) and kind not in found[name]:
                found[name].append(kind)
    return found


def collect(root='/'):
    interfaces = read_interfaces(root)
    pins = read_pins(root)
    pinned_names = set(p['name'] for p in pins)
    systems = read_config_systems(root, [i['name'] for i in interfaces])
    for iface in interfaces:
        iface['name_kind'] = name_kind(iface['name'], pinned_names)
        iface['pinned_by'] = [p['file'] for p in pins if p['name'] == iface['name']]
        iface['configured_by'] = systems[iface['name']]
        # A kernel-assigned name follows probe order: it can move when there is more than one
        # NIC to order, or when the NIC is hot-plugged (USB) and may appear after others.
        iface['name_can_move'] = iface['name_kind'] == 'kernel' and (len(interfaces) > 1 or iface['bus'] == 'usb')
    return {'interfaces': interfaces, 'pins': pins, 'conflicts': conflicts(pins)}


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
