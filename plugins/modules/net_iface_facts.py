#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: net_iface_facts
short_description: Tell which network interface names can move, how each NIC is pinned, and which system configures it
version_added: 0.3.0
description:
  - Seed story 7. After a kernel upgrade a USB NIC came up as C(eth5) instead of C(eth3), the network
    scripts never brought it up, and the server was reachable only on its serial port.
  - Per physical interface - name, MAC and whether it is permanent (C(addr_assign_type)), driver,
    bus (usb, pci, virtio, platform) and USB port, operstate; whether its name is kernel-assigned
    (C(ethN), C(usbN) - these follow probe order and can move), predictable (C(enp...), C(enx...)) or
    pinned by a rule.
  - Per interface, which system configures it. C(config_files) lists every configuration file that
    names it, by its name or by its MAC, C(configured_by) their systems, and C(owner) the one system
    that configures it now, from runtime state.
  - The systems are ifupdown (C(/etc/network/interfaces) and the files it sources), ifcfg
    (C(/etc/sysconfig/network-scripts/ifcfg-*), read by NetworkManager's ifcfg-rh plugin or by
    initscripts), netplan (C(*.yaml) in C(/lib/netplan), C(/etc/netplan), C(/run/netplan)),
    NetworkManager keyfiles (C(system-connections) in C(/etc), C(/run) and C(/usr/lib/NetworkManager))
    and systemd-networkd (C(.network) files). Each is read with the rules of the system itself - which
    directory shadows which, which file names it ignores, which C(.network) file wins.
  - C(systems) says what is installed and running on the host, whatever the interfaces are - netplan's
    files and renderer, NetworkManager's settings plugins, whether NetworkManager and networkd run.
  - netplan files are read by a small reader of the YAML subset netplan files are written in (no YAML
    library is needed on the host). A file it does not read - anchors, tags, block scalars, a scalar
    continued on the next line, a key given twice, tabs in indentation - is named in a warning with
    its line and listed in C(systems.netplan.unparsed). What it configures is then unknown.
  - The pinning rules that exist (udev C(NAME=) rules in C(/etc/udev/rules.d), systemd C(.link) files,
    netplan C(set-name) with a C(macaddress) match) and their conflicts - two rules for one MAC, one name claimed twice, a pinned name in the kernel's
    C(ethN) namespace.
  - A rule that matches a random MAC silently stops working at the next boot; C(permanent_mac) says
    when to pin by bus path instead.
  - Host files are read as the host's own tools read them; malformed input is skipped the way udev,
    systemd, netplan, NetworkManager and ifupdown skip it (with a warning naming the file and line) or,
    for kernel attributes that are not what the kernel writes, fails naming the file. Every file read
    is capped in size (configuration files 1 MiB, runtime state 64 kB) and the module fails naming a
    file past its cap.
  - Only reads. Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
options: {}
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.linux_host
  - fleetfix.kernel.read_only.facts
'''

EXAMPLES = r'''
- name: Which NIC names can move?
  fleetfix.kernel.net_iface_facts:

- name: List them
  ansible.builtin.debug:
    msg: "{{ ansible_facts.fleetfix_net.interfaces | selectattr('name_can_move') | map(attribute='name') | list }}"

- name: Which system configures each NIC now
  ansible.builtin.debug:
    msg: "{{ ansible_facts.fleetfix_net.interfaces | items2dict(key_name='name', value_name='owner') }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts added under C(fleetfix_net).
  returned: always
  type: dict
  contains:
    fleetfix_net:
      description: Interfaces, pins, conflicts, the configuration systems on the host, and warnings.
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
              description: C(up), C(down), ... (whether the link has a carrier).
              type: str
            admin_up:
              description:
                - Whether the link is set up (C(IFF_UP) in C(/sys/class/net/NAME/flags)), by an administrator or
                  a daemon; null when the kernel does not say. Linux renames only a link that is not up.
              type: bool
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
            ifindex:
              description: The interface's index (C(/sys/class/net/NAME/ifindex)), which names its runtime state files.
              type: int
            configured_by:
              description:
                - Every system whose configuration names this interface, by its name or by its MAC, in this
                  order - C(ifupdown), C(ifcfg), C(netplan), C(networkmanager), C(networkd).
                - Lower case; NetworkManager was C(NetworkManager) before issue 16.
                - Files netplan generates (C(/run/systemd/network/10-netplan-*),
                  C(/run/NetworkManager/system-connections/netplan-*)) count as netplan, whose YAML they come from.
              type: list
              elements: str
            owner:
              description:
                - The one system configuring the interface now, from runtime state, or null when none or
                  several say so (several is also a warning).
                - C(networkd) or C(netplan) when C(/run/systemd/netif/links/IFINDEX) says C(ADMIN_STATE)
                  configuring, configured or failed and networkd runs; netplan when its C(NETWORK_FILE) is
                  one netplan generated.
                - When NetworkManager runs and C(/run/NetworkManager/devices/IFINDEX) says C(managed) with a
                  C(connection-uuid) - the system of that profile's file, C(netplan) (netplan's rendering, or a
                  netplan id C(NM-UUID)), C(ifcfg) (an ifcfg file; NetworkManager derives the UUID of a file
                  without one from its path) or else C(networkmanager).
                - C(ifupdown) when C(/run/network/ifstate) (or C(ifstate.NAME)) holds the interface.
                - C(ifcfg) for initscripts - an ifcfg file with C(NM_CONTROLLED=no) - only when nothing else does.
              type: str
            config_files:
              description:
                - Every configuration file that names this interface.
                - C(system) as in C(configured_by); C(path); C(line), the line that names it (null when
                  unknown).
                - C(matches) is C(name) when the file binds by the interface's name (a file that also gives a
                  MAC needs both to fit), or C(mac) when it binds by the MAC alone (netplan C(match)
                  C(macaddress), NetworkManager C(mac-address), networkd C(MACAddress=) or
                  C(PermanentMACAddress=), ifcfg C(HWADDR=) with another C(DEVICE=)).
                - C(ids) lists every interface name, netplan id or C(Name=) pattern the file configures (the
                  C(Name=) patterns of a C(.network) file, or its MACs without one), so a caller can tell
                  whether the file is about this interface only.
                - C(name) is the interface name the file binds to or gives (C(iface) name, C(DEVICE=),
                  C(interface-name=), netplan C(set-name) or id, an exact C(Name=)), null when it gives none.
                  A C(mac) entry whose C(name) is not the interface's is a configuration that no longer
                  applies (or, for netplan, a rename at the next boot).
                - ifupdown files are those C(/etc/network/interfaces) sources (C(source) globs,
                  C(source-directory)), at most 8 levels deep. Only the first C(.network) file that fits
                  the interface is listed; later ones that name it are warnings. NetworkManager keyfiles
                  others may read are ignored, as NetworkManager ignores them.
              type: list
              elements: dict
        pins:
          description:
            - Naming rules (C(file), C(line), C(method), C(name), C(mac), C(path)).
            - C(method) is C(udev) (a C(NAME=) rule), C(link) (a C(.link) file in C(/etc) or
              C(/run/systemd/network), not the ones netplan generates) or C(netplan) (C(set-name) with a
              C(macaddress) match; netplan writes a C(.link) file and a udev rule for it, and that udev rule
              wins over the others).
          type: list
          elements: dict
        conflicts:
          description: Conflicting rules (C(kind), C(name) or C(mac), C(files)).
          type: list
          elements: dict
        systems:
          description:
            - The configuration systems on the host, whatever the interfaces are.
            - C(netplan) - C(present) (any C(*.yaml) in its three directories), C(files) in netplan's order
              (one of each name, C(/run) over C(/etc) over C(/lib), sorted by name), C(renderer) (the last
              C(network.renderer) set, C(networkd) or C(NetworkManager), null when no file sets it, and
              netplan then renders for networkd), C(unparsed) (files the YAML subset reader did not read).
            - C(networkmanager) - C(present) (C(/usr/sbin/NetworkManager) or its C(NetworkManager.conf)),
              C(running) (a process named NetworkManager), C(plugins) (C(plugins=) of the C([main]) section
              in C(NetworkManager.conf) and its C(conf.d) files, with C(+=) and C(-=); when no file sets it,
              the build default - ifcfg-rh then keyfile on Enterprise Linux 8 and older, keyfile then
              ifcfg-rh on 9, keyfile elsewhere; keyfile is always appended).
            - C(networkd) - C(present) (C(systemd-networkd) in C(/lib/systemd) or C(/usr/lib/systemd)),
              C(running) (a process named C(systemd-network)).
            - C(ifupdown) - C(present) (C(/sbin/ifup) and C(/etc/network/interfaces)).
            - C(ifcfg) - C(present) (ifcfg files, or the initscripts C(network) service).
          returned: always
          type: dict
        warnings:
          description:
            - What udev or systemd skip when they read the rules, each naming the file and line - a rule
              line udev cannot parse (an unbalanced quote, an unknown key, C(NAME="")), a rules file with a
              line of 16 kB or more (udev ignores the whole file), a C(.link) line that is not UTF-8 or a
              C(Name=) that is not an interface name - and entries of the rule directories that are not
              files. They are skipped here as they are on the host; each is also a warning.
            - The same for configuration files - a netplan file the YAML subset reader does not read, a
              keyfile NetworkManager would not load (not UTF-8, a line that is no C(KEY=value), a mode that
              lets others read it), an ifcfg line that is no C(KEY=value), a C(.network) file systemd would
              not load, a C(source) nested too deep; a C(.network) file that fits an interface after the
              one networkd applies; runtime state that is not what the daemon writes; an interface two
              systems run at once.
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
