"""grub_facts' view of a host: which configuration, which entries, the default, and root= against /."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import io
import os
import shutil

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import (
    bootchain,
    bootloader,
    default_grub,
    grub2_cfg,
    grub_bls,
    grub_menu,
    grubenv,
)
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError

from conftest import FIXTURES

GRUB = os.path.join(FIXTURES, "grub")
ROCKY_ID = "35dc1905d91b4156a327bd529f5b60da-4.18.0-477.27.1.el8_8.x86_64"
ROCKY_RESCUE_ID = "35dc1905d91b4156a327bd529f5b60da-0-rescue"


def read(name):
    """A fixture's text exactly as stored (CRLF kept)."""
    with io.open(os.path.join(GRUB, name), encoding="utf-8", newline="") as handle:
        return handle.read()


def _host(tmp_path, files, mountinfo="1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"):
    root = str(tmp_path / "host")
    for dest, source in files.items():
        full = os.path.join(root, dest.lstrip("/"))
        if not os.path.isdir(os.path.dirname(full)):
            os.makedirs(os.path.dirname(full))
        if os.path.isdir(os.path.join(GRUB, source)):
            shutil.copytree(os.path.join(GRUB, source), full)
        else:
            shutil.copyfile(os.path.join(GRUB, source), full)
    os.makedirs(os.path.join(root, "proc", "self"))
    with open(os.path.join(root, "proc", "self", "mountinfo"), "w") as handle:
        handle.write(mountinfo)
    return root


def _ids(monkeypatch, uuid):
    monkeypatch.setattr(bootchain, "block_ids", lambda root: {"uuid": {uuid: "8:1"}, "label": {}, "partuuid": {}, "partlabel": {}})


def test_debian12_with_device_paths_is_read_as_grub2(tmp_path, monkeypatch):
    root = _host(tmp_path, {"/boot/grub/grub.cfg": "debian12-nouuid-grub.cfg", "/etc/default/grub": "debian12-default-grub"})
    _ids(monkeypatch, "f6a6efc5-919c-4393-8e76-c84e475cd609")
    monkeypatch.setattr(bootchain, "device_number", lambda path: "8:1" if path.endswith("/dev/sda1") else None)
    facts = bootloader.collect(root)
    assert facts["flavour"] == "grub2" and facts["config"] == "/boot/grub/grub.cfg"
    assert facts["entries"] and all(e["root"] == "/dev/sda1" and e["root_kind"] == "device" for e in facts["entries"])
    assert all(e["resolves_to_root"] for e in facts["entries"])
    assert facts["default_entry"]["index"] == "0" and facts["default_entry"]["default"]
    assert facts["default_entry"]["version"] == facts["entries"][1]["version"]
    assert facts["root_filesystem"]["uuid"] == "f6a6efc5-919c-4393-8e76-c84e475cd609"


def test_centos7_saved_entry_names_the_default(tmp_path, monkeypatch):
    root = _host(tmp_path, {"/boot/grub2/grub.cfg": "centos7-grub.cfg", "/boot/grub2/grubenv": "centos7-grubenv",
                            "/etc/default/grub": "centos7-default-grub"})
    _ids(monkeypatch, "6d651fcb-6873-4d7a-b67e-d0a2b88c1d3d")
    facts = bootloader.collect(root)
    assert facts["flavour"] == "grub2"
    assert facts["default_entry"]["title"] == "CentOS Linux (3.10.0-514.26.2.el7.x86_64) 7 (Core)"
    assert facts["default_entry"]["version"] == "3.10.0-514.26.2.el7.x86_64"
    assert facts["default_entry"]["root"] == "UUID=6d651fcb-6873-4d7a-b67e-d0a2b88c1d3d"
    assert facts["default_entry"]["resolves_to_root"] is True


def test_rocky8_bls_entries_take_kernelopts_from_grubenv(tmp_path, monkeypatch):
    root = _host(tmp_path, {"/boot/grub2/grub.cfg": "rocky8-grub.cfg", "/boot/grub2/grubenv": "rocky8-grubenv",
                            "/boot/loader/entries": "rocky8-entries", "/etc/default/grub": "rocky8-default-grub"})
    _ids(monkeypatch, "bf4ab502-9a6d-49ec-92be-59111a383230")
    facts = bootloader.collect(root)
    assert facts["flavour"] == "bls"
    default = facts["default_entry"]
    assert default["version"] == "4.18.0-477.27.1.el8_8.x86_64"
    assert default["root"] == "UUID=bf4ab502-9a6d-49ec-92be-59111a383230" and default["root_kind"] == "uuid"
    assert default["resolves_to_root"] is True


def test_centos6_legacy_lvm_and_missing_root(tmp_path, monkeypatch):
    root = _host(tmp_path, {"/boot/grub/grub.conf": "centos6-lvm-grub.conf"}, mountinfo="1 0 253:0 / / rw - ext4 /dev/mapper/VolGroup-lv_root rw\n")
    _ids(monkeypatch, "0a3a4e5c-7b1f-4a86-9d2e-6f0c1b2d3e4f")
    facts = bootloader.collect(root)
    assert facts["flavour"] == "legacy"
    kinds = [(e["version"], e["root_kind"]) for e in facts["entries"] if e["kernel"]]
    assert kinds[:3] == [("2.6.32-754.35.1.el6.x86_64", "lvm"), ("2.6.32-754.el6.x86_64", "uuid"), ("2.6.32-696.el6.x86_64", None)]
    assert facts["default_entry"]["version"] == "2.6.32-754.35.1.el6.x86_64"


def test_efi_stub_is_skipped_for_the_real_configuration(tmp_path, monkeypatch):
    root = _host(tmp_path, {"/boot/grub2/grub.cfg": "centos7-grub.cfg", "/boot/grub2/grubenv": "centos7-grubenv"})
    stub = os.path.join(root, "boot", "efi", "EFI", "rocky")
    os.makedirs(stub)
    with open(os.path.join(stub, "grub.cfg"), "w") as handle:
        handle.write("search --no-floppy --fs-uuid --set=dev 1234\nset prefix=($dev)/grub2\nconfigfile $prefix/grub.cfg\n")
    _ids(monkeypatch, "x")
    facts = bootloader.collect(root)
    assert facts["configs_found"] == ["/boot/grub2/grub.cfg", "/boot/efi/EFI/rocky/grub.cfg"]
    assert facts["config"] == "/boot/grub2/grub.cfg"


def test_no_boot_loader_at_all(tmp_path, monkeypatch):
    root = _host(tmp_path, {})
    _ids(monkeypatch, "x")
    facts = bootloader.collect(root)
    assert facts["flavour"] is None and facts["entries"] == [] and facts["default_entry"] is None


def test_broken_grub_cfg_is_a_parse_error_naming_the_file(tmp_path, monkeypatch):
    root = _host(tmp_path, {"/boot/grub/grub.cfg": "unclosed-menuentry-grub.cfg"})
    _ids(monkeypatch, "x")
    with pytest.raises(HostReadError) as info:
        bootloader.collect(root)
    assert "/boot/grub/grub.cfg" in str(info.value)


def test_kernel_version_from_path():
    assert bootloader.kernel_version("/boot/vmlinuz-6.1.0-50-amd64") == "6.1.0-50-amd64"
    assert bootloader.kernel_version("/vmlinuz-0-rescue-35dc") == "0-rescue-35dc"
    assert bootloader.kernel_version("/boot/memtest86+.bin") is None
    assert bootloader.kernel_version(None) is None


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
    files = bootloader.read_boot_files(root)
    assert [p for p, _t in files["grub2_cfg"]] == ["/boot/grub2/grub.cfg"]
    assert [p for p, _t in files["grubenv"]] == ["/boot/efi/EFI/rocky/grubenv"]
    assert [p for p, _t in files["bls_entries"]] == [
        "/boot/loader/entries/%s.conf" % ROCKY_RESCUE_ID, "/boot/loader/entries/%s.conf" % ROCKY_ID]
    assert [p for p, _t in files["default_grub"]] == ["/etc/default/grub"]
    assert files["grub_legacy"] == []
    # The whole chain, as a module would run it.
    cfg = grub2_cfg.parse_grub2_cfg(files["grub2_cfg"][0][1], files["grub2_cfg"][0][0])
    env = grubenv.parse_grubenv(files["grubenv"][0][1])
    entries = [grub_bls.parse_bls_entry(text, path) for path, text in files["bls_entries"]]
    assert grub_menu.default_entry(cfg, env, entries)["root"] == "UUID=bf4ab502-9a6d-49ec-92be-59111a383230"


def test_read_boot_files_debian_and_centos6_trees(tmp_path):
    root = str(tmp_path)
    _place(root, "/boot/grub/grub.cfg", "debian12-grub.cfg")
    _place(root, "/boot/grub/grubenv", "debian12-grubenv")
    _place(root, "/boot/grub/grub.conf", "centos6-uuid-grub.conf")
    _place(root, "/etc/default/grub", "debian12-default-grub")
    for name in ("init-select.cfg", "10-fleetfix-testhost.cfg"):
        _place(root, "/etc/default/grub.d/" + name, "debian12-grub.d/" + name)
    _place(root, "/etc/default/grub.d/README", "debian12-grub.d/init-select.cfg")
    files = bootloader.read_boot_files(root)
    assert [p for p, _t in files["default_grub"]] == [
        "/etc/default/grub", "/etc/default/grub.d/10-fleetfix-testhost.cfg", "/etc/default/grub.d/init-select.cfg"]
    assert default_grub.effective_default_grub(files["default_grub"])["settings"]["GRUB_TIMEOUT"] == "1"
    assert [p for p, _t in files["grub2_cfg"]] == ["/boot/grub/grub.cfg"]
    assert [p for p, _t in files["grub_legacy"]] == ["/boot/grub/grub.conf"]
    assert files["grub_legacy"][0][1] == read("centos6-uuid-grub.conf")


def test_read_boot_files_empty_root(tmp_path):
    assert bootloader.read_boot_files(str(tmp_path)) == {"grub2_cfg": [], "grubenv": [], "grub_legacy": [],
                                                         "bls_entries": [], "default_grub": []}


# --------------------------------------------------------------------------- unreadable directories, odd files

def _deny(monkeypatch, root, folder):
    """Make ``folder`` (under root) behave as mode 000 does for a user other than root."""
    denied = os.path.join(root, folder.lstrip("/"))
    real_stat, real_access, real_scandir = os.stat, os.access, getattr(os, "scandir", None)

    def fake_stat(path, *args, **kwargs):
        if str(path).startswith(denied + os.sep):
            raise OSError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    def fake_scandir(path):
        if str(path).rstrip(os.sep) == denied or str(path).startswith(denied + os.sep):
            raise OSError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "stat", fake_stat)
    monkeypatch.setattr(os, "access", lambda path, mode: str(path).rstrip(os.sep) != denied and real_access(path, mode))
    monkeypatch.setattr(os, "scandir", fake_scandir)


def test_an_unreadable_boot_is_an_error_naming_boot_not_no_boot_loader(tmp_path, monkeypatch):
    root = _host(tmp_path, {"/boot/grub2/grub.cfg": "centos7-grub.cfg"})
    _ids(monkeypatch, "x")
    _deny(monkeypatch, root, "/boot")
    with pytest.raises(HostReadError) as info:
        bootloader.collect(root)
    assert "permission denied on /boot (run with become)" in str(info.value)


def test_an_unreadable_bls_directory_is_named(tmp_path, monkeypatch):
    root = _host(tmp_path, {"/boot/grub2/grub.cfg": "rocky8-grub.cfg", "/boot/grub2/grubenv": "rocky8-grubenv",
                            "/boot/loader/entries": "rocky8-entries"})
    _ids(monkeypatch, "x")
    _deny(monkeypatch, root, "/boot/loader/entries")
    with pytest.raises(HostReadError) as info:
        bootloader.collect(root)
    assert "permission denied on /boot/loader/entries" in str(info.value)


def test_a_missing_boot_is_no_boot_loader(tmp_path, monkeypatch):
    root = _host(tmp_path, {})
    _ids(monkeypatch, "x")
    assert bootloader.collect(root)["flavour"] is None
    assert bootloader._listdir(root, "/boot") == []  # pylint: disable=protected-access


def test_a_configuration_that_is_a_directory_or_a_fifo_is_named(tmp_path, monkeypatch):
    _ids(monkeypatch, "x")
    root = _host(tmp_path, {})
    os.makedirs(os.path.join(root, "boot", "grub2", "grub.cfg"))
    with pytest.raises(HostReadError) as info:
        bootloader.collect(root)
    assert "/boot/grub2/grub.cfg is a directory" in str(info.value)
    os.rmdir(os.path.join(root, "boot", "grub2", "grub.cfg"))
    os.mkfifo(os.path.join(root, "boot", "grub2", "grub.cfg"))
    with pytest.raises(HostReadError) as info:
        bootloader.collect(root)
    assert "/boot/grub2/grub.cfg is not a regular file" in str(info.value)


def test_a_dangling_grubenv_symlink_is_no_grubenv(tmp_path, monkeypatch):
    # RHEL 8: /boot/grub2/grubenv -> ../efi/EFI/redhat/grubenv with /boot/efi not mounted
    root = _host(tmp_path, {"/boot/grub2/grub.cfg": "centos7-grub.cfg"})
    os.symlink("../efi/EFI/redhat/grubenv", os.path.join(root, "boot", "grub2", "grubenv"))
    _ids(monkeypatch, "x")
    assert bootloader.collect(root)["grubenv"] == {}


def test_legacy_default_lookup_never_indexes_out_of_range():
    entries = [{"index": "0"}, {"index": "1"}]
    lookup = bootloader._legacy_default  # pylint: disable=protected-access
    assert lookup({"default": 1}, entries, {}) is entries[1]
    assert lookup({"default": 99}, entries, {}) is entries[0]
    assert lookup({"default": "saved"}, entries, {"saved_entry": "1"}) is entries[1]
    for saved in ("5\u00b2", "\u0661", "9" * 5000, "-1", "", "1>2"):
        assert lookup({"default": "saved"}, entries, {"saved_entry": saved}) is entries[0]
    assert lookup({"default": 0}, [], {}) is None


def test_directory_listings_are_capped(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(bootloader.MAX_DIR_NAMES + 1):
        (folder / str(number)).mkdir()
    with pytest.raises(HostReadError) as info:
        bootloader._listdir(str(tmp_path), "/many")  # pylint: disable=protected-access
    assert "/many holds more than 4096 names" in str(info.value)
