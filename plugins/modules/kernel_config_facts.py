#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: kernel_config_facts
short_description: Read the build configuration of the running kernel and of installed kernels
version_added: 0.3.0
description:
  - Reads a kernel's C(.config) from C(/proc/config.gz) (running kernel only),
    C(/boot/config-KVER), C(/usr/src/linux-KVER/.config) or C(/lib/modules/KVER/build/.config),
    the first that exists, in the order Docker's check-config.sh uses.
  - Options come as C(NAME) (without C(CONFIG_)) with their value - C(y), C(m), numbers and strings;
    "is not set" options are absent.
  - Only reads. Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
options:
  kernels:
    description:
      - Installed kernels to read besides the running one; V(all) reads every installed kernel.
      - A kernel that is not installed is an error; so is a value that is not a kernel release
        (letters, digits and C(._+~-), at most 64 characters).
    type: list
    elements: str
    default: []
  options:
    description:
      - Only return these options; absent ones come back as null. Given with or without C(CONFIG_),
        returned without it. A name that is not a config option name (letters, digits, C(_)) is an error.
    type: list
    elements: str
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.linux_host
  - fleetfix.kernel.read_only.facts
'''

EXAMPLES = r'''
- name: Is the running kernel SLAB or SLUB, and does it have thin provisioning?
  fleetfix.kernel.kernel_config_facts:
    options: [SLAB, SLUB, DM_THIN_PROVISIONING]

- name: Every installed kernel, whole configs
  fleetfix.kernel.kernel_config_facts:
    kernels: [all]
'''

RETURN = r'''
ansible_facts:
  description: Facts added under C(fleetfix_kernel_config).
  returned: always
  type: dict
  contains:
    fleetfix_kernel_config:
      description: Kernel configurations.
      returned: always
      type: dict
      contains:
        running:
          description: The running kernel.
          type: str
          sample: 6.1.0-28-amd64
        installed:
          description: Installed kernels (C(/lib/modules) and C(/boot/config-*)), oldest first.
          type: list
          elements: str
        kernels:
          description: Per kernel, C(source) (the file read), C(running) and C(options).
          type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import arguments, kconfig
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import exit_with_facts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            kernels=dict(type='list', elements='str', default=[]),
            options=dict(type='list', elements='str'),
        ),
        supports_check_mode=True,
    )
    arguments.fail_on_input_error(module, [
        lambda: arguments.check_kernels(module.params['kernels'], 'kernels', keywords=('all',)),
        lambda: arguments.check_config_options(module.params['options'], 'options'),
    ])
    kernels = module.params['kernels']
    wanted = 'all' if 'all' in kernels else kernels
    options = [o[len('CONFIG_'):] if o.startswith('CONFIG_') else o for o in (module.params['options'] or [])]
    exit_with_facts(module, 'fleetfix_kernel_config', lambda: kconfig.collect('/', kernels=wanted, options=options or None))


if __name__ == '__main__':
    main()
