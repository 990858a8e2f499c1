"""Seed story 4: installed kernels, their images, the boot chain from sysfs, boot readiness."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import atexit
import os
import shutil
import subprocess
import tarfile
import tempfile

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain, bootready
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError

from conftest import FIXTURES


def _unpack(name):
    """The captured tree is kept as a tarball: sysfs names hold ':', which ansible-test's
    no-illegal-filenames check refuses in a collection."""
    target = tempfile.mkdtemp(prefix="fleetfix-bootchain-")
    atexit.register(shutil.rmtree, target, True)
    with tarfile.open(os.path.join(FIXTURES, "bootchain", name + ".tar.gz")) as archive:
        archive.extractall(target)
    return target


MEGASAS = _unpack("debian12-megasas")
OLD, NEW = "6.1.0-47-amd64", "6.1.0-50-amd64"


def _write(root, path, text="", mtime=None):
    full = os.path.join(str(root), path.lstrip("/"))
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    with open(full, "w") as handle:
        handle.write(text)
    if mtime is not None:
        os.utime(full, (mtime, mtime))
    return full


def _cpio_image(root, path, module_paths):
    """A real newc archive made by the cpio program, holding the given module files."""
    if not shutil.which("cpio"):
        pytest.skip("cpio program missing")
    tree = os.path.join(str(root), "image-tree-" + os.path.basename(path))
    names = []
    for module_path in module_paths:
        _write(tree, module_path, "x")
        names.append(module_path.lstrip("/"))
    full = os.path.join(str(root), path.lstrip("/"))
    with open(full, "wb") as out:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input="\n".join(names).encode(), cwd=tree,
                       stdout=out, check=True)
    shutil.rmtree(tree)
    return full


@pytest.fixture
def megasas_host(tmp_path):
    """The captured megasas VM tree, plus /boot with two kernels (as after the upgrade)."""
    root = tmp_path / "host"
    shutil.copytree(MEGASAS, str(root), symlinks=True)
    os.makedirs(str(root / "boot"))
    shutil.copytree(str(root / "lib" / "modules" / OLD), str(root / "lib" / "modules" / NEW))
    for kver in (OLD, NEW):
        _write(root, "/boot/vmlinuz-" + kver, "kernel", mtime=1000)
    base = "usr/lib/modules/%s/kernel/drivers/"
    _cpio_image(root, "/boot/initrd.img-" + OLD, [base % OLD + "scsi/sd_mod.ko.xz", base % OLD + "scsi/megaraid/megaraid_sas.ko.xz",
                                                  "usr/lib/modules/%s/kernel/fs/ext4/ext4.ko.xz" % OLD])
    _cpio_image(root, "/boot/initrd.img-" + NEW, [base % NEW + "scsi/sd_mod.ko.xz", "usr/lib/modules/%s/kernel/fs/ext4/ext4.ko.xz" % NEW])
    return str(root)


def test_boot_chain_of_the_megasas_vm_goes_from_the_partition_to_the_controller():
    builtin, loadable = bootchain.kernel_module_sets(MEGASAS, OLD)
    with open(os.path.join(MEGASAS, "proc", "self", "mountinfo")) as handle:
        chain = bootchain.boot_chain(MEGASAS, handle.read(), loadable, builtin)
    assert chain["required"] == ["sd_mod", "megaraid_sas", "ext4"]
    (mount,) = chain["mounts"]
    assert (mount["mount_point"], mount["source"], mount["fstype"]) == ("/", "/dev/sda1", "ext4")
    layer = mount["layers"][0]
    assert (layer["name"], layer["kind"]) == ("sda1", "partition")
    assert [(d["driver"], d["module"]) for d in layer["drivers"]] == [("sd", "sd_mod"), ("megaraid_sas", "megaraid_sas")]
    assert layer["drivers"][1]["device"] == "/pci0000:00/0000:00:06.0"


def test_collect_finds_the_new_kernel_lacking_the_controller_driver(megasas_host):
    facts = bootchain.collect_initramfs_facts(megasas_host)
    assert facts["running_kernel"] == OLD and facts["newest_kernel"] == NEW
    assert facts["required_drivers"] == ["sd_mod", "megaraid_sas", "ext4"]
    assert facts["required_source"] == "discovered"
    by_version = dict((k["version"], k) for k in facts["kernels"])
    assert by_version[OLD]["missing_drivers"] == []
    assert by_version[NEW]["missing_drivers"] == [{"name": "megaraid_sas", "shipped_by_kernel": True}]
    assert by_version[NEW]["image"] == "/boot/initrd.img-" + NEW and by_version[NEW]["compression"] == "cpio"
    assert by_version[NEW]["newest"] and not by_version[NEW]["running"]


def test_builtin_drivers_count_as_present_and_unknown_ones_are_flagged(megasas_host):
    facts = bootchain.collect_initramfs_facts(megasas_host, required=["sd-mod", "pinctrl-amd", "no_such_driver"])
    kernel = [k for k in facts["kernels"] if k["version"] == NEW][0]
    # pinctrl_amd is built into Debian's 6.1 kernel (modules.builtin; "-" and "_" are one)
    assert kernel["missing_drivers"] == [{"name": "no_such_driver", "shipped_by_kernel": False}]
    assert facts["required_source"] == "parameter"


def test_corrupt_image_fails_or_is_reported(megasas_host):
    _write(megasas_host, "/boot/initrd.img-" + NEW, "this is not an initramfs\n")
    with pytest.raises(HostReadError) as info:
        bootchain.collect_initramfs_facts(megasas_host)
    assert "initrd.img-" + NEW in str(info.value)
    facts = bootchain.collect_initramfs_facts(megasas_host, on_error="report")
    kernel = [k for k in facts["kernels"] if k["version"] == NEW][0]
    assert kernel["error"] and "initrd.img-" + NEW in kernel["error"]
    assert [m["name"] for m in kernel["missing_drivers"]] == ["sd_mod", "megaraid_sas", "ext4"]


def test_unknown_kernel_is_a_clear_error(megasas_host):
    with pytest.raises(HostReadError) as info:
        bootchain.collect_initramfs_facts(megasas_host, kernels=["9.9.9"])
    assert "9.9.9" in str(info.value) and OLD in str(info.value)


def test_stale_image_is_named(megasas_host):
    os.utime(os.path.join(megasas_host, "boot", "initrd.img-" + OLD), (500, 500))
    facts = bootchain.collect_initramfs_facts(megasas_host, kernels=[OLD])
    assert facts["kernels"][0]["stale_against"] == ["/boot/vmlinuz-" + OLD, "/lib/modules/%s/modules.dep" % OLD]


def test_installed_kernels_and_image_names(tmp_path):
    root = str(tmp_path)
    _write(root, "/boot/vmlinuz-3.10.0-1160.el7.x86_64")
    _write(root, "/boot/.vmlinuz-3.10.0-1160.el7.x86_64.hmac")
    _write(root, "/boot/vmlinuz-0-rescue-0123456789abcdef")
    _write(root, "/boot/initramfs-3.10.0-1160.el7.x86_64.img")
    _write(root, "/lib/modules/4.4.1-1.el7.elrepo.x86_64/vmlinuz")
    _write(root, "/lib/modules/3.10.0-957.el7.x86_64/modules.dep")  # left behind by a removed kernel
    assert bootchain.installed_kernels(root) == ["3.10.0-1160.el7.x86_64", "4.4.1-1.el7.elrepo.x86_64"]
    files = bootchain.kernel_files(root, "3.10.0-1160.el7.x86_64")
    assert files["image"] == "/boot/initramfs-3.10.0-1160.el7.x86_64.img"
    assert bootchain.kernel_files(root, "4.4.1-1.el7.elrepo.x86_64")["image"] is None
    assert bootchain.expected_image_path("dracut", "4.4.1") == "/boot/initramfs-4.4.1.img"
    assert bootchain.expected_image_path("initramfs-tools", "6.1.0-50-amd64") == "/boot/initrd.img-6.1.0-50-amd64"


def test_installed_kernels_in_package_order(tmp_path):
    """rpm's order for an EL host (a GA and an update kernel of one release: the RHEL 8 case
    that once raised "'<' not supported between 'str' and 'int'"), dpkg's for a Debian one."""
    root = str(tmp_path)
    el = ["4.18.0-240.15.1.el8_3.x86_64", "4.18.0-240.el8.x86_64", "4.18.0-305.el8.x86_64",
          "4.4.1-1.el7.elrepo.x86_64", "2.6.32-754.el6.x86_64", "6.1.0-9-amd64", "6.1.0-50-amd64"]
    for kver in el:
        _write(root, "/boot/vmlinuz-%s" % kver, "kernel")
    assert bootchain.installed_kernels(root) == [
        "2.6.32-754.el6.x86_64", "4.4.1-1.el7.elrepo.x86_64", "4.18.0-240.el8.x86_64", "4.18.0-240.15.1.el8_3.x86_64",
        "4.18.0-305.el8.x86_64", "6.1.0-9-amd64", "6.1.0-50-amd64"]


def test_dracut_config_adds_and_overrides_in_reading_order(tmp_path):
    root = str(tmp_path)
    _write(root, "/etc/dracut.conf", 'add_drivers+=" mptsas "\n')
    _write(root, "/usr/lib/dracut/dracut.conf.d/01-dist.conf", 'omit_drivers+=" floppy "\n')
    _write(root, "/etc/dracut.conf.d/10-a.conf", '# add_drivers+=" commented "\nadd_drivers+=" mpt2sas sd-mod "\n')
    _write(root, "/etc/dracut.conf.d/20-b.conf", 'drivers="virtio_blk"\n')
    config = bootchain.dracut_config(root)
    assert config["lists"]["add_drivers"] == ["mptsas", "mpt2sas", "sd_mod"]
    assert config["lists"]["drivers"] == ["virtio_blk"]
    assert config["lists"]["omit_drivers"] == ["floppy"]
    assert config["origin"]["add_drivers"] == ["/etc/dracut.conf", "/etc/dracut.conf.d/10-a.conf"]


def test_initramfs_tools_config(tmp_path):
    root = str(tmp_path)
    _write(root, "/etc/initramfs-tools/initramfs.conf", "MODULES=most\nBUSYBOX=auto\n")
    _write(root, "/etc/initramfs-tools/conf.d/10-lean.conf", "MODULES=dep\n")
    _write(root, "/etc/initramfs-tools/modules", "# comment\nmegaraid_sas\nraid1 some=option\n\n")
    config = bootchain.initramfs_tools_config(root)
    assert config == {"modules_policy": "dep", "modules_policy_file": "/etc/initramfs-tools/conf.d/10-lean.conf",
                      "modules_file": ["megaraid_sas", "raid1"]}


def test_dracut_conf_values_and_long_lines():
    """A quoted value ends at its quote (a comment may follow); a long line of blanks once took
    quadratic time ('(.*?)\\s*$'): 16 MiB of them is read in well under a second now."""
    conf = bootchain.parse_dracut_conf('  add_drivers+=" a b "  # not-a-driver\nomit_drivers=foo # c\r\n'
                                       "force_drivers='q'\n#drivers=\"z\"\n")
    assert conf == {"add_drivers": [("+=", ["a", "b"])], "omit_drivers": [("=", ["foo"])], "force_drivers": [("=", ["q"])]}
    assert bootchain.parse_dracut_conf("drivers=a" + " " * (16 << 20) + "b\n") == {"drivers": [("=", ["a", "b"])]}


def test_module_lists_are_checked_line_by_line():
    assert bootchain.parse_module_list("kernel/fs/ext4/ext4.ko.xz: kernel/lib/crc16.ko\n/lib/modules/2.6.18/kernel/dm-mod.ko:\n",
                                       "modules.dep", dep=True) == {"ext4", "dm_mod"}
    for text, dep, where in (("kernel/a.ko:\nkernel/b.ko\n", True, "modules.dep line 2"),
                             ("kernel/a.ko:\n", False, "modules.dep line 1"),
                             (u"kernel/ext4\u00b2.ko:\n", True, "modules.dep line 1"),
                             ("kernel/a.ko: kernel/b\n", True, "modules.dep line 1"),
                             ("\x7fELF\x00\x01:\n", True, "modules.dep line 1")):
        with pytest.raises(HostReadError) as info:
            bootchain.parse_module_list(text, "modules.dep", dep=dep)
        assert where + ": expected a module path" in str(info.value)


def test_mountinfo_escapes_and_checks():
    mounts = bootchain.parse_mountinfo("25 1 8:1 / /mnt/a\\040b rw shared:1 master:2 - ext4 /dev/my\\134disk rw\n")
    assert mounts == {"/mnt/a b": {"dev": "8:1", "fstype": "ext4", "source": "/dev/my\\disk"}}
    for line in (u"25 1 8:\u0661 / / rw - ext4 /dev/sda1 rw", "25 1 ../x / / rw - ext4 /dev/sda1 rw",
                 u"2\u00b2 1 8:1 / / rw - ext4 /dev/sda1 rw", "25 1 8:1 / / rw ext4 /dev/sda1 rw"):
        with pytest.raises(HostReadError) as info:
            bootchain.parse_mountinfo(line + "\n")
        assert "/proc/self/mountinfo line 1: expected a mountinfo line" in str(info.value)


def test_udev_label_escapes_are_utf8():
    assert bootchain.unescape_udev("caf\\xc3\\xa9\\x20disk\\x2fx") == u"caf\u00e9 disk/x"
    assert bootchain.unescape_udev("bad\\xff") == u"bad\ufffd"


def test_malformed_mountinfo_names_the_line():
    with pytest.raises(HostReadError) as info:
        bootchain.parse_mountinfo("21 64 0:19 / /proc rw - proc proc rw\ngarbage line\n")
    assert "line 2" in str(info.value)


def test_resolve_root_by_uuid_label_and_device(monkeypatch, tmp_path):
    ids = {"uuid": {"f6a6efc5-919c-4393-8e76-c84e475cd609": "8:1"}, "label": {"rootfs": "8:1"}, "partuuid": {}}
    assert bootchain.resolve_root("/", "UUID=F6A6EFC5-919C-4393-8E76-C84E475CD609", ids) == "8:1"
    assert bootchain.resolve_root("/", "LABEL=rootfs", ids) == "8:1"
    assert bootchain.resolve_root("/", "UUID=0000", ids) is None
    monkeypatch.setattr(bootchain, "device_number", lambda path: "8:1" if path.endswith("/dev/sda1") else None)
    assert bootchain.resolve_root(str(tmp_path), "/dev/sda1", ids) == "8:1"
    assert bootchain.resolve_root(str(tmp_path), "/dev/sdb1", ids) is None
    rootfs = bootchain.root_filesystem("/", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n", ids)
    assert rootfs["uuid"] == "f6a6efc5-919c-4393-8e76-c84e475cd609" and rootfs["label"] == "rootfs"


# ---- boot readiness (pure, over the two facts modules' output)

def _initramfs_facts(missing_new=True):
    return {
        "running_kernel": OLD, "required_drivers": ["sd_mod", "megaraid_sas", "ext4"], "required_source": "discovered",
        "generator": "dracut",
        "kernels": [
            {"version": OLD, "vmlinuz": "/boot/vmlinuz-" + OLD, "image": "/boot/initrd.img-" + OLD, "image_exists": True,
             "error": None, "missing_drivers": [], "stale_against": []},
            {"version": NEW, "vmlinuz": "/boot/vmlinuz-" + NEW, "image": "/boot/initrd.img-" + NEW, "image_exists": True,
             "error": None, "stale_against": [],
             "missing_drivers": [{"name": "megaraid_sas", "shipped_by_kernel": True}] if missing_new else []},
        ],
    }


def _grub_facts(root_new="/dev/sda1", kind="device"):
    entries = [
        {"title": "Debian GNU/Linux", "version": NEW, "root": root_new, "root_kind": kind, "resolves_to_root": True,
         "default": True, "args": "ro quiet"},
        {"title": "Debian GNU/Linux, with Linux %s (recovery mode)" % NEW, "version": NEW, "root": root_new,
         "root_kind": kind, "resolves_to_root": True, "default": False, "args": "ro single"},
        {"title": "Debian GNU/Linux, with Linux " + OLD, "version": OLD, "root": root_new, "root_kind": kind,
         "resolves_to_root": True, "default": False, "args": "ro quiet"},
    ]
    return {"flavour": "grub2", "config": "/boot/grub/grub.cfg", "entries": entries, "default_entry": entries[0]}


def test_not_ready_names_both_causes_of_the_seed():
    finding = bootready.finding(_initramfs_facts(), _grub_facts())
    assert finding["status"] == "fail"
    assert finding["summary"].startswith("NOT READY: " + NEW)
    assert "lacks megaraid_sas" in finding["summary"]
    assert "root=/dev/sda1 is a device path" in finding["summary"]
    (result,) = finding["evidence"]["kernels"]  # the default entry's kernel is also the newer one
    assert result["kernel"] == NEW and result["default"] and not result["ready"]
    assert "fleetfix.kernel.initramfs_drivers" in finding["remedy"]


def test_ready_after_the_fix():
    finding = bootready.finding(_initramfs_facts(missing_new=False), _grub_facts("UUID=f6a6", "uuid"))
    assert finding["status"] == "ok" and finding["summary"] == "READY: " + NEW


def test_root_that_resolves_elsewhere_is_not_ready():
    grub = _grub_facts("UUID=0000", "uuid")
    grub["entries"][0]["resolves_to_root"] = False
    finding = bootready.finding(_initramfs_facts(missing_new=False), grub)
    assert finding["status"] == "fail" and "does not resolve" in finding["summary"]


def test_default_entry_naming_a_removed_kernel():
    grub = _grub_facts("UUID=f6a6", "uuid")
    grub["default_entry"] = dict(grub["entries"][0], version="6.1.0-99-amd64")
    finding = bootready.finding(_initramfs_facts(missing_new=False), grub)
    assert finding["status"] == "fail" and "not installed" in finding["summary"]


def test_stale_image_warns():
    facts = _initramfs_facts(missing_new=False)
    facts["kernels"][1]["stale_against"] = ["/boot/vmlinuz-" + NEW]
    finding = bootready.finding(facts, _grub_facts("UUID=f6a6", "uuid"))
    assert finding["status"] == "warn" and "older than" in finding["summary"]


def test_container_is_not_applicable():
    finding = bootready.finding({"kernels": [], "running_kernel": "6.18.0"}, {"flavour": None, "entries": []})
    assert finding["status"] == "not_applicable"


# ---- issue 13: presence only under the image's own kernel; the input contract


def test_an_image_copied_from_another_kernel_lacks_its_drivers(megasas_host):
    """A false READY otherwise: megaraid_sas is in the image, but under the other kernel's directory."""
    base = "usr/lib/modules/%s/kernel/" % OLD
    _cpio_image(megasas_host, "/boot/initrd.img-" + NEW, [base + "drivers/scsi/sd_mod.ko.xz", base + "fs/ext4/ext4.ko.xz",
                                                          base + "drivers/scsi/megaraid/megaraid_sas.ko.xz"])
    facts = bootchain.collect_initramfs_facts(megasas_host, contents=True)
    kernel = [k for k in facts["kernels"] if k["version"] == NEW][0]
    assert [m["name"] for m in kernel["missing_drivers"]] == ["sd_mod", "megaraid_sas", "ext4"]
    assert kernel["kernel_versions"] == [OLD] and kernel["module_count"] == 0 and kernel["modules"] == []
    finding = bootready.finding(facts, None)
    assert finding["status"] == "fail"
    assert "holds the modules of %s, not of %s" % (OLD, NEW) in finding["summary"]


def test_the_image_of_its_own_kernel_counts(megasas_host):
    facts = bootchain.collect_initramfs_facts(megasas_host, kernels=[OLD], contents=True)
    (kernel,) = facts["kernels"]
    assert kernel["kernel_versions"] == [OLD] and kernel["modules"] == ["ext4", "megaraid_sas", "sd_mod"]
    assert kernel["module_count"] == 3


def test_stray_vmlinuz_names_are_no_kernels(tmp_path):
    root = str(tmp_path)
    for name in ("vmlinuz-6.1.0-50-amd64", "vmlinuz---help", "vmlinuz--v", "vmlinuz-6.1 x", "vmlinuz-$(id)", "vmlinuz-"):
        _write(root, "/boot/" + name)
    _write(root, "/lib/modules/-x/vmlinuz")
    assert bootchain.installed_kernels(root) == ["6.1.0-50-amd64"]


@pytest.mark.parametrize("name, folded", [
    ("mpt3sas", "mpt3sas"), ("megaraid-sas", "megaraid_sas"), ("dm_mod", "dm_mod"), ("_x", "_x"), ("8250", "8250"),
    ("a" * 55, "a" * 55)])
def test_good_module_names(name, folded):
    assert bootchain.check_module_name(name, "drivers") == folded


@pytest.mark.parametrize("kver", ["6.1.0-50-amd64", "3.10.0-1160.el7.x86_64", "4.4.1-1.el7.elrepo.x86_64",
                                  "5.15.0-1051-azure", "6.8.0+rpt-rpi-v8", "2.6.32~rc1", "x" * 64])
def test_good_kernel_releases(kver):
    assert bootchain.check_kernel_release(kver, "kernels") == kver


@pytest.mark.parametrize("value, seconds", [(1, 1), (1200, 1200), ("600", 600), (" 30 ", 30), (86400, 86400)])
def test_good_timeouts(value, seconds):
    assert bootchain.check_timeout(value, "timeout") == seconds


def test_module_names_deduplicated_and_not_a_list_refused():
    assert bootchain.check_module_names(["dm-mod", "dm_mod", "sd_mod"], "x") == ["dm_mod", "sd_mod"]
    with pytest.raises(bootchain.InputError) as info:
        bootchain.check_module_names("mpt3sas", "fleetfix_initramfs_drivers")
    assert "fleetfix_initramfs_drivers" in str(info.value) and "not a list" in str(info.value)


def test_initramfs_facts_module_refuses_bad_inputs(capsys):
    import json
    from ansible.module_utils.testing import patch_module_args
    from ansible_collections.fleetfix.kernel.plugins.modules import initramfs_facts
    for args, words in (({"kernels": ["--help"]}, 'kernels: "--help" is not a kernel release'),
                        ({"required_drivers": ["$(id)"]}, 'required_drivers: "$(id)" is not a kernel module name'),
                        ({"extra_drivers": ["a b"]}, 'extra_drivers: "a b" is not a kernel module name')):
        with patch_module_args(args):
            with pytest.raises(SystemExit) as info:
                initramfs_facts.main()
        result = json.loads(capsys.readouterr().out)
        assert info.value.code == 1 and words in result["msg"], result


# ---- issue 19: the audit's early stop


def _zstd_image(root, kver, modules, tail=b"\x00" * (4 << 20), cut=None):
    """A zstd image (the real cpio and zstd) holding ``modules`` for ``kver`` and a large file after them;
    ``cut``: the archive cut that many bytes into the large file before it is compressed."""
    if not shutil.which("zstd"):
        pytest.skip("zstd program missing")
    full = _cpio_image(root, "/boot/initrd.img-" + kver, ["usr/lib/modules/%s/kernel/%s" % (kver, m) for m in modules])
    with open(full, "rb") as handle:
        archive = handle.read()
    # the archive again with a big file after the modules (usr/share sorts after usr/lib/modules)
    tree = os.path.join(str(root), "tail-tree")
    _write(tree, "usr/share/big", "")
    with open(os.path.join(tree, "usr/share/big"), "wb") as handle:
        handle.write(tail)
    big = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=b"usr/share/big\n", cwd=tree,
                         stdout=subprocess.PIPE, check=True).stdout
    shutil.rmtree(tree)
    data = archive + big
    if cut is not None:
        data = data[:len(archive) + cut]
    with open(full, "wb") as out:
        out.write(subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout)
    return full


def test_stop_early_gives_the_same_verdict_and_hides_the_partial_counts(megasas_host):
    for kver in (OLD, NEW):
        _zstd_image(megasas_host, kver, ["drivers/scsi/sd_mod.ko.xz", "drivers/scsi/megaraid/megaraid_sas.ko.xz",
                                         "fs/ext4/ext4.ko.xz"] if kver == OLD else ["drivers/scsi/sd_mod.ko.xz", "fs/ext4/ext4.ko.xz"])
    full = bootchain.collect_initramfs_facts(megasas_host, on_error="report")
    early = bootchain.collect_initramfs_facts(megasas_host, on_error="report", stop_early=True)
    by_full = dict((k["version"], k) for k in full["kernels"])
    by_early = dict((k["version"], k) for k in early["kernels"])
    # OLD holds every required driver: stopped at them, the whole-image counts are unknown, not partial
    assert by_full[OLD]["scan"] == "full" and by_full[OLD]["complete_by"] == "read_to_end"
    assert by_early[OLD]["scan"] == "stopped_early" and by_early[OLD]["complete_by"] == "decoded_to_end"
    for key in bootchain.WHOLE_IMAGE_KEYS:
        assert by_early[OLD][key] is None
    assert by_full[OLD]["entries"] == 4 and by_full[OLD]["module_count"] == 3 and by_full[OLD]["kernel_versions"] == [OLD]
    # decoded and checked to the end all the same: the structure is the full scan's
    assert by_early[OLD]["entries"] == 4 and by_early[OLD]["segments"] == by_full[OLD]["segments"]
    assert by_early[OLD]["segments"] == [{"offset": 0, "compression": "zstd", "entries": 4}]
    # NEW lacks megaraid_sas: read to the end, reported exactly as before
    assert by_early[NEW] == by_full[NEW] and by_early[NEW]["scan"] == "full"
    assert bootready.evaluate(early, None) == bootready.evaluate(full, None)
    assert bootready.finding(early, None)["status"] == bootready.finding(full, None)["status"] == "fail"


def test_stop_early_on_a_truncated_image_is_the_same_error(megasas_host):
    path = _zstd_image(megasas_host, OLD, ["drivers/scsi/sd_mod.ko.xz", "drivers/scsi/megaraid/megaraid_sas.ko.xz",
                                           "fs/ext4/ext4.ko.xz"])
    with open(path, "rb") as handle:
        data = handle.read()
    with open(path, "wb") as handle:
        handle.write(data[:-5])
    full = bootchain.collect_initramfs_facts(megasas_host, kernels=[OLD], on_error="report")["kernels"][0]
    early = bootchain.collect_initramfs_facts(megasas_host, kernels=[OLD], on_error="report", stop_early=True)["kernels"][0]
    assert early == full and "truncated" in full["error"] and full["scan"] is None


def test_stop_early_on_an_archive_cut_before_compression_is_the_same_error(megasas_host):
    """cpio killed past the drivers, zstd then closed a valid frame: only the missing cpio trailer
    shows it, and the early stop still walks the headers to the end."""
    _zstd_image(megasas_host, OLD, ["drivers/scsi/sd_mod.ko.xz", "drivers/scsi/megaraid/megaraid_sas.ko.xz",
                                    "fs/ext4/ext4.ko.xz"], cut=1 << 20)
    full = bootchain.collect_initramfs_facts(megasas_host, kernels=[OLD], on_error="report")["kernels"][0]
    early = bootchain.collect_initramfs_facts(megasas_host, kernels=[OLD], on_error="report", stop_early=True)["kernels"][0]
    assert early == full and "truncated" in full["error"] and full["scan"] is None


def test_contents_are_always_a_full_listing(megasas_host):
    _zstd_image(megasas_host, OLD, ["drivers/scsi/sd_mod.ko.xz", "drivers/scsi/megaraid/megaraid_sas.ko.xz", "fs/ext4/ext4.ko.xz"])
    facts = bootchain.collect_initramfs_facts(megasas_host, kernels=[OLD], contents=True, stop_early=True)
    (kernel,) = facts["kernels"]
    assert kernel["scan"] == "full" and kernel["modules"] == ["ext4", "megaraid_sas", "sd_mod"] and kernel["module_count"] == 3


def test_builtin_required_drivers_are_not_waited_for(megasas_host):
    """pinctrl_amd is built in: never in an image, so the scan stops at the other drivers."""
    _zstd_image(megasas_host, OLD, ["drivers/scsi/sd_mod.ko.xz"])
    facts = bootchain.collect_initramfs_facts(megasas_host, kernels=[OLD], required=["sd_mod", "pinctrl_amd"], stop_early=True)
    (kernel,) = facts["kernels"]
    assert kernel["scan"] == "stopped_early" and kernel["missing_drivers"] == []


def test_select_reads_only_the_kernels_it_picks_from_what_the_call_reads(megasas_host):
    seen = []

    def newer(installed, running):
        seen.append((list(installed), running))
        return [kver for kver in installed if kver != running]
    facts = bootchain.collect_initramfs_facts(megasas_host, select=newer)
    assert seen == [([OLD, NEW], OLD)]
    assert [k["version"] for k in facts["kernels"]] == [NEW]
    assert [k["version"] for k in bootchain.collect_initramfs_facts(megasas_host, select=lambda i, r: None)["kernels"]] == [OLD, NEW]
