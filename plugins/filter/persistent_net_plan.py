# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: persistent_net_plan
short_description: Decide how to pin network interface names and configure them, and render every file
version_added: 0.3.0
description:
  - The "decide" step of the P(fleetfix.kernel.persistent_net#role) role. Validates
    C(fleetfix_net_interfaces) against the host's C(fleetfix_net) facts (name length and characters,
    MAC format, one name per interface, the MAC present on the host and permanent, the Ansible
    connection's interface kept; every key checked before the host is looked at - addresses and
    gateways with Python's ipaddress, C(id_path) against udev's ID_PATH form, unknown keys refused,
    one name per NIC and one NIC per name, no second name for a MAC another rule already pins),
    chooses a udev rule or a systemd C(.link) file, chooses the configuration system of each interface,
    and returns the exact content and mode of every file to write and every file to move away.
  - "Configuration systems: V(ifupdown) (C(/etc/network/interfaces.d/fleetfix-NAME)), V(ifcfg)
    (C(/etc/sysconfig/network-scripts/ifcfg-NAME)), V(netplan) (C(/etc/netplan/60-fleetfix-NAME.yaml),
    mode 0600), V(networkmanager) (the keyfile
    C(/etc/NetworkManager/system-connections/fleetfix-NAME.nmconnection), mode 0600) and V(networkd)
    (C(/etc/systemd/network/10-fleetfix-NAME.network)). V(auto) takes, per interface, the system that
    configures it now (the facts' C(owner)), else the only one whose files name it; none or several is
    an error naming what was looked for and found. An explicit system must be present on the host."
  - The files that configure the interface now (the facts' C(config_files), by its name or its MAC),
    and netplan files pinning its MAC to another name, are moved to
    C(/var/lib/fleetfix/persistent_net/disabled/), outside every directory a configuration system
    reads. A file that also configures other interfaces, ifupdown's main file, and files outside the
    systems' C(/etc) directories are refused, naming the file - never edited.
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input, interfaces
options:
  _input:
    description: The C(fleetfix_net) facts of the host (M(fleetfix.kernel.net_iface_facts)).
    type: dict
    required: true
  interfaces:
    description: The wanted names, C({name, mac | match_current_name, pin_by, id_path, method, address, gateway}).
    type: list
    elements: dict
    required: true
  pin_method:
    description: V(auto) (a C(.link) file from systemd 209, else a udev rule), V(udev) or V(link).
    type: str
    default: auto
  systemd_version:
    description: The host's systemd version (for V(auto)).
    type: int
  config_system:
    description: How the address is configured under the new name.
    type: str
    default: auto
    choices: [auto, ifupdown, ifcfg, netplan, networkmanager, networkd, none]
  connection_interface:
    description: The interface carrying the Ansible connection.
    type: str
  allow_connection_rename:
    description: Allow renaming that interface.
    type: bool
    default: false
  live_rename:
    description:
      - Rename now, without a reboot, when every NIC to rename is down (RV(_value.live)); otherwise every
        rename waits for the next boot and a warning says which NIC is up.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Plan
  ansible.builtin.set_fact:
    net_plan: "{{ ansible_facts.fleetfix_net | fleetfix.kernel.persistent_net_plan([{'name': 'usbnet0', 'mac': '00:0e:c6:00:00:03'}]) }}"

- name: Plan a netplan configuration whatever owns the NIC now
  ansible.builtin.set_fact:
    net_plan: >-
      {{ ansible_facts.fleetfix_net | fleetfix.kernel.persistent_net_plan(
           [{'name': 'usbnet0', 'mac': '00:0e:c6:00:00:03', 'method': 'static', 'address': '192.0.2.10/24'}],
           config_system='netplan') }}
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    pin_method:
      description: C(udev) or C(link).
      type: str
    config_system:
      description: The C(config_system) asked for (C(auto) included); each pin says what it became.
      type: str
    config_systems:
      description: The configuration systems whose files are written or moved.
      type: list
      elements: str
    reload:
      description:
        - What M(fleetfix.kernel.net_activate) tells once the files changed, in order - C(netplan)
          (C(netplan generate), never C(netplan apply)), C(networkd) (C(networkctl reload)), C(networkmanager)
          (C(nmcli connection reload)); the daemons only where they run.
      type: list
      elements: str
    pins:
      description:
        - One entry per interface (C(name), C(mac), C(current_name), C(pin_by), C(rename), C(method), ...),
          with C(config_system) (what V(auto) chose), C(config_file) (null with V(none)) and C(moves),
          the files taken out of the way for it (C({path, to, system})).
      type: list
      elements: dict
    live:
      description: Whether the renames happen now (O(live_rename) and every NIC to rename is down).
      type: bool
    activate:
      description:
        - The O(fleetfix.kernel.net_activate#module:pins) of M(fleetfix.kernel.net_activate), one per pin - C(name),
          C(current_name), C(mac), C(config_system), C(method), C(address), C(connection_uuid) (the keyfile's, for
          V(networkmanager)) and C(paths), every file that pin's name and configuration depend on.
      type: list
      elements: dict
    netplan_renderer:
      description: The renderer the netplan files get (C(networkd), C(NetworkManager)), null without netplan.
      type: str
    running:
      description: The daemons running on the host (C(networkd), C(networkmanager)), for M(fleetfix.kernel.net_activate).
      type: list
      elements: str
    files:
      description: Every file to write, with C(path), C(content) and C(mode) (an octal string).
      type: list
      elements: dict
    removals:
      description: Every file to move out of the way, with C(path) and C(to) (its place under C(/var/lib/fleetfix)).
      type: list
      elements: dict
    renames:
      description: The pins whose interface has another name now (applied at the next boot).
      type: list
      elements: dict
    warnings:
      description: Things that work but deserve a second look.
      type: list
      elements: str
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetfix.kernel.plugins.plugin_utils.net_plan import NetPlanError, plan


def persistent_net_plan(facts, interfaces, pin_method='auto', systemd_version=None, config_system='auto',
                        connection_interface=None, allow_connection_rename=False, live_rename=False):
    if not isinstance(facts, dict) or not isinstance(facts.get('interfaces'), list):
        raise AnsibleFilterError('persistent_net_plan expects the fleetfix_net facts of fleetfix.kernel.net_iface_facts')
    try:
        return plan(facts, interfaces, pin_method=pin_method, systemd_version=systemd_version,
                    config_system=config_system, connection_interface=connection_interface,
                    allow_connection_rename=allow_connection_rename, live_rename=live_rename)
    except NetPlanError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """fleetfix.kernel network naming filters."""

    def filters(self):
        return {'persistent_net_plan': persistent_net_plan}
