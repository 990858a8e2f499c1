# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: grub_root_uuid_plan
short_description: The Decide step of the grub_root_uuid role - check its inputs, then plan from grub_facts
version_added: 0.3.0
description:
  - The role P(fleetfix.kernel.grub_root_uuid#role)'s Decide step as data, run before any task
    that writes.
  - "Checks O(keep_kinds) (C(fleetfix_grub_keep_kinds)): each one a C(root=) kind exactly as
    M(fleetfix.kernel.grub_facts) reports them (C(uuid), C(label), C(partuuid), C(partlabel),
    C(lvm), C(uuid_path), C(label_path), C(partuuid_path), C(partlabel_path), C(device), C(other));
    and the UUID of the filesystem on / that will go on every kernel command line: one of the forms
    C(blkid) prints (8-4-4-4-12 hex digits, vfat/exfat C(XXXX-XXXX), NTFS 16 hex digits, ISO 9660
    C(YYYY-MM-DD-hh-mm-ss-cc)), never whitespace, quotes, C(=) or control characters. A refusal
    names the variable and the value."
  - "Returns the plan: the entries M(fleetfix.kernel.grub_set_root) will change (by the same
    rule it applies), and for GRUB 2 the C(/etc/default/grub) file whose C(GRUB_DISABLE_LINUX_UUID=true)
    makes the generator write device paths."
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input, keep_kinds
options:
  _input:
    description: The C(fleetfix_grub) facts of M(fleetfix.kernel.grub_facts).
    type: dict
    required: true
  keep_kinds:
    description: C(root=) kinds left alone (C(fleetfix_grub_keep_kinds)).
    type: list
    elements: str
    required: true
'''

EXAMPLES = r'''
- name: Decide | the UUID, the entries to fix, the generator setting
  ansible.builtin.set_fact:
    fleetfix_grub_plan: "{{ ansible_facts.fleetfix_grub | fleetfix.kernel.grub_root_uuid_plan(fleetfix_grub_keep_kinds) }}"
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    flavour:
      description: C(legacy), C(grub2), C(bls), or null when no boot loader configuration was found.
      type: str
    config:
      description: The configuration file.
      type: str
    uuid:
      description: The UUID of the filesystem on /, or null when udev gives it none.
      type: str
    entries:
      description: The entries whose C(root=) will change (grub_facts entries).
      type: list
      elements: dict
    disable_uuid_file:
      description: The file setting C(GRUB_DISABLE_LINUX_UUID=true) (GRUB 2), or an empty string.
      type: str
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetfix.kernel.plugins.module_utils import grub_root_plan


def grub_root_uuid_plan(facts, keep_kinds):
    """Return the plan, or fail naming the variable and the value."""
    if not isinstance(facts, dict) or 'entries' not in facts:
        raise AnsibleFilterError('grub_root_uuid_plan expects the fleetfix_grub facts of fleetfix.kernel.grub_facts, '
                                 'got %s' % type(facts).__name__)
    try:
        return grub_root_plan.plan(facts, keep_kinds)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """fleetfix.kernel GRUB filters."""

    def filters(self):
        return {'grub_root_uuid_plan': grub_root_uuid_plan}
