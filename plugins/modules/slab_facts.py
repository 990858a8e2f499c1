#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: slab_facts
short_description: Read the slab allocator of the running kernel and its out-of-tree modules
version_added: 0.3.0
description:
  - Seed story 5. A module that gave C(kmem_cache_create) a name in a stack buffer worked on
    CentOS 7 (SLUB copies the name) and failed with "duplicate cache" on CentOS 6 (SLAB keeps the
    pointer). This module tells which allocator runs and which loaded modules are out-of-tree
    (taint C(O)) or unsigned (taint C(E)) - where that pitfall lives.
  - The allocator is SLUB when C(/sys/kernel/slab) exists, otherwise it comes from the running
    kernel's config (C(CONFIG_SLAB), C(CONFIG_SLUB), C(CONFIG_SLOB)).
  - Only reads. Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
options:
  caches:
    description: Also list the slab cache names of C(/proc/slabinfo) (root only).
    type: bool
    default: false
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.linux_host
  - fleetfix.kernel.read_only.facts
'''

EXAMPLES = r'''
- name: Which allocator, which out-of-tree modules
  fleetfix.kernel.slab_facts:
'''

RETURN = r'''
ansible_facts:
  description: Facts added under C(fleetfix_slab).
  returned: always
  type: dict
  contains:
    fleetfix_slab:
      description: Allocator and modules.
      returned: always
      type: dict
      contains:
        allocator:
          description: C(SLUB), C(SLAB), C(SLOB), or null when it cannot be told.
          type: str
          sample: SLUB
        allocator_source:
          description: How it was told.
          type: str
        tainted:
          description: C(/proc/sys/kernel/tainted).
          type: int
        tainted_out_of_tree:
          description: Taint bit 12 (an out-of-tree module was loaded).
          type: bool
        tainted_unsigned:
          description: Taint bit 13 (an unsigned module was loaded).
          type: bool
        out_of_tree_modules:
          description: Loaded modules flagged C(O).
          type: list
          elements: str
        unsigned_modules:
          description: Loaded modules flagged C(E).
          type: list
          elements: str
        caches:
          description: Cache names when O(caches=true), else null.
          type: list
          elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import kconfig, slab
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import exit_with_facts, kernel_release


def main():
    module = AnsibleModule(argument_spec=dict(caches=dict(type='bool', default=False)), supports_check_mode=True)
    try:
        config = kconfig.read_config('/', kernel_release('/'), True)[0]
    except kconfig.KernelConfigError:
        config = None  # /sys/kernel/slab may still tell
    exit_with_facts(module, 'fleetfix_slab', lambda: slab.collect('/', config=config, with_caches=module.params['caches']))


if __name__ == '__main__':
    main()
