#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ext4_thread_facts
short_description: Count the ext4-dio-unwrit / ext4-rsv-conver kernel threads and tell whether they matter
version_added: 0.3.0
description:
  - Seed story 3. After heavy writes, C(top) showed many C(ext4-dio-unwrit) kernel threads. They
    are ext4's unwritten-extent conversion workqueue - one per ext4 mount (per CPU on 2.6.32;
    C(ext4-rsv-conver) since 3.10) - and sleep unless a conversion is pending.
  - Counts them and the ext4 mounts, samples their CPU time from C(/proc/PID/stat) twice,
    O(sample_seconds) apart, and gives a verdict - C(benign) unless a family of them uses more
    than O(busy_percent) of one CPU - with the explanation.
  - Only reads. Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
options:
  sample_seconds:
    description:
      - Time between the two CPU samples, from V(0) to V(60) seconds. V(0) takes one sample and
        measures no CPU use.
    type: float
    default: 1.0
  busy_percent:
    description:
      - Share of one CPU above which a thread family counts as busy (a family of several threads
        may use more than one CPU). Above 0, at most 100000 (a thousand CPUs' worth).
    type: float
    default: 5.0
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.linux_host
  - fleetfix.kernel.read_only.facts
'''

EXAMPLES = r'''
- name: Are the ext4 threads a problem?
  fleetfix.kernel.ext4_thread_facts:
    sample_seconds: 2

- name: Say so
  ansible.builtin.debug:
    msg: "{{ ansible_facts.fleetfix_ext4_threads.verdict }}: {{ ansible_facts.fleetfix_ext4_threads.explanation }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts added under C(fleetfix_ext4_threads).
  returned: always
  type: dict
  contains:
    fleetfix_ext4_threads:
      description: The diagnosis.
      returned: always
      type: dict
      contains:
        threads:
          description: Number of ext4 conversion threads of their own (rescuers, 2.6.32 per-CPU threads).
          type: int
          sample: 2
        families:
          description: Per thread name (C(ext4-dio-unwrit), C(ext4-rsv-conver)) its C(threads), C(workers) (pool kworkers
            that last ran the workqueue, 4.18+), C(cpu_ticks) and C(cpu_percent).
          type: dict
        ext4_mounts:
          description: Mount points of ext4 filesystems.
          type: list
          elements: str
        sample_seconds:
          description: Seconds that passed between the two samples (at least O(sample_seconds); 0 when there was nothing to sample).
          type: float
        busy_percent:
          description: The threshold used.
          type: float
        verdict:
          description: C(benign) or C(busy).
          type: str
          sample: benign
        busy_families:
          description: Thread families above the threshold.
          type: list
          elements: str
        explanation:
          description: Why these threads exist.
          type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import arguments, ext4threads
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import exit_with_facts


BUSY_PERCENT_MAX = 100000


def main():
    module = AnsibleModule(
        argument_spec=dict(
            sample_seconds=dict(type='float', default=1.0),
            busy_percent=dict(type='float', default=ext4threads.DEFAULT_BUSY_PERCENT),
        ),
        supports_check_mode=True,
    )
    seconds = module.params['sample_seconds']
    # type=float lets NaN and infinity through (and NaN passes no comparison): checked here
    arguments.fail_on_input_error(module, [
        lambda: arguments.check_number(seconds, 'sample_seconds', 0, 60, unit='seconds'),
        lambda: arguments.check_number(module.params['busy_percent'], 'busy_percent', 0, BUSY_PERCENT_MAX,
                                       low_inclusive=False, unit='percent of one CPU'),
    ])
    exit_with_facts(module, 'fleetfix_ext4_threads',
                    lambda: ext4threads.collect('/', seconds=seconds, busy_percent=module.params['busy_percent']))


if __name__ == '__main__':
    main()
