"""initramfs_rebuild: the input contract, the argv it runs, its transaction (build aside, read back,
keep .fleetfix.orig/.fleetfix.bak, swap - or leave the old image byte for byte, nothing behind), the
generator configuration it writes - and the role's Decide step (the initramfs_drivers_plan filter)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import json
import os
import shutil
import subprocess

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fleetfix.kernel.plugins.filter.initramfs_drivers_plan import FilterModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import arguments, bootchain
from ansible_collections.fleetfix.kernel.plugins.modules import initramfs_rebuild

from conftest import REPO, _PARENT
from hostile.initramfs_inputs import CASES, DRIVERS, KERNELS, TIMEOUTS

KVER = "0.0.0-fleetfix-test"  # not installed here: nothing is built in, every driver must be in the image
OTHER = "0.0.0-fleetfix-other"
plan_filter = FilterModule().filters()["initramfs_drivers_plan"]


def make_image(path, modules, kver=KVER):
    """A real newc archive (cpio program) holding the given module files of ``kver``."""
    tree = path + ".tree"
    names = []
    for name in modules:
        rel = "usr/lib/modules/%s/kernel/drivers/%s.ko.xz" % (kver, name)
        os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
        with open(os.path.join(tree, rel), "w") as handle:
            handle.write("module")
        names.append(rel)
    with open(path, "wb") as out:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input="\n".join(names).encode(), cwd=tree,
                       stdout=out, check=True)
    shutil.rmtree(tree)


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


class FakeModule(object):
    """Stands in for AnsibleModule: the 'generator' writes what the test says into the aside file
    it is given (the last argument after '--'), then exits rc."""

    def __init__(self, modules, rc=0, partial=False, kver=KVER):
        self.modules, self.rc, self.partial, self.kver, self.commands = modules, rc, partial, kver, []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return None

    def run_command(self, command):
        self.commands.append(command)
        target = command[command.index("--") + 1]
        assert ".fleetfix-new." in target and os.path.exists(target)  # created first, O_EXCL
        if self.partial:
            with open(target, "wb") as handle:
                handle.write(b"070701000")  # killed mid-write
        else:
            make_image(target, self.modules, self.kver)
        return self.rc, "", "generator said: %s" % ("boom" if self.rc else "ok")


def listing(directory):
    return sorted(os.listdir(directory))


@pytest.fixture
def boot(tmp_path):
    if not shutil.which("cpio"):
        pytest.skip("cpio program missing")
    image = str(tmp_path / ("initrd.img-" + KVER))
    make_image(image, ["scsi/sd_mod"])
    os.chmod(image, 0o600)
    placeholder = initramfs_rebuild.aside_template(image)
    step = {"kernel": KVER, "image": image, "drivers": ["sd_mod", "megaraid_sas"], "placeholder": placeholder,
            "module_sets": (set(), set(["sd_mod", "megaraid_sas"])),
            "command": ["dracut", "--force", "--kver", KVER, "--", placeholder]}
    return image, read(image), step


GOOD = ["scsi/sd_mod", "scsi/megaraid/megaraid_sas"]


def test_success_swaps_in_the_new_image_and_keeps_the_old(boot):
    image, before, step = boot
    fake = FakeModule(GOOD)
    result = initramfs_rebuild.rebuild_one(fake, step, True, 5)
    assert result["backup"] == image + ".fleetfix.bak" and result["orig"] == image + ".fleetfix.orig"
    assert read(image + ".fleetfix.bak") == before == read(image + ".fleetfix.orig")
    assert b"megaraid_sas.ko.xz" in read(image)
    assert oct(os.stat(image).st_mode & 0o777) == oct(0o600)  # the old image's mode
    assert listing(os.path.dirname(image)) == sorted(os.path.basename(image) + s for s in ("", ".fleetfix.bak", ".fleetfix.orig"))
    (command,) = fake.commands
    assert command[:5] == ["dracut", "--force", "--kver", KVER, "--"] and command[5].startswith(os.path.dirname(image) + "/.")


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_two_successive_rebuilds_keep_the_first_image_forever(boot):
    """Issue 13, done when: .fleetfix.orig byte-identical to the first image; owner, mode and a user. xattr kept."""
    image, first, step = boot
    os.chown(image, 4321, 4322)
    try:
        os.setxattr(image, "user.fleetfix", b"first")
    except OSError:
        pytest.skip("no user xattrs on %s" % os.path.dirname(image))
    initramfs_rebuild.rebuild_one(FakeModule(GOOD), step, True, 5)
    second = read(image)
    initramfs_rebuild.rebuild_one(FakeModule(GOOD + ["ata/ahci"]), step, True, 5)
    assert read(image + ".fleetfix.orig") == first
    assert read(image + ".fleetfix.bak") == second != first
    assert b"ahci.ko.xz" in read(image)
    info = os.stat(image)
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (4321, 4322, 0o600)
    assert os.getxattr(image, "user.fleetfix") == b"first"
    orig = os.stat(image + ".fleetfix.orig")
    assert (orig.st_uid, orig.st_gid) == (4321, 4322) and os.getxattr(image + ".fleetfix.orig", "user.fleetfix") == b"first"


@pytest.mark.parametrize("fake, words", [
    (FakeModule(["scsi/sd_mod"], rc=1), "failed (dracut exited 1)"),
    (FakeModule([], partial=True), "cannot be read back"),
    (FakeModule(["scsi/sd_mod"]), "still lacks megaraid_sas"),
    (FakeModule(GOOD, kver=OTHER), "still lacks sd_mod, megaraid_sas under lib/modules/%s/" % KVER),
], ids=["generator-fails", "killed-mid-write", "driver-not-taken", "modules-of-another-kernel"])
def test_any_failure_leaves_the_old_image_and_no_leftovers(boot, fake, words):
    image, before, step = boot
    names = listing(os.path.dirname(image))
    with pytest.raises(initramfs_rebuild.RebuildError) as info:
        initramfs_rebuild.rebuild_one(fake, step, True, 5)
    message = str(info.value)
    assert words in message and "is unchanged" in message and KVER in message
    assert read(image) == before
    assert listing(os.path.dirname(image)) == names  # no aside, no .bak, no .orig


@pytest.mark.parametrize("fault", ["enospc-copying-backup", "rename-fails", "killed-in-copy"])
def test_faults_while_swapping_leave_the_old_image_and_no_leftovers(boot, monkeypatch, fault):
    image, before, step = boot
    initramfs_rebuild.rebuild_one(FakeModule(GOOD), step, True, 5)  # a .bak and an .orig exist now
    current, bak, orig = read(image), read(image + ".fleetfix.bak"), read(image + ".fleetfix.orig")
    names = listing(os.path.dirname(image))
    real_write, real_rename = os.write, os.rename

    class Killed(BaseException):
        pass

    def no_space(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    def killed(fd, data):
        real_write(fd, data[:10])
        raise Killed()

    def rename(src, dst):
        if dst == image:
            raise OSError(errno.EIO, "Input/output error")
        return real_rename(src, dst)

    fake = FakeModule(GOOD + ["ata/ahci"])
    original_run = fake.run_command

    def run_then_break(command):
        result = original_run(command)  # the generator is done; the fault hits the swap
        if fault == "enospc-copying-backup":
            monkeypatch.setattr(os, "write", no_space)
        elif fault == "killed-in-copy":
            monkeypatch.setattr(os, "write", killed)
        else:
            monkeypatch.setattr(os, "rename", rename)
        return result

    fake.run_command = run_then_break
    with pytest.raises((OSError, Killed)):
        initramfs_rebuild.rebuild_one(fake, step, True, 5)
    monkeypatch.undo()
    assert (read(image), read(image + ".fleetfix.bak"), read(image + ".fleetfix.orig")) == (current, bak, orig)
    assert listing(os.path.dirname(image)) == names


def test_a_temp_file_left_by_a_killed_run_is_cleared_first(boot):
    image, _before, step = boot
    directory = os.path.dirname(image)
    for name in (".%s.fleetfix-new" % os.path.basename(image), ".%s.fleetfix-new.deadbeef" % os.path.basename(image)):
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(b"half an image")
    initramfs_rebuild.rebuild_one(FakeModule(GOOD), step, False, 5)
    # backup: false - no .bak; the first known-good copy is kept all the same
    assert listing(directory) == [os.path.basename(image), os.path.basename(image) + ".fleetfix.orig"]


def test_a_symlinked_image_is_replaced_at_its_target(boot, tmp_path):
    image, before, step = boot
    link = str(tmp_path / "initrd.img")
    os.symlink(os.path.basename(image), link)
    step = dict(step, image=link, placeholder=initramfs_rebuild.aside_template(link))
    step["command"] = step["command"][:-1] + [step["placeholder"]]
    initramfs_rebuild.rebuild_one(FakeModule(GOOD), step, True, 5)
    assert os.readlink(link) == os.path.basename(image)
    assert b"megaraid_sas" in read(image) and read(image + ".fleetfix.orig") == before


# ---- the argv: no host-derived value becomes an option


def _kernel_tree(root, kvers, image_modules=None):
    for kver in kvers:
        os.makedirs(os.path.join(root, "lib", "modules", kver), exist_ok=True)
        with open(os.path.join(root, "lib", "modules", kver, "modules.dep"), "w") as handle:
            handle.write("kernel/drivers/scsi/megaraid/megaraid_sas.ko.xz:\nkernel/drivers/scsi/sd_mod.ko.xz:\n")
    os.makedirs(os.path.join(root, "boot"), exist_ok=True)
    for name in ["vmlinuz-%s" % kver for kver in kvers] + ["vmlinuz---help", "vmlinuz--v", "vmlinuz- -x"]:
        with open(os.path.join(root, "boot", name), "w") as handle:
            handle.write("kernel")
    for kver, (modules, image_kver) in (image_modules or {}).items():
        make_image(os.path.join(root, "boot", "initrd.img-%s" % kver), modules, image_kver)


class PlanModule(object):
    def __init__(self, programs):
        self.programs = programs

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return self.programs[name]


@pytest.fixture
def fake_boot(tmp_path):
    if not shutil.which("cpio"):
        pytest.skip("cpio program missing")
    root = str(tmp_path / "root")
    _kernel_tree(root, [KVER, OTHER], {OTHER: (["scsi/sd_mod"], OTHER)})
    dracut = str(tmp_path / "dracut")
    with open(dracut, "w") as handle:
        handle.write("#!/bin/bash\n# dracut 059\n--kver) kernel=\"$2\" ;;\n")
    return root, PlanModule({"dracut": dracut, "mkinitramfs": "/usr/sbin/mkinitramfs"})


def test_stray_vmlinuz_names_are_not_kernels(fake_boot):
    root, _module = fake_boot
    assert bootchain.installed_kernels(root) == sorted([KVER, OTHER])


@pytest.mark.parametrize("generator", ["dracut", "initramfs-tools"])
def test_the_argv_puts_the_release_after_kver_or_double_dash(fake_boot, generator):
    root, module = fake_boot
    plan, _unfixable = initramfs_rebuild.plan_rebuilds(module, root, [KVER, OTHER], ["sd_mod", "megaraid_sas"], generator)
    assert [step["kernel"] for step in plan] == [KVER, OTHER]
    for step in plan:
        image = "/boot/%s-%s%s" % (("initramfs", step["kernel"], ".img") if generator == "dracut" and step["kernel"] == KVER
                                   else ("initrd.img", step["kernel"], ""))
        aside = "/boot/.%s.fleetfix-new.XXXXXXXX" % os.path.basename(image)
        if generator == "dracut":
            assert step["command"] == [module.programs["dracut"], "--force", "--kver", step["kernel"], "--", aside]
        else:
            assert step["command"] == ["/usr/sbin/mkinitramfs", "-o", aside, "--", step["kernel"]]
        # nothing derived from the host before the '--' but the release, as --kver's value
        head = step["command"][1:step["command"].index("--")]
        assert [arg for arg in head if arg.startswith("-")] in (["--force", "--kver"], ["-o"])
    assert plan[1]["reason"] == "lacks megaraid_sas"
    assert plan[0]["reason"] == "no image"


def test_an_old_dracut_without_kver_gets_positionals_that_cannot_be_options(fake_boot, tmp_path):
    root, module = fake_boot
    with open(module.programs["dracut"], "w") as handle:
        handle.write("#!/bin/bash\n# dracut 004: outfile=$1 kernel=$2\n")
    plan, _unfixable = initramfs_rebuild.plan_rebuilds(module, root, [OTHER], ["megaraid_sas"], "dracut")
    assert plan[0]["command"] == [module.programs["dracut"], "--force", "/boot/.initrd.img-%s.fleetfix-new.XXXXXXXX" % OTHER, OTHER]


@pytest.mark.parametrize("kver", ["--help", "-v", "- -x"])
def test_a_stray_release_is_not_installed_and_never_planned(fake_boot, kver):
    root, module = fake_boot
    with pytest.raises(initramfs_rebuild.RebuildError) as info:
        initramfs_rebuild.plan_rebuilds(module, root, [kver], ["sd_mod"], "dracut")
    assert "kernels" in str(info.value) and "not installed" in str(info.value)
    with pytest.raises(bootchain.InputError):
        initramfs_rebuild.build_command(module, "dracut", "/boot/.x.fleetfix-new.1", kver)


def test_modules_of_another_kernel_do_not_count_in_the_plan(fake_boot):
    root, module = fake_boot
    make_image(os.path.join(root, "boot", "initrd.img-%s" % KVER), GOOD, OTHER)  # copied from OTHER
    plan, _unfixable = initramfs_rebuild.plan_rebuilds(module, root, [KVER], ["sd_mod", "megaraid_sas"], "initramfs-tools")
    assert plan[0]["reason"] == "lacks sd_mod, megaraid_sas"


# ---- the module end to end, in-process


def run_module(args, capsys, check=False, diff=False):
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            initramfs_rebuild.main()
    return info.value.code, json.loads(capsys.readouterr().out)


@pytest.fixture
def installed_here(monkeypatch):
    """The module reads '/': make this machine's installed kernels a known list (read-only anyway)."""
    monkeypatch.setattr(bootchain, "installed_kernels", lambda root: ["6.1.0-50-amd64"])


def _args_for(what, value):
    args = {"kernels": [], "drivers": ["sd_mod"], "timeout": 60}
    if what == "driver":
        args["drivers"] = ["sd_mod", value]
    elif what == "kernel":
        args["kernels"] = [value]
    else:
        args["timeout"] = value
    return args


OPTION = {"driver": "drivers", "kernel": "kernels", "timeout": "timeout"}
VARIABLE = {"driver": "fleetfix_initramfs_drivers", "kernel": "fleetfix_initramfs_kernels",
            "timeout": "fleetfix_initramfs_build_timeout"}


def test_the_hostile_inputs_are_counted():
    assert len(CASES) == len(DRIVERS) + len(KERNELS) + len(TIMEOUTS) >= 50, len(CASES)
    print("\n%d hostile initramfs inputs: %d drivers, %d kernel releases, %d timeouts"
          % (len(CASES), len(DRIVERS), len(KERNELS), len(TIMEOUTS)))
    assert len(set((what, json.dumps(value)) for what, value, _fragment in CASES)) == len(CASES)  # no duplicates


@pytest.mark.parametrize("what, value, fragment", CASES, ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_the_module_refuses_each_hostile_input_naming_the_option(what, value, fragment, capsys, installed_here):
    for check in (True, False):
        code, result = run_module(_args_for(what, value), capsys, check=check)
        assert code == 1, result
        assert "exception" not in result
        assert OPTION[what] in result["msg"] and fragment in result["msg"], result["msg"]
        if what != "timeout":
            assert bootchain.shown(value) in result["msg"]
        assert not result.get("changed") and not result.get("plan")


FACTS = {"generator": None, "required_drivers": ["sd_mod"], "kernels": [
    {"version": "6.1.0-50-amd64", "missing_drivers": [], "error": None}]}


def _variables(what, value):
    variables = {"fleetfix_initramfs_drivers": [], "fleetfix_initramfs_kernels": [], "fleetfix_initramfs_build_timeout": 1200}
    variables[VARIABLE[what]] = value if what == "timeout" else ["sd_mod", value] if what == "driver" else [value]
    return variables


@pytest.mark.parametrize("what, value, fragment", CASES, ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_the_roles_decide_step_refuses_each_hostile_input_naming_the_variable(what, value, fragment):
    variables = _variables(what, value)
    for facts in ((None, FACTS) if fragment != "not installed" else (FACTS,)):
        with pytest.raises(AnsibleFilterError) as info:
            plan_filter(variables, facts)
        message = str(info.value)
        assert VARIABLE[what] in message and fragment in message, message
        if what != "timeout":
            assert bootchain.shown(value) in message


def test_the_decide_step_plans_from_the_facts():
    facts = {"generator": "dracut", "required_drivers": ["sd_mod", "megaraid_sas"], "kernels": [
        {"version": "6.1.0-47-amd64", "missing_drivers": [], "error": None},
        {"version": "6.1.0-50-amd64", "missing_drivers": [{"name": "megaraid_sas"}], "error": None}]}
    variables = {"fleetfix_initramfs_drivers": ["mpt3sas", "dm-mod"], "fleetfix_initramfs_kernels": [],
                 "fleetfix_initramfs_build_timeout": "600"}
    assert plan_filter(variables) == {"drivers": ["mpt3sas", "dm_mod"], "kernels": [], "timeout": 600}
    assert plan_filter(variables, facts) == {
        "generator": "dracut", "drivers": ["dm_mod", "megaraid_sas", "mpt3sas", "sd_mod"],
        "kernels": ["6.1.0-47-amd64", "6.1.0-50-amd64"], "lacking": ["6.1.0-50-amd64"], "unshipped": [], "timeout": 600}
    variables["fleetfix_initramfs_kernels"] = ["6.1.0-47-amd64"]
    assert plan_filter(variables, facts)["lacking"] == []


def test_the_decide_step_checks_the_discovered_chain_too():
    facts = dict(FACTS, required_drivers=["sd_mod", "evil;id"])
    with pytest.raises(AnsibleFilterError) as info:
        plan_filter(_variables("timeout", 5), facts)
    assert "discovered from sysfs" in str(info.value) and '"evil;id"' in str(info.value)


def test_the_role_checks_its_inputs_before_any_task_that_reads_or_writes():
    with open(os.path.join(REPO, "roles", "initramfs_drivers", "tasks", "main.yml")) as handle:
        tasks = yaml.safe_load(handle)
    first = tasks[0]
    assert "fleetfix.kernel.initramfs_drivers_plan" in first["ansible.builtin.set_fact"]["fleetfix_initramfs_inputs"]
    names = [task["name"] for task in tasks]
    writers = [i for i, task in enumerate(tasks) if "fleetfix.kernel.initramfs_rebuild" in task]
    assert writers and min(writers) > names.index("Decide | the generator is supported") > 0
    modules = set(key for task in tasks for key in task if key.startswith(("ansible.builtin.", "fleetfix.kernel.")))
    assert not modules & set(["ansible.builtin.copy", "ansible.builtin.blockinfile", "ansible.builtin.template"])


ANSIBLE_PLAYBOOK = os.path.join(REPO, ".venv", "bin", "ansible-playbook")


@pytest.mark.skipif(not os.path.exists(ANSIBLE_PLAYBOOK), reason="no ansible-playbook in the checkout's .venv")
@pytest.mark.parametrize("driver", ["$(touch X)", "`touch X`", "a;touch X", "a\ntouch X", 'a"b', "a b", "../a"])
def test_check_run_on_a_host_without_dracut_refuses_before_any_write(tmp_path, driver):
    """Issue 13, done when: under --check on this machine (no dracut) the role refuses the drivers
    before any write task, naming fleetfix_initramfs_drivers - not with 'generator none'."""
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "all", "gather_facts": False, "roles": [
        {"role": "fleetfix.kernel.initramfs_drivers", "vars": {"fleetfix_initramfs_drivers": [driver]}}]}]))
    config = tmp_path / "ansible.cfg"
    config.write_text(u"[defaults]\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_PARENT, ANSIBLE_CONFIG=str(config), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_HOME=str(tmp_path / "home"))
    argv = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", "--check", str(playbook)]
    proc = subprocess.run(argv, cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, check=False,
                          stderr=subprocess.STDOUT, timeout=300)
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode != 0, out
    assert "fleetfix_initramfs_drivers" in out and "is not a kernel module name" in out, out
    assert "is not supported" not in out and "Gather |" not in out and "Apply |" not in out, out
    assert not os.path.exists(str(tmp_path / "X"))


# ---- the generator's configuration: generated from checked names, written safely, diff == bytes


def test_dracut_dropin_bytes():
    assert bootchain.dracut_dropin(["mpt3sas", "megaraid-sas"]) == (
        b'# Managed by fleetfix.kernel.initramfs_drivers: the drivers that boot this host.\n'
        b'add_drivers+=" mpt3sas megaraid_sas "\n')
    with pytest.raises(bootchain.InputError):
        bootchain.dracut_dropin(['mpt3sas"\nexport EVIL=1'])


BLOCK = (b"# BEGIN fleetfix.kernel.initramfs_drivers: the drivers that boot this host\n%s"
         b"# END fleetfix.kernel.initramfs_drivers: the drivers that boot this host\n")


@pytest.mark.parametrize("before, after", [
    (None, BLOCK % b"mpt3sas\n"),
    (b"", BLOCK % b"mpt3sas\n"),
    (b"# List of modules\r\nraid1 \xe9 opt\n", b"# List of modules\r\nraid1 \xe9 opt\n" + BLOCK % b"mpt3sas\n"),
    (b"no newline at the end", b"no newline at the end\n" + BLOCK % b"mpt3sas\n"),
    (b"top\n" + BLOCK % b"old1\nold2\n" + b"bottom\r\n", b"top\n" + BLOCK % b"mpt3sas\n" + b"bottom\r\n"),
    (b"top\n" + BLOCK % b"mpt3sas\n", b"top\n" + BLOCK % b"mpt3sas\n"),
    (b"top\n" + (BLOCK % b"x\n")[:-1], b"top\n" + (BLOCK % b"mpt3sas\n")[:-1]),
], ids=["absent", "empty", "crlf-and-latin1-kept", "no-final-newline", "block-replaced", "unchanged", "end-marker-last"])
def test_initramfs_tools_block_keeps_every_other_byte(before, after):
    assert bootchain.initramfs_tools_modules(before, ["mpt3sas"]) == after


@pytest.mark.parametrize("damaged", [
    bootchain.MODULES_BEGIN + b"\nx\n",
    b"x\n" + bootchain.MODULES_END + b"\n",
    (BLOCK % b"a\n") * 2,
    bootchain.MODULES_END + b"\n" + bootchain.MODULES_BEGIN + b"\n",
], ids=["no-end", "no-begin", "two-blocks", "end-before-begin"])
def test_a_damaged_block_is_refused(damaged):
    with pytest.raises(bootchain.InputError) as info:
        bootchain.initramfs_tools_modules(damaged, ["mpt3sas"])
    assert "fix it by hand" in str(info.value)


@pytest.mark.parametrize("generator", ["dracut", "initramfs-tools"])
def test_check_diff_shows_the_bytes_the_real_run_writes(tmp_path, capsys, installed_here, generator, monkeypatch):
    dropin = tmp_path / "dracut.conf.d" / "50-fleetfix.conf"
    dropin.parent.mkdir()
    modules = tmp_path / "modules"
    in_tmp(monkeypatch, tmp_path)
    modules.write_bytes(b"# initramfs-tools modules\nraid1\n")
    os.chmod(str(modules), 0o640)
    args = {"kernels": [], "drivers": ["mpt3sas", "sd-mod"], "generator": generator, "write_config": True,
            "dracut_dropin": str(dropin), "initramfs_tools_modules": str(modules)}
    code, checked = run_module(args, capsys, check=True, diff=True)
    assert code == 0 and checked["changed"] and checked["config"]["changed"]
    (diff,) = checked["diff"]
    target = dropin if generator == "dracut" else modules
    assert listing(str(tmp_path)) == ["dracut.conf.d", "modules"] and listing(str(dropin.parent)) == []  # nothing written
    code, applied = run_module(args, capsys, diff=True)
    assert code == 0 and applied["changed"], applied
    assert read(str(target)) == diff["after"].encode("utf-8")
    if generator == "initramfs-tools":
        assert read(str(target) + ".fleetfix.orig") == b"# initramfs-tools modules\nraid1\n"
        assert oct(os.stat(str(target)).st_mode & 0o777) == oct(0o640)
        assert diff["before"] == "# initramfs-tools modules\nraid1\n"
    else:
        assert diff["after"] == '# Managed by fleetfix.kernel.initramfs_drivers: the drivers that boot this host.\n' \
                                'add_drivers+=" mpt3sas sd_mod "\n'
        assert oct(os.stat(str(target)).st_mode & 0o777) == oct(0o644)
    code, again = run_module(args, capsys, check=True, diff=True)
    assert code == 0 and not again["changed"] and "diff" not in again  # idempotent
    args["drivers"] = ["mpt3sas"]
    run_module(args, capsys)
    assert read(str(target) + ".fleetfix.bak") == diff["after"].encode("utf-8")


def in_tmp(monkeypatch, tmp_path):
    """The generators' configuration files are taken only at their real paths; the writer's
    tests put them under tmp_path instead."""
    monkeypatch.setattr(arguments, "DRACUT_CONF_DIR", str(tmp_path / "dracut.conf.d") + "/")
    monkeypatch.setattr(arguments, "INITRAMFS_TOOLS_MODULES", str(tmp_path / "modules"))


def test_the_configuration_files_are_taken_only_at_their_real_paths(capsys):
    args = {"kernels": [], "drivers": ["mpt3sas"], "generator": "dracut", "write_config": True,
            "dracut_dropin": "/etc/dracut.conf.d/../../etc/passwd.conf"}
    code, result = run_module(args, capsys, check=True)
    assert code == 1 and "dracut_dropin" in result["msg"] and "is not a dracut drop-in" in result["msg"], result
    args = {"kernels": [], "drivers": ["mpt3sas"], "generator": "initramfs-tools", "write_config": True,
            "initramfs_tools_modules": "/etc/shadow"}
    code, result = run_module(args, capsys, check=True)
    assert code == 1 and "initramfs_tools_modules" in result["msg"] and "/etc/shadow" in result["msg"], result


def test_a_symlinked_modules_file_is_written_at_its_target(tmp_path, capsys, installed_here, monkeypatch):
    in_tmp(monkeypatch, tmp_path)
    real = tmp_path / "real-modules"
    real.write_bytes(b"raid1\n")
    link = tmp_path / "modules"
    link.symlink_to("real-modules")
    args = {"kernels": [], "drivers": ["mpt3sas"], "generator": "initramfs-tools", "write_config": True,
            "initramfs_tools_modules": str(link), "dracut_dropin": str(tmp_path / "dracut.conf.d" / "50-fleetfix.conf")}
    code, result = run_module(args, capsys)
    assert code == 0 and result["config"]["real_path"] == str(real)
    assert os.readlink(str(link)) == "real-modules"
    assert read(str(real)) == b"raid1\n" + BLOCK % b"mpt3sas\n"


def test_config_write_refuses_a_file_changed_since_the_plan(tmp_path):
    modules = tmp_path / "modules"
    modules.write_bytes(b"raid1\n")
    config = initramfs_rebuild.plan_config("initramfs-tools", ["mpt3sas"], None, str(modules))
    modules.write_bytes(b"raid1\nsomeone else\n")
    with pytest.raises(initramfs_rebuild.RebuildError) as info:
        initramfs_rebuild.write_config("initramfs-tools", config, ["mpt3sas"], True)
    assert "changed while" in str(info.value)
    assert read(str(modules)) == b"raid1\nsomeone else\n" and listing(str(tmp_path)) == ["modules"]


def test_config_write_disk_full_leaves_the_file_and_nothing_behind(tmp_path, monkeypatch):
    modules = tmp_path / "modules"
    modules.write_bytes(b"raid1\n")
    config = initramfs_rebuild.plan_config("initramfs-tools", ["mpt3sas"], None, str(modules))

    def no_space(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", no_space)
    with pytest.raises(OSError):
        initramfs_rebuild.write_config("initramfs-tools", config, ["mpt3sas"], True)
    monkeypatch.undo()
    assert read(str(modules)) == b"raid1\n" and listing(str(tmp_path)) == ["modules"]


def test_module_without_write_config_or_kernels_changes_nothing(capsys, installed_here):
    code, result = run_module({"kernels": [], "drivers": ["ext4"]}, capsys, check=True)
    assert code == 0 and not result["changed"] and result["plan"] == [] and "config" not in result


def test_safefile_is_what_the_module_writes_with():
    # one writer: the module opens nothing for writing itself
    with open(initramfs_rebuild.__file__) as handle:
        source = handle.read()
    assert not [mode for mode in ("'w'", "'wb'", "'a'", "'ab'", "O_WRONLY", "O_RDWR") if mode in source]
    assert "safefile.install_aside(" in source and "safefile.replace_bytes(" in source


def test_a_missing_image_is_built_new_without_copies(boot):
    image, _before, step = boot
    os.unlink(image)
    result = initramfs_rebuild.rebuild_one(FakeModule(GOOD), step, True, 5)
    assert result["changed"] and result["backup"] is None and result["orig"] is None
    assert b"megaraid_sas" in read(image) and oct(os.stat(image).st_mode & 0o777) == oct(0o600)
    assert listing(os.path.dirname(image)) == [os.path.basename(image)]


def test_initramfs_tools_block_property_every_other_byte_stays():
    """A seeded generator: random files (CRLF, tabs, non-UTF-8 bytes, comments, no final newline),
    with or without a block somewhere; outside the block every byte stays, and a second pass is a no-op."""
    import random
    rng = random.Random(13)
    alphabet = [b"a", b"Z", b"0", b" ", b"\t", b"#", b"_", b"-", b"\xe9", b"\xff", b"\x00", b"\r"]
    for _case in range(300):
        lines = [b"".join(rng.choice(alphabet) for _char in range(rng.randint(0, 20))) + rng.choice([b"\n", b"\r\n"])
                 for _line in range(rng.randint(0, 8))]
        drivers = rng.sample(["mpt3sas", "megaraid_sas", "sd_mod", "dm_mod", "raid1"], rng.randint(1, 4))
        if lines and rng.random() < 0.3:
            lines[-1] = lines[-1].rstrip(b"\r\n")
        at = rng.randint(0, len(lines))
        with_block = rng.random() < 0.5 and not (lines and not lines[-1].endswith(b"\n") and at == len(lines))
        old_block = (BLOCK % b"old\n") if with_block else b""
        before = b"".join(lines[:at]) + old_block + b"".join(lines[at:])
        after = bootchain.initramfs_tools_modules(before, drivers)
        block = BLOCK % b"".join(name.encode() + b"\n" for name in drivers)
        if with_block:
            assert after == b"".join(lines[:at]) + block + b"".join(lines[at:])
        else:
            head = before if not before or before.endswith(b"\n") else before + b"\n"
            assert after == head + block
        assert bootchain.initramfs_tools_modules(after, drivers) == after
        assert bootchain.parse_initramfs_tools_modules(block.decode())[:len(drivers)] == drivers


def _unshipped(name, kver):
    return {"version": kver, "error": None, "missing_drivers": [{"name": name, "shipped_by_kernel": False}]}


def test_a_driver_no_kernel_lists_is_named_in_the_plan_for_a_warning():
    """A typo (mpt3sass) or an alias (mpt2sas, which dracut and modprobe resolve): named, not refused."""
    variables = {"fleetfix_initramfs_drivers": ["mpt3sass"], "fleetfix_initramfs_kernels": [],
                 "fleetfix_initramfs_build_timeout": 600}
    facts = {"generator": "dracut", "required_drivers": ["sd_mod"],
             "kernels": [_unshipped("mpt3sass", "6.1.0-47-amd64"), _unshipped("mpt3sass", "6.1.0-50-amd64")]}
    assert plan_filter(variables, facts)["unshipped"] == ["mpt3sass"]
    # one kernel that lists it (the driver of a newer kernel, say) is enough
    facts["kernels"][1] = {"version": "6.1.0-50-amd64", "error": None,
                           "missing_drivers": [{"name": "mpt3sass", "shipped_by_kernel": True}]}
    assert plan_filter(variables, facts)["unshipped"] == []
    # an unreadable image says nothing about what its kernel ships
    facts["kernels"][1] = {"version": "6.1.0-50-amd64", "error": "truncated", "missing_drivers": []}
    assert plan_filter(variables, facts)["unshipped"] == []
