"""GRUB 2 grub.cfg, BLS entries, grubenv and the menu GRUB shows from them, per distro.

Fixtures are real files (tests/unit/fixtures/grub/README.md says where each one comes from)
plus a few made-up broken ones.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import io
import os

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import grub2_cfg, grub_bls, grub_menu, grubenv
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import GrubParseError
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
    return [grub_bls.parse_bls_entry(read(os.path.join(name, f)), "/boot/loader/entries/" + f)
            for f in sorted(os.listdir(folder))]


def brief(entries, *keys):
    return [tuple(e[k] for k in keys) for e in entries]


# --------------------------------------------------------------------------- CentOS 7 (GRUB 2, no BLS)

def test_centos7_grub_cfg():
    cfg = grub2_cfg.parse_grub2_cfg(read("centos7-grub.cfg"), "/boot/grub2/grub.cfg")
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
    cfg = grub2_cfg.parse_grub2_cfg(read("centos7-grub.cfg"))
    env = grubenv.parse_grubenv(read("centos7-grubenv"))
    assert env == {"saved_entry": "CentOS Linux (3.10.0-514.26.2.el7.x86_64) 7 (Core)"}
    assert grub_menu.default_entry(cfg, env)["index"] == 0
    older = {"saved_entry": "CentOS Linux (3.10.0-514.el7.x86_64) 7 (Core)"}
    assert grub_menu.default_entry(cfg, older)["kernel"] == "/vmlinuz-3.10.0-514.el7.x86_64"
    assert grub_menu.default_entry(cfg, {"saved_entry": "2"})["title"].startswith("CentOS Linux (0-rescue")
    # By id the first entry carrying it wins, as in GRUB.
    assert grub_menu.default_entry(cfg, {"saved_entry": C7_ID})["index"] == 0
    # No saved_entry: ${saved_entry} is empty and GRUB boots entry 0.
    assert grub_menu.default_entry(cfg, {})["index"] == 0
    assert grub_menu.default_entry(cfg, None)["index"] == 0
    # A saved_entry naming a removed kernel: reported as None rather than guessed.
    assert grub_menu.default_entry(cfg, {"saved_entry": "CentOS Linux (3.10.0-327.el7.x86_64) 7 (Core)"}) is None
    # grub2-reboot's one-shot next_entry only with next_boot=True.
    once = dict(env, next_entry="1")
    assert grub_menu.default_entry(cfg, once)["index"] == 0
    assert grub_menu.default_entry(cfg, once, next_boot=True)["index"] == 1


# --------------------------------------------------------------------------- RHEL 8 family (blscfg)

def test_rocky8_grub_cfg_uses_blscfg_and_keeps_saved_entry_as_default():
    cfg = grub2_cfg.parse_grub2_cfg(read("rocky8-grub.cfg"), "/boot/grub2/grub.cfg")
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
    env = grubenv.parse_grubenv(read("rocky8-grubenv"))
    resolved = grub_bls.parse_bls_entry(read("rocky8-entries/%s.conf" % ROCKY_ID), "/boot/loader/entries/%s.conf" % ROCKY_ID,
                                        grubenv=env)
    assert resolved["options_resolved"] == ROCKY_KERNELOPTS
    assert (resolved["root"], resolved["root_kind"]) == ("UUID=bf4ab502-9a6d-49ec-92be-59111a383230", "uuid")
    assert entries[0]["id"] == ROCKY_RESCUE_ID and entries[0]["options"] == "$kernelopts"


def test_rocky8_menu_and_default_from_grubenv():
    cfg = grub2_cfg.parse_grub2_cfg(read("rocky8-grub.cfg"))
    env = grubenv.parse_grubenv(read("rocky8-grubenv"))
    assert env == {"saved_entry": ROCKY_ID, "kernelopts": ROCKY_KERNELOPTS + " ", "boot_success": "0"}
    entries = bls_dir("rocky8-entries")
    menu = grub_menu.menu_entries(cfg, entries, env)
    assert brief(menu, "index", "id", "kernel", "args", "root_kind", "source") == [
        (0, ROCKY_ID, "/vmlinuz-4.18.0-477.27.1.el8_8.x86_64", ROCKY_KERNELOPTS, "uuid", "bls"),
        (1, ROCKY_RESCUE_ID, "/vmlinuz-0-rescue-35dc1905d91b4156a327bd529f5b60da", ROCKY_KERNELOPTS, "uuid", "bls"),
    ]
    assert grub_menu.default_entry(cfg, env, entries)["id"] == ROCKY_ID
    # Without grubenv, GRUB uses grub.cfg's fallback "set kernelopts=...".
    assert grub_menu.menu_entries(cfg, entries, {})[0]["args"] == ROCKY_KERNELOPTS
    assert grub_menu.default_entry(cfg, {}, entries)["id"] == ROCKY_ID  # empty saved_entry -> 0
    assert grub_menu.default_entry(cfg, {"saved_entry": ROCKY_RESCUE_ID}, entries)["index"] == 1
    assert grub_menu.default_entry(cfg, dict(env, next_entry=ROCKY_RESCUE_ID), entries, next_boot=True)["index"] == 1
    # Without the BLS entries there is nothing to boot.
    assert grub_menu.default_entry(cfg, env) is None


def test_rhel8_entries_sort_newest_first_and_resolve_kernelopts():
    env = grubenv.parse_grubenv(read("rhel8-grubenv"))
    assert env["saved_entry"] == "b486fe3f109f430d995b1ee093897980-4.18.0-240.15.1.el8_3.x86_64"
    entries = bls_dir("rhel8-entries")
    # File names sort the older kernel (d8aff...) after; versions decide: 240.15.1 > 240.1.1.
    ordered = grub_bls.sort_bls_entries(list(reversed(entries)))
    assert [e["version"] for e in ordered] == ["4.18.0-240.15.1.el8_3.x86_64", "4.18.0-240.1.1.el8_3.x86_64"]
    cfg = {"blscfg": True, "blscfg_index": 0, "entries": [], "submenus": [], "default": "${saved_entry}",
           "variables": {}}
    chosen = grub_menu.default_entry(cfg, env, entries)
    assert chosen["kernel"] == "/boot/vmlinuz-4.18.0-240.15.1.el8_3.x86_64"
    assert chosen["root"] == "UUID=949779ce-46aa-434e-8eb0-852514a5d69e"
    assert chosen["args"].endswith("nvme_core.io_timeout=4294967295 crashkernel=auto")


def test_sort_bls_entries_versions():
    def e(version, ident):
        return {"version": version, "id": ident}
    entries = [e("5.14.0-70.13.1.el9_0.x86_64", "a"), e(None, "noversion"), e("0-rescue-abc", "rescue"),
               e("5.14.0-162.6.1.el9_1.x86_64", "b"), e("5.14.0-162.6.1.el9_1.x86_64", "c"),
               e("5.14.0-162.6.1.el9_1~rc1.x86_64", "d")]
    assert [x["id"] for x in grub_bls.sort_bls_entries(entries)] == ["c", "b", "d", "a", "rescue", "noversion"]


def test_rhel9_entry_with_literal_options():
    name = "6a9d7c2b3e1f4d5c8b7a6e5d4c3b2a19-5.14.0-427.13.1.el9_4.x86_64.conf"
    entry = grub_bls.parse_bls_entry(read("rhel9-entries/" + name), "/boot/loader/entries/" + name)
    assert entry["id"] == name[:-5] and entry["id_field"] is None
    assert (entry["root"], entry["root_kind"]) == ("/dev/mapper/rhel-root", "lvm")
    assert entry["options_resolved"] == ("root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M "
                                         "resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap")
    assert grub_bls.resolve_bls_options("$kernelopts ${tuned_params} x", {"kernelopts": "root=/dev/sda1 ro "},
                                        {"tuned_params": "skew_tick=1"}) == "root=/dev/sda1 ro skew_tick=1 x"
    assert grub_bls.resolve_bls_options(None, {}) is None


# --------------------------------------------------------------------------- Debian 12

def test_debian12_grub_cfg_with_submenu():
    cfg = grub2_cfg.parse_grub2_cfg(read("debian12-grub.cfg"), "/boot/grub/grub.cfg")
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
    assert grubenv.parse_grubenv(read("debian12-grubenv")) == {}
    assert grub_menu.default_entry(cfg, {})["index"] == 0


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
    cfg = grub2_cfg.parse_grub2_cfg(read("debian12-grub.cfg"))
    cfg["default"] = default
    chosen = grub_menu.default_entry(cfg, {})
    assert (chosen["index"] if chosen else None) == index


def test_debian12_without_uuid_names_the_device_and_saved_entry_picks_a_submenu_entry():
    cfg = grub2_cfg.parse_grub2_cfg(read("debian12-nouuid-grub.cfg"), "/tmp/nouuid.cfg")
    assert cfg["default"] == "${saved_entry}"
    assert [e["index"] for e in cfg["entries"]] == [0, "1>0", "1>1", "1>2", "1>3"]
    assert set((e["root"], e["root_kind"]) for e in cfg["entries"]) == set([("/dev/sda1", "device")])
    env = grubenv.parse_grubenv(read("debian12-saved-grubenv"))
    assert env == {"saved_entry": "gnulinux-advanced-%s>gnulinux-6.1.0-41-amd64-advanced-%s" % (DEB_UUID, DEB_UUID)}
    chosen = grub_menu.default_entry(cfg, env)
    assert (chosen["index"], chosen["kernel"]) == ("1>2", "/boot/vmlinuz-6.1.0-41-amd64")
    assert chosen["title"] == "Debian GNU/Linux, with Linux 6.1.0-41-amd64"


def test_crlf_grub_cfg_parses_like_lf():
    lf = grub2_cfg.parse_grub2_cfg(read("debian12-grub.cfg"))
    # made here: ansible-test's line-endings check keeps CRLF files out of the collection
    crlf_text = read("debian12-grub.cfg").replace("\n", "\r\n")
    assert grub2_cfg.parse_grub2_cfg(crlf_text) == lf


# --------------------------------------------------------------------------- Amazon Linux 2 (RHEL 7 generator)

def test_amzn2_grub_cfg():
    cfg = grub2_cfg.parse_grub2_cfg(read("amzn2-grub2.cfg"))
    assert (cfg["default"], cfg["timeout"]) == ("0", "0")
    assert brief(cfg["entries"], "index", "title", "kernel", "root_kind") == [
        (0, "Amazon Linux (4.14.243-185.433.amzn2.x86_64) 2", "/boot/vmlinuz-4.14.243-185.433.amzn2.x86_64", "uuid"),
        (1, "Amazon Linux 2", "/boot/vmlinuz-4.14.232-177.418.amzn2.x86_64", "uuid"),
        ("2>0", "Amazon Linux (4.14.232-177.418.amzn2.x86_64) 2", "/boot/vmlinuz-4.14.232-177.418.amzn2.x86_64", "uuid"),
    ]
    # Two top-level entries share one id; "--class centos rhel fedora" does not steal the title.
    assert cfg["entries"][0]["id"] == cfg["entries"][1]["id"] == "gnulinux-simple-26620198-186a-404b-b9a1-12d957d7c826"
    assert cfg["entries"][0]["args"].startswith("root=UUID=26620198-186a-404b-b9a1-12d957d7c826 ro  console=tty0 ")
    assert grub_menu.default_entry(cfg, {})["index"] == 0
    assert grub_menu.default_entry(cfg, {"saved_entry": cfg["entries"][1]["id"]}, next_boot=True)["index"] == 0


# --------------------------------------------------------------------------- odd GRUB 2 syntax

def test_weird_quoting_grub_cfg():
    cfg = grub2_cfg.parse_grub2_cfg(read("weird-quoting-grub.cfg"), "weird.cfg")
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
    assert grub_menu.default_entry(cfg, {})["title"] == 'It\'s "quoted"'
    cfg["default"] = "odd>Nested>Deep"
    assert grub_menu.default_entry(cfg, {})["kernel"] == "/vmlinuz-e"


@pytest.mark.parametrize("fixture,line,words", [
    ("unclosed-menuentry-grub.cfg", 8, ["menuentry 'CentOS Linux (3.10.0-1160.119.1.el7.x86_64) 7 (Core)'",
                                        "never closed"]),
    ("stray-brace-grub.cfg", 5, ["unexpected '}'"]),
])
def test_broken_grub_cfg_names_file_and_line(fixture, line, words):
    path = "/boot/grub2/" + fixture
    with pytest.raises(GrubParseError) as err:
        grub2_cfg.parse_grub2_cfg(read(fixture), path)
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
    ("menuentry 'a' {\nif x; then\nlinux /v\n}\n", 4, "unexpected '}' (expected 'elif' or 'else' or 'fi' to close the 'if' of line 2"),
    ("menuentry 'a' {\n linux /v root=/dev/sda1\x00 root=/dev/sdb1\n}\n", 2, "a NUL byte"),
    ("submenu 'a' {\n" * 65 + "}\n" * 65, 65, "blocks nested more than 64 deep"),
    ("while x; do\n" * 65, 65, "blocks nested more than 64 deep"),
    ("menuentry 'a' {\n}\n" * 1025, 2049, "more than 1024 menu entries and submenus"),
    ("submenu '%s' {\n}\n" % ("x" * 4097), 1, "characters long (expected at most 4096)"),
    ("do\n", 1, "'do' without a matching opening keyword (expected it inside a while/until/for loop)"),
])
def test_grub_cfg_syntax_errors(text, line, words):
    with pytest.raises(GrubParseError) as err:
        grub2_cfg.parse_grub2_cfg(text, "t.cfg")
    assert str(err.value).startswith("t.cfg, line %d: " % line)
    assert words in str(err.value)


def test_nesting_up_to_the_limit_parses_without_recursion():
    text = "submenu 'a' {\n" * 63 + "menuentry 'deep' {\n linux /v root=/dev/sda1\n}\n" + "}\n" * 63
    cfg = grub2_cfg.parse_grub2_cfg(text, "t.cfg")
    assert [e["title"] for e in cfg["entries"]] == ["deep"] and len(cfg["submenus"]) == 63
    assert cfg["entries"][0]["index"] == ">".join(["0"] * 64)
    cfg["default"] = ">".join(["0"] * 64)
    assert grub_menu.default_entry(cfg, {})["title"] == "deep"
    cfg["default"] = ">".join(["0"] * 100000)  # more parts than levels: no entry, no recursion
    assert grub_menu.default_entry(cfg, {}) is None


def test_menus_in_functions_and_in_menuentries_count_for_nothing():
    text = ("function f {\n menuentry 'hidden' { linux /h root=/dev/sdz }\n set default=9\n}\n"
            "menuentry 'a' {\n linux /a root=/dev/sda1\n submenu 'inner' {\n menuentry 'b' { linux /b }\n }\n}\n"
            "menuentry 'c' {\n if x; then\n  linux /c root=/dev/sdc1\n fi\n}\n")
    cfg = grub2_cfg.parse_grub2_cfg(text, "t.cfg")
    assert [(e["index"], e["title"], e["kernel"]) for e in cfg["entries"]] == [(0, "a", "/a"), (1, "c", "/c")]
    assert cfg["submenus"] == [] and cfg["default"] is None


@pytest.mark.parametrize("default", ["5\u00b2", "\u00b2", "\u0661", "\uff11", "9" * 5000, "-1", "1>\u00b2", "0>9" * 100])
def test_default_that_is_no_ascii_number_is_a_title_never_a_crash(default):
    cfg = grub2_cfg.parse_grub2_cfg("menuentry 'a' {\n linux /a\n}\nmenuentry 'b' {\n linux /b\n}\n", "t.cfg")
    cfg["default"] = default
    assert grub_menu.default_entry(cfg, {}) is None
    cfg["default"] = "saved"
    assert grub_menu.default_entry(cfg, {"saved_entry": default}) is None


def test_variable_lines_are_counted_in_dollar_brace_values():
    cfg = grub2_cfg.parse_grub2_cfg("set x=${a\nb}\nmenuentry 'a' {\n linux /a\n}\n", "t.cfg")
    assert cfg["entries"][0]["line"] == 3


def test_empty_grub_cfg():
    cfg = grub2_cfg.parse_grub2_cfg("")
    assert cfg["entries"] == [] and cfg["default"] is None and cfg["timeout"] is None
    assert grub_menu.default_entry(cfg, {}) is None


# --------------------------------------------------------------------------- grubenv

def test_parse_grubenv_escapes_and_padding():
    block = "# GRUB Environment Block\nsaved_entry=a\\\\b\nmulti=line1\\\nline2\nempty=\n#####"
    assert grubenv.parse_grubenv(block) == {"saved_entry": "a\\b", "multi": "line1\nline2", "empty": ""}
    assert grubenv.parse_grubenv("") == {} and grubenv.parse_grubenv(None) == {}
    assert grubenv.parse_grubenv("# GRUB Environment Block\r\nsaved_entry=1\r\n") == {"saved_entry": "1"}
    rhel8 = grubenv.parse_grubenv(read("rhel8-grubenv"))
    assert sorted(rhel8) == ["boot_success", "kernelopts", "saved_entry"]
    assert len(read("rhel8-grubenv")) == 1024


@pytest.mark.parametrize("block", ["saved_entry=1\n", "\x7fELF\x02\x01", "# GRUB Environment\n", " # GRUB Environment Block\n",
                                   "\ufffd\ufffd"])
def test_a_grubenv_without_the_signature_is_refused_naming_it(block):
    with pytest.raises(GrubParseError) as err:
        grubenv.parse_grubenv(block, "/boot/grub2/grubenv")
    assert str(err.value).startswith("/boot/grub2/grubenv, line 1: expected the GRUB environment block signature")


# --------------------------------------------------------------------------- BLS entries

def test_bls_entry_with_a_nul_or_an_overlong_version_is_refused_naming_the_line():
    path = "/boot/loader/entries/a.conf"
    with pytest.raises(GrubParseError) as err:
        grub_bls.parse_bls_entry("title a\n# a \x00 in a comment is fine\noptions root=/dev/sda1\x00 quiet\n", path)
    assert str(err.value).startswith(path + ", line 3: a NUL byte")
    with pytest.raises(GrubParseError) as err:
        grub_bls.parse_bls_entry("title a\nversion %s\n" % ("1" * 257), path)
    assert str(err.value).startswith(path + ", line 2: expected a kernel version of at most 256 characters")
    entry = grub_bls.parse_bls_entry("title a\nversion 5\u00b2\nlinux /vmlinuz-5\u00b2\noptions root=/dev/sda1\n", path)
    assert entry["version"] == "5\u00b2" and entry["root"] == "/dev/sda1"
    assert grub_bls.sort_bls_entries([entry, dict(entry, version="\u0663", id="b")])[0]["id"] in ("a", "b")
