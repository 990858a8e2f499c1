"""safefile: the one writer of boot files. Symlinks resolved (the link stays), attributes kept, the
first known-good copy kept forever, the previous one kept, and on any failure - an exception, a full
disk, a failing rename, a kill - the old file byte for byte with nothing left behind."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import safefile
from ansible_collections.fleetfix.kernel.plugins.module_utils.safefile import SafeFileError

from conftest import _PARENT

AS_ROOT = os.geteuid() == 0


def _raise(exc):
    """Raise ``exc`` from inside a lambda."""
    raise exc


def read(path):
    with open(str(path), "rb") as handle:
        return handle.read()


def names(directory):
    return sorted(os.listdir(str(directory)))


@pytest.fixture
def cfg(tmp_path):
    path = tmp_path / "grub.cfg"
    path.write_bytes(b"first\n")
    os.chmod(str(path), 0o640)
    return str(path)


@pytest.fixture
def xattrs(cfg):
    """The test's filesystem takes user. xattrs (tmpfs before Linux 6.6 does not)."""
    try:
        os.setxattr(cfg, "user.probe", b"1")
        os.removexattr(cfg, "user.probe")
    except OSError:
        pytest.skip("no user xattrs on %s" % os.path.dirname(cfg))


# ---- the normal path


def test_a_new_file_is_created_with_new_mode_and_no_copies(tmp_path):
    path = str(tmp_path / "50-fleetfix.conf")
    result = safefile.replace_bytes(path, b"add_drivers+=\" x \"\n", new_mode=0o644)
    assert result == {"path": path, "real_path": path, "changed": True, "backup": None, "orig": None,
                      "orig_created": False, "xattrs": None}
    assert read(path) == b"add_drivers+=\" x \"\n" and stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert names(tmp_path) == ["50-fleetfix.conf"]


def test_successive_replacements_keep_the_first_copy_forever_and_the_previous_one(cfg):
    first = safefile.replace_bytes(cfg, b"second\n")
    assert first["changed"] and first["orig_created"]
    assert (first["orig"], first["backup"]) == (cfg + ".fleetfix.orig", cfg + ".fleetfix.bak")
    second = safefile.replace_bytes(cfg, b"third\n")
    assert second["changed"] and not second["orig_created"] and second["orig"] == cfg + ".fleetfix.orig"
    safefile.replace_bytes(cfg, b"fourth\n")
    assert read(cfg) == b"fourth\n"
    assert read(cfg + ".fleetfix.orig") == b"first\n"   # never overwritten
    assert read(cfg + ".fleetfix.bak") == b"third\n"    # the previous one
    assert names(os.path.dirname(cfg)) == ["grub.cfg", "grub.cfg.fleetfix.bak", "grub.cfg.fleetfix.orig"]


def test_identical_bytes_change_nothing(cfg):
    before = os.stat(cfg)
    result = safefile.replace_bytes(cfg, b"first\n")
    assert not result["changed"] and result["backup"] is None
    assert os.stat(cfg).st_ino == before.st_ino and names(os.path.dirname(cfg)) == ["grub.cfg"]


def test_without_backup_the_first_known_good_copy_is_still_kept(cfg):
    first = open(cfg, "rb").read()
    result = safefile.replace_bytes(cfg, b"second\n", backup=False)
    assert result["changed"] and result["backup"] is None and result["orig"] == cfg + ".fleetfix.orig"
    assert names(os.path.dirname(cfg)) == ["grub.cfg", "grub.cfg.fleetfix.orig"]
    safefile.replace_bytes(cfg, b"third\n", backup=False)
    assert open(cfg + ".fleetfix.orig", "rb").read() == first
    assert names(os.path.dirname(cfg)) == ["grub.cfg", "grub.cfg.fleetfix.orig"]


def test_text_is_refused():
    with pytest.raises(TypeError):
        safefile.replace_bytes("/nonexistent/x", u"text")


def test_the_directory_is_fsynced(cfg, monkeypatch):
    synced = []
    real = safefile.fsync_dir
    monkeypatch.setattr(safefile, "fsync_dir", lambda directory: synced.append(directory) or real(directory))
    safefile.replace_bytes(cfg, b"second\n")
    assert synced and set(synced) == {os.path.dirname(cfg)}


# ---- symlinks


def test_a_symlink_chain_is_followed_and_the_links_stay(tmp_path):
    boot = tmp_path / "boot" / "grub2"
    boot.mkdir(parents=True)
    (boot / "grub.cfg").write_bytes(b"root=/dev/sda1\n")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "grub2.cfg").symlink_to("../boot/grub2/grub.cfg")       # EL's relative link
    (tmp_path / "second").symlink_to(str(etc / "grub2.cfg"))        # an absolute link to the link
    result = safefile.replace_bytes(str(tmp_path / "second"), b"root=UUID=x\n")
    assert result["real_path"] == str(boot / "grub.cfg") and result["path"] == str(tmp_path / "second")
    assert read(boot / "grub.cfg") == b"root=UUID=x\n"
    assert os.readlink(str(etc / "grub2.cfg")) == "../boot/grub2/grub.cfg"
    assert os.readlink(str(tmp_path / "second")) == str(etc / "grub2.cfg")
    assert read(str(boot / "grub.cfg.fleetfix.orig")) == b"root=/dev/sda1\n"
    assert names(etc) == ["grub2.cfg"]  # nothing beside the link


def test_a_symlinked_directory_is_followed(tmp_path):
    (tmp_path / "efi" / "EFI" / "centos").mkdir(parents=True)
    (tmp_path / "efi" / "EFI" / "centos" / "grub.conf").write_bytes(b"old\n")
    (tmp_path / "grub").symlink_to("efi/EFI/centos")
    result = safefile.replace_bytes(str(tmp_path / "grub" / "grub.conf"), b"new\n")
    assert result["real_path"] == str(tmp_path / "efi" / "EFI" / "centos" / "grub.conf")
    assert os.path.islink(str(tmp_path / "grub"))


@pytest.mark.parametrize("make, words", [
    (lambda d: (os.symlink("b", d + "/a"), os.symlink("a", d + "/b")), "symlink loop"),
    (lambda d: os.symlink("a", d + "/a"), "symlink loop"),
    (lambda d: os.symlink("nowhere/x", d + "/a"), "dangling symlink"),
    (lambda d: os.symlink("missing", d + "/a"), "dangling symlink"),
    (lambda d: os.mkdir(d + "/a"), "not a regular file"),
    (lambda d: os.symlink("/dev/null", d + "/a"), "not a regular file"),
    (lambda d: [os.symlink("l%d" % (i + 1), d + ("/l%d" % i if i else "/a")) for i in range(45)], "more than 40 symlinks"),
], ids=["loop", "self-loop", "dangling-dir", "dangling", "directory", "device", "too-long-chain"])
def test_bad_targets_are_clear_errors_naming_the_path(tmp_path, make, words):
    make(str(tmp_path))
    before = names(tmp_path)
    with pytest.raises(SafeFileError) as info:
        safefile.replace_bytes(str(tmp_path / "a"), b"x")
    assert words in str(info.value) and str(tmp_path / "a") in str(info.value)
    assert names(tmp_path) == before


def test_a_missing_directory_is_an_error(tmp_path):
    with pytest.raises(SafeFileError) as info:
        safefile.replace_bytes(str(tmp_path / "no" / "file"), b"x")
    assert "does not exist" in str(info.value)


# ---- planted symlinks are never written through


def test_a_symlink_planted_at_the_legacy_aside_name_is_removed_not_followed(cfg, tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    legacy_aside = os.path.join(os.path.dirname(cfg), ".grub.cfg.fleetfix-new")  # the name before 0.3.0
    os.symlink(str(victim), legacy_aside)
    safefile.replace_bytes(cfg, b"second\n")
    assert read(victim) == b"precious\n" and read(cfg) == b"second\n"
    assert not os.path.lexists(legacy_aside)


def test_a_symlink_at_a_drawn_aside_name_is_skipped(cfg, tmp_path, monkeypatch):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    planted = os.path.join(os.path.dirname(cfg), ".grub.cfg.fleetfix-new.aaaaaaaa")
    os.symlink(str(victim), planted)
    draws = iter(["aaaaaaaa", "aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(safefile, "_random_suffix", lambda: next(draws))
    fd, aside = safefile._create_aside(cfg)
    os.write(fd, b"new")
    os.close(fd)
    assert aside.endswith(".bbbbbbbb") and read(victim) == b"precious\n" and os.path.islink(planted)


@pytest.mark.parametrize("suffix", [".fleetfix.bak", ".fleetfix.orig"])
def test_a_symlink_planted_at_a_copy_name_is_never_written_through(cfg, tmp_path, suffix):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    os.symlink(str(victim), cfg + suffix)
    safefile.replace_bytes(cfg, b"second\n")
    assert read(victim) == b"precious\n"
    if suffix == ".fleetfix.bak":  # replaced by a regular file (rename does not follow)
        assert not os.path.islink(cfg + suffix) and read(cfg + suffix) == b"first\n"
    else:                          # an .orig of any kind is never touched
        assert os.path.islink(cfg + suffix)


def test_aside_files_are_created_exclusively_and_hidden(cfg):
    aside = safefile.new_aside(cfg)
    assert os.path.basename(aside).startswith(".grub.cfg.fleetfix-new.") and os.path.getsize(aside) == 0
    assert stat.S_IMODE(os.stat(aside).st_mode) == 0o600
    assert safefile._CREATE_FLAGS & os.O_EXCL and safefile._CREATE_FLAGS & os.O_NOFOLLOW and safefile._CREATE_FLAGS & os.O_CREAT


# ---- attributes


@pytest.mark.skipif(not AS_ROOT, reason="chown to another user needs root")
def test_owner_group_mode_and_xattrs_are_kept_on_the_file_and_its_copies(cfg, xattrs):
    os.chown(cfg, 4321, 4322)
    os.chmod(cfg, 0o2751)
    os.setxattr(cfg, "user.fleetfix", b"kept\x00\xff")
    os.setxattr(cfg, "security.selinux", b"system_u:object_r:boot_t:s0\x00")
    result = safefile.replace_bytes(cfg, b"second\n")
    assert result["xattrs"] == "python"
    for path in (cfg, cfg + ".fleetfix.orig", cfg + ".fleetfix.bak"):
        info = os.stat(path)
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, 4322, 0o2751), path
        assert os.getxattr(path, "user.fleetfix") == b"kept\x00\xff"
        assert os.getxattr(path, "security.selinux") == b"system_u:object_r:boot_t:s0\x00"


def test_a_tool_built_aside_loses_attributes_the_old_file_does_not_have(cfg, xattrs):
    aside = safefile.new_aside(cfg)
    with open(aside, "wb") as handle:
        handle.write(b"built\n")
    os.setxattr(aside, "user.from_tmp", b"x")
    safefile.install_aside(cfg, aside)
    assert "user.from_tmp" not in os.listxattr(cfg)


def test_the_copies_keep_the_old_modification_time(cfg):
    os.utime(cfg, (1000000000, 1000000000))
    safefile.replace_bytes(cfg, b"second\n")
    assert int(os.stat(cfg + ".fleetfix.orig").st_mtime) == 1000000000
    assert int(os.stat(cfg + ".fleetfix.bak").st_mtime) == 1000000000


def test_owner_that_cannot_be_kept_is_an_error(cfg, monkeypatch):
    os.chown(cfg, 4321, 4322)

    def refuse(path, uid, gid):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "chown", refuse)
    with pytest.raises(SafeFileError) as info:
        safefile.replace_bytes(cfg, b"second\n")
    monkeypatch.undo()
    assert "cannot keep its owner 4321:4322" in str(info.value)
    assert read(cfg) == b"first\n" and names(os.path.dirname(cfg)) == ["grub.cfg"]


FAKE_GETFATTR = textwrap.dedent("""\
    #!{python}
    # stands in for the attr package's getfattr: --dump --match=- (hex values) -- FILE
    import binascii, os, sys
    path = sys.argv[-1]
    print("# file: " + path)
    for name in sorted(os.listxattr(path)):
        print(name + "=0x" + binascii.hexlify(os.getxattr(path, name)).decode())
    """)
FAKE_SETFATTR = textwrap.dedent("""\
    #!{python}
    # setfattr -n NAME [-v 0xHEX] -- FILE
    import binascii, os, sys
    args = sys.argv[1:]
    name = args[args.index("-n") + 1]
    value = binascii.unhexlify(args[args.index("-v") + 1][2:]) if "-v" in args else b""
    os.setxattr(args[-1], name, value)
    """)


@pytest.fixture
def python2_host(monkeypatch):
    """What a Python 2.7 host looks like to safefile: no os.listxattr."""
    monkeypatch.setattr(safefile, "HAVE_XATTR_API", False)


@pytest.mark.skipif(not AS_ROOT, reason="security.* xattrs need root")
def test_python2_fallback_getfattr_setfattr(cfg, xattrs, tmp_path, monkeypatch, python2_host):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name, text in (("getfattr", FAKE_GETFATTR), ("setfattr", FAKE_SETFATTR)):
        (bindir / name).write_text(text.format(python=sys.executable))
        os.chmod(str(bindir / name), 0o755)
    monkeypatch.setenv("PATH", str(bindir) + os.pathsep + os.environ.get("PATH", ""))
    os.setxattr(cfg, "user.fleetfix", b"kept\x00\xff")
    os.setxattr(cfg, "security.selinux", b"system_u:object_r:boot_t:s0\x00")
    os.setxattr(cfg, "user.empty", b"")
    result = safefile.replace_bytes(cfg, b"second\n")
    assert result["xattrs"] == "getfattr"
    for path in (cfg, cfg + ".fleetfix.orig"):
        assert os.getxattr(path, "user.fleetfix") == b"kept\x00\xff"
        assert os.getxattr(path, "security.selinux") == b"system_u:object_r:boot_t:s0\x00"
        assert os.getxattr(path, "user.empty") == b""


def test_python2_fallback_cp_attributes_only(cfg, xattrs, monkeypatch, python2_host):
    monkeypatch.setattr(safefile, "_which", lambda name: "/bin/cp" if name == "cp" and os.path.exists("/bin/cp") else None)
    if not os.path.exists("/bin/cp"):
        pytest.skip("no /bin/cp")
    os.setxattr(cfg, "user.fleetfix", b"kept")
    result = safefile.replace_bytes(cfg, b"second\n")
    assert result["xattrs"] == "cp"
    assert os.getxattr(cfg, "user.fleetfix") == b"kept" and read(cfg) == b"second\n"  # cp copied no data


def test_python2_without_any_tool_says_so(cfg, monkeypatch, python2_host):
    monkeypatch.setattr(safefile, "_which", lambda name: None)
    result = safefile.replace_bytes(cfg, b"second\n")
    assert result["xattrs"] == "none" and read(cfg) == b"second\n"


def test_getfattr_dump_parsing():
    dump = "# file: /boot/grub2/grub.cfg\nsecurity.selinux=0x73797300\nuser.a=0s aGk=\nuser.b=\"text\"\n\n"
    assert safefile.parse_getfattr_dump(dump) == [("security.selinux", b"sys\x00"), ("user.a", b"hi"), ("user.b", b"text")]


# ---- fault injection: the old file byte for byte, nothing behind


class Killed(BaseException):
    """What a signal handler's exception or SystemExit looks like to the writer."""


def _faulty_write(kind, after=3):
    real_write = os.write

    def write(fd, data):
        if kind == "enospc":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(fd, data[:after])   # part of it reached the disk
        if kind == "killed":
            raise Killed()
        raise RuntimeError("boom inside the write loop")
    return write


@pytest.mark.parametrize("kind", ["enospc", "killed", "exception"])
@pytest.mark.parametrize("history", ["first-replacement", "later-replacement"])
def test_a_failing_write_leaves_the_old_file_and_nothing_behind(cfg, monkeypatch, kind, history):
    if history == "later-replacement":
        safefile.replace_bytes(cfg, b"second\n")
        safefile.replace_bytes(cfg, b"third\n")
    state = dict((name, read(os.path.join(os.path.dirname(cfg), name))) for name in names(os.path.dirname(cfg)))
    monkeypatch.setattr(os, "write", _faulty_write(kind))
    with pytest.raises((OSError, Killed, RuntimeError)):
        safefile.replace_bytes(cfg, b"x" * 100000)
    monkeypatch.undo()
    assert dict((name, read(os.path.join(os.path.dirname(cfg), name))) for name in names(os.path.dirname(cfg))) == state


@pytest.mark.parametrize("which", ["the-swap", "the-backup", "the-swap-without-hard-links"])
def test_a_failing_rename_leaves_the_old_file_its_copies_and_nothing_behind(cfg, monkeypatch, which):
    safefile.replace_bytes(cfg, b"second\n")
    directory = os.path.dirname(cfg)
    state = dict((name, read(os.path.join(directory, name))) for name in names(directory))
    real_rename = os.rename

    def rename(src, dst):
        if (which.startswith("the-swap") and dst == cfg) or (which == "the-backup" and dst == cfg + ".fleetfix.bak"):
            raise OSError(errno.EIO, "Input/output error")
        return real_rename(src, dst)

    def no_hard_links(src, dst, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")  # vfat (/boot/efi)

    monkeypatch.setattr(os, "rename", rename)
    if which == "the-swap-without-hard-links":
        monkeypatch.setattr(os, "link", no_hard_links)
    with pytest.raises(OSError):
        safefile.replace_bytes(cfg, b"third\n")
    monkeypatch.undo()
    assert dict((name, read(os.path.join(directory, name))) for name in names(directory)) == state


def test_a_failing_first_swap_takes_back_the_orig_it_made(cfg, monkeypatch):
    real_rename = os.rename
    monkeypatch.setattr(os, "rename", lambda src, dst: _raise(OSError(errno.EIO, "EIO"))
                        if dst == cfg else real_rename(src, dst))
    with pytest.raises(OSError):
        safefile.replace_bytes(cfg, b"second\n")
    monkeypatch.undo()
    assert names(os.path.dirname(cfg)) == ["grub.cfg"] and read(cfg) == b"first\n"


@pytest.mark.parametrize("verify, error", [
    (lambda path: False, SafeFileError),
    (lambda path: 1 / 0, ZeroDivisionError),
    (lambda path: _raise(SafeFileError("no")), SafeFileError),
], ids=["returns-false", "raises", "raises-safefile-error"])
def test_verify_refuses_the_swap(cfg, verify, error):
    with pytest.raises(error):
        safefile.replace_bytes(cfg, b"second\n", verify=verify)
    assert read(cfg) == b"first\n" and names(os.path.dirname(cfg)) == ["grub.cfg"]


def test_verify_sees_the_aside_file_with_the_new_bytes(cfg):
    seen = []
    safefile.replace_bytes(cfg, b"second\n", verify=lambda path: seen.append((os.path.basename(path), read(path))))
    assert seen[0][0].startswith(".grub.cfg.fleetfix-new.") and seen[0][1] == b"second\n"


def test_a_bad_read_back_restores_the_previous_version(cfg, monkeypatch):
    real_read_all = safefile._read_all
    calls = []

    def lying_disk(path):
        calls.append(path)
        data = real_read_all(path)
        return data + b"!" if len(calls) == 2 else data  # the read-back after the swap

    monkeypatch.setattr(safefile, "_read_all", lying_disk)
    with pytest.raises(SafeFileError) as info:
        safefile.replace_bytes(cfg, b"second\n")
    assert "does not read back as written" in str(info.value) and "restored" in str(info.value)
    assert read(cfg) == b"first\n"


KILLER = textwrap.dedent("""\
    import os, signal, sys
    sys.path.insert(0, {parent!r})
    from ansible_collections.fleetfix.kernel.plugins.module_utils import safefile
    real_write = os.write
    def write(fd, data):
        real_write(fd, data[:4096])
        os.kill(os.getpid(), signal.SIGKILL)   # killed outright, mid-write
    os.write = write
    safefile.replace_bytes({path!r}, b"n" * 100000)
    """)


def test_killed_mid_write_leaves_the_old_file_and_only_a_hidden_aside_the_next_run_removes(cfg):
    proc = subprocess.run(check=False, args=[sys.executable, "-c", KILLER.format(parent=_PARENT, path=cfg)], stderr=subprocess.PIPE)
    assert proc.returncode == -9, proc.stderr
    directory = os.path.dirname(cfg)
    assert read(cfg) == b"first\n"
    (leftover,) = [name for name in names(directory) if name != "grub.cfg"]
    assert leftover.startswith(".grub.cfg.fleetfix-new.")
    result = safefile.replace_bytes(cfg, b"second\n")
    assert result["changed"] and names(directory) == ["grub.cfg", "grub.cfg.fleetfix.bak", "grub.cfg.fleetfix.orig"]


# ---- the two-step form (a tool builds the file), restore, the legacy names


def test_two_step_form_for_a_tool_built_file(cfg):
    aside = safefile.new_aside(cfg)
    with open(aside, "wb") as handle:   # what dracut / mkinitramfs do with the path they are given
        handle.write(b"built\n")
    result = safefile.install_aside(cfg, aside, verify=lambda path: read(path) == b"built\n")
    assert result["changed"] and read(cfg) == b"built\n" and read(result["orig"]) == b"first\n"
    assert stat.S_IMODE(os.stat(cfg).st_mode) == 0o640  # the old file's mode, not the aside's 0600


def test_install_aside_refuses_what_is_not_an_aside_of_the_file(cfg, tmp_path):
    other = tmp_path / "elsewhere"
    other.write_bytes(b"x")
    with pytest.raises(SafeFileError) as info:
        safefile.install_aside(cfg, str(other))
    assert "is not an aside file" in str(info.value) and read(cfg) == b"first\n"


def test_install_aside_refuses_an_aside_replaced_by_a_symlink(cfg, tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious\n")
    aside = safefile.new_aside(cfg)
    os.unlink(aside)
    os.symlink(str(victim), aside)
    with pytest.raises(SafeFileError) as info:
        safefile.install_aside(cfg, aside)
    assert "not a regular file" in str(info.value)
    assert read(cfg) == b"first\n" and read(victim) == b"precious\n" and names(tmp_path) == ["grub.cfg", "victim"]


def test_restore_puts_a_kept_copy_back_and_keeps_it(cfg):
    safefile.replace_bytes(cfg, b"second\n")
    safefile.replace_bytes(cfg, b"third\n")
    copies = safefile.kept_copies(cfg)
    result = safefile.restore(cfg, copies["orig"])
    assert result["restored_from"] == copies["orig"] and read(cfg) == b"first\n"
    assert read(copies["orig"]) == b"first\n" and read(copies["backup"]) == b"second\n"
    assert stat.S_IMODE(os.stat(cfg).st_mode) == 0o640
    assert safefile.restore(cfg, None) is None
    assert names(os.path.dirname(cfg)) == ["grub.cfg", "grub.cfg.fleetfix.bak", "grub.cfg.fleetfix.orig"]


def test_without_hard_links_the_copies_are_still_made_once(cfg, monkeypatch):
    def no_hard_links(src, dst, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")  # vfat (/boot/efi)

    monkeypatch.setattr(os, "link", no_hard_links)
    safefile.replace_bytes(cfg, b"second\n")
    safefile.replace_bytes(cfg, b"third\n")
    assert (read(cfg + ".fleetfix.orig"), read(cfg + ".fleetfix.bak"), read(cfg)) == (b"first\n", b"second\n", b"third\n")
    assert names(os.path.dirname(cfg)) == ["grub.cfg", "grub.cfg.fleetfix.bak", "grub.cfg.fleetfix.orig"]
