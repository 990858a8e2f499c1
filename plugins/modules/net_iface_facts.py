#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: net_iface_facts
short_description: Tell which network interface names can move, and how each NIC is pinned and configured
version_added: 0.1.0
description:
  - Seed story 7. After a kernel upgrade a USB NIC came up as C(eth5) instead of C(eth3), the network
    scripts never brought it up, and the server was reachable only on its serial port.
  - Per physical interface - name, MAC and whether it is permanent (C(addr_assign_type)), driver,
    bus (usb, pci, virtio, platform) and USB port, operstate; whether its name is kernel-assigned
    (C(ethN), C(usbN) - these follow probe order and can move), predictable (C(enp...), C(enx...)) or
    pinned by a rule; which configuration systems mention it (ifupdown, ifcfg, NetworkManager,
    systemd-networkd).
  - The pinning rules that exist (udev C(NAME=) rules in C(/etc/udev/rules.d), systemd C(.link) files)
    and their conflicts - two rules for one MAC, one name claimed twice, a pinned name in the kernel's
    C(ethN) namespace.
  - A rule that matches a random MAC silently stops working at the next boot; C(permanent_mac) says
    when to pin by bus path instead.
  - Host files are read as the host's own tools read them; malformed input is skipped the way udev and
    systemd skip it (with a warning naming the file and line) or, for kernel attributes that are not
    what the kernel writes, fails naming the file. Every file read is capped in size.
  - Only reads. Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
options: {}
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.read_only.facts
'''

EXAMPLES = r'''
- name: Which NIC names can move?
  fleetfix.kernel.net_iface_facts:

- name: List them
  ansible.builtin.debug:
    msg: "{{ ansible_facts.fleetfix_net.interfaces | selectattr('name_can_move') | map(attribute='name') | list }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts added under C(fleetfix_net).
  returned: always
  type: dict
  contains:
    fleetfix_net:
      description: Interfaces, pins and conflicts.
      returned: always
      type: dict
      contains:
        interfaces:
          description: Physical interfaces.
          type: list
          elements: dict
          contains:
            name:
              description: Current name.
              type: str
            mac:
              description: Current MAC.
              type: str
            addr_assign_type:
              description: C(permanent), C(random), C(stolen) or C(set).
              type: str
            permanent_mac:
              description: Whether the MAC is the NIC's own (safe to pin by).
              type: bool
            operstate:
              description: C(up), C(down), ...
              type: str
            driver:
              description: Kernel driver.
              type: str
            bus:
              description: C(usb), C(pci), C(virtio), C(platform).
              type: str
            usb_port:
              description: USB port chain (C(1-1.2)) for USB NICs.
              type: str
            devpath:
              description: The device path in sysfs.
              type: str
            id_path:
              description: udev's C(ID_PATH) (what a C(.link) file's C(Path=) matches), when udev knows it.
              type: str
            name_kind:
              description: C(kernel), C(predictable), C(pinned) or C(other).
              type: str
            name_can_move:
              description: Whether the name follows probe order.
              type: bool
            pinned_by:
              description: Rule files that give this name.
              type: list
              elements: str
            configured_by:
              description: Configuration systems that mention it.
              type: list
              elements: str
        pins:
          description: Naming rules (C(file), C(line), C(method) udev or link, C(name), C(mac), C(path)).
          type: list
          elements: dict
        conflicts:
          description: Conflicting rules (C(kind), C(name) or C(mac), C(files)).
          type: list
          elements: dict
        warnings:
          description:
            - What udev or systemd skip when they read the rules, each naming the file and line - a rule
              line udev cannot parse (an unbalanced quote, an unknown key, C(NAME="")), a rules file with a
              line of 16 kB or more (udev ignores the whole file), a C(.link) line that is not UTF-8 or a
              C(Name=) that is not an interface name - and entries of the rule directories that are not
              files. They are skipped here as they are on the host; each is also a warning.
          type: list
          elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import netif
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import exit_with_facts


def main():
    module = AnsibleModule(argument_spec=dict(), supports_check_mode=True)

    def collect():
        facts = netif.collect('/')
        for warning in facts['warnings']:
            module.warn('net_iface_facts: %s' % warning)
        return facts

    exit_with_facts(module, 'fleetfix_net', collect)


if __name__ == '__main__':
    main()
