#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: pipe_facts
short_description: Read pipe capacity and pipe limits off the running kernel
version_added: 0.3.0
description:
  - Seed story 8 (a 16 MiB C(write) into a pipe blocked on 2.6.32). Reports the kernel's pipe
    sysctls C(fs.pipe-max-size), C(fs.pipe-user-pages-soft) and C(fs.pipe-user-pages-hard)
    (null on kernels that predate them, 2.6.35 and 4.5), the real capacity of a fresh pipe
    and whether a single write of O(write_size) bytes fits without blocking.
  - The capacity is probed, not assumed, with C(F_GETPIPE_SZ) and C(F_SETPIPE_SZ) on a fresh
    pipe. Root may exceed C(fs.pipe-max-size), so the resize probe runs in a forked child that
    first drops to the C(nobody) user; what it reports is what an ordinary program gets.
  - Only reads. Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
options:
  write_size:
    description:
      - Size in bytes of the single write the application makes. The module reports whether it
        fits a fresh pipe and the largest pipe an unprivileged process may ask for, and the resize
        probe asks for exactly this size.
      - When omitted, the resize probe asks for C(fs.pipe-max-size).
      - From 1 to 2147483648 (2 GiB, the largest pipe the kernel makes); a boolean is refused.
    type: int
  probe:
    description:
      - Create pipes to measure the capacity. With V(false) only the sysctls are read.
    type: bool
    default: true
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.linux_host
  - fleetfix.kernel.read_only.facts
seealso:
  - name: pipe(7)
    description: Pipe capacity, F_SETPIPE_SZ and the pipe sysctls.
    link: https://man7.org/linux/man-pages/man7/pipe.7.html
  - module: ansible.posix.sysctl
'''

EXAMPLES = r'''
- name: Read pipe limits and check the application's 16 MiB writes
  fleetfix.kernel.pipe_facts:
    write_size: 16777216

- name: Warn when the write does not fit
  ansible.builtin.debug:
    msg: "16 MiB writes block here: fs.pipe-max-size is {{ ansible_facts.fleetfix_pipe.pipe_max_size }}"
  when: not ansible_facts.fleetfix_pipe.write_fits_unprivileged
'''

RETURN = r'''
ansible_facts:
  description: Facts added under C(fleetfix_pipe).
  returned: always
  type: dict
  contains:
    fleetfix_pipe:
      description: Pipe capacity and limits of the running kernel.
      returned: always
      type: dict
      contains:
        kernel_release:
          description: The running kernel (C(uname -r)).
          type: str
          returned: always
          sample: 6.1.0-28-amd64
        page_size:
          description: The page size in bytes; pipe capacities are whole pages.
          type: int
          returned: always
          sample: 4096
        pipe_max_size:
          description: C(fs.pipe-max-size) in bytes; null before kernel 2.6.35.
          type: int
          returned: always
          sample: 1048576
        pipe_user_pages_soft:
          description: C(fs.pipe-user-pages-soft) in pages; null before kernel 4.5.
          type: int
          returned: always
          sample: 16384
        pipe_user_pages_hard:
          description: C(fs.pipe-user-pages-hard) in pages (0 is no limit); null before kernel 4.5.
          type: int
          returned: always
          sample: 0
        resizable:
          description: Whether pipes can be resized (C(F_SETPIPE_SZ), kernel 2.6.35 and later).
          type: bool
          returned: always
          sample: true
        default_capacity:
          description: Capacity of a fresh pipe in bytes; null when not probed on a resizable kernel.
          type: int
          returned: always
          sample: 65536
        default_capacity_source:
          description: Where C(default_capacity) comes from, C(F_GETPIPE_SZ) or the pre-2.6.35 constant.
          type: str
          returned: always
          sample: F_GETPIPE_SZ
        max_unprivileged_capacity:
          description: The largest pipe an unprivileged process may ask for, in bytes.
          type: int
          returned: always
          sample: 1048576
        write_size:
          description: The O(write_size) asked about, or null.
          type: int
          returned: always
          sample: 16777216
        write_fits_default_pipe:
          description: Whether a write of O(write_size) fits a fresh pipe without a reader; null without O(write_size).
          type: bool
          returned: always
          sample: false
        write_fits_unprivileged:
          description: Whether it fits the largest pipe an unprivileged process may ask for; null without O(write_size).
          type: bool
          returned: always
          sample: false
        resize_probe:
          description: The unprivileged C(F_SETPIPE_SZ) probe; null when not probed.
          type: dict
          returned: always
          contains:
            requested:
              description: Bytes asked for.
              type: int
            capacity:
              description: Capacity the kernel granted, null when refused.
              type: int
            errno:
              description: The error number when refused (C(EPERM) above C(fs.pipe-max-size)).
              type: int
            error:
              description: The symbolic name of C(errno).
              type: str
            as_uid:
              description: The user id the probe ran as.
              type: int
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import exit_with_facts
from ansible_collections.fleetfix.kernel.plugins.module_utils.pipe import PipeSettingError, collect, validate_write_size


def main():
    module = AnsibleModule(
        argument_spec=dict(
            write_size=dict(type='int'),
            probe=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    write_size = module.params['write_size']
    if write_size is not None:
        # type=int lets a YAML true through as True (bool is an int): a boolean is not 1 byte.
        try:
            validate_write_size(write_size)
        except PipeSettingError as exc:
            module.fail_json(msg=str(exc))
    exit_with_facts(module, 'fleetfix_pipe', lambda: collect('/', write_size=write_size, probe=module.params['probe']))


if __name__ == '__main__':
    main()
