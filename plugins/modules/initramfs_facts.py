#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: initramfs_facts
short_description: Read every installed kernel's initramfs and tell whether it holds the drivers that boot this host
version_added: 0.3.0
description:
  - Seed story 4. A CentOS 7 server upgraded to a new kernel did not come back - its initramfs
    lacked C(mpt2sas), the driver of the SAS controller holding / and /boot. This module tells,
    before the reboot, which installed kernels would not find their root disk.
  - For every installed kernel (a C(/boot/vmlinuz-KVER), or C(/lib/modules/KVER/vmlinuz)) it
    finds the image (C(initramfs-KVER.img), C(initrd.img-KVER), older names), its compression
    by magic bytes (gzip, xz, lzma, bzip2, zstd, lz4) including an uncompressed early cpio
    (microcode) in front of the main archive, its size, whether it is older than the kernel or its
    modules, and what is inside - kernel modules, firmware, dracut modules.
  - The images are read by the collection's own streaming cpio reader. No C(lsinitrd) or
    C(lsinitramfs) is needed; the C(zstd) and C(lz4) programs are used for those two formats
    (and C(xz) on Python 2). Memory stays bounded whatever the image size.
  - The boot-critical drivers are discovered from sysfs - for the devices holding / and /boot,
    through device-mapper, md and LVM down to the disks and up to every controller driver - plus
    the filesystem module. Drivers built into a kernel (its C(modules.builtin)) count as present.
  - Only reads. Safe under C(--check).
author:
  - fleetfix.kernel contributors (@fleetfix)
requirements:
  - Python 2.7 or 3.6+ on the managed host (standard library only)
  - C(zstd) to read an initramfs image compressed with zstd (gzip and uncompressed images need no program, and no
    C(lsinitrd), C(lsinitramfs) or C(cpio) is run); without it that image cannot be read (see O(on_error))
  - C(lz4) to read an initramfs image compressed with lz4 (legacy format); without it that image cannot be read
    (see O(on_error))
  - C(xz), on Python 2 only, to read an initramfs image compressed with xz or lzma (Python 3 decodes both itself)
  - C(bzip2) to read an initramfs image compressed with bzip2 - only where Python was built without its bz2 module
options:
  kernels:
    description:
      - Kernel releases to read. By default every installed kernel.
      - Each must be installed and look like a kernel release (letters, digits and C(._+~-),
        starting with a letter or digit); anything else is refused, naming the value.
    type: list
    elements: str
  required_drivers:
    description:
      - Module names every image must hold (C(-) and C(_) are the same).
      - By default the boot chain discovered from sysfs.
      - Kernel module names only (ASCII letters, digits, C(_), C(-), at most 55 characters);
        anything else is refused, naming the value.
    type: list
    elements: str
  extra_drivers:
    description: Module names required on top of O(required_drivers) or the discovered chain (checked as O(required_drivers)).
    type: list
    elements: str
    default: []
  contents:
    description: Return the full module and firmware lists of each image (long).
    type: bool
    default: false
  on_error:
    description:
      - What an unreadable or corrupt image does. V(fail) stops with a message naming the image
        and the problem; V(report) records it in that kernel's RV(ansible_facts.fleetfix_initramfs.kernels[].error)
        and reads the others.
    type: str
    choices: [fail, report]
    default: fail
extends_documentation_fragment:
  - fleetfix.kernel.read_only
  - fleetfix.kernel.linux_host
  - fleetfix.kernel.read_only.facts
'''

EXAMPLES = r'''
- name: Will every installed kernel find its root disk?
  fleetfix.kernel.initramfs_facts:

- name: Show the kernels whose image lacks a boot driver
  ansible.builtin.debug:
    msg: "{{ item.version }} lacks {{ item.missing_drivers | map(attribute='name') | join(', ') }}"
  loop: "{{ fleetfix_initramfs.kernels | selectattr('missing_drivers') | list }}"

- name: Require a driver the running system does not use yet (a new controller)
  fleetfix.kernel.initramfs_facts:
    extra_drivers: [mpt3sas]
    on_error: report
'''

RETURN = r'''
ansible_facts:
  description: Facts added under C(fleetfix_initramfs).
  returned: always
  type: dict
  contains:
    fleetfix_initramfs:
      description: Kernels, their images and the boot chain.
      returned: always
      type: dict
      contains:
        generator:
          description: The host's initramfs generator (C(dracut), C(initramfs-tools), C(mkinitrd)) or null.
          type: str
          sample: dracut
        generator_config:
          description:
            - For dracut, the effective driver lists across C(/etc/dracut.conf) and its drop-ins
              (C(lists), C(origin), C(files)); for initramfs-tools the C(MODULES=) policy and the
              C(/etc/initramfs-tools/modules) entries.
          type: dict
        running_kernel:
          description: The running kernel's release.
          type: str
        newest_kernel:
          description: The newest installed kernel release (natural version order).
          type: str
        boot_chain:
          description: For / and /boot, the layers (partition, disk, dm/lvm/md) with the drivers bound up each disk's device path.
          type: list
          elements: dict
        required_drivers:
          description: The module names every image must hold.
          type: list
          elements: str
        required_source:
          description: C(discovered) (from sysfs) or C(parameter).
          type: str
        kernels:
          description: One entry per kernel, oldest first.
          type: list
          elements: dict
          contains:
            version:
              description: Kernel release.
              type: str
            running:
              description: This is the running kernel.
              type: bool
            newest:
              description: This is the newest installed kernel.
              type: bool
            vmlinuz:
              description: Path of the kernel image.
              type: str
            image:
              description: Path of the initramfs (the expected one when it does not exist).
              type: str
            image_exists:
              description: The initramfs exists.
              type: bool
            size:
              description: Size of the image in bytes.
              type: int
            stale_against:
              description: Files newer than the image (the kernel, C(modules.dep)); empty when up to date.
              type: list
              elements: str
            compression:
              description: Compression of the main archive (C(gzip), C(xz), C(lzma), C(bzip2), C(zstd), C(lz4), C(cpio)).
              type: str
            early_cpio:
              description: An uncompressed cpio (early microcode) precedes the main archive.
              type: bool
            segments:
              description: Each archive in the file with its offset, compression and entry count.
              type: list
              elements: dict
            image_generator:
              description: The generator that made the image, told from its contents.
              type: str
            entries:
              description: Number of files in the image.
              type: int
            module_count:
              description: Number of kernel modules the image holds for this kernel (under C(lib/modules/VERSION/)).
              type: int
            modules:
              description:
                - Module names the image holds for this kernel (only with O(contents=true)).
                - Only modules under C((usr/)lib/modules/VERSION/) of this kernel count, as for
                  RV(ansible_facts.fleetfix_initramfs.kernels[].missing_drivers); a path with a
                  C(..) component counts for nothing.
              type: list
              elements: str
            kernel_versions:
              description: The kernel releases the image holds module directories for (normally just this kernel's).
              type: list
              elements: str
            firmware:
              description: Firmware files in the image (only with O(contents=true)).
              type: list
              elements: str
            dracut_modules:
              description: The dracut modules the image was built with, or null.
              type: list
              elements: str
            missing_drivers:
              description: Required drivers neither in the image nor built in; C(shipped_by_kernel) tells whether the kernel has the module at all.
              type: list
              elements: dict
            error:
              description: Why the image could not be read (only with O(on_error=report)), else null.
              type: str
            scan:
              description:
                - C(full) when every entry of the image was collected (always, from this module); null without
                  an image or when it could not be read.
                - C(stopped_early) only where the boot-readiness audit asks for an early stop (module_utils
                  C(bootchain.collect_initramfs_facts(stop_early=True))) and every required driver was seen -
                  entries after them are not collected, so C(module_count), C(kernel_versions),
                  C(dracut_modules) and C(image_generator) are null; the image is still decoded and its cpio
                  headers checked to the end, so the verdict and any error are those of a full scan.
              type: str
              sample: full
            complete_by:
              description:
                - How the image was checked after the point where entries stopped being collected -
                  C(read_to_end) for a full scan (always, from this module), C(decoded_to_end) (the stop came
                  in a compressed archive, decoded to its end with every cpio header checked) or
                  C(cpio_headers) (in an uncompressed archive, its headers walked to the trailer); null
                  without an image or when it could not be read.
              type: str
              sample: read_to_end
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import exit_with_facts


def check_params(params):
    """The input contract (bootchain.check_*): raises bootchain.InputError naming the option."""
    if params['kernels']:
        bootchain.check_kernel_releases(params['kernels'], 'kernels')
    if params['required_drivers']:
        bootchain.check_module_names(params['required_drivers'], 'required_drivers')
    bootchain.check_module_names(params['extra_drivers'] or [], 'extra_drivers')


def collect(root, params):
    return bootchain.collect_initramfs_facts(
        root, kernels=params['kernels'], required=params['required_drivers'],
        extra=params['extra_drivers'], contents=params['contents'], on_error=params['on_error'])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            kernels=dict(type='list', elements='str'),
            required_drivers=dict(type='list', elements='str'),
            extra_drivers=dict(type='list', elements='str', default=[]),
            contents=dict(type='bool', default=False),
            on_error=dict(type='str', choices=['fail', 'report'], default='fail'),
        ),
        supports_check_mode=True,
    )
    try:
        check_params(module.params)
    except bootchain.InputError as exc:
        module.fail_json(msg='initramfs_facts: %s' % exc)
    exit_with_facts(module, 'fleetfix_initramfs', lambda: collect('/', module.params))


if __name__ == '__main__':
    main()
