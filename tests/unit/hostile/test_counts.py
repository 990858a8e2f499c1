"""The adversarial suite, counted in one place (issue 13 asks for >= 80 hostile inputs to the
boot-file writers, issue 14 for >= 300 across module arguments, role variables, malformed host
files on fake roots and reports), and the counts the README states checked against it.

Each list is run by its own test (named beside it below); this file counts them, checks that
none is listed twice, and that the README's table says what the suite holds.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re

from hostile import (audit_inputs, grub_inputs, host_files_boot, host_files_grub, host_files_net_sysctl,
                     host_files_proc, initramfs_inputs, module_argument_inputs, role_variable_inputs)

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "docs", "testing.md")
PROPERTIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "properties")

BOOT_WRITERS = {  # tests/unit/plugins/modules/test_initramfs_rebuild.py, test_grub_set_root.py, filters
    "initramfs: driver names": initramfs_inputs.DRIVERS,
    "initramfs: kernel releases": initramfs_inputs.KERNELS,
    "initramfs: timeouts": initramfs_inputs.TIMEOUTS,
    "grub: UUIDs": grub_inputs.UUIDS,
    "grub: keep_kinds": grub_inputs.KEEP_KINDS,
    "grub: grub.conf contents": grub_inputs.GRUB_CONFS,
    "grub: grub.cfg contents": grub_inputs.GRUB_CFGS,
}

# class (as the README's table names it) -> lists
CLASSES = {
    "module arguments": [module_argument_inputs.CASES,                      # test_module_arguments.py
                         initramfs_inputs.CASES, grub_inputs.UUIDS, grub_inputs.KEEP_KINDS],
    "role variables": [role_variable_inputs.ALL],                           # filter/test_role_variable_inputs.py
    "malformed host files": [host_files_proc.CASES, host_files_grub.CASES,  # test_host_files_*.py
                             host_files_boot.CASES, host_files_net_sysctl.CASES,
                             grub_inputs.GRUB_CONFS, grub_inputs.GRUB_CFGS],
    "audit variables and reports": [audit_inputs.SETTINGS, audit_inputs.REPORT_TEXTS,  # filter/test_audit_report.py
                                    audit_inputs.LOG_FILES],
}


def counts():
    return dict((name, sum(len(cases) for cases in lists)) for name, lists in CLASSES.items())


def property_tests():
    """The number of property tests (functions decorated with @given) in tests/unit/properties."""
    total = 0
    for name in sorted(os.listdir(PROPERTIES)):
        if name.startswith("test_") and name.endswith(".py"):
            with open(os.path.join(PROPERTIES, name)) as handle:
                total += len(re.findall(r"^@given\(", handle.read(), re.M))
    return total


def test_at_least_80_hostile_inputs_to_the_boot_writers():
    found = dict((name, len(cases)) for name, cases in BOOT_WRITERS.items())
    assert sum(found.values()) >= 80
    assert all(found.values())


def test_at_least_300_hostile_inputs_in_every_class():
    found = counts()
    print("\n" + "\n".join("%-30s %4d" % item for item in sorted(found.items()))
          + "\n%-30s %4d" % ("total", sum(found.values())) + "\n%-30s %4d" % ("property tests", property_tests()))
    assert sum(found.values()) >= 300
    assert all(value >= 20 for value in found.values()), found


def test_no_input_is_listed_twice():
    for name, lists in list(CLASSES.items()) + [(name, [cases]) for name, cases in BOOT_WRITERS.items()]:
        for cases in lists:
            keys = [repr(case[:3] if isinstance(case, tuple) else case) for case in cases]
            assert len(keys) == len(set(keys)), name


def test_the_readme_states_the_counts():
    """docs/testing.md's table of the adversarial suite holds the real counts (it cannot drift)."""
    with open(README) as handle:
        text = handle.read()
    stated = dict((name.strip(), int(number)) for name, number in
                  re.findall(r"^\| ([a-z][a-z ]+?) +\| +([0-9]+) \|", text, re.M))
    expected = dict(counts(), total=sum(counts().values()))
    expected["property tests"] = property_tests()
    assert stated == expected, "docs/testing.md says %r; the suite holds %r" % (stated, expected)
