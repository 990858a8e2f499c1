# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan persistent interface names (seed story 7): validate, choose the pin, render the files.

Pure functions: the role's decide step. The plan holds the exact content of every file the
role writes, so --check and --diff show it before anything is written.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.netif import KERNEL_NAME, MAC

# include/linux/netdevice.h IFNAMSIZ is 16 with the trailing NUL; '/', ':' and whitespace are
# refused by dev_valid_name(); keep to what every tool quotes safely.
NAME = re.compile(r'^[A-Za-z][A-Za-z0-9_.-]{0,14}$')
METHODS = ('dhcp', 'static', 'manual')
# systemd 209 brought .link files (net_setup_link); before it, udev NAME= rules.
LINK_SINCE_SYSTEMD = 209


class NetPlanError(ValueError):
    """Invalid or unsafe interface naming request."""


def _mac(value, where):
    mac = str(value).strip().lower().replace('-', ':')
    if not MAC.match(mac):
        raise NetPlanError('%s: %r is not a MAC address (six hex pairs, like 00:0e:c6:00:00:03)' % (where, value))
    return mac


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
    lines = ['# Managed by fleetfix.kernel.persistent_net (%s).' % source, 'allow-hotplug %s' % pin['name'],
             'iface %s inet %s' % (pin['name'], pin['method'])]
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
    if pin['method'] == 'static':
        address, _sep, prefix = pin['address'].partition('/')
        lines += ['IPADDR=%s' % address, 'PREFIX=%s' % (prefix or '24')]
        if pin.get('gateway'):
            lines.append('GATEWAY=%s' % pin['gateway'])
    return '\n'.join(lines) + '\n'


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
    by_mac = dict((i['mac'], i) for i in facts['interfaces'])
    by_name = dict((i['name'], i) for i in facts['interfaces'])
    pins = []
    warnings = []
    seen = {}
    for number, entry in enumerate(interfaces, 1):
        where = 'fleetfix_net_interfaces[%d]' % number
        if not isinstance(entry, dict) or 'name' not in entry:
            raise NetPlanError('%s needs a name, got %r' % (where, entry))
        name = str(entry['name'])
        if len(name) > 15:
            raise NetPlanError('%s: name %r is %d characters; the kernel allows 15' % (where, name, len(name)))
        if not NAME.match(name):
            raise NetPlanError('%s: name %r may hold only letters, digits, "_", "." and "-", starting with a letter'
                               % (where, name))
        if name in seen:
            raise NetPlanError('%s: name %r is already given to %s' % (where, name, seen[name]))
        if KERNEL_NAME.match(name):
            warnings.append('%s: %s is in the kernel\'s own namespace; a NIC probed first may take it before the '
                            'rename (prefer a name like usbnet0)' % (where, name))
        if 'mac' in entry and entry['mac']:
            mac = _mac(entry['mac'], where)
            iface = by_mac.get(mac)
            if iface is None:
                raise NetPlanError('%s: no interface on this host has MAC %s (found: %s)'
                                   % (where, mac, ', '.join('%s %s' % (i['name'], i['mac']) for i in facts['interfaces'])))
        elif entry.get('match_current_name'):
            iface = by_name.get(entry['match_current_name'])
            if iface is None:
                raise NetPlanError('%s: no interface named %s on this host' % (where, entry['match_current_name']))
            mac = iface['mac']
        else:
            raise NetPlanError('%s (%s) needs mac or match_current_name' % (where, name))
        pin_by = entry.get('pin_by', 'mac')
        if pin_by == 'mac' and not iface['permanent_mac']:
            raise NetPlanError('%s: %s has a %s MAC (%s): a rule by MAC stops matching at the next boot; '
                               'set pin_by: path to pin it by its bus path (%s) instead'
                               % (where, iface['name'], iface['addr_assign_type'], mac, iface['devpath']))
        if pin_by not in ('mac', 'path'):
            raise NetPlanError('%s: pin_by must be mac or path, got %r' % (where, pin_by))
        if pin_by == 'path' and method == 'link' and not (entry.get('id_path') or iface.get('id_path')):
            raise NetPlanError('%s: udev knows no ID_PATH for %s; give id_path or use fleetfix_net_pin_method: udev'
                               % (where, iface['name']))
        if connection_interface and iface['name'] == connection_interface and name != iface['name'] \
                and not allow_connection_rename:
            raise NetPlanError('%s: %s carries this Ansible connection; renaming it to %s would drop it. Set '
                               'fleetfix_net_allow_connection_rename: true if its new name is configured'
                               % (where, iface['name'], name))
        address_method = entry.get('method', 'dhcp')
        if address_method not in METHODS:
            raise NetPlanError('%s: method must be dhcp, static or manual, got %r' % (where, address_method))
        if address_method == 'static' and not entry.get('address'):
            raise NetPlanError('%s: method static needs address (like 192.0.2.10/24)' % where)
        seen[name] = where
        pin = {'name': name, 'mac': mac, 'current_name': iface['name'], 'pin_by': pin_by,
               'path': udev_path_key(iface['devpath']), 'id_path': entry.get('id_path') or iface.get('id_path'),
               'method': address_method, 'address': entry.get('address'), 'gateway': entry.get('gateway'),
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
