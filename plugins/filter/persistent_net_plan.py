# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: persistent_net_plan
short_description: Decide how to pin network interface names, and render every file
version_added: 0.1.0
description:
  - The "decide" step of the P(fleetfix.kernel.persistent_net#role) role. Validates
    C(fleetfix_net_interfaces) against the host's C(fleetfix_net) facts (name length and characters,
    MAC format, one name per interface, the MAC present on the host and permanent, the Ansible
    connection's interface kept; every key checked before the host is looked at - addresses and
    gateways with Python's ipaddress, C(id_path) against udev's ID_PATH form, unknown keys refused,
    one name per NIC and one NIC per name, no second name for a MAC another rule already pins), chooses a udev rule or a systemd C(.link) file, and returns the
    exact content of every file to write.
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input, interfaces
options:
  _input:
    description: The C(fleetfix_net) facts of the host.
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
    description: V(auto) (ifcfg on RedHat, else ifupdown), V(ifupdown), V(ifcfg) or V(none).
    type: str
    default: auto
  os_family:
    description: C(ansible_facts.os_family).
    type: str
    default: Debian
  connection_interface:
    description: The interface carrying the Ansible connection.
    type: str
  allow_connection_rename:
    description: Allow renaming that interface.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Plan
  ansible.builtin.set_fact:
    net_plan: "{{ ansible_facts.fleetfix_net | fleetfix.kernel.persistent_net_plan([{'name': 'usbnet0', 'mac': '00:0e:c6:00:00:03'}]) }}"
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
      description: C(ifupdown), C(ifcfg) or C(none).
      type: str
    pins:
      description: One entry per interface (C(name), C(mac), C(current_name), C(pin_by), C(rename), ...).
      type: list
      elements: dict
    files:
      description: Every file to write, with C(path) and C(content).
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
from ansible_collections.fleetfix.kernel.plugins.plugin_utils.netplan import NetPlanError, plan


def persistent_net_plan(facts, interfaces, pin_method='auto', systemd_version=None, config_system='auto',
                        os_family='Debian', connection_interface=None, allow_connection_rename=False):
    if not isinstance(facts, dict) or 'interfaces' not in facts:
        raise AnsibleFilterError('persistent_net_plan expects the fleetfix_net facts of fleetfix.kernel.net_iface_facts')
    try:
        return plan(facts, interfaces, pin_method=pin_method, systemd_version=systemd_version,
                    config_system=config_system, os_family=os_family, connection_interface=connection_interface,
                    allow_connection_rename=allow_connection_rename)
    except NetPlanError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """fleetfix.kernel network naming filters."""

    def filters(self):
        return {'persistent_net_plan': persistent_net_plan}
