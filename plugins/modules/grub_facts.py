#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: grub_facts
short_description: Read the boot loader's entries and tell whether each one's root= finds the root filesystem
version_added: 0.3.0
description:
  - Seed story 4. After a kernel upgrade a CentOS 7 host did not boot; GRUB's C(root=) named a
    device path (C(/dev/sda2)) instead of a UUID, and device names move when controllers or
    drivers change. This module reads every boot entry and says what its C(root=) is.
  - Reads GRUB legacy (C(/boot/grub/grub.conf), C(menu.lst) - CentOS 6), GRUB 2 (C(grub.cfg) in
    the BIOS and EFI locations - CentOS 7, Debian, Ubuntu), BLS entries (C(/boot/loader/entries)
    with C($kernelopts) from grubenv - RHEL 8/9), C(/etc/default/grub) with its C(grub.d) drop-ins,
    and grubenv; resolves the default entry; and for every entry gives its kernel, initrd, arguments,
    C(root=) value and kind (C(uuid), C(label), C(partuuid), C(device), C(lvm), ...), and whether that
    value resolves to the filesystem mounted on / (through C(/dev/disk/by-*)).
  - Only reads. Safe under C(--check).
  - Fails with a message naming the file (and the line) on a configuration it cannot read as GRUB would -
    unbalanced blocks or quotes, blocks nested more than 64 deep, a number GRUB legacy would not take, a NUL
    byte, a grubenv without GRUB's signature - on a file past its size cap (C(grub.cfg) 1 MiB, C(grub.conf)
    256 KiB, grubenv 1024 bytes, BLS entries 16 KiB each and 512 KiB together, C(/etc/default/grub) 64 KiB),
    and on a directory it cannot read (an unreadable C(/boot) is named as such; run with become).
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
- name: Read the boot loader
  fleetfix.kernel.grub_facts:

- name: Entries whose root= is not a UUID
  ansible.builtin.debug:
    msg: "{{ fleetfix_grub.entries | rejectattr('root_kind', 'equalto', 'uuid') | map(attribute='title') | list }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts added under C(fleetfix_grub).
  returned: always
  type: dict
  contains:
    fleetfix_grub:
      description: The boot loader as read.
      returned: always
      type: dict
      contains:
        flavour:
          description: C(grub2), C(bls) (GRUB 2 reading /boot/loader/entries), C(legacy), or null when no configuration is found.
          type: str
          sample: grub2
        config:
          description: The configuration file the entries come from.
          type: str
          sample: /boot/grub/grub.cfg
        configs_found:
          description: Every boot loader configuration file found.
          type: list
          elements: str
        entries:
          description: Boot entries in GRUB's order.
          type: list
          elements: dict
          contains:
            title:
              description: Menu title.
              type: str
            index:
              description: GRUB's number for the entry (C(1>2) inside a submenu).
              type: str
            kernel:
              description: Kernel path.
              type: str
            version:
              description: Kernel release taken from the kernel path (C(vmlinuz-VERSION)), or null.
              type: str
            initrd:
              description: Initrd path.
              type: str
            args:
              description: The kernel arguments.
              type: str
            root:
              description: The C(root=) value.
              type: str
            root_kind:
              description:
                - C(uuid), C(label), C(partuuid), C(partlabel), C(device), C(lvm), C(uuid_path), C(label_path),
                  C(partuuid_path), C(partlabel_path), C(other), or null.
              type: str
            root_dev:
              description: The block device number C(root=) resolves to here, or null.
              type: str
            resolves_to_root:
              description: C(root=) names the filesystem mounted on / (null when it cannot be told).
              type: bool
            default:
              description: This is the default entry.
              type: bool
        default_entry:
          description: The entry booted by default (a copy of one of RV(ansible_facts.fleetfix_grub.entries)), or null.
          type: dict
        default_setting:
          description: The raw default as configured (C(set default=), C(default), grubenv saved_entry).
          type: str
        default_grub:
          description: Effective C(/etc/default/grub) settings after its C(grub.d) drop-ins (C(settings), C(origin)).
          type: dict
        grubenv:
          description: grubenv variables.
          type: dict
        root_filesystem:
          description: The filesystem mounted on / - C(dev), C(source), C(fstype), C(uuid), C(label), C(partuuid).
          type: dict
        cmdline:
          description: The running kernel's command line, its C(root=) value and kind.
          type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import bootloader
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import exit_with_facts


def main():
    module = AnsibleModule(argument_spec=dict(), supports_check_mode=True)
    exit_with_facts(module, 'fleetfix_grub', lambda: bootloader.collect('/'))


if __name__ == '__main__':
    main()
