# -*- coding: utf-8 -*-
"""The root=UUID= input contract: what a filesystem UUID is, what keep_kinds are (the refusals
themselves are the hostile list, run through the module and the role's filter)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import grub_root_plan


@pytest.mark.parametrize("uuid", [
    "f6a6efc5-919c-4393-8e76-c84e475cd609",  # ext4, xfs, btrfs (blkid prints lower case)
    "F6A6EFC5-919C-4393-8E76-C84E475CD609",
    "1234-ABCD", "b2a1-09ef",                # vfat, exfat
    "0123456789ABCDEF",                      # ntfs, hfsplus
    "2020-01-01-00-00-00-00",                # iso9660
])
def test_filesystem_uuids_are_accepted(uuid):
    assert grub_root_plan.uuid_problem(uuid) is None


def test_refusals_name_the_variable_and_quote_the_value_visibly():
    message = grub_root_plan.uuid_problem("abc\tsingle", "fleetfix_x")
    assert message.startswith('fleetfix_x "abc\\tsingle" is not a filesystem UUID: it holds whitespace')
    assert grub_root_plan.uuid_problem(None, "u") == "u null is not a filesystem UUID: it is a NoneType, not a string"
    long_one = grub_root_plan.uuid_problem("a" * 300)
    assert '..." (300 characters) is not a filesystem UUID' in long_one and len(long_one) < 400
    assert grub_root_plan.keep_kinds_problem(["lvm", "label"]) is None
    assert grub_root_plan.keep_kinds_problem([]) is None
    assert grub_root_plan.keep_kinds_problem("lvm").startswith("keep_kinds must be a list")
    assert grub_root_plan.keep_kinds_problem([None]).startswith("keep_kinds: null is not a root= kind")


def test_plan_refuses_before_it_plans():
    facts = {"flavour": "grub2", "entries": [], "root_filesystem": {"uuid": "x y"}}
    with pytest.raises(ValueError) as err:
        grub_root_plan.plan(facts, ["lvm"])
    assert "the UUID of the filesystem on / (grub_facts root_filesystem.uuid)" in str(err.value)
    with pytest.raises(ValueError) as err:
        grub_root_plan.plan(facts, ["LVM"], keep_kinds_name="kk")
    assert str(err.value).startswith('kk: "LVM" is not a root= kind')
