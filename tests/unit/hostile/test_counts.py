"""The hostile inputs to the boot-file writers, counted in one place (issue 13 asks for >= 80).

Each list is run through its module in-process and through its role's Decide filter by
tests/unit/plugins/modules/test_initramfs_rebuild.py and test_grub_set_root.py / the GRUB
property and filter tests; this file only counts them and checks that none is listed twice.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from hostile import grub_inputs, initramfs_inputs

CLASSES = {
    "initramfs: driver names": initramfs_inputs.DRIVERS,
    "initramfs: kernel releases": initramfs_inputs.KERNELS,
    "initramfs: timeouts": initramfs_inputs.TIMEOUTS,
    "grub: UUIDs": grub_inputs.UUIDS,
    "grub: keep_kinds": grub_inputs.KEEP_KINDS,
    "grub: grub.conf contents": grub_inputs.GRUB_CONFS,
    "grub: grub.cfg contents": grub_inputs.GRUB_CFGS,
}


def test_at_least_80_hostile_inputs_to_the_boot_writers():
    counts = dict((name, len(cases)) for name, cases in CLASSES.items())
    print("\n" + "\n".join("%-28s %3d" % item for item in sorted(counts.items())) + "\n%-28s %3d" % ("total", sum(counts.values())))
    assert sum(counts.values()) >= 80
    assert all(counts.values())


def test_no_input_is_listed_twice():
    for name, cases in CLASSES.items():
        keys = [repr(case[:2]) for case in cases]
        assert len(keys) == len(set(keys)), name
