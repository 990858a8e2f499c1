"""Boot-loader configuration parsers: GRUB 2, GRUB legacy, BLS, grubenv, /etc/default/grub.

Seed story: a CentOS 7 kernel upgrade did not boot because GRUB's root= named a device path
instead of a UUID. Fixtures are real files (tests/unit/fixtures/grub/README.md says where
each one comes from) plus a few made-up broken ones.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import io
import os
import shutil

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import grub
from conftest import FIXTURES

GRUB = os.path.join(FIXTURES, "grub")

C7_UUID = "UUID=6d651fcb-6873-4d7a-b67e-d0a2b88c1d3d"
C7_ID = "gnulinux-3.10.0-514.el7.x86_64-advanced-6d651fcb-6873-4d7a-b67e-d0a2b88c1d3d"
DEB_UUID = "c1ec3c4e-567b-4247-9f90-21c6a059651d"
ROCKY_KERNELOPTS = ("root=UUID=bf4ab502-9a6d-49ec-92be-59111a383230 ro "
                    "resume=UUID=9c7383f6-7502-4245-b0b0-c52190b4c6e0 net.ifnames=0 rhgb quiet")
ROCKY_ID = "35dc1905d91b4156a327bd529f5b60da-4.18.0-477.27.1.el8_8.x86_64"
ROCKY_RESCUE_ID = "35dc1905d91b4156a327bd529f5b60da-0-rescue"


def read(name):
    """A fixture's text exactly as stored (CRLF kept)."""
    with io.open(os.path.join(GRUB, name), encoding="utf-8", newline="") as handle:
        return handle.read()


def bls_dir(name):
    folder = os.path.join(GRUB, name)
    return [grub.parse_bls_entry(read(os.path.join(name, f)), "/boot/loader/entries/" + f)
            for f in sorted(os.listdir(folder))]


def brief(entries, *keys):
    return [tuple(e[k] for k in keys) for e in entries]


# --------------------------------------------------------------------------- classify_root

@pytest.mark.parametrize("value,kind", [
    ("UUID=6d651fcb-6873-4d7a-b67e-d0a2b88c1d3d", "uuid"),
    ("uuid=6d651fcb-6873-4d7a-b67e-d0a2b88c1d3d", "uuid"),
    ("LABEL=rootfs", "label"),
    ("PARTUUID=6c3b1a2e-02", "partuuid"),
    ("PARTLABEL=root", "partlabel"),
    ("/dev/mapper/VolGroup-lv_root", "lvm"),
    ("/dev/mapper/centos-root", "lvm"),
    ("/dev/VolGroup00/LogVol00", "lvm"),
    ("/dev/rhel/root", "lvm"),
    ("/dev/disk/by-uuid/1b2c3d4e-0000-4000-8000-000000000001", "uuid_path"),
    ("/dev/disk/by-label/rootfs", "label_path"),
    ("/dev/disk/by-partuuid/6c3b1a2e-02", "partuuid_path"),
    ("/dev/disk/by-partlabel/root", "partlabel_path"),
    ("/dev/sda1", "device"),
    ("/dev/sdb", "device"),
    ("/dev/vda2", "device"),
    ("/dev/xvda1", "device"),
    ("/dev/hda3", "device"),
    ("/dev/nvme0n1p2", "device"),
    ("/dev/md0", "device"),
    ("/dev/md/root", "device"),
    ("/dev/mmcblk0p2", "device"),
    ("/dev/dm-0", "device"),
    ("/dev/cciss/c0d0p1", "device"),
    ("", None),
    ("   ", None),
    (None, None),
    ("ZFS=rpool/ROOT/debian", "other"),
    ("/dev/disk/by-id/ata-VBOX_HARDDISK_VB1-part1", "other"),
    ("/dev/root", "other"),
    ("0801", "other"),
    ("$rootdev", "other"),
])
def test_classify_root(value, kind):
    assert grub.classify_root(value) == kind


# --------------------------------------------------------------------------- kernel command line

def test_parse_cmdline_follows_the_kernel_rules():
    line = ('BOOT_IMAGE=/vmlinuz-6.1.0 root=UUID=abc ro quiet acpi_osi="Windows 2012" '
            'key= "dyndbg=file x.c +p" "flag with space" init=/bin/sh -- single x=1')
    assert grub.parse_cmdline(line) == [
        ("BOOT_IMAGE", "/vmlinuz-6.1.0"), ("root", "UUID=abc"), ("ro", None), ("quiet", None),
        ("acpi_osi", "Windows 2012"), ("key", ""), ("dyndbg", "file x.c +p"), ("flag with space", None),
        ("init", "/bin/sh"), ("--", None), ("single", None), ("x", "1")]
    assert grub.parse_cmdline("") == []
    assert grub.parse_cmdline(None) == []
    assert grub.parse_cmdline("  \t ") == []


def test_get_arg_takes_the_last_value_before_the_double_dash():
    args = grub.parse_cmdline("root=/dev/sda1 ro root=UUID=abc quiet -- root=/dev/evil")
    assert grub.get_arg(args, "root") == "UUID=abc"
    assert grub.get_arg(args, "quiet") is None
    assert grub.get_arg(args, "missing", "dflt") == "dflt"
    assert grub.has_arg(args, "quiet") and grub.has_arg(args, "ro")
    assert not grub.has_arg(args, "missing")
    assert grub.get_arg("root=LABEL=x ro", "root") == "LABEL=x"  # a string works too
    assert grub.get_arg(None, "root") is None


# --------------------------------------------------------------------------- CentOS 7 (GRUB 2, no BLS)

def test_centos7_grub_cfg():
    cfg = grub.parse_grub2_cfg(read("centos7-grub.cfg"), "/boot/grub2/grub.cfg")
    assert cfg["default"] == "${saved_entry}"
    assert cfg["timeout"] == "5"
    assert cfg["blscfg"] is False and cfg["blscfg_index"] is None
    assert cfg["submenus"] == []
    assert brief(cfg["entries"], "index", "title", "kernel", "initrd", "root", "root_kind") == [
        (0, "CentOS Linux (3.10.0-514.26.2.el7.x86_64) 7 (Core)", "/vmlinuz-3.10.0-514.26.2.el7.x86_64",
         "/initramfs-3.10.0-514.26.2.el7.x86_64.img", C7_UUID, "uuid"),
        (1, "CentOS Linux (3.10.0-514.el7.x86_64) 7 (Core)", "/vmlinuz-3.10.0-514.el7.x86_64",
         "/initramfs-3.10.0-514.el7.x86_64.img", C7_UUID, "uuid"),
        (2, "CentOS Linux (0-rescue-8fcc53fd2f4f4b5e940bbef805c431eb) 7 (Core)",
         "/vmlinuz-0-rescue-8fcc53fd2f4f4b5e940bbef805c431eb",
         "/initramfs-0-rescue-8fcc53fd2f4f4b5e940bbef805c431eb.img", C7_UUID, "uuid"),
    ]
    first = cfg["entries"][0]
    # The updated kernel keeps the id grub2-mkconfig gave the installed one: a real quirk.
    assert first["id"] == C7_ID and cfg["entries"][1]["id"] == C7_ID
    assert first["args"] == C7_UUID.join(["root=", " ro crashkernel=auto rhgb quiet LANG=en_US.UTF-8"])
    assert first["initrds"] == ["/initramfs-3.10.0-514.26.2.el7.x86_64.img"]
    assert (first["submenu"], first["line"], first["conditional"], first["source"]) == (None, 87, False, "grub.cfg")
    assert cfg["variables"]["tuned_params"] == ""


def test_centos7_default_comes_from_saved_entry_in_grubenv():
    cfg = grub.parse_grub2_cfg(read("centos7-grub.cfg"))
    env = grub.parse_grubenv(read("centos7-grubenv"))
    assert env == {"saved_entry": "CentOS Linux (3.10.0-514.26.2.el7.x86_64) 7 (Core)"}
    assert grub.default_entry(cfg, env)["index"] == 0
    older = {"saved_entry": "CentOS Linux (3.10.0-514.el7.x86_64) 7 (Core)"}
    assert grub.default_entry(cfg, older)["kernel"] == "/vmlinuz-3.10.0-514.el7.x86_64"
    assert grub.default_entry(cfg, {"saved_entry": "2"})["title"].startswith("CentOS Linux (0-rescue")
    # By id the first entry carrying it wins, as in GRUB.
    assert grub.default_entry(cfg, {"saved_entry": C7_ID})["index"] == 0
    # No saved_entry: ${saved_entry} is empty and GRUB boots entry 0.
    assert grub.default_entry(cfg, {})["index"] == 0
    assert grub.default_entry(cfg, None)["index"] == 0
    # A saved_entry naming a removed kernel: reported as None rather than guessed.
    assert grub.default_entry(cfg, {"saved_entry": "CentOS Linux (3.10.0-327.el7.x86_64) 7 (Core)"}) is None
    # grub2-reboot's one-shot next_entry only with next_boot=True.
    once = dict(env, next_entry="1")
    assert grub.default_entry(cfg, once)["index"] == 0
    assert grub.default_entry(cfg, once, next_boot=True)["index"] == 1


def test_centos7_default_grub():
    parsed = grub.parse_default_grub(read("centos7-default-grub"))
    assert parsed["settings"] == {
        "GRUB_TIMEOUT": "5",
        "GRUB_DISTRIBUTOR": "$(sed 's, release .*$,,g' /etc/system-release)",
        "GRUB_DEFAULT": "saved",
        "GRUB_DISABLE_SUBMENU": "true",
        "GRUB_TERMINAL_OUTPUT": "console",
        "GRUB_CMDLINE_LINUX": "crashkernel=auto spectre_v2=retpoline rd.lvm.lv=centos/root rd.lvm.lv=centos/swap "
                              "rhgb quiet intel_iommu=on vfio_iommu_type1.allow_unsafe_interrupts=1 iommu=pt "
                              "vfio-pci.ids=10de:1cb1,10de:0fb9",
        "GRUB_DISABLE_RECOVERY": "true",
    }
    assert parsed["order"] == ["GRUB_TIMEOUT", "GRUB_DISTRIBUTOR", "GRUB_DEFAULT", "GRUB_DISABLE_SUBMENU",
                               "GRUB_TERMINAL_OUTPUT", "GRUB_CMDLINE_LINUX", "GRUB_DISABLE_RECOVERY"]
    assert parsed["dynamic"] == ["GRUB_DISTRIBUTOR"]
    assert parsed["quoting"]["GRUB_DEFAULT"] == "none" and parsed["quoting"]["GRUB_CMDLINE_LINUX"] == "double"
    assert parsed["line"]["GRUB_CMDLINE_LINUX"] == 6
    assert parsed["unparsed"] == [] and parsed["exported"] == []


# --------------------------------------------------------------------------- RHEL 8 family (blscfg)

def test_rocky8_grub_cfg_uses_blscfg_and_keeps_saved_entry_as_default():
    cfg = grub.parse_grub2_cfg(read("rocky8-grub.cfg"), "/boot/grub2/grub.cfg")
    assert cfg["blscfg"] is True and cfg["blscfg_index"] == 0
    assert cfg["entries"] == [] and cfg["submenus"] == []
    # Not the "set default=1" of 08_fallback_counting (then-branch), not ${next_entry}.
    assert cfg["default"] == "${saved_entry}"
    # Not the 12_menu_auto_hide values either.
    assert cfg["timeout"] == "5"
    assert cfg["variables"]["kernelopts"] == ROCKY_KERNELOPTS + " "


def test_rocky8_bls_entries():
    entries = bls_dir("rocky8-entries")
    kernel = entries[1]
    assert kernel["id"] == ROCKY_ID
    assert kernel["id_field"] == "rocky-20230920160629-4.18.0-477.27.1.el8_8.x86_64"
    assert kernel["title"] == "Rocky Linux (4.18.0-477.27.1.el8_8.x86_64) 8.8 (Green Obsidian)"
    assert kernel["version"] == "4.18.0-477.27.1.el8_8.x86_64"
    assert kernel["linux"] == "/vmlinuz-4.18.0-477.27.1.el8_8.x86_64"
    assert kernel["initrd"] == "/initramfs-4.18.0-477.27.1.el8_8.x86_64.img"
    assert kernel["initrds"] == ["/initramfs-4.18.0-477.27.1.el8_8.x86_64.img", "$tuned_initrd"]
    assert kernel["options"] == "$kernelopts $tuned_params"
    assert kernel["fields"]["grub_arg"] == "--unrestricted"
    # Without grubenv the options are only variables: root unknown.
    assert (kernel["root"], kernel["root_kind"]) == (None, None)
    env = grub.parse_grubenv(read("rocky8-grubenv"))
    resolved = grub.parse_bls_entry(read("rocky8-entries/%s.conf" % ROCKY_ID), "/boot/loader/entries/%s.conf" % ROCKY_ID,
                                    grubenv=env)
    assert resolved["options_resolved"] == ROCKY_KERNELOPTS
    assert (resolved["root"], resolved["root_kind"]) == ("UUID=bf4ab502-9a6d-49ec-92be-59111a383230", "uuid")
    assert entries[0]["id"] == ROCKY_RESCUE_ID and entries[0]["options"] == "$kernelopts"


def test_rocky8_menu_and_default_from_grubenv():
    cfg = grub.parse_grub2_cfg(read("rocky8-grub.cfg"))
    env = grub.parse_grubenv(read("rocky8-grubenv"))
    assert env == {"saved_entry": ROCKY_ID, "kernelopts": ROCKY_KERNELOPTS + " ", "boot_success": "0"}
    entries = bls_dir("rocky8-entries")
    menu = grub.menu_entries(cfg, entries, env)
    assert brief(menu, "index", "id", "kernel", "args", "root_kind", "source") == [
        (0, ROCKY_ID, "/vmlinuz-4.18.0-477.27.1.el8_8.x86_64", ROCKY_KERNELOPTS, "uuid", "bls"),
        (1, ROCKY_RESCUE_ID, "/vmlinuz-0-rescue-35dc1905d91b4156a327bd529f5b60da", ROCKY_KERNELOPTS, "uuid", "bls"),
    ]
    assert grub.default_entry(cfg, env, entries)["id"] == ROCKY_ID
    # Without grubenv, GRUB uses grub.cfg's fallback "set kernelopts=...".
    assert grub.menu_entries(cfg, entries, {})[0]["args"] == ROCKY_KERNELOPTS
    assert grub.default_entry(cfg, {}, entries)["id"] == ROCKY_ID  # empty saved_entry -> 0
    assert grub.default_entry(cfg, {"saved_entry": ROCKY_RESCUE_ID}, entries)["index"] == 1
    assert grub.default_entry(cfg, dict(env, next_entry=ROCKY_RESCUE_ID), entries, next_boot=True)["index"] == 1
    # Without the BLS entries there is nothing to boot.
    assert grub.default_entry(cfg, env) is None


def test_rocky8_default_grub():
    parsed = grub.parse_default_grub(read("rocky8-default-grub"))
    assert parsed["settings"]["GRUB_ENABLE_BLSCFG"] == "true"
    assert parsed["settings"]["GRUB_CMDLINE_LINUX"] == ("resume=UUID=9c7383f6-7502-4245-b0b0-c52190b4c6e0 "
                                                        "net.ifnames=0 rhgb quiet")
    assert len(parsed["order"]) == 8 and parsed["unparsed"] == []


def test_rhel8_entries_sort_newest_first_and_resolve_kernelopts():
    env = grub.parse_grubenv(read("rhel8-grubenv"))
    assert env["saved_entry"] == "b486fe3f109f430d995b1ee093897980-4.18.0-240.15.1.el8_3.x86_64"
    entries = bls_dir("rhel8-entries")
    # File names sort the older kernel (d8aff...) after; versions decide: 240.15.1 > 240.1.1.
    ordered = grub.sort_bls_entries(list(reversed(entries)))
    assert [e["version"] for e in ordered] == ["4.18.0-240.15.1.el8_3.x86_64", "4.18.0-240.1.1.el8_3.x86_64"]
    cfg = {"blscfg": True, "blscfg_index": 0, "entries": [], "submenus": [], "default": "${saved_entry}",
           "variables": {}}
    chosen = grub.default_entry(cfg, env, entries)
    assert chosen["kernel"] == "/boot/vmlinuz-4.18.0-240.15.1.el8_3.x86_64"
    assert chosen["root"] == "UUID=949779ce-46aa-434e-8eb0-852514a5d69e"
    assert chosen["args"].endswith("nvme_core.io_timeout=4294967295 crashkernel=auto")


def test_sort_bls_entries_versions():
    def e(version, ident):
        return {"version": version, "id": ident}
    entries = [e("5.14.0-70.13.1.el9_0.x86_64", "a"), e(None, "noversion"), e("0-rescue-abc", "rescue"),
               e("5.14.0-162.6.1.el9_1.x86_64", "b"), e("5.14.0-162.6.1.el9_1.x86_64", "c"),
               e("5.14.0-162.6.1.el9_1~rc1.x86_64", "d")]
    assert [x["id"] for x in grub.sort_bls_entries(entries)] == ["c", "b", "d", "a", "rescue", "noversion"]


def test_rhel9_entry_with_literal_options():
    name = "6a9d7c2b3e1f4d5c8b7a6e5d4c3b2a19-5.14.0-427.13.1.el9_4.x86_64.conf"
    entry = grub.parse_bls_entry(read("rhel9-entries/" + name), "/boot/loader/entries/" + name)
    assert entry["id"] == name[:-5] and entry["id_field"] is None
    assert (entry["root"], entry["root_kind"]) == ("/dev/mapper/rhel-root", "lvm")
    assert entry["options_resolved"] == ("root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M "
                                         "resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap")
    assert grub.resolve_bls_options("$kernelopts ${tuned_params} x", {"kernelopts": "root=/dev/sda1 ro "},
                                    {"tuned_params": "skew_tick=1"}) == "root=/dev/sda1 ro skew_tick=1 x"
    assert grub.resolve_bls_options(None, {}) is None


# --------------------------------------------------------------------------- Debian 12

def test_debian12_grub_cfg_with_submenu():
    cfg = grub.parse_grub2_cfg(read("debian12-grub.cfg"), "/boot/grub/grub.cfg")
    assert (cfg["default"], cfg["timeout"], cfg["blscfg"]) == ("0", "1", False)
    root = "UUID=" + DEB_UUID
    advanced = "Advanced options for Debian GNU/Linux"
    assert brief(cfg["entries"], "index", "title", "submenu", "kernel", "initrd", "root", "root_kind") == [
        (0, "Debian GNU/Linux", None, "/boot/vmlinuz-6.1.0-50-amd64", "/boot/initrd.img-6.1.0-50-amd64", root, "uuid"),
        ("1>0", "Debian GNU/Linux, with Linux 6.1.0-50-amd64", advanced, "/boot/vmlinuz-6.1.0-50-amd64",
         "/boot/initrd.img-6.1.0-50-amd64", root, "uuid"),
        ("1>1", "Debian GNU/Linux, with Linux 6.1.0-50-amd64 (recovery mode)", advanced,
         "/boot/vmlinuz-6.1.0-50-amd64", "/boot/initrd.img-6.1.0-50-amd64", root, "uuid"),
    ]
    assert cfg["entries"][0]["id"] == "gnulinux-simple-" + DEB_UUID
    assert cfg["entries"][0]["args"] == root.join(["root=", " ro console=ttyS0,115200"])
    assert cfg["entries"][2]["args"] == root.join(["root=", " ro single console=ttyS0,115200"])
    assert cfg["entries"][1]["path"] == advanced + ">Debian GNU/Linux, with Linux 6.1.0-50-amd64"
    assert cfg["submenus"] == [{"title": advanced, "id": "gnulinux-advanced-" + DEB_UUID, "index": 1, "line": 98,
                                "path": advanced}]
    assert grub.parse_grubenv(read("debian12-grubenv")) == {}
    assert grub.default_entry(cfg, {})["index"] == 0


@pytest.mark.parametrize("default,index", [
    ("0", 0),
    ("1>1", "1>1"),
    ("Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-50-amd64", "1>0"),
    ("gnulinux-advanced-%s>gnulinux-6.1.0-50-amd64-recovery-%s" % (DEB_UUID, DEB_UUID), "1>1"),
    ("1>gnulinux-6.1.0-50-amd64-advanced-" + DEB_UUID, "1>0"),
    ("Debian GNU/Linux", 0),
    ("1", None),      # the submenu itself is not an entry
    ("1>7", None),
    ("5", None),
    ("Debian GNU/Linux>x", None),
])
def test_debian12_default_entry_paths(default, index):
    cfg = grub.parse_grub2_cfg(read("debian12-grub.cfg"))
    cfg["default"] = default
    chosen = grub.default_entry(cfg, {})
    assert (chosen["index"] if chosen else None) == index


def test_debian12_without_uuid_names_the_device_and_saved_entry_picks_a_submenu_entry():
    cfg = grub.parse_grub2_cfg(read("debian12-nouuid-grub.cfg"), "/tmp/nouuid.cfg")
    assert cfg["default"] == "${saved_entry}"
    assert [e["index"] for e in cfg["entries"]] == [0, "1>0", "1>1", "1>2", "1>3"]
    assert set((e["root"], e["root_kind"]) for e in cfg["entries"]) == set([("/dev/sda1", "device")])
    env = grub.parse_grubenv(read("debian12-saved-grubenv"))
    assert env == {"saved_entry": "gnulinux-advanced-%s>gnulinux-6.1.0-41-amd64-advanced-%s" % (DEB_UUID, DEB_UUID)}
    chosen = grub.default_entry(cfg, env)
    assert (chosen["index"], chosen["kernel"]) == ("1>2", "/boot/vmlinuz-6.1.0-41-amd64")
    assert chosen["title"] == "Debian GNU/Linux, with Linux 6.1.0-41-amd64"


def test_crlf_grub_cfg_parses_like_lf():
    lf = grub.parse_grub2_cfg(read("debian12-grub.cfg"))
    # made here: ansible-test's line-endings check keeps CRLF files out of the collection
    crlf_text = read("debian12-grub.cfg").replace("\n", "\r\n")
    assert grub.parse_grub2_cfg(crlf_text) == lf


def test_debian12_default_grub_and_grub_d():
    files = [("/etc/default/grub", read("debian12-default-grub"))]
    for name in sorted(os.listdir(os.path.join(GRUB, "debian12-grub.d"))):
        files.append(("/etc/default/grub.d/" + name, read("debian12-grub.d/" + name)))
    main = grub.parse_default_grub(files[0][1])
    assert main["settings"] == {"GRUB_DEFAULT": "0", "GRUB_TIMEOUT": "5",
                                "GRUB_DISTRIBUTOR": "`lsb_release -i -s 2> /dev/null || echo Debian`",
                                "GRUB_CMDLINE_LINUX_DEFAULT": "quiet", "GRUB_CMDLINE_LINUX": ""}
    assert main["dynamic"] == ["GRUB_DISTRIBUTOR"] and main["unparsed"] == []
    eff = grub.effective_default_grub(files + [("/etc/default/grub.d/missing.cfg", None)])
    assert eff["settings"] == {
        "GRUB_DEFAULT": "0", "GRUB_TIMEOUT": "1", "GRUB_DISTRIBUTOR": main["settings"]["GRUB_DISTRIBUTOR"],
        "GRUB_CMDLINE_LINUX_DEFAULT": "", "GRUB_CMDLINE_LINUX": "console=ttyS0,115200", "GRUB_TERMINAL": "serial",
        "GRUB_SERIAL_COMMAND": "serial --unit=0 --speed=115200"}
    snippet = "/etc/default/grub.d/10-fleetfix-testhost.cfg"
    assert eff["origin"] == {"GRUB_DEFAULT": "/etc/default/grub", "GRUB_DISTRIBUTOR": "/etc/default/grub",
                             "GRUB_TIMEOUT": snippet, "GRUB_CMDLINE_LINUX_DEFAULT": snippet,
                             "GRUB_CMDLINE_LINUX": snippet, "GRUB_TERMINAL": snippet, "GRUB_SERIAL_COMMAND": snippet}
    assert eff["line"]["GRUB_TIMEOUT"] == 4
    assert eff["dynamic"] == ["GRUB_DISTRIBUTOR"] and eff["unparsed"] == []


def test_effective_default_grub_expands_variables_across_files():
    eff = grub.effective_default_grub([
        ("/etc/default/grub", 'GRUB_CMDLINE_LINUX="rhgb quiet"\nGRUB_DISTRIBUTOR=`echo x`\n'),
        ("/etc/default/grub.d/50-a.cfg", 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX root=UUID=abc"\n'
                                         'GRUB_DISTRIBUTOR=Fleet\nif true; then\nGRUB_TIMEOUT=9\nfi\n'),
    ])
    assert eff["settings"] == {"GRUB_CMDLINE_LINUX": "rhgb quiet root=UUID=abc", "GRUB_DISTRIBUTOR": "Fleet"}
    assert eff["origin"]["GRUB_CMDLINE_LINUX"] == "/etc/default/grub.d/50-a.cfg"
    assert eff["dynamic"] == []
    assert eff["unparsed"] == [{"path": "/etc/default/grub.d/50-a.cfg", "line": 3, "text": "if true; then"},
                               {"path": "/etc/default/grub.d/50-a.cfg", "line": 4, "text": "GRUB_TIMEOUT=9"},
                               {"path": "/etc/default/grub.d/50-a.cfg", "line": 5, "text": "fi"}]


# --------------------------------------------------------------------------- Amazon Linux 2 (RHEL 7 generator)

def test_amzn2_grub_cfg():
    cfg = grub.parse_grub2_cfg(read("amzn2-grub2.cfg"))
    assert (cfg["default"], cfg["timeout"]) == ("0", "0")
    assert brief(cfg["entries"], "index", "title", "kernel", "root_kind") == [
        (0, "Amazon Linux (4.14.243-185.433.amzn2.x86_64) 2", "/boot/vmlinuz-4.14.243-185.433.amzn2.x86_64", "uuid"),
        (1, "Amazon Linux 2", "/boot/vmlinuz-4.14.232-177.418.amzn2.x86_64", "uuid"),
        ("2>0", "Amazon Linux (4.14.232-177.418.amzn2.x86_64) 2", "/boot/vmlinuz-4.14.232-177.418.amzn2.x86_64", "uuid"),
    ]
    # Two top-level entries share one id; "--class centos rhel fedora" does not steal the title.
    assert cfg["entries"][0]["id"] == cfg["entries"][1]["id"] == "gnulinux-simple-26620198-186a-404b-b9a1-12d957d7c826"
    assert cfg["entries"][0]["args"].startswith("root=UUID=26620198-186a-404b-b9a1-12d957d7c826 ro  console=tty0 ")
    assert grub.default_entry(cfg, {})["index"] == 0
    assert grub.default_entry(cfg, {"saved_entry": cfg["entries"][1]["id"]}, next_boot=True)["index"] == 0


# --------------------------------------------------------------------------- odd GRUB 2 syntax

def test_weird_quoting_grub_cfg():
    cfg = grub.parse_grub2_cfg(read("weird-quoting-grub.cfg"), "weird.cfg")
    assert cfg["timeout"] == "3"
    assert cfg["default"] == 'Odd titles>It\'s "quoted"'
    assert brief(cfg["entries"], "index", "title", "id", "submenu", "kernel", "initrds", "root", "root_kind",
                 "conditional") == [
        (0, 'Double "quoted" title with $dollar', None, None, "/vmlinuz-a", ["/initrd-a.img"], "LABEL=rootfs",
         "label", False),
        (1, "It's single-quoted", "its-id", None, "/vmlinuz-b", [],
         "/dev/disk/by-uuid/1b2c3d4e-0000-4000-8000-000000000001", "uuid_path", False),
        (2, "Glued brace", None, None, "/vmlinuz-c", ["/intel-ucode.img", "/initrd-c.img"], "PARTUUID=6c3b1a2e-02",
         "partuuid", False),
        (3, "UEFI Firmware Settings", "uefi-firmware", None, None, [], None, None, True),
        ("4>0", 'It\'s "quoted"', None, "Odd titles", "/vmlinuz-d", ["/initrd-d.img"], "/dev/VolGroup00/LogVol00",
         "lvm", False),
        ("4>1>0", "Deep", None, "Odd titles>Nested", "/vmlinuz-e", ["/initrd-e.img"], "ZFS=rpool/ROOT/debian",
         "other", False),
        (5, "Title over\ntwo lines", None, None, "/vmlinuz-f", [], "/dev/nvme0n1p2", "device", False),
    ]
    entries = cfg["entries"]
    assert entries[0]["args"] == "root=LABEL=rootfs \t\tro quiet"  # continuation joined
    assert entries[2]["initrd"] == "/intel-ucode.img"
    assert entries[6]["args"] == '"root=/dev/nvme0n1p2" ro "quiet splash"'
    assert [e["line"] for e in entries] == [5, 10, 13, 15, 20, 25, 34]
    submenus = [(s["index"], s["title"], s["id"]) for s in cfg["submenus"]]
    assert submenus == [(4, "Odd titles", "odd"), ("4>1", "Nested", None)]
    assert grub.default_entry(cfg, {})["title"] == 'It\'s "quoted"'
    cfg["default"] = "odd>Nested>Deep"
    assert grub.default_entry(cfg, {})["kernel"] == "/vmlinuz-e"


@pytest.mark.parametrize("fixture,line,words", [
    ("unclosed-menuentry-grub.cfg", 8, ["menuentry 'CentOS Linux (3.10.0-1160.119.1.el7.x86_64) 7 (Core)'",
                                        "never closed"]),
    ("stray-brace-grub.cfg", 5, ["unexpected '}'"]),
])
def test_broken_grub_cfg_names_file_and_line(fixture, line, words):
    path = "/boot/grub2/" + fixture
    with pytest.raises(grub.GrubParseError) as err:
        grub.parse_grub2_cfg(read(fixture), path)
    message = str(err.value)
    assert message.startswith("%s, line %d: " % (path, line))
    for word in words:
        assert word in message
    assert (err.value.path, err.value.line) == (path, line)


@pytest.mark.parametrize("text,line,words", [
    ("set a=1\nmenuentry 'x {\n linux /v\n}\n", 2, "unterminated single quote"),
    ('menuentry "x" {\n linux /v "root=/dev/sda1\n}\n', 2, "unterminated double quote"),
    ("if [ a ]; then\n  set default=1\n", 1, "'if' is never closed"),
    ("fi\n", 1, "'fi' without a matching opening keyword"),
    ("if [ a ]\nset default=1\nfi\n", 1, "'if' without 'then'"),
    ("menuentry 'x'\n{\n}\n", 1, "menuentry without '{' on its line"),
    ("insmod {\n", 1, "unexpected '{'"),
    ("submenu 'S' {\n menuentry 'E' {\n  linux /v\n }\n", 1, "submenu 'S' is never closed"),
    ("function f {\n echo\n", 1, "function f is never closed"),
])
def test_grub_cfg_syntax_errors(text, line, words):
    with pytest.raises(grub.GrubParseError) as err:
        grub.parse_grub2_cfg(text, "t.cfg")
    assert str(err.value).startswith("t.cfg, line %d: " % line)
    assert words in str(err.value)


def test_empty_grub_cfg():
    cfg = grub.parse_grub2_cfg("")
    assert cfg["entries"] == [] and cfg["default"] is None and cfg["timeout"] is None
    assert grub.default_entry(cfg, {}) is None


# --------------------------------------------------------------------------- GRUB legacy

def test_centos6_uuid_grub_conf():
    conf = grub.parse_grub_legacy(read("centos6-uuid-grub.conf"), "/boot/grub/grub.conf")
    assert (conf["default"], conf["timeout"], conf["hiddenmenu"], conf["unparsed"]) == (0, 5, True, [])
    root = "UUID=978d3837-dbff-4db5-be73-ed7e8d3f3f2a"
    assert brief(conf["entries"], "index", "title", "root_device", "kernel", "initrd", "root", "root_kind",
                 "line", "kernel_line") == [
        (0, "CentOS (2.6.32-696.1.1.el6.x86_64)", "(hd0,0)", "/vmlinuz-2.6.32-696.1.1.el6.x86_64",
         "/initramfs-2.6.32-696.1.1.el6.x86_64.img", root, "uuid", 15, 17),
        (1, "CentOS 6 (2.6.32-642.11.1.el6.x86_64)", "(hd0,0)", "/vmlinuz-2.6.32-642.11.1.el6.x86_64",
         "/initramfs-2.6.32-642.11.1.el6.x86_64.img", root, "uuid", 19, 21),
    ]
    assert conf["entries"][0]["args"].startswith("ro root=%s rd_NO_LUKS" % root)
    assert conf["entries"][0]["args"].endswith("console=ttyS0,115200n8r crashkernel=auto")
    assert grub.default_entry(conf, {})["index"] == 0


def test_centos6_typo_grub_conf_reports_the_stray_line_and_the_device_root():
    conf = grub.parse_grub_legacy(read("centos6-typo-grub.conf"))
    assert conf["unparsed"] == [(1, "i# grub.conf generated by anaconda")]
    assert brief(conf["entries"], "title", "kernel", "root", "root_kind", "kernel_line") == [
        ("CentOS (2.6.32-754.35.1.el6.x86_64)", "/boot/vmlinuz-2.6.32-754.35.1.el6.x86_64",
         "UUID=2d0f2d55-672b-4c05-8eba-9421dd808ad7", "uuid", 16),
        ("CentOS 6 (2.6.32-696.el6.x86_64)", "/boot/vmlinuz-2.6.32-696.el6.x86_64", "/dev/sda1", "device", 20),
    ]
    assert conf["entries"][1]["args"] == "ro root=/dev/sda1"


def test_rhel6_grub_conf_without_default_line():
    conf = grub.parse_grub_legacy(read("rhel6-lvm-grub.conf"))
    assert (conf["default"], conf["timeout"], conf["hiddenmenu"]) == (0, None, False)
    assert [e["title"] for e in conf["entries"]] == [
        "**  LATEST  ** kernel-2.6.32-642.15.1.el6.x86_64", "** PREVIOUS ** kernel-2.6.32-573.18.1.el6.x86_64",
        "**  OLDEST  ** kernel-2.6.32-573.12.1.el6.x86_64"]
    assert set((e["root"], e["root_kind"]) for e in conf["entries"]) == set([("/dev/mapper/vg_tachyon-lv_root", "lvm")])
    assert [e["initrd"] for e in conf["entries"]][0] == "/initrd-2.6.32-642.15.1.el6.x86_64kdump.img"


def test_centos6_lvm_grub_conf():
    conf = grub.parse_grub_legacy(read("centos6-lvm-grub.conf"))
    assert brief(conf["entries"], "index", "root", "root_kind", "kernel_line", "chainloader", "root_device") == [
        (0, "/dev/mapper/VolGroup-lv_root", "lvm", 16, None, "(hd0,0)"),
        (1, "UUID=0a3a4e5c-7b1f-4a86-9d2e-6f0c1b2d3e4f", "uuid", 20, None, "(hd0,0)"),
        (2, None, None, 24, None, "(hd0,0)"),
        (3, None, None, None, "+1", "(hd0,1)"),
    ]
    assert conf["entries"][3]["kernel"] is None


def test_legacy_default_saved_and_errors():
    conf = grub.parse_grub_legacy("default saved\ntimeout 10\ntitle A\nkernel /a ro\ntitle B\nkernel --type=linux /b\n")
    assert (conf["default"], conf["timeout"]) == ("saved", 10)
    assert conf["entries"][1]["kernel"] == "/b" and conf["entries"][1]["args"] == ""
    assert grub.default_entry(conf, {"saved_entry": "1"})["title"] == "B"
    assert grub.default_entry(conf, {})["title"] == "A"
    with pytest.raises(grub.GrubParseError) as err:
        grub.parse_grub_legacy(read("legacy-kernel-before-title.conf"), "/boot/grub/grub.conf")
    assert str(err.value) == "/boot/grub/grub.conf, line 4: 'kernel' before the first 'title'"
    with pytest.raises(grub.GrubParseError) as err:
        grub.parse_grub_legacy("title X\n  kernel\n", "menu.lst")
    assert str(err.value) == "menu.lst, line 2: 'kernel' without a kernel path"


def test_legacy_crlf_parses_like_lf():
    text = read("centos6-uuid-grub.conf")
    assert grub.parse_grub_legacy(text.replace("\n", "\r\n")) == grub.parse_grub_legacy(text)


# --------------------------------------------------------------------------- set_root_legacy

def test_set_root_legacy_replaces_appends_and_touches_nothing_else():
    text = read("centos6-lvm-grub.conf")
    new_root = "UUID=11111111-2222-4333-8444-555555555555"
    new, changed = grub.set_root_legacy(text, new_root)
    assert changed == [16, 20, 24]
    old_lines, new_lines = text.splitlines(True), new.splitlines(True)
    assert len(old_lines) == len(new_lines)
    for number, (old, now) in enumerate(zip(old_lines, new_lines), 1):
        if number not in changed:
            assert old == now, number
    # The anaconda header's example kernel line is a comment: left alone.
    assert new_lines[6] == "#          kernel /vmlinuz-version ro root=/dev/mapper/VolGroup-lv_root\n"
    assert new_lines[15] == old_lines[15].replace("root=/dev/mapper/VolGroup-lv_root", "root=" + new_root)
    assert new_lines[19] == old_lines[19].replace("root=UUID=0a3a4e5c-7b1f-4a86-9d2e-6f0c1b2d3e4f", "root=" + new_root)
    assert new_lines[23] == "\tkernel /vmlinuz-2.6.32-696.el6.x86_64 ro rd_LVM_LV=VolGroup/lv_root rhgb quiet root=%s\n" % new_root
    parsed = grub.parse_grub_legacy(new)
    assert [e["root"] for e in parsed["entries"]] == [new_root] * 3 + [None]
    # Idempotent: applying twice is applying once.
    again, changed_again = grub.set_root_legacy(new, new_root)
    assert (again, changed_again) == (new, [])


def test_set_root_legacy_only_reports_lines_that_differ():
    text = read("centos6-lvm-grub.conf")
    new, changed = grub.set_root_legacy(text, "/dev/mapper/VolGroup-lv_root")
    assert changed == [20, 24]
    assert new.splitlines(True)[15] == text.splitlines(True)[15]


def test_set_root_legacy_keeps_crlf_and_missing_final_newline():
    text = read("centos6-uuid-grub.conf").replace("\n", "\r\n")
    new, changed = grub.set_root_legacy(text, "LABEL=root")
    assert changed == [17, 21]
    assert new.count("\r\n") == text.count("\r\n") and "\n" not in new.replace("\r\n", "")
    assert new == text.replace("root=UUID=978d3837-dbff-4db5-be73-ed7e8d3f3f2a", "root=LABEL=root")
    typo = read("centos6-typo-grub.conf")
    assert not typo.endswith("\n")
    new, changed = grub.set_root_legacy(typo, "UUID=2d0f2d55-672b-4c05-8eba-9421dd808ad7")
    assert changed == [20]
    assert new == typo.replace("ro root=/dev/sda1", "ro root=UUID=2d0f2d55-672b-4c05-8eba-9421dd808ad7")


def test_set_root_legacy_edge_cases():
    text = "title X\n  kernel /vmlinuz ro root=/dev/sda1 quiet root=/dev/sdb1  \n  kernel=/v2\nkernel\n"
    new, changed = grub.set_root_legacy(text, "UUID=abc")
    assert new == "title X\n  kernel /vmlinuz ro root=UUID=abc quiet root=UUID=abc  \n  kernel=/v2 root=UUID=abc\nkernel\n"
    assert changed == [2, 3]
    # rootflags= and rd.root-like arguments are not root=.
    new, changed = grub.set_root_legacy("kernel /v rootflags=x rd_root=y\n", "LABEL=r")
    assert new == "kernel /v rootflags=x rd_root=y root=LABEL=r\n" and changed == [1]
    for bad in ("", None, "UUID=a b"):
        with pytest.raises(ValueError):
            grub.set_root_legacy(text, bad)


# --------------------------------------------------------------------------- grubenv

def test_parse_grubenv_escapes_and_padding():
    block = "# GRUB Environment Block\nsaved_entry=a\\\\b\nmulti=line1\\\nline2\nempty=\n#####"
    assert grub.parse_grubenv(block) == {"saved_entry": "a\\b", "multi": "line1\nline2", "empty": ""}
    assert grub.parse_grubenv("") == {} and grub.parse_grubenv(None) == {}
    rhel8 = grub.parse_grubenv(read("rhel8-grubenv"))
    assert sorted(rhel8) == ["boot_success", "kernelopts", "saved_entry"]
    assert len(read("rhel8-grubenv")) == 1024


# --------------------------------------------------------------------------- /etc/default/grub

def test_odd_default_grub():
    parsed = grub.parse_default_grub(read("odd-default-grub"), "/etc/default/grub")
    assert parsed["settings"] == {
        "GRUB_DEFAULT": "saved",
        "GRUB_TIMEOUT": "10",
        "GRUB_DISABLE_SUBMENU": "y",
        "GRUB_CMDLINE_LINUX": "root=/dev/sda1 console=ttyS0,115200n8 crashkernel=auto rd.lvm.lv=vg/root",
        "GRUB_CMDLINE_LINUX_DEFAULT": "quiet $NOT_EXPANDED",
        "GRUB_GFXMODE": "auto",
        "GRUB_GFXPAYLOAD_LINUX": "keep",
        "GRUB_TERMINAL": "console",
        "GRUB_SERIAL_COMMAND": "serial --unit=0",
        "GRUB_DISTRIBUTOR": "`lsb_release -i -s 2> /dev/null || echo Debian`",
        "GRUB_EMPTY": "",
        "GRUB_MULTI": "first line\nsecond line",
        "GRUB_ESCAPED": 'a "b" $c \\ d',
        "GRUB_MIXED": "doublesingleunquoted",
    }
    assert parsed["line"]["GRUB_TIMEOUT"] == 5 and parsed["line"]["GRUB_CMDLINE_LINUX"] == 9
    assert parsed["quoting"]["GRUB_TIMEOUT"] == "single" and parsed["quoting"]["GRUB_MIXED"] == "mixed"
    assert parsed["exported"] == ["GRUB_DISABLE_SUBMENU", "GRUB_ENABLE_CRYPTODISK"]
    assert parsed["dynamic"] == ["GRUB_DISTRIBUTOR"]
    assert parsed["unparsed"] == [
        {"line": 13, "text": "GRUB_BADRAM=0x01234567 some-command"},
        {"line": 14, "text": "if [ -e /etc/fleetfix ]; then"},
        {"line": 15, "text": "GRUB_TIMEOUT=0"},
        {"line": 16, "text": "fi"},
    ]


def test_default_grub_env_from_files_sourced_before():
    parsed = grub.parse_default_grub('GRUB_CMDLINE_LINUX="${GRUB_CMDLINE_LINUX} quiet"\nX=${UNSET:-dflt}\n',
                                     env={"GRUB_CMDLINE_LINUX": "ro"})
    assert parsed["settings"] == {"GRUB_CMDLINE_LINUX": "ro quiet", "X": "${UNSET:-dflt}"}
    assert parsed["dynamic"] == ["X"]


def test_broken_default_grub_names_file_and_line():
    with pytest.raises(grub.GrubParseError) as err:
        grub.parse_default_grub(read("broken-default-grub"), "/etc/default/grub")
    assert str(err.value) == "/etc/default/grub, line 3: unterminated double quote"
    with pytest.raises(grub.GrubParseError) as err:
        grub.parse_default_grub("A=1\nB='x\n", "/etc/default/grub.d/x.cfg")
    assert str(err.value) == "/etc/default/grub.d/x.cfg, line 2: unterminated single quote"


# --------------------------------------------------------------------------- set_default_grub_value

def test_set_default_grub_value_keeps_double_quotes():
    text = read("centos7-default-grub")
    new = grub.set_default_grub_value(text, "GRUB_CMDLINE_LINUX", "crashkernel=auto rd.lvm.lv=centos/root rhgb quiet")
    assert new == text.replace(
        'GRUB_CMDLINE_LINUX="crashkernel=auto spectre_v2=retpoline rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet '
        'intel_iommu=on vfio_iommu_type1.allow_unsafe_interrupts=1 iommu=pt vfio-pci.ids=10de:1cb1,10de:0fb9"',
        'GRUB_CMDLINE_LINUX="crashkernel=auto rd.lvm.lv=centos/root rhgb quiet"')
    assert grub.set_default_grub_value(new, "GRUB_CMDLINE_LINUX", "crashkernel=auto rd.lvm.lv=centos/root rhgb quiet") == new
    assert grub.set_default_grub_value(text, "GRUB_TERMINAL_OUTPUT", "serial").count('GRUB_TERMINAL_OUTPUT="serial"\n') == 1


def test_set_default_grub_value_unquoted_and_single_quoted():
    text = read("centos7-default-grub")
    assert grub.set_default_grub_value(text, "GRUB_DEFAULT", "0") == text.replace("GRUB_DEFAULT=saved\n", "GRUB_DEFAULT=0\n")
    # An unquoted value that now needs quotes gets double quotes.
    assert "GRUB_DEFAULT=\"Advanced options>CentOS Linux\"\n" in grub.set_default_grub_value(
        text, "GRUB_DEFAULT", "Advanced options>CentOS Linux")
    odd = read("odd-default-grub")
    new = grub.set_default_grub_value(odd, "GRUB_TIMEOUT", 20)
    # The last active assignment (line 5), not the commented ones nor the one inside if/fi.
    assert new == odd.replace("GRUB_TIMEOUT='10'   # trailing comment", "GRUB_TIMEOUT='20'   # trailing comment")
    assert "  GRUB_TIMEOUT=0\n" in new and "  # GRUB_TIMEOUT=99 indented comment\n" in new
    # A single quote inside the value cannot be single-quoted.
    assert "GRUB_TIMEOUT=\"it's\"   #" in grub.set_default_grub_value(odd, "GRUB_TIMEOUT", "it's")
    assert grub.parse_default_grub(new)["settings"]["GRUB_TIMEOUT"] == "20"


def test_set_default_grub_value_replaces_the_last_assignment_only():
    odd = read("odd-default-grub")
    new = grub.set_default_grub_value(odd, "GRUB_CMDLINE_LINUX", 'root=UUID=abc "x" $HOME')
    assert 'GRUB_CMDLINE_LINUX="root=/dev/sda1 console=ttyS0,115200n8 \\\ncrashkernel=auto"\n' in new
    assert 'GRUB_CMDLINE_LINUX="root=UUID=abc \\"x\\" \\$HOME"\n' in new
    assert grub.parse_default_grub(new)["settings"]["GRUB_CMDLINE_LINUX"] == 'root=UUID=abc "x" $HOME'
    # A value spanning lines is replaced whole.
    multi = grub.set_default_grub_value(odd, "GRUB_MULTI", "one")
    assert 'GRUB_MULTI="one"\nexport GRUB_ENABLE_CRYPTODISK\n' in multi
    # Two assignments on one line: only the asked one changes.
    assert "GRUB_GFXMODE=1024x768 GRUB_GFXPAYLOAD_LINUX=keep\n" in grub.set_default_grub_value(
        odd, "GRUB_GFXMODE", "1024x768")
    # Mixed quoting becomes double quotes; a backquoted value becomes a literal.
    assert 'GRUB_MIXED="plain"\n' in grub.set_default_grub_value(odd, "GRUB_MIXED", "plain")
    assert "GRUB_DISTRIBUTOR=Fleet\n" in grub.set_default_grub_value(odd, "GRUB_DISTRIBUTOR", "Fleet")


def test_set_default_grub_value_appends_absent_keys():
    deb = read("debian12-default-grub")
    new = grub.set_default_grub_value(deb, "GRUB_DISABLE_LINUX_UUID", True)
    # The commented-out "#GRUB_DISABLE_LINUX_UUID=true" stays as it is; the setting goes last.
    assert new == deb + "GRUB_DISABLE_LINUX_UUID=true\n"
    assert grub.set_default_grub_value(new, "GRUB_DISABLE_LINUX_UUID", "true") == new
    assert grub.set_default_grub_value("A=1", "B", "x y") == 'A=1\nB="x y"\n'
    assert grub.set_default_grub_value("", "B", "") == 'B=""\n'
    assert grub.set_default_grub_value("A=1\r\n", "B", "2") == "A=1\r\nB=2\r\n"
    assert grub.set_default_grub_value("A='1'\r\nC=3\r\n", "A", "2") == "A='2'\r\nC=3\r\n"
    with pytest.raises(ValueError):
        grub.set_default_grub_value(deb, "NOT-A-NAME", "x")


# --------------------------------------------------------------------------- read_boot_files

def _place(root, host_path, fixture):
    target = os.path.join(root, host_path.lstrip("/"))
    if not os.path.isdir(os.path.dirname(target)):
        os.makedirs(os.path.dirname(target))
    shutil.copyfile(os.path.join(GRUB, fixture), target)


def test_read_boot_files_rhel8_tree(tmp_path):
    root = str(tmp_path)
    _place(root, "/boot/grub2/grub.cfg", "rocky8-grub.cfg")
    _place(root, "/boot/efi/EFI/rocky/grubenv", "rocky8-grubenv")
    for name in os.listdir(os.path.join(GRUB, "rocky8-entries")):
        _place(root, "/boot/loader/entries/" + name, "rocky8-entries/" + name)
    _place(root, "/etc/default/grub", "rocky8-default-grub")
    os.makedirs(os.path.join(root, "boot", "loader", "entries", "not-a-file.conf"))
    files = grub.read_boot_files(root)
    assert [p for p, _t in files["grub2_cfg"]] == ["/boot/grub2/grub.cfg"]
    assert [p for p, _t in files["grubenv"]] == ["/boot/efi/EFI/rocky/grubenv"]
    assert [p for p, _t in files["bls_entries"]] == [
        "/boot/loader/entries/%s.conf" % ROCKY_RESCUE_ID, "/boot/loader/entries/%s.conf" % ROCKY_ID]
    assert [p for p, _t in files["default_grub"]] == ["/etc/default/grub"]
    assert files["grub_legacy"] == []
    # The whole chain, as a module would run it.
    cfg = grub.parse_grub2_cfg(files["grub2_cfg"][0][1], files["grub2_cfg"][0][0])
    env = grub.parse_grubenv(files["grubenv"][0][1])
    entries = [grub.parse_bls_entry(text, path) for path, text in files["bls_entries"]]
    assert grub.default_entry(cfg, env, entries)["root"] == "UUID=bf4ab502-9a6d-49ec-92be-59111a383230"


def test_read_boot_files_debian_and_centos6_trees(tmp_path):
    root = str(tmp_path)
    _place(root, "/boot/grub/grub.cfg", "debian12-grub.cfg")
    _place(root, "/boot/grub/grubenv", "debian12-grubenv")
    _place(root, "/boot/grub/grub.conf", "centos6-uuid-grub.conf")
    _place(root, "/etc/default/grub", "debian12-default-grub")
    for name in ("init-select.cfg", "10-fleetfix-testhost.cfg"):
        _place(root, "/etc/default/grub.d/" + name, "debian12-grub.d/" + name)
    _place(root, "/etc/default/grub.d/README", "debian12-grub.d/init-select.cfg")
    files = grub.read_boot_files(root)
    assert [p for p, _t in files["default_grub"]] == [
        "/etc/default/grub", "/etc/default/grub.d/10-fleetfix-testhost.cfg", "/etc/default/grub.d/init-select.cfg"]
    assert grub.effective_default_grub(files["default_grub"])["settings"]["GRUB_TIMEOUT"] == "1"
    assert [p for p, _t in files["grub2_cfg"]] == ["/boot/grub/grub.cfg"]
    assert [p for p, _t in files["grub_legacy"]] == ["/boot/grub/grub.conf"]
    assert files["grub_legacy"][0][1] == read("centos6-uuid-grub.conf")


def test_read_boot_files_empty_root(tmp_path):
    assert grub.read_boot_files(str(tmp_path)) == {"grub2_cfg": [], "grubenv": [], "grub_legacy": [],
                                                   "bls_entries": [], "default_grub": []}
