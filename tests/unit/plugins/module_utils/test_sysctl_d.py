"""Boot-time sysctl resolution across sysctl.d and /etc/sysctl.conf."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import host_platform, hostfiles, sysctl_d
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError

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


# --- per-platform precedence (issue 15, point 2) ----------------------------------------------
#
# Fake roots are built in tmp_path (symlinks, absolute link targets and non-UTF-8 names do not
# belong in git). Their layout is what the packages ship, with the source of each:
# - CentOS 6: no /etc/os-release, /etc/redhat-release + /etc/centos-release (centos-release-6),
#   /sbin/init is upstart's binary, /etc/sysctl.d exists and is empty (initscripts 9.03.x).
# - CentOS 7: initscripts 9.49.x (fedora-sysv/initscripts rhel7-branch Makefile) ships
#   /etc/sysctl.conf, /usr/lib/sysctl.d/00-system.conf and /etc/sysctl.d/99-sysctl.conf ->
#   ../sysctl.conf; systemd 219 ships /usr/lib/sysctl.d/50-default.conf and
#   /usr/sbin/init -> ../lib/systemd/systemd; /sbin, /lib are symlinks into /usr.
# - Rocky/RHEL 9: systemd 252's spec ships /etc/sysctl.conf and the 99-sysctl.conf symlink,
#   /usr/lib/sysctl.d/50-default.conf (and 50-redhat.conf).
# - Debian 12: captured from the bookworm development machine (dpkg -S): systemd 252.38-1~deb12u1
#   owns /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf, /usr/lib/sysctl.d/50-pid-max.conf and
#   /sbin/init -> /lib/systemd/systemd (systemd-sysv, an absolute link); procps 2:4.0.2-3 owns
#   /etc/sysctl.conf, /etc/sysctl.d/README.sysctl, /usr/lib/sysctl.d/99-protect-links.conf and
#   /etc/init.d/procps (``sysctl --system``).
# - Ubuntu 22.04: /etc/sysctl.d/10-*.conf files, the 99-sysctl.conf symlink and systemd 249 as on
#   Debian (Ubuntu's systemd packaging is Debian's; which package owns the symlink was not checked).

MFK = "vm.min_free_kbytes"
CONF_LINE = "vm.min_free_kbytes = 8192\n"      # an admin's /etc/sysctl.conf line
DROPIN_LINE = "vm.min_free_kbytes = 65536\n"   # what the vm_watermarks role writes


class Link(object):
    def __init__(self, target):
        self.target = target


DIR = object()


def build(base, tree):
    """Create ``tree`` ({host path: text | bytes | Link | DIR}) under ``base``; return the root."""
    root = str(base)
    for path in sorted(tree, key=lambda item: item if isinstance(item, str) else item.decode("latin-1")):
        item = tree[path]
        raw = path if isinstance(path, bytes) else path.encode("utf-8")
        full = os.fsencode(root) + raw
        parent = os.path.dirname(full)
        if not os.path.isdir(parent):
            os.makedirs(parent)
        if item is DIR:
            os.makedirs(full)
        elif isinstance(item, Link):
            os.symlink(item.target, full)
        else:
            with open(full, "wb") as handle:
                handle.write(item if isinstance(item, bytes) else item.encode("utf-8"))
    return root


USR_MERGE = {"/sbin": Link("usr/sbin"), "/lib": Link("usr/lib"), "/usr/lib/systemd/systemd": "",
             "/usr/lib/systemd/systemd-sysctl": ""}
CENTOS6 = {
    "/etc/redhat-release": "CentOS release 6.10 (Final)\n",
    "/etc/centos-release": "CentOS release 6.10 (Final)\n",
    "/sbin/init": "",
    "/etc/sysctl.conf": "# Kernel sysctl configuration file for Red Hat Linux\nkernel.sysrq = 0\n",
    "/etc/sysctl.d": DIR,
}
CENTOS7 = dict(USR_MERGE, **{
    "/etc/os-release": 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\n'
                       'VERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n',
    "/etc/redhat-release": "CentOS Linux release 7.9.2009 (Core)\n",
    "/usr/sbin/init": Link("../lib/systemd/systemd"),
    "/etc/sysctl.conf": "# System default settings live in /usr/lib/sysctl.d/00-system.conf.\n",
    "/etc/sysctl.d/99-sysctl.conf": Link("../sysctl.conf"),
    "/usr/lib/sysctl.d/00-system.conf": "net.bridge.bridge-nf-call-ip6tables = 0\n",
    "/usr/lib/sysctl.d/50-default.conf": "kernel.sysrq = 16\n",
})
ROCKY9 = dict(USR_MERGE, **{
    "/etc/os-release": 'NAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'
                       'VERSION_ID="9.4"\nPRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"\n',
    "/usr/sbin/init": Link("../lib/systemd/systemd"),
    "/etc/sysctl.conf": "# sysctl settings are defined through files in /usr/lib/sysctl.d/.\n",
    "/etc/sysctl.d/99-sysctl.conf": Link("../sysctl.conf"),
    "/usr/lib/sysctl.d/50-default.conf": "kernel.sysrq = 16\n",
    "/usr/lib/sysctl.d/50-redhat.conf": "kernel.core_uses_pid = 1\n",
})
DEBIAN12 = dict(USR_MERGE, **{
    "/etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
                       'ID=debian\n',
    "/usr/sbin/init": Link("/lib/systemd/systemd"),
    "/etc/init.d/procps": "#! /bin/sh\n",
    "/etc/sysctl.conf": "#kernel.domainname = example.com\n",
    "/etc/sysctl.d/README.sysctl": "Kernel system variables configuration files\n",
    "/etc/sysctl.d/99-sysctl.conf": Link("../sysctl.conf"),
    "/usr/lib/sysctl.d/50-pid-max.conf": "kernel.pid_max = 4194304\n",
    "/usr/lib/sysctl.d/99-protect-links.conf": "fs.protected_fifos = 1\n",
})
UBUNTU2204 = dict(USR_MERGE, **{
    "/etc/os-release": 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\n'
                       'ID_LIKE=debian\n',
    "/usr/sbin/init": Link("/lib/systemd/systemd"),
    "/etc/sysctl.conf": "#net.ipv4.ip_forward=1\n",
    "/etc/sysctl.d/10-network-security.conf": "net.ipv4.conf.default.rp_filter=2\n",
    "/etc/sysctl.d/10-zeropage.conf": "vm.mmap_min_addr = 65536\n",
    "/etc/sysctl.d/99-sysctl.conf": Link("../sysctl.conf"),
    "/usr/lib/sysctl.d/50-default.conf": "kernel.sysrq = 16\n",
})
# Debian with sysvinit-core: /sbin/init is sysvinit's binary, /etc/init.d/procps runs sysctl --system.
DEBIAN12_SYSVINIT = dict(DEBIAN12, **{"/usr/sbin/init": ""})


def with_keys(tree, conf=True, dropin=True, symlink=True):
    """A platform tree plus the Done-when files: the key in /etc/sysctl.conf and in the drop-in."""
    tree = dict(tree)
    if conf:
        tree["/etc/sysctl.conf"] = tree["/etc/sysctl.conf"] + CONF_LINE
    if dropin:
        tree[DROP_IN] = DROPIN_LINE
    if not symlink:
        tree.pop("/etc/sysctl.d/99-sysctl.conf", None)
    return tree


@pytest.mark.parametrize("tree, order", [
    (CENTOS6, sysctl_d.EL6_INITSCRIPTS),
    (CENTOS7, sysctl_d.SYSTEMD_SYSCTL_EL7),
    (ROCKY9, sysctl_d.SYSTEMD_SYSCTL),
    (DEBIAN12, sysctl_d.SYSTEMD_SYSCTL),
    (UBUNTU2204, sysctl_d.SYSTEMD_SYSCTL),
    (DEBIAN12_SYSVINIT, sysctl_d.PROCPS_SYSCTL_SYSTEM),
])
def test_the_model_is_read_from_the_tree(tmp_path, tree, order):
    assert sysctl_d.boot_order(build(tmp_path, tree))["sysctl_order"] == order


def facts(**kwargs):
    base = {"os_id": None, "os_like": [], "version_id": None, "pretty_name": None, "redhat_release": None,
            "systemd_booted": False, "init": None, "systemd_sysctl": False}
    base.update(kwargs)
    return base


@pytest.mark.parametrize("kwargs, order", [
    (dict(redhat_release="Red Hat Enterprise Linux Server release 6.10 (Santiago)"), sysctl_d.EL6_INITSCRIPTS),
    (dict(redhat_release="CentOS release 5.11 (Final)", init="/sbin/init"), sysctl_d.EL6_INITSCRIPTS),
    (dict(os_id="rhel", version_id="7.9", systemd_booted=True), sysctl_d.SYSTEMD_SYSCTL_EL7),
    (dict(os_id="ol", version_id="8.10", init="/usr/lib/systemd/systemd"), sysctl_d.SYSTEMD_SYSCTL),
    (dict(os_id="almalinux", os_like=["rhel", "centos", "fedora"], version_id="9.3", systemd_sysctl=True),
     sysctl_d.SYSTEMD_SYSCTL),
    # Amazon Linux 2: ID_LIKE names rhel, VERSION_ID is "2" - not an EL6-or-older host.
    (dict(os_id="amzn", os_like=["centos", "rhel", "fedora"], version_id="2", systemd_booted=True),
     sysctl_d.SYSTEMD_SYSCTL),
    # systemd running now decides even if /sbin/init is something else.
    (dict(os_id="debian", version_id="12", systemd_booted=True, init="/sbin/init"), sysctl_d.SYSTEMD_SYSCTL),
    (dict(os_id="devuan", version_id="5", init="/sbin/init", systemd_sysctl=True), sysctl_d.PROCPS_SYSCTL_SYSTEM),
    # a tree showing nothing (like tests/unit/fixtures/memory/sysctl-tree): systemd-sysctl assumed
    (dict(), sysctl_d.SYSTEMD_SYSCTL),
])
def test_choose_order(kwargs, order):
    chosen = sysctl_d.choose_order(facts(**kwargs))
    assert chosen["sysctl_order"] == order
    assert chosen["reason"]


def boot_mfk(root):
    return sysctl_d.boot_values(root, [MFK])[MFK]


def test_done_when_centos6_the_drop_in_wins_over_sysctl_conf(tmp_path):
    root = build(tmp_path, with_keys(CENTOS6))
    assert sysctl_d.list_files(root) == ["/etc/sysctl.conf", DROP_IN]  # sysctl.conf first
    boot = boot_mfk(root)
    assert (boot["value"], boot["file"], boot["sysctl_order"]) == ("65536", DROP_IN, "el6-initscripts")
    assert sysctl_d.overriding(boot["assignments"], DROP_IN) == []
    # before the drop-in exists, sysctl.conf does not override it either
    without = boot_mfk(build(tmp_path / "new", with_keys(CENTOS6, dropin=False)))
    assert [a["file"] for a in without["assignments"]] == ["/etc/sysctl.conf"]
    assert sysctl_d.overriding(without["assignments"], DROP_IN) == []


def test_done_when_el7_sysctl_conf_wins_through_the_symlink_and_natively(tmp_path):
    root = build(tmp_path, with_keys(CENTOS7))
    # RHEL 7's systemd-sysctl applies /etc/sysctl.conf last; its 99-sysctl.conf pass is left out.
    assert sysctl_d.list_files(root) == [
        "/usr/lib/sysctl.d/00-system.conf", "/usr/lib/sysctl.d/50-default.conf", DROP_IN, "/etc/sysctl.conf"]
    boot = boot_mfk(root)
    assert (boot["value"], boot["file"], boot["sysctl_order"]) == ("8192", "/etc/sysctl.conf", "systemd-sysctl-el7")
    assert [(o["file"], o["value"]) for o in sysctl_d.overriding(boot["assignments"], DROP_IN)] == [
        ("/etc/sysctl.conf", "8192")]
    # without the symlink it still wins (the RHEL 7 patch reads it natively)
    bare = boot_mfk(build(tmp_path / "bare", with_keys(CENTOS7, symlink=False)))
    assert (bare["value"], bare["file"]) == ("8192", "/etc/sysctl.conf")


@pytest.mark.parametrize("tree", [ROCKY9, DEBIAN12, UBUNTU2204], ids=["rocky9", "debian12", "ubuntu2204"])
def test_done_when_systemd_counts_sysctl_conf_only_through_the_symlink(tmp_path, tree):
    boot = boot_mfk(build(tmp_path / "link", with_keys(tree)))
    assert (boot["value"], boot["file"]) == ("8192", "/etc/sysctl.d/99-sysctl.conf")
    assert boot["assignments"][-1]["real_file"] == "/etc/sysctl.conf"
    assert [o["file"] for o in sysctl_d.overriding(boot["assignments"], DROP_IN)] == ["/etc/sysctl.d/99-sysctl.conf"]

    root = build(tmp_path / "nolink", with_keys(tree, symlink=False))
    assert "/etc/sysctl.conf" not in sysctl_d.list_files(root)
    boot = boot_mfk(root)
    assert (boot["value"], boot["file"], boot["sysctl_order"]) == ("65536", DROP_IN, "systemd-sysctl")
    assert [a["file"] for a in boot["assignments"]] == [DROP_IN]
    assert sysctl_d.overriding(boot["assignments"], DROP_IN) == []


def test_sysvinit_debian_applies_sysctl_conf_last_once(tmp_path):
    root = build(tmp_path, with_keys(DEBIAN12_SYSVINIT))
    assert sysctl_d.list_files(root) == [
        "/usr/lib/sysctl.d/50-pid-max.conf", DROP_IN, "/usr/lib/sysctl.d/99-protect-links.conf", "/etc/sysctl.conf"]
    boot = boot_mfk(root)
    assert (boot["value"], boot["file"], boot["sysctl_order"]) == ("8192", "/etc/sysctl.conf", "procps-sysctl-system")
    assert [a["file"] for a in boot["assignments"]] == [DROP_IN, "/etc/sysctl.conf"]


def test_el6_reads_every_name_in_etc_sysctl_d_but_backups_and_non_files(tmp_path):
    tree = dict(CENTOS6, **{
        "/etc/sysctl.d/local": "vm.swappiness = 1\n",               # no .conf needed on EL6
        "/etc/sysctl.d/50-app.conf": "vm.swappiness = 2\n",
        "/etc/sysctl.d/50-app.conf.rpmsave": "vm.swappiness = 3\n",  # is_ignored_file
        "/etc/sysctl.d/50-app.conf.rpmnew": "vm.swappiness = 3\n",
        "/etc/sysctl.d/50-app.conf.rpmorig": "vm.swappiness = 3\n",
        "/etc/sysctl.d/50-app.conf~": "vm.swappiness = 3\n",
        "/etc/sysctl.d/60-old.bak": "vm.swappiness = 3\n",
        "/etc/sysctl.d/60-old.orig": "vm.swappiness = 3\n",
        "/etc/sysctl.d/.hidden.conf": "vm.swappiness = 3\n",         # the glob skips dot-files
        "/etc/sysctl.d/70-dir.conf": DIR,                            # test -f
        "/etc/sysctl.d/71-broken.conf": Link("nowhere.conf"),
        "/etc/sysctl.d/72-loop.conf": Link("72-loop.conf"),
        "/etc/sysctl.d/73-null.conf": Link("/dev/null"),
        "/etc/sysctl.d/80-linked.conf": Link("../app/sysctl.conf"),  # a symlink to a file is read
        "/etc/app/sysctl.conf": "vm.swappiness = 4\n",
        "/usr/lib/sysctl.d/99-vendor.conf": "vm.swappiness = 3\n",   # not read on EL6
        "/run/sysctl.d/99-runtime.conf": "vm.swappiness = 3\n",
        "/usr/local/lib/sysctl.d/99-local.conf": "vm.swappiness = 3\n",
    })
    root = build(tmp_path, tree)
    assert sysctl_d.list_files(root) == [
        "/etc/sysctl.conf", "/etc/sysctl.d/50-app.conf", "/etc/sysctl.d/80-linked.conf", "/etc/sysctl.d/local"]
    values = sysctl_d.boot_values(root, ["vm.swappiness"])["vm.swappiness"]
    assert [(a["file"], a["real_file"], a["value"]) for a in values["assignments"]] == [
        ("/etc/sysctl.d/50-app.conf", "/etc/sysctl.d/50-app.conf", "2"),
        ("/etc/sysctl.d/80-linked.conf", "/etc/app/sysctl.conf", "4"),
        ("/etc/sysctl.d/local", "/etc/sysctl.d/local", "1")]


def odd_tree(base):
    tree = dict(base)
    tree[b"/etc/sysctl.d/50-\xff.conf"] = b"vm.swappiness = 50\n"  # not UTF-8: read, sorted by bytes
    tree.update({
        "/etc/sysctl.d/50-z.conf": "vm.swappiness = 49\n",
        "/etc/sysctl.d/20-broken.conf": Link("nowhere.conf"),       # masks the vendor file
        "/usr/lib/sysctl.d/20-broken.conf": "vm.swappiness = 20\n",
        "/etc/sysctl.d/30-loop.conf": Link("31-loop.conf"),
        "/etc/sysctl.d/31-loop.conf": Link("30-loop.conf"),
        "/usr/lib/sysctl.d/30-loop.conf": "vm.swappiness = 30\n",
        "/etc/sysctl.d/40-dir.conf": DIR,                           # masks on systemd >= 239, not on 219
        "/usr/lib/sysctl.d/40-dir.conf": "vm.swappiness = 40\n",
        "/etc/sysctl.d/45-masked.conf": Link("/dev/null"),          # the documented way to mask
        "/usr/lib/sysctl.d/45-masked.conf": "vm.swappiness = 45\n",
        "/etc/sysctl.d/.60-hidden.conf": "vm.swappiness = 60\n",     # read by procps only
        "/etc/sysctl.d/70-notconf": "vm.swappiness = 70\n",
    })
    return tree


def test_systemd_skips_what_systemd_sysctl_skips_and_masks_what_it_masks(tmp_path):
    root = build(tmp_path, odd_tree(DEBIAN12))
    values = sysctl_d.boot_values(root, ["vm.swappiness"])["vm.swappiness"]
    assert [(a["file"], a["value"]) for a in values["assignments"]] == [
        ("/etc/sysctl.d/50-z.conf", "49"), (u"/etc/sysctl.d/50-\ufffd.conf", "50")]  # b"50-z" < b"50-\xff"
    assert (values["value"], values["file"]) == ("50", u"/etc/sysctl.d/50-\ufffd.conf")


def test_el7_systemd_219_does_not_let_a_directory_mask(tmp_path):
    root = build(tmp_path, odd_tree(CENTOS7))
    values = sysctl_d.boot_values(root, ["vm.swappiness"])["vm.swappiness"]
    assert [a["value"] for a in values["assignments"]] == ["40", "49", "50"]


def test_procps_reads_dot_files(tmp_path):
    root = build(tmp_path, odd_tree(DEBIAN12_SYSVINIT))
    values = sysctl_d.boot_values(root, ["vm.swappiness"])["vm.swappiness"]
    assert [a["value"] for a in values["assignments"]] == ["60", "49", "50"]


def test_odd_names_do_not_crash_order_files_or_list_files(tmp_path):
    root = build(tmp_path, odd_tree(CENTOS6))
    for order in sorted(sysctl_d.ORDERS):
        files = sysctl_d.list_files(root, order)
        assert all(isinstance(path, str) for path in files)


def test_absolute_links_are_followed_inside_the_root(tmp_path):
    tree = with_keys(DEBIAN12)
    tree["/etc/sysctl.d/99-sysctl.conf"] = Link("/etc/sysctl.conf")  # absolute, as debian/systemd.links writes it
    root = build(tmp_path, tree)
    assert hostfiles.real_path(root, "/etc/sysctl.d/99-sysctl.conf") == "/etc/sysctl.conf"
    assert hostfiles.real_path(root, "/sbin/init") == "/usr/lib/systemd/systemd"
    boot = boot_mfk(root)
    assert (boot["value"], boot["assignments"][-1]["real_file"]) == ("8192", "/etc/sysctl.conf")


def test_overriding_a_new_drop_in_follows_the_model():
    def entries(order, *files):
        return [{"file": path, "real_file": path, "line": 1, "value": "1", "sysctl_order": order} for path in files]

    el6 = entries("el6-initscripts", "/etc/sysctl.conf", "/etc/sysctl.d/10-a.conf", "/etc/sysctl.d/95-z.conf")
    assert [o["file"] for o in sysctl_d.overriding(el6, DROP_IN)] == ["/etc/sysctl.d/95-z.conf"]
    # a drop-in initscripts would skip is overridden by everything
    assert len(sysctl_d.overriding(el6, "/etc/sysctl.d/90-fleetfix-vm.conf.bak")) == 3
    assert len(sysctl_d.overriding(el6, "/usr/lib/sysctl.d/90-fleetfix-vm.conf")) == 3

    systemd = entries("systemd-sysctl", "/usr/lib/sysctl.d/90-fleetfix-vm.conf", "/run/sysctl.d/95-r.conf")
    # /etc masks the vendor file of the same name: only the later /run file overrides
    assert [o["file"] for o in sysctl_d.overriding(systemd, DROP_IN)] == ["/run/sysctl.d/95-r.conf"]
    # a drop-in in /usr/lib masked by /etc/sysctl.d/50-x.conf is never applied
    masked = entries("systemd-sysctl", "/etc/sysctl.d/50-x.conf")
    assert sysctl_d.overriding(masked, "/usr/lib/sysctl.d/50-x.conf") == masked
    # systemd reads *.conf only
    assert sysctl_d.overriding(systemd, "/etc/sysctl.d/90-fleetfix-vm") == systemd

    el7 = entries("systemd-sysctl-el7", "/etc/sysctl.d/10-a.conf", "/etc/sysctl.conf")
    assert [o["file"] for o in sysctl_d.overriding(el7, DROP_IN)] == ["/etc/sysctl.conf"]


def test_dropin_is_read():
    assert sysctl_d.dropin_is_read(DROP_IN, "el6-initscripts")
    assert sysctl_d.dropin_is_read("/etc/sysctl.d/local", "el6-initscripts")
    assert not sysctl_d.dropin_is_read("/etc/sysctl.d/local", "systemd-sysctl")
    assert not sysctl_d.dropin_is_read("/etc/sysctl.conf", "systemd-sysctl")
    assert sysctl_d.dropin_is_read("/etc/sysctl.conf", "systemd-sysctl-el7")
    with pytest.raises(ValueError):
        sysctl_d.dropin_is_read(DROP_IN, "upstart")


def test_overlay_places_the_drop_in_by_the_model(tmp_path):
    root = build(tmp_path, with_keys(CENTOS6, dropin=False))
    values = sysctl_d.boot_values(root, [MFK], overlay={DROP_IN: "vm.min_free_kbytes = 1\n"})[MFK]
    assert [(a["file"], a["value"]) for a in values["assignments"]] == [("/etc/sysctl.conf", "8192"), (DROP_IN, "1")]
    # a file the model never reads changes nothing
    values = sysctl_d.boot_values(root, [MFK], overlay={"/usr/lib/sysctl.d/99-x.conf": "vm.min_free_kbytes = 1\n"})[MFK]
    assert values["value"] == "8192"


def test_order_files_pure():
    candidates = {
        "/etc/sysctl.d": ["10-a.conf", "99-sysctl.conf", "local",
                          {"name": "50-null.conf", "kind": "other", "link": True, "target": "/dev/null"}],
        "/usr/lib/sysctl.d": ["50-null.conf", "60-b.conf"],
        "/etc/sysctl.conf": {"kind": "file", "target": "/etc/sysctl.conf"},
    }
    candidates["/etc/sysctl.d"][1] = {"name": "99-sysctl.conf", "target": "/etc/sysctl.conf", "link": True}
    assert sysctl_d.order_files(candidates, "el6-initscripts") == [
        "/etc/sysctl.conf", "/etc/sysctl.d/10-a.conf", "/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.d/local"]
    assert sysctl_d.order_files(candidates, "systemd-sysctl") == [
        "/etc/sysctl.d/10-a.conf", "/usr/lib/sysctl.d/60-b.conf", "/etc/sysctl.d/99-sysctl.conf"]
    assert sysctl_d.order_files(candidates, "procps-sysctl-system") == [
        "/etc/sysctl.d/10-a.conf", "/usr/lib/sysctl.d/60-b.conf", "/etc/sysctl.conf"]


def test_boot_values_on_this_machine_name_their_model():
    values = sysctl_d.boot_values("/", [MFK])[MFK]
    assert values["sysctl_order"] in sysctl_d.ORDERS
    assert all(a["sysctl_order"] == values["sysctl_order"] for a in values["assignments"])


# --- readers hardened (issue 14): lines, keys and values as the tools and the kernel read them ---

def test_lines_end_as_each_tool_ends_them():
    data = b"vm.a = 1\r\nvm.b = 2\x00vm.c = 3\nvm.d = 4\rvm.e = 5\n"
    # systemd >= 239 (read_line): CR, LF and NUL end a line; "\r\n" counts once
    assert sysctl_d.parse_conf(data, "systemd-sysctl") == [
        (1, "vm.a", "1"), (2, "vm.b", "2"), (3, "vm.c", "3"), (4, "vm.d", "4"), (5, "vm.e", "5")]
    # fgets()/getline(): only LF; a NUL ends the C string, so vm.c is never seen
    assert sysctl_d.parse_conf(data, "procps-sysctl-system") == [
        (1, "vm.a", "1"), (2, "vm.b", "2"), (3, "vm.d", "4\rvm.e = 5")]


def test_a_megabyte_line_ends_the_file_for_systemd_only():
    data = b"vm.a = 1\n" + b"#" * sysctl_d.LONG_LINE_MAX + b"\nvm.b = 2\n"
    skipped = []
    assert sysctl_d.parse_conf(data, "systemd-sysctl", skipped) == [(1, "vm.a", "1")]
    assert skipped[0]["line"] == 2 and "stops reading the file" in skipped[0]["reason"]
    assert sysctl_d.parse_conf(data, "el6-initscripts") == [(1, "vm.a", "1"), (3, "vm.b", "2")]


@pytest.mark.parametrize("key, normal", [
    ("vm.min_free_kbytes", "vm.min_free_kbytes"), ("vm/min_free_kbytes", "vm.min_free_kbytes"),
    ("-vm.min_free_kbytes", "vm.min_free_kbytes"), ("vm..min_free_kbytes", "vm.min_free_kbytes"),
    ("/vm/min_free_kbytes/", "vm.min_free_kbytes"),
    ("net/ipv4/conf/eth0.100/rp_filter", "net.ipv4.conf.eth0/100.rp_filter"),  # systemd's sysctl_normalize
    ("net.ipv4.conf.eth0/100.rp_filter", "net.ipv4.conf.eth0/100.rp_filter"),
])
def test_keys_normalised_as_sysctl_normalize_does(key, normal):
    assert sysctl_d.normalize_key(key) == normal


@pytest.mark.parametrize("value, number", [
    ("65536", 65536), (" 65536", 65536), ("65536 # note", 65536), ("5 6", 5), ("0x10", 16), ("010", 8), ("0", 0),
    ("08", None), ("0x", None), ("+5", None), ("-1", None), ("1e3", None), ("", None), ("5\f", None),
    (u"\u0663\u0664", None), (u"\u00b2", None), (u"\uff11", None), ("9" * 5000, None), ("2147483648", None),
    ("00000000000000000000001", None),  # more than 20 characters: proc_get_long refuses it
])
def test_kernel_integers_as_proc_dointvec_reads_them(value, number):
    assert sysctl_d.kernel_int(value, 0, 2 ** 31 - 1) == number
    assert (sysctl_d.kernel_refuses("vm.min_free_kbytes", value) is None) == (number is not None)
    assert sysctl_d.kernel_refuses("vm.swappiness", value) is None  # a key whose rule is not known: taken


def test_os_release_quotes_escapes_and_bounded_numbers():
    fields = host_platform.parse_os_release('ID="rhel"\nNAME="Red \\"Hat\\""\nVERSION_ID=\'9.4\'\nbad key=1\n# ID=x\n')
    assert fields == {"ID": "rhel", "NAME": 'Red "Hat"', "VERSION_ID": "9.4"}
    assert host_platform.el_major({"os_id": "rhel", "version_id": "9" * 5000}) is None
    assert host_platform.el_major({"os_id": "rhel", "version_id": u"\u0667"}) is None
    assert host_platform.el_major({"redhat_release": "CentOS release " + "6" * 5000}) is None
    assert host_platform.el_major({"redhat_release": "CentOS release 6.10 (Final)"}) == 6


def test_an_el_release_without_a_number_is_refused_not_guessed(tmp_path):
    root = build(tmp_path, dict(CENTOS7, **{"/etc/os-release": 'ID="centos"\nVERSION_ID="seven"\n'}))
    with pytest.raises(HostReadError) as caught:
        sysctl_d.boot_order(root)
    assert str(caught.value).startswith("/etc/os-release line 2: expected VERSION_ID")
    root = build(tmp_path / "el6", dict(CENTOS6, **{"/etc/redhat-release": "CentOS Linux\n"}))
    with pytest.raises(HostReadError) as caught:
        sysctl_d.boot_order(root)
    assert str(caught.value).startswith("/etc/redhat-release line 1: expected")


def test_a_value_the_kernel_refuses_is_not_the_boot_value(tmp_path):
    root = build(tmp_path, dict(with_keys(DEBIAN12), **{"/etc/sysctl.d/95-late.conf": "vm.min_free_kbytes = 1e6\n"}))
    boot = boot_mfk(root)
    assert (boot["value"], boot["file"]) == ("8192", "/etc/sysctl.d/99-sysctl.conf")
    root = build(tmp_path / "last", dict(with_keys(DEBIAN12, symlink=False), **{"/etc/sysctl.d/95-late.conf": "vm.min_free_kbytes = 1e6\n"}))
    boot = boot_mfk(root)
    assert (boot["value"], boot["file"]) == ("65536", DROP_IN)
    assert [(a["file"], a["accepted"]) for a in boot["assignments"]] == [(DROP_IN, True), ("/etc/sysctl.d/95-late.conf", False)]
    assert boot["warnings"] == ["/etc/sysctl.d/95-late.conf line 1 sets vm.min_free_kbytes = '1e6': the kernel refuses it "
                                "(it takes an integer 0..2147483647 in ASCII digits), so the value before it stays"]
    assert sysctl_d.overriding(boot["assignments"], DROP_IN) == []


def test_directory_listings_are_capped_by_accepted_names(tmp_path, monkeypatch):
    tree = dict(DEBIAN12, **dict(("/etc/sysctl.d/junk-%d" % index, "") for index in range(50)))
    tree.update(("/etc/sysctl.d/%02d-x.conf" % index, "") for index in range(5))
    root = build(tmp_path, tree)
    monkeypatch.setattr(hostfiles, "MAX_DIR_ENTRIES", 10)
    assert len(sysctl_d.list_files(root)) == 8  # the 50 names systemd never reads cost nothing
    monkeypatch.setattr(hostfiles, "MAX_DIR_ENTRIES", 4)
    with pytest.raises(HostReadError) as caught:
        sysctl_d.list_files(root)
    assert "/etc/sysctl.d holds more than 4 entries" in str(caught.value)
