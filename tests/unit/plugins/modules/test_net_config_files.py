# -*- coding: utf-8 -*-
"""net_config_files in-process on fake root trees (HOST_ROOT under tmp_path): files written exactly,
with their modes, symlinks and owners kept, the kept copies outside the directories the
configuration systems read; old files moved out of the way; check mode predicts and writes nothing;
--diff shows every file written and every file moved; the netplan check; hostile arguments refused
before anything is touched."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import json
import os
import stat

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fleetfix.kernel.plugins.modules import net_config_files

KEYFILE = "/etc/NetworkManager/system-connections/fleetfix-usbnet0.nmconnection"
NETPLAN = "/etc/netplan/60-fleetfix-usbnet0.yaml"
LINK = "/etc/systemd/network/10-fleetfix-usbnet0.link"
STANZA = "/etc/network/interfaces.d/fleetfix-usbnet0"
CLOUD_INIT = "/etc/netplan/50-cloud-init.yaml"
CLOUD_INIT_TO = "/var/lib/fleetfix/persistent_net/disabled/etc_netplan_50-cloud-init.yaml"
OLD_PROFILE = "/etc/NetworkManager/system-connections/Wired connection 1.nmconnection"
OLD_PROFILE_TO = "/var/lib/fleetfix/persistent_net/disabled/etc_NetworkManager_system-connections_Wired connection 1.nmconnection"
KEPT = "/var/lib/fleetfix/persistent_net/kept"
KEYFILE_TEXT = u"[connection]\nid=fleetfix-usbnet0\ntype=ethernet\ninterface-name=usbnet0\n\n[ipv4]\nmethod=auto\n"
NETPLAN_TEXT = u'network:\n  version: 2\n  ethernets:\n    "usbnet0":\n      dhcp4: true\n'
CLOUD_INIT_BYTES = b"network:\n    ethernets:\n        enp0s1:\n            dhcp4: true\n    version: 2\n"


class Host(object):
    """A fake root with the directories of a host that has netplan, NetworkManager and networkd."""

    def __init__(self, root):
        self.root = str(root)
        for directory in net_config_files.WRITE_DIRS:
            os.makedirs(self.path(directory))

    def path(self, host_path):
        return os.path.join(self.root, host_path.lstrip("/"))

    def write(self, host_path, data, mode=0o644):
        path = self.path(host_path)
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        with open(path, "wb") as handle:
            handle.write(data)
        os.chmod(path, mode)
        return path

    def read(self, host_path):
        with open(self.path(host_path), "rb") as handle:
            return handle.read()

    def mode(self, host_path):
        return stat.S_IMODE(os.stat(self.path(host_path)).st_mode)

    def exists(self, host_path):
        return os.path.lexists(self.path(host_path))

    def snapshot(self):
        """Every path under the root with its type, mode and bytes (to prove nothing changed)."""
        found = {}
        for directory, dirs, files in os.walk(self.root):
            for name in dirs + files:
                path = os.path.join(directory, name)
                info = os.lstat(path)
                data = None
                if stat.S_ISREG(info.st_mode):
                    with open(path, "rb") as handle:
                        data = handle.read()
                elif stat.S_ISLNK(info.st_mode):
                    data = os.readlink(path)
                found[os.path.relpath(path, self.root)] = (info.st_mode, data)
        return found


@pytest.fixture(name="host")
def fixture_host(tmp_path, monkeypatch):
    host = Host(tmp_path / "root")
    monkeypatch.setattr(net_config_files, "HOST_ROOT", host.root)
    programs = {}

    def get_bin_path(_self, name, required=False, opt_dirs=None):  # pylint: disable=unused-argument
        return programs.get(name)

    monkeypatch.setattr(AnsibleModule, "get_bin_path", get_bin_path)
    host.programs = programs
    return host


def run(args, capsys, check=False, diff=True):
    with patch_module_args(dict(args, _ansible_check_mode=check, _ansible_diff=diff)):
        with pytest.raises(SystemExit) as exit_info:
            net_config_files.main()
    result = json.loads(capsys.readouterr().out)
    assert "exception" not in result, result.get("exception")
    return exit_info.value.code, result


def fake_netplan(host, tmp_path, script):
    """A netplan that runs ``script`` (sh) with $ROOT the --root-dir it was given."""
    path = tmp_path / "netplan"
    path.write_text(u'#!/bin/sh\n[ "$1" = generate ] && [ "$2" = --root-dir ] || exit 99\nROOT="$3"\n' + script)
    path.chmod(0o755)
    host.programs["netplan"] = str(path)
    return str(path)


FILES = [{"path": KEYFILE, "content": KEYFILE_TEXT, "mode": "0600"},
         {"path": NETPLAN, "content": NETPLAN_TEXT, "mode": "0600"},
         {"path": LINK, "content": u"[Match]\nMACAddress=52:54:00:12:34:99\n\n[Link]\nName=usbnet0\n"}]


# ---------------------------------------------------------------- writing

def test_new_files_are_written_exactly_with_their_modes_and_the_diff_shows_each(host, capsys):
    code, result = run({"files": FILES}, capsys)
    assert code == 0 and result["changed"]
    assert host.read(KEYFILE) == KEYFILE_TEXT.encode("utf-8") and host.mode(KEYFILE) == 0o600
    assert host.read(NETPLAN) == NETPLAN_TEXT.encode("utf-8") and host.mode(NETPLAN) == 0o600
    assert host.mode(LINK) == 0o644
    assert [(f["path"], f["changed"], f["created"], f["mode"], f["mode_before"]) for f in result["files"]] == [
        (KEYFILE, True, True, "0600", None), (NETPLAN, True, True, "0600", None), (LINK, True, True, "0644", None)]
    assert result["files"][0]["real_path"] == KEYFILE
    assert result["diff"] == [{"before_header": f["path"], "after_header": f["path"], "before": "", "after": f["content"]}
                              for f in FILES]
    assert result["netplan_check"] == {"command": None, "rc": None, "stderr": "", "skipped": "netplan is not installed"}
    assert result["programs"] == {"netplan": None, "networkctl": None, "nmcli": None}
    # no copies anywhere for new files
    assert not host.exists(KEPT) and sorted(os.listdir(host.path("/etc/NetworkManager/system-connections"))) == [
        "fleetfix-usbnet0.nmconnection"]
    code, again = run({"files": FILES}, capsys)
    assert code == 0 and not again["changed"] and "diff" not in again
    assert [f["changed"] for f in again["files"]] == [False, False, False]


def test_check_mode_predicts_exactly_and_writes_nothing(host, capsys):
    host.write(KEYFILE, b"[connection]\nid=old\n", 0o644)
    host.write(CLOUD_INIT, CLOUD_INIT_BYTES)
    before = host.snapshot()
    args = {"files": FILES, "removals": [{"path": CLOUD_INIT, "to": CLOUD_INIT_TO}]}
    code, checked = run(args, capsys, check=True)
    assert code == 0 and checked["changed"]
    assert host.snapshot() == before
    code, real = run(args, capsys)
    assert code == 0
    for key in ("changed", "diff", "removals"):
        assert checked[key] == real[key], key
    assert [dict(f, orig=None, backup=None) for f in real["files"]] == checked["files"]


def test_a_replaced_file_keeps_its_copies_outside_the_directory_nm_reads(host, capsys):
    host.write(KEYFILE, b"[connection]\nid=first\n", 0o600)
    code, result = run({"files": [FILES[0]]}, capsys)
    assert code == 0 and result["changed"]
    flat = "etc_NetworkManager_system-connections_fleetfix-usbnet0.nmconnection"
    assert result["files"][0]["orig"] == "%s/%s.fleetfix.orig" % (KEPT, flat)
    assert result["files"][0]["backup"] == "%s/%s.fleetfix.bak" % (KEPT, flat)
    # NetworkManager would load NAME.fleetfix.orig beside the keyfile as one more profile
    assert os.listdir(host.path("/etc/NetworkManager/system-connections")) == ["fleetfix-usbnet0.nmconnection"]
    assert host.read("%s/%s.fleetfix.orig" % (KEPT, flat)) == b"[connection]\nid=first\n"
    assert host.mode(KEPT) == 0o700
    second = dict(FILES[0], content=KEYFILE_TEXT + u"# second\n")
    code, result = run({"files": [second]}, capsys)
    assert code == 0 and result["files"][0]["orig"] == "%s/%s.fleetfix.orig" % (KEPT, flat)
    assert host.read("%s/%s.fleetfix.orig" % (KEPT, flat)) == b"[connection]\nid=first\n"  # the first copy, for good
    assert host.read("%s/%s.fleetfix.bak" % (KEPT, flat)) == KEYFILE_TEXT.encode("utf-8")  # the latest
    assert os.listdir(host.path("/etc/NetworkManager/system-connections")) == ["fleetfix-usbnet0.nmconnection"]


def test_the_mode_is_set_even_when_the_content_is_the_same(host, capsys):
    host.write(KEYFILE, KEYFILE_TEXT.encode("utf-8"), 0o644)
    code, result = run({"files": [FILES[0]]}, capsys)
    assert code == 0 and result["changed"] and host.mode(KEYFILE) == 0o600
    assert result["files"][0]["mode_before"] == "0644" and result["files"][0]["backup"] is None
    assert result["diff"] == [{"before_header": KEYFILE + " (mode 0644)", "after_header": KEYFILE + " (mode 0600)",
                               "before": KEYFILE_TEXT, "after": KEYFILE_TEXT}]
    assert not host.exists(KEPT)


def test_a_symlink_stays_a_symlink_and_its_target_is_written(host, capsys):
    target = host.write("/srv/net/usbnet0", b"old\n")
    os.symlink(target, host.path(STANZA))
    code, result = run({"files": [{"path": STANZA, "content": u"allow-hotplug usbnet0\n"}]}, capsys)
    assert code == 0 and result["changed"]
    assert os.path.islink(host.path(STANZA)) and host.read("/srv/net/usbnet0") == b"allow-hotplug usbnet0\n"
    assert result["files"][0]["real_path"] == "/srv/net/usbnet0"


def test_the_owner_of_an_existing_file_is_kept(host, capsys):
    path = host.write(STANZA, b"old\n")
    uid, gid = os.stat(path).st_uid, os.stat(path).st_gid
    code, _result = run({"files": [{"path": STANZA, "content": u"new\n"}]}, capsys)
    assert code == 0 and (os.stat(path).st_uid, os.stat(path).st_gid) == (uid, gid)


def test_a_missing_directory_is_created(host, capsys):
    os.rmdir(host.path("/etc/network/interfaces.d"))
    code, checked = run({"files": [{"path": STANZA, "content": u"x\n"}]}, capsys, check=True)
    assert code == 0 and checked["changed"] and not host.exists("/etc/network/interfaces.d")
    code, _result = run({"files": [{"path": STANZA, "content": u"x\n"}]}, capsys)
    assert code == 0 and host.read(STANZA) == b"x\n" and host.mode("/etc/network/interfaces.d") == 0o755


def test_bytes_that_are_not_utf8_are_shown_as_escapes(host, capsys):
    host.write(STANZA, b"# caf\xe9\n")
    code, result = run({"files": [{"path": STANZA, "content": u"x\n"}]}, capsys, check=True)
    assert code == 0 and result["diff"][0]["before"] == u"# caf\\xe9\n"


def test_a_fifo_where_a_file_goes_is_refused_and_nothing_written(host, capsys):
    os.mkfifo(host.path(STANZA))
    before = host.snapshot()
    code, result = run({"files": [FILES[0], {"path": STANZA, "content": u"x\n"}]}, capsys)
    assert code == 1 and "is not a regular file" in result["msg"] and "nothing was written" in result["msg"]
    assert host.snapshot() == before


# ---------------------------------------------------------------- moving away

def test_an_old_file_is_moved_out_and_the_diff_says_where(host, capsys):
    host.write(OLD_PROFILE, b"[connection]\nid=Wired connection 1\n", 0o600)
    args = {"removals": [{"path": OLD_PROFILE, "to": OLD_PROFILE_TO}]}
    code, result = run(args, capsys)
    assert code == 0 and result["changed"]
    assert not host.exists(OLD_PROFILE) and host.read(OLD_PROFILE_TO) == b"[connection]\nid=Wired connection 1\n"
    assert host.mode(OLD_PROFILE_TO) == 0o600 and host.mode("/var/lib/fleetfix/persistent_net/disabled") == 0o700
    assert result["removals"] == [{"path": OLD_PROFILE, "to": OLD_PROFILE_TO, "changed": True, "state": "moved"}]
    assert result["diff"] == [{"before_header": OLD_PROFILE, "after_header": "%s (moved to %s)" % (OLD_PROFILE, OLD_PROFILE_TO),
                               "before": "[connection]\nid=Wired connection 1\n", "after": ""}]
    code, again = run(args, capsys)
    assert code == 0 and not again["changed"] and again["removals"][0]["state"] == "already_moved"
    os.unlink(host.path(OLD_PROFILE_TO))
    code, gone = run(args, capsys)
    assert code == 0 and not gone["changed"] and gone["removals"][0]["state"] == "absent"


def test_a_move_onto_other_content_is_refused_onto_the_same_removes_the_duplicate(host, capsys):
    host.write(CLOUD_INIT, CLOUD_INIT_BYTES)
    host.write(CLOUD_INIT_TO, b"network: {version: 2}\n")
    before = host.snapshot()
    args = {"files": [FILES[1]], "removals": [{"path": CLOUD_INIT, "to": CLOUD_INIT_TO}]}
    code, result = run(args, capsys)
    assert code == 1 and "which holds something else" in result["msg"] and "nothing is moved" in result["msg"]
    assert host.snapshot() == before  # the file to write is not written either
    host.write(CLOUD_INIT_TO, CLOUD_INIT_BYTES)
    code, result = run(args, capsys)
    assert code == 0 and result["removals"][0]["state"] == "removed_duplicate"
    assert not host.exists(CLOUD_INIT) and host.read(CLOUD_INIT_TO) == CLOUD_INIT_BYTES


def test_a_symlink_is_moved_as_the_symlink(host, capsys):
    target = host.write("/srv/profiles/usb.nmconnection", b"[connection]\n")
    os.symlink(target, host.path(OLD_PROFILE))
    code, result = run({"removals": [{"path": OLD_PROFILE, "to": OLD_PROFILE_TO}]}, capsys)
    assert code == 0 and result["diff"][0]["before"] == "[connection]\n"
    assert os.path.islink(host.path(OLD_PROFILE_TO)) and os.readlink(host.path(OLD_PROFILE_TO)) == target
    assert host.read("/srv/profiles/usb.nmconnection") == b"[connection]\n"


def test_a_directory_or_fifo_to_remove_is_refused(host, capsys):
    os.mkdir(host.path(OLD_PROFILE))
    code, result = run({"removals": [{"path": OLD_PROFILE, "to": OLD_PROFILE_TO}]}, capsys)
    assert code == 1 and "is not a regular file; it is not moved" in result["msg"]


def test_across_filesystems_the_file_is_copied_then_removed(host, capsys, monkeypatch):
    """/etc and /var are often different filesystems: rename(2) fails with EXDEV there."""
    host.write(CLOUD_INIT, CLOUD_INIT_BYTES, 0o600)
    real_rename = os.rename

    def rename(src, dst):
        if src == host.path(CLOUD_INIT):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    code, result = run({"removals": [{"path": CLOUD_INIT, "to": CLOUD_INIT_TO}]}, capsys)
    assert code == 0 and result["changed"]
    assert not host.exists(CLOUD_INIT) and host.read(CLOUD_INIT_TO) == CLOUD_INIT_BYTES and host.mode(CLOUD_INIT_TO) == 0o600
    assert [n for n in os.listdir(host.path("/var/lib/fleetfix/persistent_net/disabled")) if n.startswith(".")] == []


def test_writes_and_moves_together(host, capsys):
    host.write(CLOUD_INIT, CLOUD_INIT_BYTES)
    code, result = run({"files": FILES, "removals": [{"path": CLOUD_INIT, "to": CLOUD_INIT_TO}]}, capsys)
    assert code == 0 and len(result["diff"]) == 4 and result["diff"][-1]["after_header"].endswith("(moved to %s)" % CLOUD_INIT_TO)
    assert sorted(os.listdir(host.path("/etc/netplan"))) == ["60-fleetfix-usbnet0.yaml"]


# ---------------------------------------------------------------- the netplan check

def test_netplan_generate_checks_a_private_copy_with_the_change_made(host, capsys, tmp_path):
    host.write(CLOUD_INIT, CLOUD_INIT_BYTES)
    host.write("/lib/netplan/00-vendor.yaml", b"network: {version: 2}\n")
    host.write("/etc/netplan/99-other.yaml", b"network: {version: 2}\n")
    seen = tmp_path / "seen"
    fake_netplan(host, tmp_path, u'cd "$ROOT" && find . -type f | sort > %s\n'
                                 u'grep -q dhcp4 etc/netplan/60-fleetfix-usbnet0.yaml || exit 3\n' % seen)
    before = host.snapshot()
    args = {"files": [FILES[1]], "removals": [{"path": CLOUD_INIT, "to": CLOUD_INIT_TO}]}
    code, result = run(args, capsys, check=True)
    assert code == 0 and result["netplan_check"]["rc"] == 0
    assert result["netplan_check"]["command"][1:] == ["generate", "--root-dir", "<private copy>"]
    assert seen.read_text().split() == ["./etc/netplan/60-fleetfix-usbnet0.yaml", "./etc/netplan/99-other.yaml",
                                        "./lib/netplan/00-vendor.yaml"]
    assert host.snapshot() == before  # --check: the check ran, nothing was written
    assert not [n for n in os.listdir(str(tmp_path)) if n.startswith("fleetfix-netplan-")]


def test_a_configuration_netplan_rejects_is_refused_before_anything_is_written(host, capsys, tmp_path):
    fake_netplan(host, tmp_path, u'echo "$ROOT/etc/netplan/60-fleetfix-usbnet0.yaml:5:7: Error in network definition: '
                                 u'unknown key \'dhcp4\'" >&2\nexit 1\n')
    before = host.snapshot()
    for check in (True, False):
        code, result = run({"files": FILES}, capsys, check=check)
        assert code == 1 and "netplan generate rejects the configuration with the new files (exit 1)" in result["msg"]
        assert "unknown key 'dhcp4'" in result["msg"] and "nothing was written or moved" in result["msg"]
        assert host.snapshot() == before


def test_no_netplan_check_without_a_netplan_change(host, capsys, tmp_path):
    fake_netplan(host, tmp_path, u"exit 1\n")
    code, result = run({"files": [FILES[0]]}, capsys)
    assert code == 0 and result["netplan_check"] is None
    host.write(NETPLAN, NETPLAN_TEXT.encode("utf-8"), 0o600)
    code, result = run({"files": [FILES[1]]}, capsys)
    assert code == 0 and result["netplan_check"] is None and not result["changed"]  # unchanged: nothing to check
    code, result = run({"files": [dict(FILES[1], content=u"x")], "check_netplan": False}, capsys)
    assert code == 0 and result["netplan_check"] is None and result["changed"]


def test_programs_are_reported_for_the_handlers(host, capsys):
    host.programs.update(networkctl="/usr/bin/networkctl", nmcli="/usr/bin/nmcli")
    code, result = run({}, capsys)
    assert code == 0 and not result["changed"]
    assert result["programs"] == {"netplan": None, "networkctl": "/usr/bin/networkctl", "nmcli": "/usr/bin/nmcli"}


# ---------------------------------------------------------------- hostile arguments

HOSTILE = [
    ({"files": [{"path": "/etc/passwd", "content": "x"}]}, "files[1].path", "is not a file this module writes"),
    ({"files": [{"path": "/etc/netplan/../shadow", "content": "x"}]}, "files[1].path", "is not a clean absolute path"),
    ({"files": [{"path": "etc/netplan/a.yaml", "content": "x"}]}, "files[1].path", "is not a clean absolute path"),
    ({"files": [{"path": "/etc/netplan/a.yaml\n", "content": "x"}]}, "files[1].path", "is not a clean absolute path"),
    ({"files": [{"path": "/etc/netplan//a.yaml", "content": "x"}]}, "files[1].path", "is not a clean absolute path"),
    ({"files": [{"path": "/etc/netplan/sub/a.yaml", "content": "x"}]}, "files[1].path", "is not a file this module writes"),
    ({"files": [{"path": "/etc/netplan/.hidden.yaml", "content": "x"}]}, "files[1].path", "is not a file this module writes"),
    ({"files": [{"path": "/etc/netplan/a b.yaml", "content": "x"}]}, "files[1].path", "is not a file this module writes"),
    ({"files": [{"path": "/etc/netplan/", "content": "x"}]}, "files[1].path", "is not a clean absolute path"),
    ({"files": [{"path": "/etc/NetworkManager/system-connections/a", "content": "x", "mode": "0666"}]},
     "files[1].mode", "lets group or others write"),
    ({"files": [{"path": "/etc/NetworkManager/system-connections/a", "content": "x", "mode": "4755"}]},
     "files[1].mode", "is not an octal file mode"),
    ({"files": [{"path": "/etc/NetworkManager/system-connections/a", "content": "x", "mode": "u=rw"}]},
     "files[1].mode", "is not an octal file mode"),
    ({"files": [{"path": "/etc/NetworkManager/system-connections/a", "content": "x", "mode": "0o600"}]},
     "files[1].mode", "is not an octal file mode"),
    ({"files": [{"path": NETPLAN, "content": "x"}, {"path": NETPLAN, "content": "y"}]}, "files[2].path", "is already given as files[1].path"),
    ({"removals": [{"path": "/etc/shadow", "to": CLOUD_INIT_TO}]}, "removals[1].path", "is not in a directory a configuration system reads"),
    ({"removals": [{"path": "/etc/udev/rules.d/70-persistent-net.rules", "to": CLOUD_INIT_TO}]}, "removals[1].path",
     "is not in a directory a configuration system reads"),
    ({"removals": [{"path": CLOUD_INIT, "to": "/etc/netplan/50-cloud-init.yaml.disabled"}]}, "removals[1].to",
     "is not a file directly in /var/lib/fleetfix/persistent_net/disabled"),
    ({"removals": [{"path": CLOUD_INIT, "to": "/var/lib/fleetfix/persistent_net/disabled/../../../../etc/cron.d/x"}]},
     "removals[1].to", "is not a clean absolute path"),
    ({"removals": [{"path": CLOUD_INIT, "to": "/var/lib/fleetfix/persistent_net/disabled/.x"}]}, "removals[1].to", "(not hidden)"),
    ({"removals": [{"path": CLOUD_INIT, "to": CLOUD_INIT_TO}, {"path": "/etc/netplan/x.yaml", "to": CLOUD_INIT_TO}]},
     "removals[2].to", "is already the place of /etc/netplan/50-cloud-init.yaml"),
    ({"files": [{"path": NETPLAN, "content": "x"}], "removals": [{"path": NETPLAN, "to": CLOUD_INIT_TO}]},
     "removals[1].path", "is already given as files[1].path"),
    ({"files": [{"path": NETPLAN}]}, "content", "missing required arguments"),
    ({"removals": [{"path": CLOUD_INIT, "to": CLOUD_INIT_TO, "mode": "0600"}]}, "mode", "Unsupported parameters"),
]


@pytest.mark.parametrize("args, option, fragment", HOSTILE, ids=["%s-%d" % (case[1], n) for n, case in enumerate(HOSTILE)])
def test_hostile_arguments_are_refused_naming_the_option_and_nothing_is_touched(host, capsys, args, option, fragment):
    host.write(CLOUD_INIT, CLOUD_INIT_BYTES)
    before = host.snapshot()
    for check in (True, False):
        code, result = run(args, capsys, check=check)
        assert code == 1 and result["failed"], result
        assert option in result["msg"] and fragment in result["msg"], result["msg"]
        assert host.snapshot() == before


def test_the_first_copy_is_reported_on_later_runs_too(host, capsys):
    host.write(STANZA, b"old\n")
    code, first = run({"files": [{"path": STANZA, "content": u"new\n"}]}, capsys)
    orig = "%s/etc_network_interfaces.d_fleetfix-usbnet0.fleetfix.orig" % KEPT
    assert code == 0 and first["files"][0]["orig"] == orig
    for check in (True, False):
        code, again = run({"files": [{"path": STANZA, "content": u"new\n"}]}, capsys, check=check)
        assert code == 0 and not again["changed"] and again["files"][0]["orig"] == orig and again["files"][0]["backup"] is None
