# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: vm_watermarks_plan
short_description: Decide vm.min_free_kbytes from memory_watermark_facts and the sizing policy
version_added: 0.1.0
description:
  - The "decide" step of the P(fleetfix.kernel.vm_watermarks#role) role, as data.
  - "Policy: O(percent) of MemTotal, at most O(ceiling_kb), never below the kernel's own
    default, or O(explicit_kb); never lower than the current value unless O(allow_lower);
    refused above O(safety_percent) of MemTotal, with the numbers."
  - Lists the sysctl files that would override the drop-in at boot; fails when O(overrides=fail),
    or when O(overrides=fix) and such a file is not under /etc (package or runtime files are not edited).
author:
  - fleetfix.kernel contributors (@fleetfix)
positional: _input, dropin
options:
  _input:
    description: The C(fleetfix_memory) facts of the host.
    type: dict
    required: true
  dropin:
    description: The sysctl drop-in the role writes.
    type: path
    required: true
  explicit_kb:
    description: An explicit vm.min_free_kbytes; overrides the policy.
    type: int
  percent:
    description: Share of MemTotal for the policy target.
    type: float
    default: 1.0
  ceiling_kb:
    description: Largest policy target in kB.
    type: int
    default: 4194304
  safety_percent:
    description: Refuse any target above this share of MemTotal.
    type: float
    default: 5.0
  allow_lower:
    description: Allow lowering a higher current value.
    type: bool
    default: false
  scale_factor:
    description: Wanted vm.watermark_scale_factor (kernel 4.6+); null leaves it alone.
    type: int
  overrides:
    description: What to do about later files that set the same sysctls - V(report), V(fix) or V(fail).
    type: str
    default: report
'''

EXAMPLES = r'''
- name: Plan
  ansible.builtin.set_fact:
    plan: "{{ ansible_facts.fleetfix_memory | fleetfix.kernel.vm_watermarks_plan('/etc/sysctl.d/90-fleetfix-vm.conf') }}"
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    target_kb:
      description: The vm.min_free_kbytes the host gets.
      type: int
    source:
      description: How the target was reached (policy and numbers, or explicit).
      type: str
    sysctls:
      description: Each managed sysctl with C(name), C(current), C(value) and C(change).
      type: list
      elements: dict
    changes:
      description: Names of the sysctls whose running value changes.
      type: list
      elements: str
    overrides:
      description: Assignments in files applied after the drop-in at boot (C(file), C(real_file), C(line), C(key), C(value)).
      type: list
      elements: dict
    notes:
      description: Things the role decided not to do, and why.
      type: list
      elements: str
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.fleetfix.kernel.plugins.module_utils import memory, sysctl_d

OVERRIDE_MODES = ('report', 'fix', 'fail')


def vm_watermarks_plan(facts, dropin, explicit_kb=None, percent=memory.DEFAULT_PERCENT,
                       ceiling_kb=memory.DEFAULT_CEILING_KB, safety_percent=memory.DEFAULT_SAFETY_PERCENT,
                       allow_lower=False, scale_factor=None, overrides='report'):
    if not isinstance(facts, dict) or 'zones' not in facts:
        raise AnsibleFilterError('vm_watermarks_plan expects the fleetfix_memory facts of '
                                 'fleetfix.kernel.memory_watermark_facts')
    if overrides not in OVERRIDE_MODES:
        raise AnsibleFilterError('fleetfix_vm_overrides must be one of %s, got %r' % (', '.join(OVERRIDE_MODES), overrides))
    try:
        plan = memory.plan_min_free(facts, explicit_kb=explicit_kb, percent=percent, ceiling_kb=ceiling_kb,
                                    safety_percent=safety_percent, allow_lower=allow_lower, scale_factor=scale_factor)
    except memory.WatermarkSettingError as exc:
        raise AnsibleFilterError(str(exc))
    found = []
    for entry in plan['sysctls']:
        boot = facts.get('boot_values', {}).get(entry['name'], {'assignments': []})
        for other in sysctl_d.overriding(boot['assignments'], dropin):
            found.append(dict(other, key=entry['name'], fixable=other['real_file'].startswith('/etc/')))
    plan['overrides'] = found
    if found and overrides == 'fail':
        raise AnsibleFilterError('%s would not survive a reboot: %s (fleetfix_vm_overrides=fail)' % (
            dropin, '; '.join('%s:%d sets %s = %s' % (o['file'], o['line'], o['key'], o['value']) for o in found)))
    unfixable = [o for o in found if not o['fixable']]
    if unfixable and overrides == 'fix':
        raise AnsibleFilterError('cannot fix overrides outside /etc (owned by packages or the runtime): %s; '
                                 'use a drop-in that sorts after them' % ', '.join(
                                     '%s:%d' % (o['file'], o['line']) for o in unfixable))
    return plan


class FilterModule(object):
    """fleetfix.kernel watermark filters."""

    def filters(self):
        return {'vm_watermarks_plan': vm_watermarks_plan}
