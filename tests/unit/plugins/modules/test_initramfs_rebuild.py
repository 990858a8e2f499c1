"""initramfs_rebuild's transaction: build aside, read back, back up, swap - or leave the old image."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import subprocess

import pytest

from ansible_collections.fleetfix.kernel.plugins.modules import initramfs_rebuild

KVER = "0.0.0-fleetfix-test"  # not installed here: nothing is built in, every driver must be in the image


def make_image(path, modules):
    """A real newc archive (cpio program) holding the given module files."""
    tree = path + ".tree"
    names = []
    for name in modules:
        rel = "usr/lib/modules/%s/kernel/drivers/%s.ko.xz" % (KVER, name)
        os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
        with open(os.path.join(tree, rel), "w") as handle:
            handle.write("module")
        names.append(rel)
    with open(path, "wb") as out:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input="\n".join(names).encode(), cwd=tree,
                       stdout=out, check=True)
    shutil.rmtree(tree)


class FakeModule(object):
    """Stands in for AnsibleModule: the 'generator' writes what the test says, then exits rc."""

    def __init__(self, modules, rc=0, partial=False):
        self.modules, self.rc, self.partial, self.commands = modules, rc, partial, []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return None

    def run_command(self, command):
        self.commands.append(command)
        target = command[-2]  # [generator, --force, TARGET, KVER]
        if self.partial:
            with open(target, "wb") as handle:
                handle.write(b"070701000")  # killed mid-write
        else:
            make_image(target, self.modules)
        return self.rc, "", "generator said: %s" % ("boom" if self.rc else "ok")


@pytest.fixture
def boot(tmp_path):
    if not shutil.which("cpio"):
        pytest.skip("cpio program missing")
    image = str(tmp_path / ("initrd.img-" + KVER))
    make_image(image, ["scsi/sd_mod"])
    os.chmod(image, 0o600)
    with open(image, "rb") as handle:
        before = handle.read()
    step = {"kernel": KVER, "image": image, "temp": initramfs_rebuild.temp_path(image), "drivers": ["sd_mod", "megaraid_sas"],
            "command": ["dracut", "--force", initramfs_rebuild.temp_path(image), KVER]}
    return image, before, step


def test_success_swaps_in_the_new_image_and_keeps_the_old(boot):
    image, before, step = boot
    backup = initramfs_rebuild.rebuild_one(FakeModule(["scsi/sd_mod", "scsi/megaraid/megaraid_sas"]), step, True, 0)
    assert backup == image + ".fleetfix.bak"
    with open(backup, "rb") as handle:
        assert handle.read() == before
    with open(image, "rb") as handle:
        assert b"megaraid_sas.ko.xz" in handle.read()
    assert oct(os.stat(image).st_mode & 0o777) == oct(0o600)  # the old image's mode
    assert not os.path.exists(step["temp"])


@pytest.mark.parametrize("fake, words", [
    (FakeModule(["scsi/sd_mod"], rc=1), "failed (dracut exited 1)"),
    (FakeModule([], partial=True), "cannot be read back"),
    (FakeModule(["scsi/sd_mod"]), "still lacks megaraid_sas"),
], ids=["generator-fails", "killed-mid-write", "driver-not-taken"])
def test_any_failure_leaves_the_old_image_and_no_leftovers(boot, fake, words):
    image, before, step = boot
    with pytest.raises(initramfs_rebuild.RebuildError) as info:
        initramfs_rebuild.rebuild_one(fake, step, True, 0)
    message = str(info.value)
    assert words in message and "is unchanged" in message and KVER in message
    with open(image, "rb") as handle:
        assert handle.read() == before
    assert not os.path.exists(step["temp"])
    assert not os.path.exists(image + ".fleetfix.bak")


def test_a_temp_file_left_by_a_killed_run_is_cleared_first(boot):
    image, _before, step = boot
    with open(step["temp"], "wb") as handle:
        handle.write(b"half an image")
    initramfs_rebuild.rebuild_one(FakeModule(["scsi/sd_mod", "scsi/megaraid/megaraid_sas"]), step, False, 0)
    assert not os.path.exists(image + ".fleetfix.bak")  # backup: false
    assert not os.path.exists(step["temp"])
