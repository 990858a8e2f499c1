# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan persistent interface names (seed story 7, issue 16): validate, choose the pin and the
configuration system, render the files, and name the old configuration to take out of the way.

Pure functions: the role persistent_net's Decide step (the persistent_net_plan filter). The plan
holds the exact content and mode of every file the role writes and every file it moves away, so
--check and --diff show them before anything is written (the net_config_files module writes them).

The configuration systems, and what the plan writes for each (one file per interface, named after
its new name):

- ifupdown: ``/etc/network/interfaces.d/fleetfix-NAME`` (0644), an ``allow-hotplug`` stanza;
- ifcfg (EL initscripts): ``/etc/sysconfig/network-scripts/ifcfg-NAME`` (0644) with ``HWADDR``;
- netplan: ``/etc/netplan/60-fleetfix-NAME.yaml`` (0600: netplan 0.106 warns about a file others
  can read), ``match: macaddress`` + ``set-name``, the address and a ``to: default`` route;
- networkmanager: the keyfile ``/etc/NetworkManager/system-connections/fleetfix-NAME.nmconnection``
  (0600: NetworkManager ignores a keyfile anyone but root can read), bound by ``interface-name``
  and ``[ethernet] mac-address`` (the permanent MAC);
- networkd: ``/etc/systemd/network/10-fleetfix-NAME.network`` (0644), ``[Match] Name=NAME``;
  the first .network file in lexical order that matches a link is the one networkd applies, and
  10-fleetfix sorts before the usual 20-..., 50-..., 99-... and netplan's generated 10-netplan-.

The configuration that named the interface before (its old name, or its MAC) is moved to
``/var/lib/fleetfix/persistent_net/disabled/``, outside every directory a configuration system
reads: NetworkManager reads every file in system-connections whatever its suffix, and ifupdown's
``source interfaces.d/*`` every file there, so renaming it in place would not disable it. A file
that also configures other interfaces is never edited: the plan is refused, naming the file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re
import unicodedata
import uuid

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
LINK_FILE = '/etc/systemd/network/10-fleetfix-%s.link'
# The configuration systems fleetfix_net_config_system names (auto picks one per interface,
# none writes no address configuration), with the file each writes and its mode.
CONFIG_SYSTEMS = ('ifupdown', 'ifcfg', 'netplan', 'networkmanager', 'networkd')
CONFIG_CHOICES = ('auto',) + CONFIG_SYSTEMS + ('none',)
CONFIG_FILES = {
    'ifupdown': ('/etc/network/interfaces.d/fleetfix-%s', '0644'),
    'ifcfg': ('/etc/sysconfig/network-scripts/ifcfg-%s', '0644'),
    'netplan': ('/etc/netplan/60-fleetfix-%s.yaml', '0600'),
    'networkmanager': ('/etc/NetworkManager/system-connections/fleetfix-%s.nmconnection', '0600'),
    'networkd': ('/etc/systemd/network/10-fleetfix-%s.network', '0644'),
}
PIN_FILE_MODE = '0644'
# Where each system reads the files the role may move away (one level, no subdirectories; the
# net_config_files module holds the same list and refuses anything else).
CONFIG_DIRS = {
    '/etc/network/interfaces.d': 'ifupdown',
    '/etc/sysconfig/network-scripts': 'ifcfg',
    '/etc/netplan': 'netplan',
    '/etc/NetworkManager/system-connections': 'networkmanager',
    '/etc/systemd/network': 'networkd',
}
IFUPDOWN_MAIN = '/etc/network/interfaces'
# Outside every directory a configuration system reads; net_config_files creates it (0700).
DISABLED_DIR = '/var/lib/fleetfix/persistent_net/disabled'
NETPLAN_RENDERERS = ('networkd', 'NetworkManager')
# A keyfile's uuid, the same for the same name on every host and every run (as cloud-init does).
KEYFILE_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, 'https://github.com/fleetfix/kernel/roles/persistent_net')


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


# What a rendered value may hold, in every format the role writes (YAML, keyfile, INI, shell):
# the characters of names, MACs and addresses, nothing that quotes, comments, escapes or ends a line.
SAFE_SCALAR = re.compile(r'^[A-Za-z0-9_.:/-]{1,64}\Z')


def _safe(text):
    if not SAFE_SCALAR.match(text):
        raise NetPlanError('refusing to write %r into a configuration file' % (text,))
    return text


def _yaml(text):
    """A double-quoted YAML scalar. Every value that reaches here was checked (names, MACs,
    ipaddress-normalised addresses, the renderer): none holds a quote, a backslash or a line break,
    and quoting keeps YAML 1.1 from reading a name like ``yes`` or ``off`` as a boolean, or a MAC as a
    number."""
    if not SAFE_SCALAR.match(text):
        raise NetPlanError('refusing to write %r into YAML' % (text,))
    return '"%s"' % text


def _values(pin):
    """The values of a pin that the renderers write, checked once more against SAFE_SCALAR."""
    for key in ('name', 'mac', 'address', 'gateway'):
        if pin.get(key) is not None:
            _safe(pin[key])
    return pin


def render_netplan(pin, source, renderer=None):
    """netplan YAML (doc/netplan-yaml.md, 0.106): match by the permanent MAC and set-name, or by the
    id alone when pinned by path (no stable MAC to match); routes ``to: default`` (gateway4/6 are
    deprecated since 0.103). ``renderer`` on the device only: a ``network: renderer`` would be merged
    over every other file's."""
    _values(pin)
    name = pin['name']
    lines = ['# Managed by fleetfix.kernel.persistent_net (%s).' % source, 'network:', '  version: 2',
             '  ethernets:', '    %s:' % _yaml(name)]
    if renderer:
        lines.append('      renderer: %s' % _safe(renderer))
    if pin['pin_by'] == 'mac':
        lines += ['      match:', '        macaddress: %s' % _yaml(pin['mac']), '      set-name: %s' % _yaml(name)]
    if pin['method'] == 'dhcp':
        lines += ['      dhcp4: true', '      dhcp6: true']
    elif pin['method'] == 'static':
        lines += ['      addresses:', '        - %s' % _yaml(pin['address'])]
        if pin.get('gateway'):
            lines += ['      routes:', '        - to: default', '          via: %s' % _yaml(pin['gateway'])]
    return '\n'.join(lines) + '\n'


def keyfile_uuid(name):
    return str(uuid.uuid5(KEYFILE_UUID_NAMESPACE, name))


def render_keyfile(pin, source):
    """A NetworkManager keyfile (nm-settings-keyfile(5)): bound to the pinned name and, pinned by MAC,
    to the permanent MAC too (``[ethernet] mac-address`` matches the permanent address, it does not
    set it); the gateway after the first address, as NetworkManager writes it itself."""
    _values(pin)
    name = pin['name']
    lines = ['# Managed by fleetfix.kernel.persistent_net (%s).' % source, '[connection]', 'id=fleetfix-%s' % name,
             'uuid=%s' % keyfile_uuid(name), 'type=ethernet', 'interface-name=%s' % name, 'autoconnect=true', '']
    if pin['pin_by'] == 'mac':
        lines += ['[ethernet]', 'mac-address=%s' % pin['mac'], '']
    six = pin.get('family') == 'inet6'
    if pin['method'] == 'dhcp':
        ipv4, ipv6 = ['method=auto'], ['method=auto']
    elif pin['method'] == 'static':
        manual = ['method=manual', 'address1=%s%s' % (pin['address'], ',' + pin['gateway'] if pin.get('gateway') else '')]
        ipv4, ipv6 = (['method=disabled'], manual) if six else (manual, ['method=ignore'])
    else:  # manual: the link up, no address
        ipv4, ipv6 = ['method=disabled'], ['method=ignore']
    lines += ['[ipv4]'] + ipv4 + ['', '[ipv6]'] + ipv6
    return '\n'.join(lines) + '\n'


def render_networkd(pin, source):
    """A systemd-networkd .network file (systemd.network(5)) matching the pinned name."""
    _values(pin)
    lines = ['# Managed by fleetfix.kernel.persistent_net (%s).' % source, '[Match]', 'Name=%s' % pin['name'], '',
             '[Network]']
    if pin['method'] == 'dhcp':
        lines.append('DHCP=yes')
    elif pin['method'] == 'static':
        lines.append('Address=%s' % pin['address'])
        if pin.get('gateway'):
            lines.append('Gateway=%s' % pin['gateway'])
    else:
        lines.append('DHCP=no')
    return '\n'.join(lines) + '\n'


RENDERERS = {'ifupdown': render_ifupdown, 'ifcfg': render_ifcfg, 'networkmanager': render_keyfile,
             'networkd': render_networkd}


def render_config(system, pin, source, renderer=None):
    if system == 'netplan':
        return render_netplan(pin, source, renderer)
    return RENDERERS[system](_values(pin), source)


# ---------------------------------------------------------------------------------------
# What the facts say about the host (they come from its files: checked before use)


def _system_name(value):
    """A configuration system as the facts name it ('NetworkManager' in older facts)."""
    return value.lower() if isinstance(value, str) else value


def _systems(facts):
    systems = facts.get('systems')
    return systems if isinstance(systems, dict) else None


def _present(systems, system):
    info = systems.get(system) if systems else None
    return isinstance(info, dict) and bool(info.get('present'))


def _running(systems, system):
    info = systems.get(system) if systems else None
    return isinstance(info, dict) and bool(info.get('running'))


def _host_summary(systems):
    found = []
    for system in CONFIG_SYSTEMS:
        if _running(systems, system):
            found.append('%s running' % system)
        elif _present(systems, system):
            found.append('%s present' % system)
    return ', '.join(found) or 'none of them present'


def netplan_renderer(systems):
    """The host's netplan renderer (networkd or NetworkManager), or None when no file sets one."""
    info = (systems or {}).get('netplan') or {}
    renderer = info.get('renderer') if isinstance(info, dict) else None
    if renderer in (None, ''):
        return None
    if renderer not in NETPLAN_RENDERERS:
        raise NetPlanError('netplan\'s renderer on this host is %r; the role writes netplan files for %s only'
                           % (renderer, ' or '.join(NETPLAN_RENDERERS)))
    return renderer


def _config_entries(iface):
    """The interface's config_files entries with their system normalised (a list of dicts)."""
    entries = iface.get('config_files') or []
    if not isinstance(entries, list):
        raise NetPlanError('the facts\' config_files of %s is not a list: %r' % (iface['name'], entries))
    out = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get('path'), str):
            raise NetPlanError('the facts\' config_files of %s hold %r, not {system, path, ids}' % (iface['name'], entry))
        ids = entry.get('ids') or []
        if not isinstance(ids, list):
            raise NetPlanError('the facts\' config_files of %s: ids of %r is not a list' % (iface['name'], entry['path']))
        out.append(dict(entry, system=_system_name(entry.get('system')), ids=ids))
    return out


def choose_config_system(requested, iface, systems, where):
    """The system that configures this interface: ``requested``, or with auto the one that owns it
    now (runtime state), else the single one whose files name it. Refused, naming what was looked
    for and found, when that is none or several, or when the system is not on the host."""
    if requested == 'none':
        return 'none'
    if systems is None:
        raise NetPlanError('%s: the fleetfix_net facts do not say which configuration systems this host has '
                           '(fleetfix.kernel.net_iface_facts from before issue 16?); gather them again, or set '
                           'fleetfix_net_config_system: none' % where)
    name = iface['name']
    if requested != 'auto':
        if not _present(systems, requested):
            raise NetPlanError('%s: fleetfix_net_config_system is %s, but %s is not present on this host (found: %s)'
                               % (where, requested, requested, _host_summary(systems)))
        return requested
    owner = _system_name(iface.get('owner'))
    if owner:
        if owner not in CONFIG_SYSTEMS:
            raise NetPlanError('%s: the facts say %r configures %s, a system the role does not write for (%s) - '
                               'set fleetfix_net_config_system' % (where, owner, name, ', '.join(CONFIG_SYSTEMS)))
        return owner
    configured_by = []
    for system in iface.get('configured_by') or []:
        system = _system_name(system)
        if system not in configured_by:
            configured_by.append(system)
    files = dict((e['system'], e['path']) for e in _config_entries(iface))
    if not configured_by:
        raise NetPlanError('%s: no configuration system owns %s: looked for %s; none configures it or runs it (on this '
                           'host: %s) - set fleetfix_net_config_system' % (where, name, ', '.join(CONFIG_SYSTEMS),
                                                                           _host_summary(systems)))
    if len(configured_by) > 1:
        raise NetPlanError('%s: several configuration systems configure %s and none of them runs it: %s - set '
                           'fleetfix_net_config_system to the one that should (the others\' files are then moved '
                           'out of the way when they configure only %s)' % (
                               where, name, ', '.join('%s (%s)' % (s, files[s]) if s in files else s for s in configured_by),
                               name))
    system = configured_by[0]
    if system not in CONFIG_SYSTEMS:
        raise NetPlanError('%s: %s is configured by %r, a system the role does not write for (%s) - set '
                           'fleetfix_net_config_system' % (where, name, system, ', '.join(CONFIG_SYSTEMS)))
    if not _present(systems, system):
        raise NetPlanError('%s: %s is configured only by %s files (%s), but %s is not present on this host (found: %s) - '
                           'set fleetfix_net_config_system' % (where, name, system, files.get(system, '?'), system,
                                                               _host_summary(systems)))
    return system


# A path the facts name: absolute, no '.', '..' or empty component, no control character (a
# newline would end a diff header, a NUL the path). Other Unicode is allowed: NetworkManager names
# its profiles after the locale ("Wired connection 1" in English).
def check_host_path(value, what):
    bad = not isinstance(value, str) or not value.startswith('/') or value.endswith('/')
    if not bad:
        parts = value.split('/')[1:]
        bad = any(part in ('', '.', '..') for part in parts) or any(
            unicodedata.category(char)[0] == 'C' for char in value) or len(value) > 1024
    if bad:
        raise NetPlanError('%s: %r is not a clean absolute path' % (what, value))
    return value


def disabled_path(path):
    """Where a configuration file taken out of the way goes: /etc/netplan/50-cloud-init.yaml ->
    /var/lib/fleetfix/persistent_net/disabled/etc_netplan_50-cloud-init.yaml."""
    return '%s/%s' % (DISABLED_DIR, path.lstrip('/').replace('/', '_'))


def _file_users(facts, path):
    """Every interface (by its current name) whose config_files name ``path``, and the ids that file configures."""
    users, ids = [], []
    for iface in facts['interfaces']:
        for entry in _config_entries(iface):
            if entry['path'] == path:
                if iface['name'] not in users:
                    users.append(iface['name'])
                ids.extend(i for i in entry['ids'] if i not in ids)
    return users, ids


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def plan_moves(facts, iface, name, ours, where, warnings, netplan_pins=()):
    """The configuration files that configure this interface now (by its name or its MAC), other than
    the role's own, and the netplan files holding a set-name pin that gives its MAC another name: each
    is to be moved to DISABLED_DIR, so that at the next boot nothing but the new file configures the
    NIC, and nothing configures whatever NIC takes its old name. Refused when a file also configures
    other interfaces (its ids, another interface's config_files, another MAC's pin), when it is
    ifupdown's main file, or when it lives where the role does not move files from."""
    current = iface['name']
    candidates = [(e['path'], e['system'], e['ids']) for e in _config_entries(iface)]
    candidates += [(path, 'netplan', []) for path in netplan_pins]
    moves = []
    for path, system, ids in candidates:
        check_host_path(path, '%s: a configuration file of %s' % (where, current))
        if path in ours or any(m['path'] == path for m in moves):
            continue
        users, all_ids = _file_users(facts, path)
        id_set = _unique(list(ids) + all_ids)
        other_users = [u for u in users if u != current]
        # One id is this NIC's definition whatever it is called (a netplan id like 'lan'); with several,
        # every id but its old and new names is another interface's.
        other_ids = [i for i in id_set if i not in (current, name)] if len(id_set) > 1 else []
        other_pins = ['%s (MAC %s)' % (p.get('name'), p.get('mac')) for p in facts.get('pins') or []
                      if p.get('file') == path and p.get('mac') != iface['mac']]
        if other_users or other_pins or other_ids:
            raise NetPlanError('%s: %s configures %s and also %s; the role does not edit a file that configures other '
                               'interfaces - move the configuration of %s into a file of its own (or delete it), then '
                               'run again' % (where, path, current, ', '.join(_unique(other_users + other_ids + other_pins)),
                                              current))
        if path in netplan_pins and not users:
            raise NetPlanError('%s: %s pins MAC %s to another name (netplan set-name), and the facts do not say what '
                               'else it configures; move it out of /etc/netplan by hand, then run again'
                               % (where, path, iface['mac']))
        if path == IFUPDOWN_MAIN:
            raise NetPlanError('%s: %s configures %s in %s, ifupdown\'s main file; the role does not move it - move the '
                               'stanza into /etc/network/interfaces.d (or delete it), then run again'
                               % (where, path, current, IFUPDOWN_MAIN))
        directory = path.rsplit('/', 1)[0]
        if directory not in CONFIG_DIRS:
            if path.startswith('/run/'):
                warnings.append('%s: %s configures %s; it is under /run (generated at every boot), so it is left '
                                'alone - the file it is generated from is what counts' % (where, path, current))
                continue
            raise NetPlanError('%s: %s configures %s; the role moves files only from %s - take it out of the way '
                               'by hand (a package\'s file under /lib or /usr/lib: mask it with an empty file of '
                               'the same name in /etc), then run again' % (where, path, current, ', '.join(sorted(CONFIG_DIRS))))
        moves.append({'path': path, 'to': disabled_path(path), 'system': system or CONFIG_DIRS[directory]})
    return moves


def _stale_pins(facts, name, mac, method, where, movable=False):
    """Pins already on the host that give this MAC another name: with ours the audit would find
    mac_pinned_twice, and which name wins depends on file order. Our own udev rules file is rewritten
    whole (when pinning by udev) and our .link file for this name is rewritten, so neither counts.
    With ``movable``, netplan set-name pins are returned (their files are moved out of the way with
    the rest of the old configuration) instead of refused."""
    ours = set([LINK_FILE % name, CONFIG_FILES['netplan'][0] % name])
    if method == 'udev':
        ours.add(UDEV_RULES_FILE)
    others = [p for p in facts.get('pins') or [] if p.get('mac') == mac and p.get('name') != name
              and p.get('file') not in ours]
    netplan_files = []
    if movable:
        netplan_files = sorted(set(p['file'] for p in others if p.get('method') == 'netplan' and isinstance(p.get('file'), str)))
        others = [p for p in others if p.get('method') != 'netplan']
    if others:
        raise NetPlanError('%s: MAC %s is already pinned to %s; a second name for one NIC is a conflict '
                           '(mac_pinned_twice). Remove that rule first' % (where, mac, ', '.join(
                               '%s by %s%s' % (p['name'], p['file'], ':%d' % p['line'] if p.get('line') else '')
                               for p in others)))
    return netplan_files


def check_config_system(value):
    if value not in CONFIG_CHOICES:
        raise NetPlanError('fleetfix_net_config_system must be one of %s, got %r' % (', '.join(CONFIG_CHOICES), value))
    return value


def _reloads(touched, systems):
    """What to tell the daemons once the files changed (the net_activate module): netplan generate
    (never netplan apply: it renames links itself), then networkctl reload / nmcli connection reload
    for the daemons that run and whose files changed, or that render netplan's."""
    daemons = set(s for s in touched if s in ('networkd', 'networkmanager'))
    out = []
    if 'netplan' in touched:
        out.append('netplan')
        daemons.add('networkmanager' if netplan_renderer(systems) == 'NetworkManager' else 'networkd')
    out += [d for d in ('networkd', 'networkmanager') if d in daemons and _running(systems, d)]
    return out


def _activation(pins, method, live_rename, warnings):
    """What the net_activate module gets per pin (exactly its options), and whether the renames
    happen now (live) or at the next boot. Live only when asked and when every renamed NIC is down:
    Linux renames only a link that is not up (dev_change_name: -EBUSY), and with one rename waiting
    for the boot anyway, renaming the others now would only bring half the new names up before it."""
    renames = [p for p in pins if p['rename']]
    up = [p for p in renames if p['admin_up'] is not False]
    live = bool(live_rename and renames and not up)
    if live_rename and up:
        warnings.append('fleetfix_net_live_rename: %s; every rename waits for the next boot'
                        % ', '.join('%s is %s' % (p['current_name'], 'up' if p['admin_up'] else 'of unknown state')
                                    for p in up))
    activate = []
    for pin in pins:
        paths = [UDEV_RULES_FILE if method == 'udev' else LINK_FILE % pin['name']]
        if pin['config_file']:
            paths.append(pin['config_file'])
        if pin['config_system'] == 'ifupdown':
            paths.append(IFUPDOWN_MAIN)  # the role makes it source interfaces.d
        paths += [m['path'] for m in pin['moves']]
        activate.append({'name': pin['name'], 'current_name': pin['current_name'], 'mac': pin['mac'],
                         'config_system': pin['config_system'], 'method': pin['method'], 'address': pin['address'],
                         'connection_uuid': keyfile_uuid(pin['name']) if pin['config_system'] == 'networkmanager' else None,
                         'paths': paths})
    return live, activate


def plan(facts, interfaces, pin_method='auto', systemd_version=None, config_system='auto',
         connection_interface=None, allow_connection_rename=False, source='fleetfix_net_interfaces',
         live_rename=False):
    """Validate the request against the host and decide every file (pure)."""
    if not isinstance(interfaces, list):
        raise NetPlanError('fleetfix_net_interfaces must be a list of {name, mac or match_current_name}, got %r'
                           % (interfaces,))
    method = choose_pin_method(pin_method, systemd_version)
    check_config_system(config_system)
    # Every entry is checked on its own before the host is looked at, so a bad value is named the
    # same way on every host.
    entries = [check_entry(entry, 'fleetfix_net_interfaces[%d]' % number) for number, entry in enumerate(interfaces, 1)]
    systems = _systems(facts)
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
        system = choose_config_system(config_system, iface, systems, where)
        netplan_pins = _stale_pins(facts, name, mac, method, where, movable=system != 'none') if pin_by == 'mac' else []
        seen[name] = where
        seen_mac[mac] = (name, where)
        address = entry['address']
        pin = {'name': name, 'mac': mac, 'current_name': iface['name'], 'pin_by': pin_by,
               'path': path_key, 'id_path': id_path, 'method': entry['method'],
               'address': str(address) if address else None,
               'family': ('inet6' if address.version == 6 else 'inet') if address else None,
               'gateway': str(entry['gateway']) if entry['gateway'] else None,
               'rename': iface['name'] != name, 'admin_up': iface.get('admin_up'),
               'config_system': system, 'config_file': None, 'moves': [],
               '_iface': iface, '_netplan_pins': netplan_pins, '_where': where}
        if system != 'none':
            pin['config_file'] = CONFIG_FILES[system][0] % name
        if system in ('networkd', 'networkmanager') and not _running(systems, system):
            warnings.append('%s: %s is installed but not running: %s takes effect once it runs'
                            % (where, system, pin['config_file']))
        if system == 'ifcfg' and pin_by != 'mac':
            warnings.append('%s: an ifcfg file binds by HWADDR, and %s has no permanent MAC: the file names the MAC '
                            'it has now' % (where, iface['name']))
        pins.append(pin)
    # A new name another NIC holds and keeps (no pin renames it away) would clash at every boot.
    leaving = set(p['current_name'] for p in pins if p['rename'])
    for pin in pins:
        holder = by_name.get(pin['name'])
        if pin['rename'] and holder is not None and holder['mac'] != pin['mac'] and pin['name'] not in leaving:
            raise NetPlanError('%s: %s is the name of another NIC here (MAC %s), which keeps it; pin that NIC to '
                               'another name in the same run, or choose another name'
                               % (pin['_where'], pin['name'], holder['mac']))
    files = []
    if method == 'udev' and pins:
        files.append({'path': UDEV_RULES_FILE, 'content': render_udev(pins, source), 'mode': PIN_FILE_MODE})
    elif method == 'link':
        for pin in pins:
            files.append({'path': LINK_FILE % pin['name'], 'content': render_link(pin, source), 'mode': PIN_FILE_MODE})
    renderer = netplan_renderer(systems) if any(p['config_system'] == 'netplan' for p in pins) else None
    for pin in pins:
        if pin['config_system'] != 'none':
            files.append({'path': pin['config_file'], 'content': render_config(pin['config_system'], pin, source, renderer),
                          'mode': CONFIG_FILES[pin['config_system']][1]})
    ours = set(f['path'] for f in files)
    removals = []
    touched = set(p['config_system'] for p in pins if p['config_system'] != 'none')
    for pin in pins:
        iface, where, netplan_pins = pin.pop('_iface'), pin.pop('_where'), pin.pop('_netplan_pins')
        if pin['config_system'] == 'none':
            continue
        for move in plan_moves(facts, iface, pin['name'], ours, where, warnings, netplan_pins):
            if any(r['path'] == move['path'] for r in removals):
                continue
            removals.append({'path': move['path'], 'to': move['to']})
            pin['moves'].append(move)
            if move['system'] in CONFIG_SYSTEMS:
                touched.add(move['system'])
    if not isinstance(live_rename, bool):
        raise NetPlanError('fleetfix_net_live_rename must be true or false, got %r' % (live_rename,))
    live, activate = _activation(pins, method, live_rename, warnings)
    return {'pin_method': method, 'config_system': config_system, 'pins': pins, 'files': files, 'removals': removals,
            'config_systems': [s for s in CONFIG_SYSTEMS if s in touched], 'reload': _reloads(touched, systems),
            'renames': [p for p in pins if p['rename']], 'live': live, 'activate': activate,
            'running': [d for d in ('networkd', 'networkmanager') if _running(systems, d)],
            # netplan's own default is networkd
            'netplan_renderer': (renderer or 'networkd') if 'netplan' in touched else None, 'warnings': warnings}
