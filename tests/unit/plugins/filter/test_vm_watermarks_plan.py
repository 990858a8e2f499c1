"""The vm_watermarks_plan filter: the role's decide step, with override handling."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetfix.kernel.plugins.filter.vm_watermarks_plan import vm_watermarks_plan
from ansible_collections.fleetfix.kernel.plugins.module_utils import memory, sysctl_d

DROP_IN = "/etc/sysctl.d/90-fleetfix-vm.conf"


def facts_with_overrides(fixture_root):
    root = fixture_root("memory", "sysctl-tree")
    facts = memory.collect(fixture_root("memory", "host-6.18"))
    facts["boot_values"] = sysctl_d.boot_values(root, ["vm.min_free_kbytes", "vm.watermark_scale_factor"])
    return facts


def test_overrides_are_listed_and_fixable_under_etc(fixture_root):
    plan = vm_watermarks_plan(facts_with_overrides(fixture_root), DROP_IN, percent=2)
    assert [(o["real_file"], o["line"], o["fixable"]) for o in plan["overrides"]] == [("/etc/sysctl.conf", 2, True)]


def test_fail_mode_names_the_file(fixture_root):
    with pytest.raises(AnsibleFilterError) as err:
        vm_watermarks_plan(facts_with_overrides(fixture_root), DROP_IN, percent=2, overrides="fail")
    assert "/etc/sysctl.d/99-sysctl.conf:2 sets vm.min_free_kbytes = 4096" in str(err.value)


def test_fix_mode_refuses_files_outside_etc(fixture_root):
    with pytest.raises(AnsibleFilterError) as err:
        vm_watermarks_plan(facts_with_overrides(fixture_root), DROP_IN, percent=2, scale_factor=20, overrides="fix")
    assert "cannot fix overrides outside /etc" in str(err.value)
    assert "/run/sysctl.d/95-runtime.conf:1" in str(err.value)


def test_bad_mode_and_bad_value(fixture_root):
    with pytest.raises(AnsibleFilterError) as err:
        vm_watermarks_plan(facts_with_overrides(fixture_root), DROP_IN, overrides="ignore")
    assert "fleetfix_vm_overrides must be one of report, fix, fail, got 'ignore'" in str(err.value)
    with pytest.raises(AnsibleFilterError) as err:
        vm_watermarks_plan(facts_with_overrides(fixture_root), DROP_IN, explicit_kb="1G")
    assert "fleetfix_vm_min_free_kbytes must be an integer, got '1G'" in str(err.value)


def test_allow_lower_from_extra_vars_text_is_a_boolean(fixture_root):
    """-e fleetfix_vm_min_free_allow_lower=false gives the text 'false', which must not allow lowering."""
    facts = memory.collect(fixture_root("memory", "host-6.18"))
    current = facts["sysctls"]["min_free_kbytes"]
    plan = vm_watermarks_plan(facts, DROP_IN, explicit_kb=current - 1, allow_lower="false")
    assert plan["target_kb"] == current
    assert vm_watermarks_plan(facts, DROP_IN, explicit_kb=current - 1, allow_lower="yes")["target_kb"] == current - 1
