#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: kernel_audit
short_description: Audit a host for every fleetfix.kernel seed story in one module call
version_added: 0.3.0
description:
  - Runs the collector of every seed story on the host in a single call (one round trip)
    and returns one finding per story with a status, a one-line summary, the evidence it is
    based on and the role that fixes it.
  - Collectors share their parsing code with the facts modules (M(fleetfix.kernel.pipe_facts), ...).
  - A collector that fails on a host (an unreadable file, an odd kernel) yields an C(error)
    finding for that story only; the other stories still report.
  - V(ext4_threads) measures the CPU use of ext4's conversion threads over 0.2 seconds; that
    window opens before the other collectors run and closes after them, so it adds only what
    is left of it to the call.
  - Only reads. Safe under C(--check); the result is the same with and without it.
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
  - C(zstd), for V(boot_readiness) only, to read an initramfs image compressed with zstd (gzip and uncompressed images
    need no program, and no C(lsinitrd), C(lsinitramfs) or C(cpio) is run); without it that image is reported as
    unreadable in the finding and the audit goes on
  - C(lz4), for V(boot_readiness) only, to read an initramfs image compressed with lz4 (legacy format); without it that
    image is reported as unreadable in the finding and the audit goes on
  - C(xz), for V(boot_readiness) only and on Python 2 only, to read an initramfs image compressed with xz or lzma
    (Python 3 decodes both itself)
  - C(bzip2), for V(boot_readiness) only, to read an initramfs image compressed with bzip2 - only where Python was built
    without its bz2 module
options:
  gather_subset:
    description:
      - Which stories to audit, like C(gather_subset) of M(ansible.builtin.setup) - V(all), story
        names, or story names prefixed with C(!) to leave them out. An unknown name, or an empty
        list, is refused.
      - "Stories: V(page_allocation), V(ext4_threads), V(docker_kernel), V(slab_allocator), V(socket_timeval),
        V(net_iface_names), V(pipe_capacity), V(boot_readiness)."
    type: list
    elements: str
    default: [all]
  pipe_write_size:
    description:
      - For V(pipe_capacity), the largest single write (bytes) your programs make into a pipe.
        The finding warns when it does not fit the largest pipe an unprivileged process may ask for.
      - From 1 to 2147483648 (the kernel's own limit on a pipe); a boolean is refused.
    type: int
    default: 1048576
  boot_extra_drivers:
    description:
      - For V(boot_readiness), module names every initramfs must hold on top of the boot chain
        discovered from sysfs (a controller about to be added, say). Each must be a module name as
        modprobe takes it (ASCII letters, digits, V(_) and V(-)); anything else is refused.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.linux_host
seealso:
  - module: fleetfix.kernel.pipe_facts
  - module: fleetfix.kernel.initramfs_facts
  - module: fleetfix.kernel.grub_facts
'''

EXAMPLES = r'''
- name: Audit every story
  fleetfix.kernel.kernel_audit:
  register: audit

- name: Only the pipe story, for programs that write 16 MiB at once
  fleetfix.kernel.kernel_audit:
    gather_subset: [pipe_capacity]
    pipe_write_size: 16777216
'''

RETURN = r'''
stories:
  description: The stories audited, in report order.
  returned: always
  type: list
  elements: str
  sample: [pipe_capacity]
findings:
  description: One finding per audited story.
  returned: always
  type: list
  elements: dict
  contains:
    story:
      description: The seed story.
      type: str
      sample: pipe_capacity
    status:
      description: C(ok), C(warn), C(fail), C(not_applicable) or C(error). A finding whose evidence
        could not be read is never C(ok) - C(page_allocation) is a C(warn) naming the log and saying
        "run with become" when C(/dev/kmsg) is closed (C(kernel.dmesg_restrict=1) without root).
      type: str
      sample: warn
    summary:
      description: One line for people.
      type: str
    evidence:
      description: The numbers and paths the finding is based on.
      type: dict
    cause:
      description:
        - The reason in a few words, the same on every host where the reason is the same (no host's
          numbers or kernel versions in it) - the fleet report groups hosts by story, status and
          cause. C(ok) and C(not applicable) for those statuses.
      type: str
      sample: "NOT READY: initramfs lacks megaraid_sas"
    remedy:
      description: What to do, in words; null when nothing needs fixing.
      type: str
    fixes:
      description: The roles of this collection that fix it (empty when none does).
      type: list
      elements: dict
      contains:
        role:
          description: The role's short name (C(fleetfix.kernel.) before it).
          type: str
          sample: initramfs_drivers
        variables:
          description: The variables it needs beyond its defaults, the same for every host with this cause.
          type: dict
          sample: {fleetfix_initramfs_drivers: [megaraid_sas]}
        per_host:
          description: Variables it needs that differ per host (set them in host_vars).
          type: list
          elements: str
facts:
  description:
    - What each story's collector read, as its facts module returns it (null on C(error)).
    - For C(boot_readiness) only the kernels it evaluates - the default entry's and every one newer than
      the running one - are read; an older kernel's initramfs is not decoded.
  returned: always
  type: dict
timings_ms:
  description:
    - Where the module's time went on the host, in whole milliseconds (rounded), from the process's start to the result.
    - The parts follow one another - RV(timings_ms.startup), RV(timings_ms.imports), RV(timings_ms.arguments),
      then the collectors - and add up to RV(timings_ms.total) but for a millisecond or two of the runner's own
      (the ext4 sample's first reading, the file cache) and the rounding of each part.
    - A part that cannot be measured is null; a timing never fails the module.
  returned: always
  type: dict
  contains:
    startup:
      description:
        - From the start of the Python process to the first line of this module - the interpreter's start, the
          AnsiballZ wrapper writing out its zip, and C(ansible.module_utils.basic), which AnsiballZ imports before
          it runs the module.
        - Measured as the process's age (C(/proc/self/stat) field 22, C(starttime), in clock ticks after boot,
          against C(/proc/uptime), two decimals), so to within one clock tick (10 ms where USER_HZ is 100 - x86, ARM,
          POWER, s390). Null when C(/proc) cannot tell.
      type: int
      sample: 130
    imports:
      description:
        - The collection's module_utils this module imports before any story runs (the story selection, the
          argument checks and what they import), compiled from the zip.
        - The code of one story is imported when its collector runs, and counts in that collector's time.
      type: int
      sample: 12
    arguments:
      description: Argument parsing (C(AnsibleModule)) and the checks of the options, up to the first collector.
      type: int
      sample: 2
    collectors:
      description:
        - Milliseconds each audited story's collector took, by story, including the import of its module_utils
          not imported before it (the first story to use a file compiles it).
        - V(ext4_threads) also waits for what is left of its 0.2 s sampling window, which opens before the other
          collectors run.
      type: dict
      sample: {pipe_capacity: 3, boot_readiness: 210}
    total:
      description:
        - From the start of the process to the result, ready to be written; null when RV(timings_ms.startup) is.
        - Measured as the process's age when the result is ready, so to within one clock tick like RV(timings_ms.startup).
      type: int
      sample: 380
  sample: {startup: 130, imports: 12, arguments: 2, collectors: {pipe_capacity: 3}, total: 148}
'''

import time

# The module's first line: what ran before it is timings_ms.startup, the imports below are
# timings_ms.imports.
STARTED = time.time()

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import arguments, audit, pipe

IMPORTED = time.time()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            gather_subset=dict(type='list', elements='str', default=['all']),
            pipe_write_size=dict(type='int', default=1048576),
            boot_extra_drivers=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    arguments.fail_on_input_error(module, [
        lambda: arguments.check_nonempty(params['gather_subset'], 'gather_subset', "story or 'all'"),
        lambda: arguments.check_drivers(params['boot_extra_drivers'], 'boot_extra_drivers'),
    ])
    try:
        stories = audit.select_stories(params['gather_subset'])
        # type=int lets a YAML true through as 1; the kernel caps a pipe at 2 GiB
        pipe.validate_write_size(params['pipe_write_size'], 'pipe_write_size')
    except ValueError as exc:  # PipeSettingError and select_stories' refusal are ValueErrors
        module.fail_json(msg=str(exc))
    parsed = time.time()
    facts, findings, collectors = audit.run(stories, module.params)
    finished = time.time()
    timings = audit.module_timings(audit.startup_ms(STARTED), STARTED, IMPORTED, parsed, collectors, finished)
    module.exit_json(changed=False, stories=stories, findings=findings, facts=facts, timings_ms=timings)


if __name__ == '__main__':
    main()
