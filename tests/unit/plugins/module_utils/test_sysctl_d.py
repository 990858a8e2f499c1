"""Boot-time sysctl resolution across sysctl.d and /etc/sysctl.conf."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.fleetfix.kernel.plugins.module_utils import sysctl_d

DROP_IN = "/etc/sysctl.d/90-fleetfix-vm.conf"


def test_order_masks_by_name_and_sorts_across_directories(fixture_root):
    assert sysctl_d.list_files(fixture_root("memory", "sysctl-tree")) == [
        "/etc/sysctl.d/10-local.conf",         # masks /usr/lib/sysctl.d/10-local.conf
        "/usr/lib/sysctl.d/50-default.conf",
        DROP_IN,
        "/run/sysctl.d/95-runtime.conf",
        "/etc/sysctl.d/99-sysctl.conf",        # the symlink to /etc/sysctl.conf: not read twice
    ]


def test_boot_value_is_the_last_assignment(fixture_root):
    values = sysctl_d.boot_values(fixture_root("memory", "sysctl-tree"), ["vm.min_free_kbytes", "vm.watermark_scale_factor"])
    mfk = values["vm.min_free_kbytes"]
    assert (mfk["value"], mfk["file"], mfk["line"]) == ("4096", "/etc/sysctl.d/99-sysctl.conf", 2)
    assert mfk["assignments"][-1]["real_file"] == "/etc/sysctl.conf"
    assert [a["value"] for a in mfk["assignments"]] == ["8192", "65536", "4096"]  # the masked "1" is not read
    wsf = values["vm.watermark_scale_factor"]
    assert [a["value"] for a in wsf["assignments"]] == ["50", "200"]  # '-' prefix and '/' form understood


def test_overriding_assignments_of_an_existing_drop_in(fixture_root):
    entries = sysctl_d.boot_values(fixture_root("memory", "sysctl-tree"), ["vm.min_free_kbytes"])["vm.min_free_kbytes"]
    later = sysctl_d.overriding(entries["assignments"], DROP_IN)
    assert [(o["file"], o["value"]) for o in later] == [("/etc/sysctl.d/99-sysctl.conf", "4096")]


def test_overriding_for_a_drop_in_that_does_not_exist_yet(fixture_root):
    entries = sysctl_d.boot_values(fixture_root("memory", "sysctl-tree"), ["vm.watermark_scale_factor"])
    later = sysctl_d.overriding(entries["vm.watermark_scale_factor"]["assignments"], DROP_IN)
    assert [o["file"] for o in later] == ["/run/sysctl.d/95-runtime.conf"]


def test_overlay_answers_what_if(fixture_root):
    root = fixture_root("memory", "sysctl-tree")
    values = sysctl_d.boot_values(root, ["vm.min_free_kbytes"],
                                  overlay={"/etc/sysctl.d/98-new.conf": "vm.min_free_kbytes = 1\n"})
    assert [a["file"] for a in values["vm.min_free_kbytes"]["assignments"]][-2:] == [
        "/etc/sysctl.d/98-new.conf", "/etc/sysctl.d/99-sysctl.conf"]


def test_parse_conf_keys():
    assert sysctl_d.parse_conf("# c\n; c\n-net/ipv4/ip_forward = 1\nvm.swappiness=10\nnoequals\n") == [
        (3, "net.ipv4.ip_forward", "1"), (4, "vm.swappiness", "10")]
