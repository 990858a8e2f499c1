#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: net_activate
short_description: Tell the network daemons about new configuration, rename NICs that are down, say whether a reboot is due
version_added: 0.3.0
description:
  - The last Apply step of the P(fleetfix.kernel.persistent_net#role) role, after
    M(fleetfix.kernel.net_config_files) wrote the files. It runs what the
    C(fleetfix.kernel.persistent_net_plan) filter planned and decides nothing of its own but what the
    host says now.
  - "In this order, and only for what changed (O(changed_paths)): C(netplan generate) when a netplan file
    changed (never C(netplan apply), which renames every link whose C(set-name) differs and restarts the
    backends); with O(live_rename), C(ip link set dev OLD name NEW) for each NIC to rename; then
    C(networkctl reload) and C(nmcli connection reload) (O(reload)) - only when everything is taken live,
    since with anything waiting for the boot a reload would take old configuration off links now (the
    Ansible connection's among them); then each NIC taken live is brought up by its configuration system
    (C(ifup NEW), C(networkctl reconfigure NEW), C(nmcli connection up uuid UUID), C(nmcli device connect NEW)).
    A bring-up that fails on a NIC without carrier (no cable) is a warning, not a failure."
  - "O(live_rename) is all or nothing: it renames only when every NIC to rename is down (no C(IFF_UP) flag -
    Linux refuses to rename a link that is up, and the module never takes a link down), still there with its
    MAC, its new name held by no link (C(ip link show dev NEW), altnames and virtual links included) and its
    daemon running (O(running)), and every NIC whose configuration changed under its own name is down too.
    Otherwise everything waits for the boot, RV(boot_pending) says why, and the daemons are not reloaded."
  - "A live rename is verified: the new name carries the MAC, the link is up and, for a static address,
    the address is on it within O(timeout) seconds; otherwise the module fails naming what is missing.
    It does not rename back: the files already name the new name and the pin gives it at every boot."
  - RV(reboot_required) is true when a changed file of a pin takes effect only at boot - a rename not done
    live, or the configuration of a NIC that is up. The role reboots on it when allowed.
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - C(ip) (iproute2) with O(live_rename), to rename a NIC that is down (C(ip link set dev OLD name NEW)) and, in a
    real run, to read its addresses back (C(ip -o addr show))
  - C(netplan) for C(netplan generate), when a file under C(/etc/netplan) changed and O(reload) holds V(netplan)
  - C(networkctl) for C(networkctl reload) (V(networkd) in O(reload)) and C(networkctl reconfigure), which brings up a
    live-renamed NIC of networkd, or of netplan with the networkd renderer (or none given)
  - C(nmcli) for C(nmcli connection reload) (V(networkmanager) in O(reload)) and C(nmcli connection up) or C(nmcli device
    connect), which bring up a live-renamed NIC of NetworkManager, or of netplan with the NetworkManager renderer
  - C(ifup) (ifupdown, or the initscripts of ifcfg) to bring up a live-renamed NIC configured by ifupdown or ifcfg
  - Each of these only for the step that uses it; that step fails without it, under C(--check) too (the command is looked
    up to be listed in RV(commands))
options:
  pins:
    description: The pins, as the plan's C(activate) list gives them.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The new name.
        type: str
        required: true
      current_name:
        description: The name the NIC had when the plan was made.
        type: str
        required: true
      mac:
        description: Its MAC (lower-case, colon-separated).
        type: str
        required: true
      config_system:
        description: What configures it under the new name.
        type: str
        required: true
        choices: [ifupdown, ifcfg, netplan, networkmanager, networkd, none]
      method:
        description: C(dhcp), C(static) or C(manual).
        type: str
        default: manual
        choices: [dhcp, static, manual]
      address:
        description: The static address (C(192.0.2.10/24)), checked on the link after a live rename.
        type: str
      connection_uuid:
        description: The NetworkManager profile to bring up (V(networkmanager) only).
        type: str
      paths:
        description: Every file the pin's name and configuration depend on.
        type: list
        elements: str
        default: []
  changed_paths:
    description: The files M(fleetfix.kernel.net_config_files) wrote or moved in this run.
    type: list
    elements: str
    default: []
  reload:
    description: The plan's C(reload) list - which of C(netplan generate), C(networkctl reload) and C(nmcli connection reload) apply.
    type: list
    elements: str
    default: []
    choices: [netplan, networkd, networkmanager]
  netplan_renderer:
    description: The renderer of the netplan files (how a NIC configured by netplan is brought up).
    type: str
    choices: [networkd, NetworkManager]
  live_rename:
    description: Rename the NICs now when every one to rename is down.
    type: bool
    default: false
  running:
    description:
      - The daemons that run on the host (the plan's C(running)); a NIC whose configuration system's daemon does
        not run is not brought up now - everything waits for the boot then.
    type: list
    elements: str
    default: []
    choices: [networkd, networkmanager]
  timeout:
    description: Seconds a live-renamed NIC has to come up with its address.
    type: int
    default: 30
attributes:
  check_mode:
    description: Reads the links as a real run does and returns the same RV(commands), RV(renamed), RV(reboot_required) and C(changed); runs none of them.
    support: full
  diff_mode:
    description: No files are written here (M(fleetfix.kernel.net_config_files) shows those).
    support: none
extends_documentation_fragment:
  - fleetfix.kernel.linux_host
seealso:
  - module: fleetfix.kernel.net_config_files
  - module: fleetfix.kernel.net_iface_facts
  - plugin: fleetfix.kernel.persistent_net_plan
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Tell the daemons, rename NICs that are down
  fleetfix.kernel.net_activate:
    pins: "{{ fleetfix_net_plan.activate }}"
    changed_paths: >-
      {{ (fleetfix_net_applied.files | selectattr('changed') | map(attribute='path') | list)
         + (fleetfix_net_applied.removals | selectattr('changed') | map(attribute='path') | list) }}
    reload: "{{ fleetfix_net_plan.reload }}"
    netplan_renderer: "{{ fleetfix_net_plan.netplan_renderer | default(omit, true) }}"
    live_rename: true
  register: fleetfix_net_activated
'''

RETURN = r'''
commands:
  description: Every command run (under C(--check), that would run), in order, as argument lists.
  returned: always
  type: list
  elements: list
  sample: [["/usr/sbin/ip", "link", "set", "dev", "enp0s7u1", "name", "usbnet0"], ["/usr/bin/networkctl", "reload"]]
renamed:
  description: The NICs renamed now, C({from, to, mac}).
  returned: always
  type: list
  elements: dict
boot_pending:
  description: The pins whose change takes effect at the next boot, C({name, rename, reason}) - C(rename) true for a
    rename that waits, false for a configuration that changed under a name already right.
  returned: always
  type: list
  elements: dict
reboot_required:
  description: Whether a changed file takes effect only at the next boot.
  returned: always
  type: bool
no_carrier:
  description: NICs whose bring-up failed for want of a carrier (no cable) - a warning each; their address comes with the link.
  returned: always
  type: list
  elements: str
verified:
  description: What was read back after a live rename, C({name, mac, up, addresses}).
  returned: when a NIC was renamed
  type: list
  elements: dict
'''

import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError
from ansible_collections.fleetfix.kernel.plugins.module_utils.netif import MAC, ifname_valid, read_carrier, read_interfaces

SYSTEMS = ('ifupdown', 'ifcfg', 'netplan', 'networkmanager', 'networkd', 'none')
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z')
# An address as the plan writes it (str() of Python's ip_interface): what `ip -o addr` prints.
ADDRESS = re.compile(r'^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-f:]{2,39})/[0-9]{1,3}\Z')
PATH = re.compile(r'^/[^\x00-\x1f\x7f]{1,1023}\Z')
POLL = 0.5
# The host's root directory. Unit tests point it at a fake tree; nothing else changes it.
HOST_ROOT = '/'


class ActivateError(Exception):
    pass


def check_pins(pins):
    """Every value that reaches an argv, checked against what the kernel and the tools accept."""
    for number, pin in enumerate(pins, 1):
        where = 'pins[%d]' % number
        for key in ('name', 'current_name'):
            if not ifname_valid(pin[key]):
                raise ActivateError('%s.%s: %r is not an interface name the kernel accepts' % (where, key, pin[key]))
            if pin[key].startswith('-'):
                raise ActivateError('%s.%s: %r would be read as an option' % (where, key, pin[key]))
        if not MAC.match(pin['mac']):
            raise ActivateError('%s.mac: %r is not a MAC like 52:54:00:12:34:99 (lower-case)' % (where, pin['mac']))
        if pin['address'] is not None and not ADDRESS.match(pin['address']):
            raise ActivateError('%s.address: %r is not an address with a prefix length' % (where, pin['address']))
        if pin['method'] == 'static' and pin['address'] is None:
            raise ActivateError('%s: method static without an address' % where)
        if pin['connection_uuid'] is not None and not UUID.match(pin['connection_uuid']):
            raise ActivateError('%s.connection_uuid: %r is not a lower-case UUID' % (where, pin['connection_uuid']))
        if pin['config_system'] == 'networkmanager' and pin['connection_uuid'] is None:
            raise ActivateError('%s: config_system networkmanager needs connection_uuid' % where)
        for path in pin['paths']:
            if not PATH.match(path):
                raise ActivateError('%s.paths: %r is not an absolute path' % (where, path))
    names = [p['name'] for p in pins]
    twice = sorted(set(n for n in names if names.count(n) > 1))
    if twice:
        raise ActivateError('pins: %s given twice' % ', '.join(twice))


def decide(pins, links, changed_paths, live_rename, daemons_ok=True, name_taken=None):
    """Which pins are brought up now and which wait for the boot (pure): (live, boot_pending).

    Live is all or nothing: only when asked, every NIC to rename is down (IFF_UP clear), still
    there with its MAC, its new name free (``name_taken(name)``: held by no link, virtual ones and
    altnames included) and its daemon running (``daemons_ok``); and every pin whose files changed
    under a name already right is down too. Otherwise every change waits for the boot - a
    half-live host would run the daemons' reloads with renames pending - and the reason says why.
    Nothing here raises on host state: the files are already written when this runs."""
    changed = set(changed_paths)
    by_name = dict((link['name'], link) for link in links)
    renames, touched, blockers = [], [], []
    for pin in pins:
        if pin['current_name'] == pin['name']:
            link = by_name.get(pin['name'])
            if changed.intersection(pin['paths']):
                touched.append(pin)
                if link is None or link['mac'] != pin['mac']:
                    blockers.append('%s is not the NIC with MAC %s' % (pin['name'], pin['mac']))
                elif link['admin_up'] is not False:
                    blockers.append('%s is up' % pin['name'])
            continue
        link = by_name.get(pin['current_name'])
        now = by_name.get(pin['name'])
        if (link is None or link['mac'] != pin['mac']) and now is not None and now['mac'] == pin['mac']:
            continue  # renamed since the plan was made (an earlier run, or by hand)
        renames.append(pin)
        if link is None or link['mac'] != pin['mac']:
            blockers.append('no link %s with MAC %s any more' % (pin['current_name'], pin['mac']))
        elif link['admin_up'] is None:
            blockers.append('the kernel does not say whether %s is up' % pin['current_name'])
        elif link['admin_up']:
            blockers.append('%s is up, and Linux renames only a link that is down' % pin['current_name'])
        elif now is not None or (name_taken is not None and name_taken(pin['name'])):
            blockers.append('the name %s is taken until then' % pin['name'])
    if not daemons_ok:
        blockers.append('the configuration system is not running')
    if live_rename and not blockers and (renames or touched):
        return renames + touched, []
    why = (': ' + '; '.join(blockers)) if live_rename and blockers else ''
    pending = [{'name': pin['name'], 'rename': True, 'reason': 'renamed at the next boot' + why} for pin in renames]
    pending += [{'name': pin['name'], 'rename': False,
                 'reason': 'its configuration changed; it takes effect at the next boot' + why} for pin in touched]
    return [], pending


class Runner(object):
    """Runs (or, under --check, lists) the commands."""

    def __init__(self, module):
        self.module = module
        self.commands = []

    def binary(self, name):
        path = self.module.get_bin_path(name, opt_dirs=['/usr/sbin', '/sbin', '/usr/bin', '/bin'])
        if not path:
            raise ActivateError('%s is not installed, and this step needs it' % name)
        return path

    def probe(self, argv):
        """A read-only command, run under --check too (not listed): its exit code."""
        rc, _out, _err = self.module.run_command(argv, environ_update={'LC_ALL': 'C'})
        return rc

    def run(self, argv):
        self.commands.append(argv)
        if self.module.check_mode:
            return ''
        rc, out, err = self.module.run_command(argv, environ_update={'LC_ALL': 'C'})
        if rc != 0:
            raise ActivateError('%s failed (rc %d): %s' % (' '.join(argv), rc, (err or out).strip()[-2000:]))
        return out


def bring_up(runner, pin, renderer):
    system, name = pin['config_system'], pin['name']
    if system in ('ifupdown', 'ifcfg'):
        runner.run([runner.binary('ifup'), name])
    elif system == 'networkd' or (system == 'netplan' and renderer != 'NetworkManager'):
        runner.run([runner.binary('networkctl'), 'reconfigure', name])
    elif system == 'networkmanager':
        runner.run([runner.binary('nmcli'), '--wait', '30', 'connection', 'up', 'uuid', pin['connection_uuid']])
    elif system == 'netplan':
        runner.run([runner.binary('nmcli'), '--wait', '30', 'device', 'connect', name])


def _addresses(runner, name):
    rc, out, err = runner.module.run_command([runner.binary('ip'), '-o', 'addr', 'show', 'dev', name],
                                             environ_update={'LC_ALL': 'C'})
    if rc != 0:
        return []
    found = []
    for line in out.splitlines():
        words = line.split()
        for family in ('inet', 'inet6'):
            if family in words and words.index(family) + 1 < len(words):
                found.append(words[words.index(family) + 1])
    return found


def verify(runner, pins, timeout):
    """Each live pin under its new name with its MAC, up, with its static address, within timeout."""
    out = []
    for pin in pins:
        deadline = time.time() + timeout
        wants_up = pin['config_system'] != 'none'
        while True:
            link = dict((i['name'], i) for i in read_interfaces(HOST_ROOT)).get(pin['name'])
            mac = link['mac'] if link else None
            up = link['admin_up'] if link else None
            addresses = _addresses(runner, pin['name']) if link else []
            # Without a carrier (no cable) a daemon holds the address back: the name and the MAC are
            # what can be checked now; the rest comes with the link.
            cabled = read_carrier(HOST_ROOT, pin['name']) is not False
            ok = mac == pin['mac'] and (up or not wants_up or not cabled) and (
                pin['method'] != 'static' or not wants_up or not cabled or pin['address'] in addresses)
            if ok or time.time() >= deadline:
                break
            time.sleep(POLL)
        entry = {'name': pin['name'], 'mac': mac, 'up': up, 'addresses': addresses}
        out.append(entry)
        if not ok:
            if mac != pin['mac']:
                problem = 'there is no link %s with MAC %s (found %s)' % (pin['name'], pin['mac'], mac or 'no such link')
            elif not up:
                problem = '%s is not up' % pin['name']
            else:
                problem = '%s does not carry %s (it has: %s)' % (pin['name'], pin['address'], ', '.join(addresses) or 'none')
            raise ActivateError('after the live rename, %s within %d s. Its files name it %s and the pin gives it that '
                                'name at every boot, so it is not renamed back; see the commands run'
                                % (problem, timeout, pin['name']))
    return out


def activate(runner, params, links):
    module = runner.module
    pins = params['pins']
    changed = set(params['changed_paths'])
    reload = params['reload']
    systems = set(p['config_system'] for p in pins)
    # A daemon that does not run cannot bring a NIC up now (the planner warned about it).
    daemons_ok = not any(s in systems and s not in params['running'] for s in ('networkd', 'networkmanager')) and not (
        'netplan' in systems and ('networkmanager' if params['netplan_renderer'] == 'NetworkManager' else 'networkd')
        not in params['running'])

    def name_taken(name):
        # `ip link show dev NAME` finds any link by name or altname (Linux 5.5+), virtual ones too.
        rc = runner.probe([runner.binary('ip'), '-o', 'link', 'show', 'dev', name])
        return rc == 0

    live, pending = decide(pins, links, params['changed_paths'], params['live_rename'], daemons_ok,
                           name_taken if params['live_rename'] else None)
    netplan_changed = any(p.startswith('/etc/netplan/') for p in changed)
    if changed and 'netplan' in reload and netplan_changed:
        runner.run([runner.binary('netplan'), 'generate'])
    renamed = []
    for pin in live:
        if pin['current_name'] != pin['name']:
            runner.run([runner.binary('ip'), 'link', 'set', 'dev', pin['current_name'], 'name', pin['name']])
            renamed.append({'from': pin['current_name'], 'to': pin['name'], 'mac': pin['mac']})
    # The daemons are told only when everything is taken live: with anything waiting for the boot,
    # a reload would take old configuration off links now (the Ansible connection's among them).
    if live:
        if 'networkd' in reload:
            runner.run([runner.binary('networkctl'), 'reload'])
        if 'networkmanager' in reload:
            runner.run([runner.binary('nmcli'), 'connection', 'reload'])
    no_carrier = []
    for pin in live:
        try:
            bring_up(runner, pin, params['netplan_renderer'])
        except ActivateError as exc:
            if read_carrier(HOST_ROOT, pin['name']) is not False:
                raise
            no_carrier.append(pin['name'])
            module.warn('%s: no carrier (%s); it comes up with its link' % (pin['name'], exc))
    result = {'commands': runner.commands, 'renamed': renamed, 'boot_pending': pending,
              'reboot_required': bool(pending), 'changed': bool(runner.commands), 'no_carrier': no_carrier}
    if live and not module.check_mode:
        result['verified'] = verify(runner, live, params['timeout'])
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            pins=dict(type='list', elements='dict', default=[], options=dict(
                name=dict(type='str', required=True),
                current_name=dict(type='str', required=True),
                mac=dict(type='str', required=True),
                config_system=dict(type='str', required=True, choices=list(SYSTEMS)),
                method=dict(type='str', default='manual', choices=['dhcp', 'static', 'manual']),
                address=dict(type='str'),
                connection_uuid=dict(type='str'),
                paths=dict(type='list', elements='str', default=[]),
            )),
            changed_paths=dict(type='list', elements='str', default=[]),
            reload=dict(type='list', elements='str', default=[], choices=['netplan', 'networkd', 'networkmanager']),
            netplan_renderer=dict(type='str', choices=['networkd', 'NetworkManager']),
            live_rename=dict(type='bool', default=False),
            running=dict(type='list', elements='str', default=[], choices=['networkd', 'networkmanager']),
            timeout=dict(type='int', default=30),
        ),
        supports_check_mode=True,
    )
    params = module.params
    empty = dict(changed=False, commands=[], renamed=[], boot_pending=[], reboot_required=False, no_carrier=[])
    try:
        if not 1 <= params['timeout'] <= 600:
            raise ActivateError('timeout: %r is not between 1 and 600 seconds' % params['timeout'])
        check_pins(params['pins'])
        for path in params['changed_paths']:
            if not PATH.match(path):
                raise ActivateError('changed_paths: %r is not an absolute path' % (path,))
        links = read_interfaces(HOST_ROOT)
    except ActivateError as exc:
        module.fail_json(msg='net_activate: %s' % exc, **empty)
    except HostReadError as exc:
        module.fail_json(msg='net_activate: %s' % exc, **empty)
    runner = Runner(module)
    try:
        result = activate(runner, params, links)
    except (ActivateError, HostReadError) as exc:
        # What ran before the failure, for the post-mortem (nothing is undone: see the description).
        empty['commands'] = runner.commands
        empty['changed'] = bool(runner.commands) and not module.check_mode
        module.fail_json(msg='net_activate: %s' % exc, **empty)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
