# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan persistent interface names (seed story 7): validate, choose the pin, render the files.

Pure functions: the role's decide step. The plan holds the exact content of every file the
role writes, so --check and --diff show it before anything is written.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.netif import KERNEL_NAME, MAC

# Runs on the controller only (the persistent_net_plan filter), so Python 3 and its ipaddress.
# include/linux/netdevice.h IFNAMSIZ is 16 with the trailing NUL; '/', ':' and whitespace are
# refused by dev_valid_name(); keep to what every tool quotes safely. \Z, not $: $ matches
# before a trailing newline.
NAME = re.compile(r'^[A-Za-z][A-Za-z0-9_.-]{0,14}\Z')
# A name the host already has (match_current_name): dev_valid_name() - 1..15 characters, no '/',
# ':' or whitespace; we also keep to printable ASCII, as it ends up in messages.
CURRENT_NAME = re.compile(r'^[!-.0-9;-~]{1,15}\Z')
# udev's ID_PATH (src/udev/udev-builtin-path_id.c) joins bus names and addresses with '-':
# pci-0000:00:07.0-usb-0:1:1.0, platform-fe300000.mmc, acpi-LNXVIDEO:00, ...; a .link file's
# Path= takes it as a glob, so no '*', '?', '[' either - and no space, quote, newline or '='.
ID_PATH = re.compile(r'^[A-Za-z0-9][A-Za-z0-9:._+-]{0,254}\Z')
# The sysfs name of the device under the NIC (a USB interface 1-1:1.0, a PCI function
# 0000:00:07.0) that a udev rule matches with KERNELS=="...".
KERNELS_KEY = re.compile(r'^[A-Za-z0-9][A-Za-z0-9:._+-]{0,254}\Z')
METHODS = ('dhcp', 'static', 'manual')
PIN_BY = ('mac', 'path')
# Every key the role reads from an entry of fleetfix_net_interfaces (meta/argument_specs.yml
# lists the same ones): anything else is a misspelling, refused rather than ignored.
ENTRY_KEYS = ('name', 'mac', 'match_current_name', 'pin_by', 'method', 'address', 'gateway', 'id_path')
# systemd 209 brought .link files (net_setup_link); before it, udev NAME= rules.
LINK_SINCE_SYSTEMD = 209
# The files this role writes itself: a pin found in them is ours and is rewritten, not a conflict.
UDEV_RULES_FILE = '/etc/udev/rules.d/70-fleetfix-persistent-net.rules'


class NetPlanError(ValueError):
    """Invalid or unsafe interface naming request."""


def _text(value, where, key):
    if not isinstance(value, str):
        hint = ''
        if key == 'mac' and isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 00:11:22:33:44:55 (pairs of 59 or less) as a number
            hint = ' (YAML read an unquoted MAC address as a number: quote it, mac: "00:11:22:33:44:55")'
        raise NetPlanError('%s: %s must be a string, got %r%s' % (where, key, value, hint))
    return value


def _mac(value, where):
    text = _text(value, where, 'mac')
    mac = text.lower().replace('-', ':')
    if not MAC.match(mac):
        raise NetPlanError('%s: mac %r is not a MAC address (six hex pairs, like 00:0e:c6:00:00:03)' % (where, value))
    return mac


def check_name(value, where, key='name'):
    name = _text(value, where, key)
    if len(name) > 15:
        raise NetPlanError('%s: %s %r is %d characters; the kernel allows 15' % (where, key, name, len(name)))
    if not NAME.match(name):
        raise NetPlanError('%s: %s %r may hold only letters, digits, "_", "." and "-", starting with a letter'
                           % (where, key, name))
    return name


def check_id_path(value, where, key='id_path'):
    text = _text(value, where, key)
    if not ID_PATH.match(text):
        raise NetPlanError('%s: %s %r is not a udev ID_PATH (like pci-0000:00:07.0-usb-0:1:1.0: letters, digits, '
                           '":", ".", "_", "+", "-")' % (where, key, value))
    return text


def _ip_text(value, where, key):
    text = _text(value, where, key)
    # ipaddress accepts an IPv6 scope (fe80::1%eth0) with almost any text after the '%'.
    if '%' in text or text != text.strip() or not text or not all(' ' < char <= '~' for char in text):
        raise NetPlanError('%s: %s %r is not an IP address' % (where, key, value))
    return text


def check_address(value, where):
    """A static address with its prefix, 192.0.2.10/24 or 2001:db8::10/64: one host of that network."""
    text = _ip_text(value, where, 'address')
    if '/' not in text:
        raise NetPlanError('%s: address %r needs a prefix length, like 192.0.2.10/24' % (where, value))
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError as exc:
        raise NetPlanError('%s: address %r is not an address with a prefix length (%s)' % (where, value, exc))
    address, network = iface.ip, iface.network
    if address.is_multicast or address.is_unspecified or address.is_loopback:
        raise NetPlanError('%s: address %r is a %s address, not one for an interface' % (
            where, value, 'multicast' if address.is_multicast else 'loopback' if address.is_loopback else 'unspecified'))
    small = network.prefixlen >= network.max_prefixlen - 1  # /31, /32, /127, /128 have no network address
    if not small and address == network.network_address:
        raise NetPlanError('%s: address %r is the network address of %s, not a host in it' % (where, value, network))
    if not small and address.version == 4 and address == network.broadcast_address:
        raise NetPlanError('%s: address %r is the broadcast address of %s' % (where, value, network))
    return iface


def check_gateway(value, iface, where):
    """A gateway of the same family, inside the address's network (IPv6 may use a link-local router)."""
    text = _ip_text(value, where, 'gateway')
    try:
        gateway = ipaddress.ip_address(text)
    except ValueError as exc:
        raise NetPlanError('%s: gateway %r is not an IP address (%s)' % (where, value, exc))
    if gateway.version != iface.version:
        raise NetPlanError('%s: gateway %s is IPv%d but address %s is IPv%d' % (
            where, gateway, gateway.version, iface, iface.version))
    if gateway == iface.ip:
        raise NetPlanError('%s: gateway %s is the address itself' % (where, gateway))
    if gateway.is_multicast or gateway.is_unspecified or gateway.is_loopback:
        raise NetPlanError('%s: gateway %r cannot be a router' % (where, value))
    if gateway not in iface.network and not (gateway.version == 6 and gateway.is_link_local):
        raise NetPlanError('%s: gateway %s is outside %s, the network of address %s: the route to it would '
                           'not come up' % (where, gateway, iface.network, iface))
    return gateway


def check_entry(entry, where):
    """Every field of one entry, before the host is looked at: returns the normalised fields."""
    if not isinstance(entry, dict) or 'name' not in entry:
        raise NetPlanError('%s needs a name, got %r' % (where, entry))
    unknown = sorted((key for key in entry if key not in ENTRY_KEYS), key=str)
    if unknown:
        raise NetPlanError('%s: unknown key %s (known: %s)' % (
            where, ', '.join('%r (= %r)' % (k, entry[k]) for k in unknown), ', '.join(ENTRY_KEYS)))
    out = {'name': check_name(entry['name'], where)}
    if entry.get('mac') is not None and entry.get('mac') != '':
        out['mac'] = _mac(entry['mac'], where)
        if entry.get('match_current_name'):
            raise NetPlanError('%s: give mac or match_current_name, not both' % where)
    elif entry.get('match_current_name'):
        current = _text(entry['match_current_name'], where, 'match_current_name')
        if not CURRENT_NAME.match(current) or '/' in current or ':' in current:
            raise NetPlanError('%s: match_current_name %r is not an interface name' % (where, current))
        out['match_current_name'] = current
    else:
        raise NetPlanError('%s (%s) needs mac or match_current_name' % (where, out['name']))
    out['pin_by'] = entry.get('pin_by', 'mac')
    if out['pin_by'] not in PIN_BY:
        raise NetPlanError('%s: pin_by must be mac or path, got %r' % (where, out['pin_by']))
    out['method'] = entry.get('method', 'dhcp')
    if out['method'] not in METHODS:
        raise NetPlanError('%s: method must be dhcp, static or manual, got %r' % (where, out['method']))
    out['id_path'] = check_id_path(entry['id_path'], where) if entry.get('id_path') is not None else None
    address = entry.get('address')
    gateway = entry.get('gateway')
    if out['method'] == 'static' and not address:
        raise NetPlanError('%s: method static needs address (like 192.0.2.10/24)' % where)
    if out['method'] != 'static' and (address or gateway):
        raise NetPlanError('%s: address and gateway are only used with method static, got method %s'
                           % (where, out['method']))
    out['address'] = check_address(address, where) if address else None
    out['gateway'] = check_gateway(gateway, out['address'], where) if gateway else None
    return out


def choose_pin_method(requested, systemd_version):
    if requested in ('udev', 'link'):
        return requested
    if requested != 'auto':
        raise NetPlanError('fleetfix_net_pin_method must be auto, udev or link, got %r' % (requested,))
    return 'link' if systemd_version and systemd_version >= LINK_SINCE_SYSTEMD else 'udev'


def udev_path_key(devpath):
    """udev KERNELS== for a NIC's USB interface or PCI function, from its sysfs path."""
    parts = devpath.split('/')
    if 'net' in parts:
        parts = parts[:parts.index('net')]
    return parts[-1] if parts else None


def render_udev(pins, source):
    lines = ['# Managed by fleetfix.kernel.persistent_net (%s). Names pinned to the NIC, not to probe order.' % source]
    for pin in pins:
        match = ('ATTR{address}=="%s"' % pin['mac']) if pin['pin_by'] == 'mac' else ('KERNELS=="%s"' % pin['path'])
        lines.append('SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", %s, ATTR{type}=="1", NAME="%s"'
                     % (match, pin['name']))
    return '\n'.join(lines) + '\n'


def render_link(pin, source):
    match = ('MACAddress=%s' % pin['mac']) if pin['pin_by'] == 'mac' else ('Path=%s' % pin['id_path'])
    return ('# Managed by fleetfix.kernel.persistent_net (%s).\n[Match]\n%s\n\n[Link]\nName=%s\n'
            % (source, match, pin['name']))


def render_ifupdown(pin, source):
    # allow-hotplug, not auto: a USB NIC can appear after networking.service has run.
    family = 'inet6' if pin.get('family') == 'inet6' else 'inet'
    lines = ['# Managed by fleetfix.kernel.persistent_net (%s).' % source, 'allow-hotplug %s' % pin['name'],
             'iface %s %s %s' % (pin['name'], family, pin['method'])]
    if pin['method'] == 'static':
        lines.append('    address %s' % pin['address'])
        if pin.get('gateway'):
            lines.append('    gateway %s' % pin['gateway'])
    return '\n'.join(lines) + '\n'


def render_ifcfg(pin, source):
    boot = {'dhcp': 'dhcp', 'static': 'none', 'manual': 'none'}[pin['method']]
    lines = ['# Managed by fleetfix.kernel.persistent_net (%s).' % source, 'DEVICE=%s' % pin['name'],
             'NAME=%s' % pin['name'], 'HWADDR=%s' % pin['mac'], 'BOOTPROTO=%s' % boot,
             'ONBOOT=%s' % ('no' if pin['method'] == 'manual' else 'yes'), 'TYPE=Ethernet']
    if pin['method'] == 'static' and pin.get('family') == 'inet6':
        # initscripts' IPv6 keys (ifup-ipv6): the address with its prefix, and the default router.
        lines += ['IPV6INIT=yes', 'IPV6ADDR=%s' % pin['address']]
        if pin.get('gateway'):
            lines.append('IPV6_DEFAULTGW=%s' % pin['gateway'])
    elif pin['method'] == 'static':
        address, _sep, prefix = pin['address'].partition('/')
        lines += ['IPADDR=%s' % address, 'PREFIX=%s' % prefix]
        if pin.get('gateway'):
            lines.append('GATEWAY=%s' % pin['gateway'])
    return '\n'.join(lines) + '\n'


def _stale_pins(facts, name, mac, method, where):
    """Pins already on the host that give this MAC another name: with ours the audit would find
    mac_pinned_twice, and which name wins depends on file order. Our own udev rules file is rewritten
    whole (when pinning by udev) and our .link file for this name is rewritten, so neither counts."""
    ours = set(['/etc/systemd/network/10-fleetfix-%s.link' % name])
    if method == 'udev':
        ours.add(UDEV_RULES_FILE)
    others = [p for p in facts.get('pins') or [] if p.get('mac') == mac and p.get('name') != name
              and p.get('file') not in ours]
    if others:
        raise NetPlanError('%s: MAC %s is already pinned to %s; a second name for one NIC is a conflict '
                           '(mac_pinned_twice). Remove that rule first' % (where, mac, ', '.join(
                               '%s by %s%s' % (p['name'], p['file'], ':%d' % p['line'] if p.get('line') else '')
                               for p in others)))


def plan(facts, interfaces, pin_method='auto', systemd_version=None, config_system='auto', os_family='Debian',
         connection_interface=None, allow_connection_rename=False, source='fleetfix_net_interfaces'):
    """Validate the request against the host and decide every file (pure)."""
    if not isinstance(interfaces, list):
        raise NetPlanError('fleetfix_net_interfaces must be a list of {name, mac or match_current_name}, got %r'
                           % (interfaces,))
    method = choose_pin_method(pin_method, systemd_version)
    if config_system == 'auto':
        config_system = 'ifcfg' if os_family == 'RedHat' else 'ifupdown'
    if config_system not in ('ifupdown', 'ifcfg', 'none'):
        raise NetPlanError('fleetfix_net_config_system must be auto, ifupdown, ifcfg or none, got %r' % (config_system,))
    # Every entry is checked on its own before the host is looked at, so a bad value is named the
    # same way on every host.
    entries = [check_entry(entry, 'fleetfix_net_interfaces[%d]' % number) for number, entry in enumerate(interfaces, 1)]
    by_mac = dict((i['mac'], i) for i in facts['interfaces'])
    by_name = dict((i['name'], i) for i in facts['interfaces'])
    pins = []
    warnings = []
    seen = {}
    seen_mac = {}
    for number, entry in enumerate(entries, 1):
        where = 'fleetfix_net_interfaces[%d]' % number
        name = entry['name']
        if name in seen:
            raise NetPlanError('%s: name %r is already given to %s' % (where, name, seen[name]))
        if KERNEL_NAME.match(name):
            warnings.append('%s: %s is in the kernel\'s own namespace; a NIC probed first may take it before the '
                            'rename (prefer a name like usbnet0)' % (where, name))
        if 'mac' in entry:
            mac = entry['mac']
            iface = by_mac.get(mac)
            if iface is None:
                raise NetPlanError('%s: no interface on this host has MAC %s (found: %s)'
                                   % (where, mac, ', '.join('%s %s' % (i['name'], i['mac']) for i in facts['interfaces'])))
        else:
            iface = by_name.get(entry['match_current_name'])
            if iface is None:
                raise NetPlanError('%s: no interface named %s on this host' % (where, entry['match_current_name']))
            mac = iface['mac']
        if mac in seen_mac:
            raise NetPlanError('%s: MAC %s (%s) already gets the name %s from %s; one NIC has one name'
                               % (where, mac, iface['name'], seen_mac[mac][0], seen_mac[mac][1]))
        pin_by = entry['pin_by']
        if pin_by == 'mac' and not iface['permanent_mac']:
            raise NetPlanError('%s: %s has a %s MAC (%s): a rule by MAC stops matching at the next boot; '
                               'set pin_by: path to pin it by its bus path (%s) instead'
                               % (where, iface['name'], iface['addr_assign_type'], mac, iface['devpath']))
        id_path = entry['id_path'] or iface.get('id_path')
        if pin_by == 'path' and method == 'link' and not id_path:
            raise NetPlanError('%s: udev knows no ID_PATH for %s; give id_path or use fleetfix_net_pin_method: udev'
                               % (where, iface['name']))
        if id_path and not entry['id_path']:  # from the host's udev database: checked like the variable
            check_id_path(id_path, where, 'the ID_PATH udev reports for %s,' % iface['name'])
        path_key = udev_path_key(iface['devpath'])
        if pin_by == 'path' and method == 'udev' and not (path_key and KERNELS_KEY.match(path_key)):
            raise NetPlanError('%s: the sysfs path of %s (%r) gives no device name a udev rule can match'
                               % (where, iface['name'], iface['devpath']))
        if connection_interface and iface['name'] == connection_interface and name != iface['name'] \
                and not allow_connection_rename:
            raise NetPlanError('%s: %s carries this Ansible connection; renaming it to %s would drop it. Set '
                               'fleetfix_net_allow_connection_rename: true if its new name is configured'
                               % (where, iface['name'], name))
        if pin_by == 'mac':
            _stale_pins(facts, name, mac, method, where)
        seen[name] = where
        seen_mac[mac] = (name, where)
        address = entry['address']
        pin = {'name': name, 'mac': mac, 'current_name': iface['name'], 'pin_by': pin_by,
               'path': path_key, 'id_path': id_path, 'method': entry['method'],
               'address': str(address) if address else None,
               'family': ('inet6' if address.version == 6 else 'inet') if address else None,
               'gateway': str(entry['gateway']) if entry['gateway'] else None,
               'rename': iface['name'] != name}
        pins.append(pin)
    files = []
    if method == 'udev' and pins:
        files.append({'path': '/etc/udev/rules.d/70-fleetfix-persistent-net.rules', 'content': render_udev(pins, source)})
    elif method == 'link':
        for pin in pins:
            files.append({'path': '/etc/systemd/network/10-fleetfix-%s.link' % pin['name'],
                          'content': render_link(pin, source)})
    for pin in pins:
        if config_system == 'ifupdown':
            files.append({'path': '/etc/network/interfaces.d/fleetfix-%s' % pin['name'],
                          'content': render_ifupdown(pin, source)})
        elif config_system == 'ifcfg':
            files.append({'path': '/etc/sysconfig/network-scripts/ifcfg-%s' % pin['name'],
                          'content': render_ifcfg(pin, source)})
    return {'pin_method': method, 'config_system': config_system, 'pins': pins, 'files': files,
            'renames': [p for p in pins if p['rename']], 'warnings': warnings}
