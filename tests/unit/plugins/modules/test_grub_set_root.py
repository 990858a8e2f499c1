# -*- coding: utf-8 -*-
"""grub_set_root in-process on fake root trees: which entries it touches, that what --check and
--diff announce is byte for byte what the real run writes, keep_kinds honoured by the writer,
and its refusal of a bad UUID or keep_kinds (the whole hostile list: tests/unit/hostile)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import io
import json
import os
import sys

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fleetfix.kernel.plugins.module_utils import grub_legacy
from ansible_collections.fleetfix.kernel.plugins.modules import grub_set_root
from conftest import FIXTURES

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "hostile"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "py27", "library"))
import grub_bytes_check  # noqa: E402
import grub_inputs  # noqa: E402

GRUB = os.path.join(FIXTURES, "grub")
UUID = "f6a6efc5-919c-4393-8e76-c84e475cd609"
WANTED = "UUID=" + UUID
LEGACY = "/boot/grub/grub.conf"
GRUB2 = "/boot/grub/grub.cfg"

# Done-when host (the py27 matrix uses the same bytes): one entry boots a device path, one an
# LVM path; titles hold an em-dash (UTF-8) and a Latin-1 e-acute (not UTF-8); LF and CRLF, tabs.
DEVICE_AND_LVM = grub_bytes_check.SCENE
DEVICE_LINE = 8


def sha(data):
    return hashlib.sha256(data).hexdigest()


def fixture_bytes(name):
    with open(os.path.join(GRUB, name), "rb") as handle:
        return handle.read()


class Host(object):
    """A fake root tree grub_set_root works under (HOST_ROOT points at it)."""

    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, "proc", "self"))
        with open(os.path.join(root, "proc", "self", "mountinfo"), "w") as handle:
            handle.write("1 0 8:2 / / rw - ext4 /dev/sda2 rw\n")

    def path(self, host_path):
        return os.path.join(self.root, host_path.lstrip("/"))

    def put(self, host_path, data):
        full = self.path(host_path)
        if not os.path.isdir(os.path.dirname(full)):
            os.makedirs(os.path.dirname(full))
        with open(full, "wb") as handle:
            handle.write(data)

    def get(self, host_path):
        with open(self.path(host_path), "rb") as handle:
            return handle.read()

    def listing(self, host_dir):
        return sorted(os.listdir(self.path(host_dir)))


@pytest.fixture
def host(tmp_path, monkeypatch):
    # Never '/': every read and write of the module goes under this tree.
    root = str(tmp_path / "host")
    monkeypatch.setattr(grub_set_root, "HOST_ROOT", root)
    return Host(root)


def run(args, capsys, check=False, diff=False):
    args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            grub_set_root.main()
    return info.value.code, json.loads(capsys.readouterr().out)


def plan_then_write(host, capsys, args):
    """--check --diff, then the real run: (check result, real result, bytes before, bytes after)."""
    before = host.get(LEGACY)
    code, planned = run(args, capsys, check=True, diff=True)
    assert code == 0, planned
    assert host.get(LEGACY) == before  # check mode wrote nothing
    code, done = run(args, capsys, diff=True)
    assert code == 0, done
    return planned, done, before, host.get(LEGACY)


def diff_bytes(result):
    """The diff's 'after' turned back into bytes (display_bytes shows non-UTF-8 as \\xNN)."""
    text = result["diff"]["after"]
    out = io.BytesIO()
    i = 0
    while i < len(text):
        if text[i:i + 2] == "\\x" and len(text) >= i + 4:
            out.write(bytearray([int(text[i + 2:i + 4], 16)]))
            i += 4
        else:
            out.write(text[i].encode("utf-8"))
            i += 1
    return out.getvalue()


# --------------------------------------------------------------------------- which entries

@pytest.mark.parametrize("entry, fix", [
    ({"kernel": "/vmlinuz-6.1", "root": "/dev/sda1", "root_kind": "device"}, True),
    ({"kernel": "/vmlinuz-6.1", "root": "LABEL=rootfs", "root_kind": "label"}, True),
    ({"kernel": "/vmlinuz-6.1", "root": "UUID=0000", "root_kind": "uuid"}, True),  # another filesystem's UUID
    ({"kernel": "/vmlinuz-6.1", "root": WANTED, "root_kind": "uuid"}, False),
    ({"kernel": "/vmlinuz-2.6.32", "root": "/dev/mapper/VolGroup-lv_root", "root_kind": "lvm"}, False),  # kept kind
    ({"kernel": "/boot/memtest86+.bin", "root": None, "root_kind": None}, False),  # no root= at all
    ({"kernel": None, "root": None, "root_kind": None}, False),  # a chainloader
], ids=["device", "label", "other-uuid", "done", "lvm-kept", "memtest", "chainloader"])
def test_which_entries_are_fixed(entry, fix):
    assert grub_set_root.needs_fix(entry, WANTED, ["lvm"]) is fix


# --------------------------------------------------------------------------- Done when: legacy, device + LVM

def test_legacy_device_and_lvm_only_the_device_entry_changes_in_the_diff_and_on_disk(host, capsys):
    host.put(LEGACY, DEVICE_AND_LVM)
    planned, done, before, after = plan_then_write(host, capsys, {"uuid": UUID})  # keep_kinds: [lvm]
    assert planned["changed"] and done["changed"]
    assert [e["root"] for e in planned["entries"]] == ["/dev/sda2"]
    assert planned["entries"] == done["entries"]
    assert planned["entries"][0]["title"] == u"CentOS 6 \u2014 new kernel (2.6.32-754.35.1.el6.x86_64)"
    # plan == write, byte for byte: the diff's bytes, the checksums, the file
    assert diff_bytes(planned) == after == diff_bytes(done)
    assert planned["checksum"] == done["checksum"] == {"before": sha(before), "after": sha(after)}
    old, new = before.split(b"\n"), after.split(b"\n")
    assert [n for n, (a, b) in enumerate(zip(old, new), 1) if a != b] == [DEVICE_LINE]
    assert new[DEVICE_LINE - 1] == old[DEVICE_LINE - 1].replace(b"root=/dev/sda2", b"root=" + WANTED.encode())
    assert b"root=/dev/mapper/VolGroup-lv_root rd_LVM_LV" in new[11]  # the LVM entry, untouched
    assert done["backup"] == host.path(LEGACY) + ".fleetfix.bak"
    assert host.get(LEGACY + ".fleetfix.bak") == before
    # A second run has nothing to do.
    code, again = run({"uuid": UUID}, capsys, diff=True)
    assert (code, again["changed"], again["entries"], host.get(LEGACY)) == (0, False, [], after)


def test_legacy_keep_kinds_empty_rewrites_the_lvm_entry_too(host, capsys):
    host.put(LEGACY, DEVICE_AND_LVM)
    planned, done, before, after = plan_then_write(host, capsys, {"uuid": UUID, "keep_kinds": []})
    assert [e["root"] for e in planned["entries"]] == ["/dev/sda2", "/dev/mapper/VolGroup-lv_root"]
    assert diff_bytes(planned) == after
    assert after == before.replace(b"root=/dev/sda2", b"root=" + WANTED.encode()).replace(
        b"root=/dev/mapper/VolGroup-lv_root", b"root=" + WANTED.encode())
    # the commented example kernel line of the header is not an entry
    assert b"#          kernel /vmlinuz-version ro root=/dev/sda1\n" in after


def test_legacy_centos6_lvm_fixture_default_keep_kinds(host, capsys):
    # lvm entry kept; another filesystem's UUID fixed; no root= and a chainloader left alone
    host.put(LEGACY, fixture_bytes("centos6-lvm-grub.conf"))
    planned, done, before, after = plan_then_write(host, capsys, {"uuid": UUID})
    assert [e["root"] for e in planned["entries"]] == ["UUID=0a3a4e5c-7b1f-4a86-9d2e-6f0c1b2d3e4f"]
    assert after == before.replace(b"root=UUID=0a3a4e5c-7b1f-4a86-9d2e-6f0c1b2d3e4f", b"root=" + WANTED.encode())


def test_non_utf8_and_non_ascii_title_bytes_survive_byte_exact(host, capsys):
    data = DEVICE_AND_LVM.replace(b"caf\xe9", b"\xff\xfe\x85\xa0 \xc3\x28") + b"title \xe2\x80\x94\xe9\r\n\tkernel /v root=/dev/sdb1\r\n"
    host.put(LEGACY, data)
    planned, done, before, after = plan_then_write(host, capsys, {"uuid": UUID})
    assert [e["root"] for e in planned["entries"]] == ["/dev/sda2", "/dev/sdb1"]
    assert planned["entries"][1]["title"] == u"\u2014\\xe9"
    assert diff_bytes(planned) == after
    assert after == data.replace(b"root=/dev/sda2", b"root=" + WANTED.encode()).replace(
        b"root=/dev/sdb1", b"root=" + WANTED.encode())


def test_keep_kinds_in_capitals_is_refused_and_nothing_is_read(host, capsys):
    host.put(LEGACY, DEVICE_AND_LVM)
    code, result = run({"uuid": UUID, "keep_kinds": ["LVM"]}, capsys)
    assert code == 1
    assert "keep_kinds" in result["msg"] and "LVM" in result["msg"]
    assert host.get(LEGACY) == DEVICE_AND_LVM and host.listing("/boot/grub") == ["grub.conf"]


def test_uuid_with_a_tab_is_refused_not_announced(host, capsys):
    host.put(LEGACY, DEVICE_AND_LVM)
    code, result = run({"uuid": "abc\tsingle"}, capsys, check=True, diff=True)
    assert code == 1 and "diff" not in result and "entries" not in result
    assert result["msg"].startswith('grub_set_root: uuid "abc\\tsingle" is not a filesystem UUID')


# --------------------------------------------------------------------------- the writer

def test_every_write_goes_through_write_config(host, capsys, monkeypatch):
    host.put(LEGACY, DEVICE_AND_LVM)
    calls = []
    real = grub_set_root._write_config

    def spy(path, data, backup):
        calls.append((path, data, backup))
        return real(path, data, backup)
    monkeypatch.setattr(grub_set_root, "_write_config", spy)
    monkeypatch.setattr(io, "open", None)  # no text-mode open anywhere on the way
    code, result = run({"uuid": UUID, "backup": False}, capsys)
    assert code == 0, result
    assert [(p, b) for p, _d, b in calls] == [(host.path(LEGACY), False)]
    assert calls[0][1] == host.get(LEGACY) and "backup" in result and result["backup"] is None


def test_a_planted_symlink_at_the_aside_name_is_not_written_through(host, capsys, tmp_path):
    host.put(LEGACY, DEVICE_AND_LVM)
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    os.symlink(str(victim), os.path.join(host.path("/boot/grub"), ".grub.conf.fleetfix-new"))
    code, result = run({"uuid": UUID}, capsys)
    assert code == 0, result
    assert victim.read_bytes() == b"precious\n"
    assert WANTED.encode() in host.get(LEGACY)


def test_the_file_changing_after_the_plan_writes_nothing(host, capsys, monkeypatch):
    host.put(LEGACY, DEVICE_AND_LVM)
    real_plan = grub_set_root.plan_legacy

    def plan_then_someone_edits(config, wanted, keep_kinds):
        plan = real_plan(config, wanted, keep_kinds)
        host.put(LEGACY, DEVICE_AND_LVM + b"# edited meanwhile\n")
        return plan
    monkeypatch.setattr(grub_set_root, "plan_legacy", plan_then_someone_edits)
    code, result = run({"uuid": UUID}, capsys)
    assert code == 1 and "changed while grub_set_root planned" in result["msg"]
    assert host.get(LEGACY) == DEVICE_AND_LVM + b"# edited meanwhile\n"


def test_a_write_that_does_not_read_back_is_undone(host, capsys, monkeypatch):
    host.put(LEGACY, DEVICE_AND_LVM)
    real = grub_set_root._write_config
    monkeypatch.setattr(grub_set_root, "_write_config", lambda path, data, backup: real(path, data + b"x", backup))
    code, result = run({"uuid": UUID}, capsys)
    assert code == 1 and "does not read back as written" in result["msg"]
    assert host.get(LEGACY) == DEVICE_AND_LVM


def test_a_plan_that_would_touch_other_lines_is_refused(host, capsys, monkeypatch):
    host.put(LEGACY, DEVICE_AND_LVM)
    real_plan = grub_legacy.plan_root_legacy

    def sloppy(data, root_value, keep_kinds=(), path="grub.conf"):
        plan = real_plan(data, root_value, keep_kinds, path)
        plan["data"] = plan["data"].replace(b"hiddenmenu", b"hiddenmenu ")
        return plan
    monkeypatch.setattr(grub_legacy, "plan_root_legacy", sloppy)
    code, result = run({"uuid": UUID}, capsys, check=True)
    assert code == 1 and "line 5 changed but is no kernel line of an entry to fix" in result["msg"]


def test_kernel_before_title_is_refused_naming_file_and_line(host, capsys):
    host.put(LEGACY, fixture_bytes("legacy-kernel-before-title.conf"))
    code, result = run({"uuid": UUID}, capsys, check=True)
    assert code == 1 and "line 4: 'kernel' before the first 'title'" in result["msg"]


# --------------------------------------------------------------------------- GRUB 2

@pytest.fixture
def grub2_tools(monkeypatch):
    """grub-mkconfig / grub-script-check stand-ins: mkconfig writes ``output['data']``."""
    output = {"data": None, "commands": []}
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, *a, **k: "/usr/sbin/" + name)

    def run_command(self, args, **kwargs):
        output["commands"].append(list(args))
        if args[1] == "-o":
            with open(args[2], "wb") as handle:
                handle.write(output["data"])
        return 0, "", ""
    monkeypatch.setattr(AnsibleModule, "run_command", run_command)
    return output


def test_grub2_writes_exactly_the_generated_bytes(host, capsys, grub2_tools):
    before = fixture_bytes("debian12-nouuid-grub.cfg")
    host.put(GRUB2, before)
    generated = before.replace(b"root=/dev/sda1", b"root=" + WANTED.encode()).replace(b"Debian", b"D\xe9bian \xe2\x80\x94")
    grub2_tools["data"] = generated
    code, planned = run({"uuid": UUID}, capsys, check=True, diff=True)
    assert code == 0 and planned["changed"] and grub2_tools["commands"] == []  # --check runs no generator
    assert planned["checksum"] == {"before": sha(before), "after": None}
    code, done = run({"uuid": UUID}, capsys, diff=True)
    assert code == 0, done
    assert host.get(GRUB2) == generated and diff_bytes(done) == generated
    assert done["checksum"] == {"before": sha(before), "after": sha(generated)}
    assert [c[0] for c in grub2_tools["commands"]] == ["/usr/sbin/grub2-mkconfig", "/usr/sbin/grub2-script-check"]
    generated_in = grub2_tools["commands"][0][2]
    assert not generated_in.startswith(host.root) and not os.path.exists(os.path.dirname(generated_in))
    assert host.get(GRUB2 + ".fleetfix.bak") == before
    assert [name for name in host.listing("/boot/grub") if "fleetfix-new" in name] == []  # no aside file left


def test_grub2_generator_still_writing_devices_changes_nothing(host, capsys, grub2_tools):
    before = fixture_bytes("debian12-nouuid-grub.cfg")
    host.put(GRUB2, before)
    grub2_tools["data"] = before
    code, result = run({"uuid": UUID}, capsys)
    assert code == 1 and "still writes" in result["msg"] and "GRUB_DISABLE_LINUX_UUID" in result["msg"]
    assert host.get(GRUB2) == before and host.listing("/boot/grub") == ["grub.cfg"]


# --------------------------------------------------------------------------- hostile inputs

MODULE_INPUTS = [item for item in grub_inputs.INPUTS if item[0] in ("uuid", "keep_kinds")]
FILE_INPUTS = [item for item in grub_inputs.INPUTS if item[0] in ("grub.conf", "grub.cfg")]


@pytest.mark.parametrize("what, value, fragment", MODULE_INPUTS, ids=[repr(i[1])[:40] for i in MODULE_INPUTS])
def test_hostile_option_is_refused_before_anything_is_read(what, value, fragment, host, capsys, monkeypatch):
    host.put(LEGACY, DEVICE_AND_LVM)
    monkeypatch.setattr(grub_set_root.bootloader, "collect", lambda root: pytest.fail("read the boot loader"))
    args = {"uuid": UUID}
    args[what] = value
    code, result = run(args, capsys, check=True, diff=True)
    assert code == 1, result
    assert what in result["msg"] and fragment in result["msg"], result["msg"]
    assert "exception" not in result and host.get(LEGACY) == DEVICE_AND_LVM


@pytest.mark.parametrize("what, value, fragment", FILE_INPUTS, ids=[repr(i[1])[:40] for i in FILE_INPUTS])
def test_hostile_config_is_refused_or_edited_byte_exact(what, value, fragment, host, capsys, grub2_tools):
    config = LEGACY if what == "grub.conf" else GRUB2
    host.put(config, value)
    grub2_tools["data"] = value.replace(b"root=/dev/sda1", b"root=" + WANTED.encode())
    code, planned = run({"uuid": UUID}, capsys, check=True, diff=True)
    if fragment is not None:
        assert code == 1 and fragment in planned["msg"], planned
        assert "exception" not in planned
        assert host.get(config) == value
        return
    assert code == 0, planned
    code, done = run({"uuid": UUID}, capsys, diff=True)
    assert code == 0, done
    if config == LEGACY:
        assert planned["checksum"]["after"] == done["checksum"]["after"] == sha(host.get(config))
        edited = [n for n, (a, b) in enumerate(zip(value.split(b"\n"), host.get(config).split(b"\n")), 1) if a != b]
        assert len(edited) == len(planned["entries"]) and len(value.split(b"\n")) == len(host.get(config).split(b"\n"))
    else:
        assert host.get(config) == grub2_tools["data"] and done["checksum"]["after"] == sha(grub2_tools["data"])


# --------------------------------------------------------------------------- capped reads (issue 14)

def test_an_oversized_config_is_refused_naming_the_file_and_the_cap(host, capsys):
    host.put(LEGACY, DEVICE_AND_LVM + b"#" * (256 * 1024))
    code, result = run({"uuid": UUID}, capsys, check=True)
    assert code == 1 and LEGACY in result["msg"] and "larger than 262144 bytes" in result["msg"], result
    assert "exception" not in result


def test_a_generated_config_past_the_cap_is_not_written(host, capsys, grub2_tools):
    before = fixture_bytes("debian12-nouuid-grub.cfg")
    host.put(GRUB2, before)
    grub2_tools["data"] = before.replace(b"root=/dev/sda1", b"root=" + WANTED.encode()) + b"#" * (1024 * 1024)
    code, result = run({"uuid": UUID}, capsys)
    assert code == 1 and "the configuration grub2-mkconfig generated is larger than 1048576 bytes" in result["msg"], result
    assert "is unchanged" in result["msg"] and host.get(GRUB2) == before


def test_a_legacy_config_that_grew_past_its_plan_is_not_written(host, capsys, monkeypatch):
    host.put(LEGACY, DEVICE_AND_LVM)
    plan_legacy = grub_set_root.plan_legacy

    def grows(config, wanted, keep_kinds):
        plan = plan_legacy(config, wanted, keep_kinds)
        host.put(LEGACY, DEVICE_AND_LVM + b"# appended while planning\n")
        return plan
    monkeypatch.setattr(grub_set_root, "plan_legacy", grows)
    code, result = run({"uuid": UUID}, capsys)
    assert code == 1 and "changed while grub_set_root planned its edit" in result["msg"], result
    assert host.get(LEGACY) == DEVICE_AND_LVM + b"# appended while planning\n"
