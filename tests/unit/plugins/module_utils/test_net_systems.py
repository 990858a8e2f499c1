"""Which system configures each interface (issue 16): netplan, NetworkManager (keyfiles and
ifcfg-rh), systemd-networkd, ifupdown and initscripts, on configuration trees laid out as real
hosts lay them out (tests/unit/fixtures/net_systems/<tree>, each with a README saying where it
comes from), and the rules each system follows to pick its files."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import shutil

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import netif
from conftest import FIXTURES

TREES = os.path.join(FIXTURES, "net_systems")


def write(root, path, data, mode=None):
    full = os.path.join(root, path.lstrip("/"))
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    with open(full, "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    if mode is not None:
        os.chmod(full, mode)
    return full


def lay_out_sys(root, interfaces):
    """/sys/class/net links to device directories with the attributes netif reads."""
    classdir = os.path.join(root, "sys", "class", "net")
    if not os.path.isdir(classdir):
        os.makedirs(classdir)
    for entry in interfaces:
        devdir = os.path.join(root, entry["devpath"].lstrip("/"))
        os.makedirs(devdir)
        for attr in ("address", "addr_assign_type", "operstate", "ifindex"):
            with open(os.path.join(devdir, attr), "w") as handle:
                handle.write("%s\n" % entry[attr])
        os.symlink(os.path.relpath(devdir, classdir), os.path.join(classdir, entry["name"]))
        device = os.path.dirname(os.path.dirname(devdir))
        for key in ("driver", "subsystem"):
            target = os.path.join(root, entry[key].lstrip("/"))
            if not os.path.isdir(target):
                os.makedirs(target)
            os.symlink(os.path.relpath(target, device), os.path.join(device, key))
        os.symlink(os.path.relpath(device, devdir), os.path.join(devdir, "device"))


def lay_out(tmp_path, tree):
    """A fixture tree under tmp_path: its files, its links (/lib -> usr/lib), the modes git does
    not keep (keyfiles are 0600), and its NICs under /sys."""
    root = os.path.join(str(tmp_path), "root")
    shutil.copytree(os.path.join(TREES, tree, "root"), root, symlinks=True)
    with open(os.path.join(TREES, tree, "tree.json")) as handle:
        layout = json.load(handle)
    for path, target in sorted(layout["links"].items()):
        os.symlink(target, os.path.join(root, path.lstrip("/")))
    for path, mode in sorted(layout["modes"].items()):
        os.chmod(os.path.join(root, path.lstrip("/")), int(mode, 8))
    lay_out_sys(root, layout["interfaces"])
    return root


def by_name(facts):
    return dict((iface["name"], iface) for iface in facts["interfaces"])


def collect(root):
    return netif.collect(root)


# --- the trees -------------------------------------------------------------------------------

def test_ubuntu_2204_cloud_image_netplan_owns_the_nic_through_networkd(tmp_path):
    facts = collect(lay_out(tmp_path, "ubuntu-22.04-cloud"))
    nic = by_name(facts)["enp0s1"]
    assert nic["owner"] == "netplan"  # NETWORK_FILE is netplan's 10-netplan-enp0s1.network
    assert nic["configured_by"] == ["netplan"]  # the generated .network is netplan's, not networkd's
    assert nic["config_files"] == [{"system": "netplan", "path": "/etc/netplan/50-cloud-init.yaml", "matches": "mac",
                                    "line": 8, "ids": ["enp0s1"], "name": "enp0s1"}]
    assert facts["systems"] == {
        "netplan": {"present": True, "files": ["/etc/netplan/50-cloud-init.yaml"], "renderer": None, "unparsed": []},
        "networkmanager": {"present": False, "running": False, "plugins": []},
        "networkd": {"present": True, "running": True},
        "ifupdown": {"present": False},
        "ifcfg": {"present": False},
    }
    # cloud-init's set-name is a pin, read from the YAML; netplan's generated .link is its output, not a second pin
    assert facts["pins"] == [{"file": "/etc/netplan/50-cloud-init.yaml", "line": 12, "method": "netplan", "name": "enp0s1",
                              "mac": "52:00:00:12:34:56", "path": None}]
    assert nic["pinned_by"] == ["/etc/netplan/50-cloud-init.yaml"]
    assert nic["name_kind"] == "pinned" and facts["conflicts"] == [] and facts["warnings"] == []
    assert netif.finding(facts)["status"] == "ok"


def test_a_link_file_matching_the_permanent_mac_is_a_pin_of_that_mac(tmp_path):
    root = lay_out(tmp_path, "ubuntu-22.04-cloud")
    write(root, "/etc/systemd/network/10-lan.link", "[Match]\nPermanentMACAddress=52:00:00:12:34:56\n\n[Link]\nName=lan0\n")
    facts = collect(root)
    assert [(p["method"], p["name"], p["mac"]) for p in facts["pins"]] == [
        ("link", "lan0", "52:00:00:12:34:56"), ("netplan", "enp0s1", "52:00:00:12:34:56")]
    assert [c["kind"] for c in facts["conflicts"]] == ["mac_pinned_twice"]


def test_a_udev_rule_for_the_mac_cloud_init_pins_is_mac_pinned_twice(tmp_path):
    root = lay_out(tmp_path, "ubuntu-22.04-cloud")
    write(root, "/etc/udev/rules.d/70-persistent-net.rules",
          'SUBSYSTEM=="net", ACTION=="add", ATTR{address}=="52:00:00:12:34:56", NAME="lan0"\n')
    facts = collect(root)
    assert {"kind": "mac_pinned_twice", "mac": "52:00:00:12:34:56", "names": ["enp0s1", "lan0"]} in facts["conflicts"]
    assert netif.finding(facts)["status"] == "fail"


def test_ubuntu_2404_netplan_everywhere_the_nm_profile_is_netplan_yaml(tmp_path):
    facts = collect(lay_out(tmp_path, "ubuntu-24.04"))
    nic = by_name(facts)["enp0s31f6"]
    uuid = "ff9d6ebc-226d-4f82-a485-b7ff83b9607f"
    # NetworkManager runs the profile; its file is netplan's rendering of 90-NM-<uuid>.yaml
    assert nic["owner"] == "netplan"
    assert nic["configured_by"] == ["netplan"]
    assert nic["config_files"] == [{"system": "netplan", "path": "/etc/netplan/90-NM-%s.yaml" % uuid, "matches": "mac",
                                    "line": 4, "ids": ["NM-" + uuid], "name": None}]
    assert facts["systems"]["netplan"] == {
        "present": True, "renderer": "NetworkManager", "unparsed": [],
        "files": ["/etc/netplan/01-network-manager-all.yaml", "/etc/netplan/90-NM-%s.yaml" % uuid]}
    assert facts["systems"]["networkmanager"] == {"present": True, "running": True, "plugins": ["ifupdown", "keyfile"]}
    assert facts["systems"]["networkd"] == {"present": True, "running": False}
    assert facts["pins"] == [] and facts["warnings"] == []


def test_rhel8_networkmanager_runs_the_ifcfg_file(tmp_path):
    facts = collect(lay_out(tmp_path, "rhel8"))
    nic = by_name(facts)["eth0"]
    # the device state's connection-uuid is the MD5 of the ifcfg file's path (no UUID= in it)
    assert nic["owner"] == "ifcfg"
    assert nic["configured_by"] == ["ifcfg"]
    assert nic["config_files"] == [{"system": "ifcfg", "path": "/etc/sysconfig/network-scripts/ifcfg-eth0",
                                    "matches": "name", "line": 1, "ids": ["eth0"], "name": "eth0"}]
    assert facts["systems"]["networkmanager"] == {"present": True, "running": True, "plugins": ["ifcfg-rh", "keyfile"]}
    assert facts["systems"]["ifcfg"] == {"present": True}
    assert facts["systems"]["netplan"]["present"] is False and facts["warnings"] == []


def test_rhel9_keyfile_bound_by_mac(tmp_path):
    facts = collect(lay_out(tmp_path, "rhel9"))
    nic = by_name(facts)["ens3"]
    path = "/etc/NetworkManager/system-connections/example_connection.nmconnection"
    assert nic["owner"] == "networkmanager"
    assert nic["configured_by"] == ["networkmanager"]
    assert nic["config_files"] == [{"system": "networkmanager", "path": path, "matches": "mac", "line": 14,
                                    "ids": ["example_connection"], "name": None}]
    assert facts["systems"]["networkmanager"] == {"present": True, "running": True, "plugins": ["keyfile", "ifcfg-rh"]}
    assert facts["systems"]["ifcfg"] == {"present": False}


def test_debian_test_image_networkd_owns_the_management_nic_only(tmp_path):
    facts = collect(lay_out(tmp_path, "debian-bookworm-networkd"))
    mgmt, usb = by_name(facts)["ens2"], by_name(facts)["enx525400123499"]
    assert (mgmt["owner"], mgmt["configured_by"]) == ("networkd", ["networkd"])
    assert mgmt["config_files"] == [{"system": "networkd", "path": "/etc/systemd/network/10-mgmt.network",
                                     "matches": "mac", "line": 4, "ids": ["52:54:00:f1:ee:01"], "name": None}]
    # Debian's own .network files (containers, tunnels, wifi ad-hoc) match no ethernet NIC
    assert (usb["owner"], usb["configured_by"], usb["config_files"]) == (None, [], [])
    assert facts["systems"]["networkd"] == {"present": True, "running": True}
    assert facts["warnings"] == []


def test_debian_ifupdown_and_the_seed_story_nic_nothing_configures(tmp_path):
    facts = collect(lay_out(tmp_path, "debian-ifupdown"))
    ens2, eth5 = by_name(facts)["ens2"], by_name(facts)["eth5"]
    assert (ens2["owner"], ens2["configured_by"]) == ("ifupdown", ["ifupdown"])
    assert ens2["config_files"] == [{"system": "ifupdown", "path": "/etc/network/interfaces", "matches": "name",
                                     "line": 11, "ids": ["lo", "ens2"], "name": "ens2"}]
    # interfaces.d/eth3 is read (sourced), but names eth3: the USB NIC is eth5 now
    assert (eth5["owner"], eth5["configured_by"]) == (None, [])
    assert facts["systems"]["ifupdown"] == {"present": True}
    found = netif.finding(facts)
    assert found["status"] == "warn" and "eth5 (usb)" in found["summary"]


def test_a_host_where_nothing_owns_the_nic(tmp_path):
    facts = collect(lay_out(tmp_path, "no-owner"))
    nic = by_name(facts)["eth0"]
    assert (nic["owner"], nic["configured_by"], nic["config_files"]) == (None, [], [])
    assert facts["systems"] == {
        "netplan": {"present": False, "files": [], "renderer": None, "unparsed": []},
        "networkmanager": {"present": False, "running": False, "plugins": []},
        "networkd": {"present": True, "running": False},
        "ifupdown": {"present": False},
        "ifcfg": {"present": False},
    }
    assert facts["warnings"] == []


@pytest.mark.parametrize("tree", sorted(name for name in os.listdir(TREES) if os.path.isdir(os.path.join(TREES, name))))
def test_every_tree_says_where_each_file_comes_from(tree):
    with open(os.path.join(TREES, tree, "README.md")) as handle:
        text = handle.read()
    top = os.path.join(TREES, tree, "root")
    for directory, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.relpath(os.path.join(directory, name), top)
            parents = [path] + [path.rsplit("/", depth)[0] + "/" for depth in range(1, path.count("/") + 1)]
            assert any(item in text for item in parents), (tree, path)


# --- netplan: search path, shadowing, merging -------------------------------------------------

NIC = [{"name": "eth0", "devpath": "/sys/devices/pci0000:00/0000:00:03.0/virtio0/net/eth0", "address": "52:54:00:12:34:56",
        "addr_assign_type": "0", "operstate": "up", "ifindex": 2, "driver": "/sys/bus/virtio/drivers/virtio_net",
        "subsystem": "/sys/bus/virtio"}]


def host(tmp_path, files, interfaces=None, modes=None):
    """A fake root with ``files`` ({path: text}) and one virtio NIC eth0 (52:54:00:12:34:56, ifindex 2)."""
    root = os.path.join(str(tmp_path), "root")
    os.makedirs(root)
    for path, data in sorted(files.items()):
        write(root, path, data, (modes or {}).get(path))
    lay_out_sys(root, NIC if interfaces is None else interfaces)
    return root


def test_netplan_run_shadows_etc_shadows_lib_and_names_sort_across_directories(tmp_path):
    root = host(tmp_path, {
        "/lib/netplan/50-cloud-init.yaml": "network: {version: 2, ethernets: {lib0: {dhcp4: true}}}\n",
        "/etc/netplan/50-cloud-init.yaml": "network: {version: 2, ethernets: {etc0: {dhcp4: true}}}\n",
        "/run/netplan/50-cloud-init.yaml": "network:\n  version: 2\n  ethernets:\n    eth0: {dhcp4: true}\n",
        "/lib/netplan/10-base.yaml": "network:\n  renderer: NetworkManager\n",
        "/etc/netplan/90-last.yaml": "network:\n  renderer: networkd\n",
    })
    facts = collect(root)
    assert facts["systems"]["netplan"]["files"] == [
        "/lib/netplan/10-base.yaml", "/run/netplan/50-cloud-init.yaml", "/etc/netplan/90-last.yaml"]
    assert facts["systems"]["netplan"]["renderer"] == "networkd"  # the later file overrides the scalar
    assert by_name(facts)["eth0"]["config_files"] == [
        {"system": "netplan", "path": "/run/netplan/50-cloud-init.yaml", "matches": "name", "line": 4, "ids": ["eth0"],
         "name": "eth0"}]


def test_netplan_a_later_file_adding_to_an_id_configures_it_too(tmp_path):
    root = host(tmp_path, {
        "/etc/netplan/50-cloud-init.yaml": ("network:\n  version: 2\n  ethernets:\n    nic0:\n      match:\n"
                                            "        macaddress: '52:54:00:12:34:56'\n      set-name: eth0\n"),
        "/etc/netplan/90-mtu.yaml": "network:\n  ethernets:\n    nic0:\n      mtu: 9000\n    other0: {dhcp4: true}\n",
        "/etc/netplan/99-other.yaml": "network:\n  ethernets:\n    eth9:\n      match: {driver: ixgbe}\n      set-name: eth9\n",
    })
    files = by_name(collect(root))["eth0"]["config_files"]
    assert [(f["path"], f["matches"], f["line"], f["ids"]) for f in files] == [
        ("/etc/netplan/50-cloud-init.yaml", "mac", 4, ["nic0"]), ("/etc/netplan/90-mtu.yaml", "mac", 3, ["nic0", "other0"])]


def test_netplan_match_by_name_glob_and_driver(tmp_path):
    root = host(tmp_path, {"/etc/netplan/10-all.yaml": (
        "network:\n  ethernets:\n    all-en:\n      match:\n        name: 'eth*'\n        driver: [virtio_net, e1000]\n"
        "      dhcp4: true\n    by-driver:\n      match: {driver: virtio_net}\n")})
    files = by_name(collect(root))["eth0"]["config_files"]
    # the driver-only definition names no interface; the glob does, without a name of its own
    assert [(f["ids"], f["matches"], f["name"]) for f in files] == [(["all-en", "by-driver"], "name", None)]


def test_netplan_set_name_pin_with_an_invalid_name_is_skipped_with_a_warning(tmp_path):
    root = host(tmp_path, {"/etc/netplan/50-x.yaml": (
        "network:\n  ethernets:\n    x:\n      match: {macaddress: '52:54:00:12:34:56'}\n      set-name: 'eth 0'\n")})
    facts = collect(root)
    assert facts["pins"] == []
    assert facts["warnings"] == ["/etc/netplan/50-x.yaml line 5: set-name 'eth 0' is not a valid interface name; "
                                 "netplan refuses it"]


@pytest.mark.parametrize("text, fragment", [
    (b"network:\n\tethernets: {}\n", "line 2: expected indentation by spaces"),
    (b"network:\n  ethernets:\n    eth0: &a {dhcp4: true}\n", "line 3: expected no anchors (&)"),
    (b"network:\n  ethernets:\n    eth0: *a\n", "line 3: expected no aliases (*)"),
    (b"network:\n  version: !!int 2\n", "line 2: expected no tags (!)"),
    (b"network:\n  ethernets:\n    eth0:\n      dhcp4: |\n        true\n", "line 4: expected no block scalars (|)"),
    (b"network:\n  version: 2\n  version: 3\n", "line 3: expected each key once"),
    (b"network:\n  ethernets: [eth0,\n", "line 2: expected"),
    (b"network:\n  ethernets:\n    eth0:\n      match:\n        macaddress: \"52:54:00:12:34:56\n", "line 5: expected the closing \""),
    (b"network: {version: 2}\n---\nnetwork: {}\n", "line 2: expected one YAML document"),
    (b"network:\n  version: 2\n    renderer: networkd\n", "line 3: expected"),
    (b"network:\n  ethernets:\n    eth0:\n      match: eth0\n", "line 4: expected a mapping under ethernets.eth0.match"),
    (b"network: [a, b]\n", "line 1: expected a mapping under network"),
    (b"\xff\xfenetwork:\n", "line 1: expected UTF-8 text"),
    (b"network:\n  version: 2\x00\n", "line 2: expected printable characters"),
    (b"network:" + b" [" * 100 + b"\n", "line 1: expected at most 64 levels of nesting"),
    (b"network:\n  ethernets:\n    eth0:\n      addresses: [10.0.0.1/24, \"\\q\"]\n", "line 4: expected an escape YAML knows"),
])
def test_a_netplan_file_the_subset_does_not_read_is_unparsed_with_a_warning(tmp_path, text, fragment):
    root = host(tmp_path, {"/etc/netplan/50-bad.yaml": text, "/etc/netplan/60-good.yaml": "network:\n  ethernets:\n    eth0: {}\n"})
    facts = collect(root)
    assert facts["systems"]["netplan"]["unparsed"] == ["/etc/netplan/50-bad.yaml"]
    assert facts["systems"]["netplan"]["files"] == ["/etc/netplan/50-bad.yaml", "/etc/netplan/60-good.yaml"]
    assert len(facts["warnings"]) == 1 and facts["warnings"][0].startswith("/etc/netplan/50-bad.yaml line ")
    assert fragment in facts["warnings"][0] and "systems.netplan.unparsed" in facts["warnings"][0]
    assert by_name(facts)["eth0"]["configured_by"] == ["netplan"]  # the other file is still read


# --- the YAML subset ---------------------------------------------------------------------------

def test_yaml_subset_reads_what_netplan_files_hold():
    text = (b"# comment\n---\nnetwork:\n  version: 2\n  ethernets:\n    eth0:\n      addresses:\n      - 10.0.0.1/24\n"
            b"      - \"fe80::1/64\"  # trailing\n      routes:\n        - to: default\n          via: 10.0.0.254\n"
            b"      nameservers: {addresses: [1.1.1.1, '8.8.8.8'], search: []}\n      match:\n"
            b"        macaddress: 52:54:00:12:34:56\n      empty:\n      'quoted key': 'it''s'\n"
            b"      wrapped: [a,\n        b]\n...\n")
    document = netif.parse_yaml(text, "/x.yaml")
    assert document == {"network": {"version": "2", "ethernets": {"eth0": {
        "addresses": ["10.0.0.1/24", "fe80::1/64"], "routes": [{"to": "default", "via": "10.0.0.254"}],
        "nameservers": {"addresses": ["1.1.1.1", "8.8.8.8"], "search": []},
        "match": {"macaddress": "52:54:00:12:34:56"}, "empty": None, "quoted key": "it's", "wrapped": ["a", "b"]}}}}
    eth0 = document["network"]["ethernets"]["eth0"]
    assert (eth0.lines["match"], eth0.order[:2]) == (14, ["addresses", "routes"])
    assert netif.parse_yaml(b"", "/x.yaml") is None and netif.parse_yaml(b"# only a comment\n", "/x.yaml") is None
    assert netif.parse_yaml(u"a: \"\\x41\\u00e9\\U0001F600\"\n".encode("utf-8"), "/x.yaml") == {"a": u"A\u00e9\U0001F600"}


# --- systemd-networkd: directories, masking, the first match ----------------------------------

def test_networkd_etc_shadows_usr_lib_and_empty_or_dev_null_masks(tmp_path):
    root = host(tmp_path, {
        "/usr/lib/systemd/network/20-vendor.network": "[Match]\nName=eth0\n",
        "/etc/systemd/network/20-vendor.network": "[Match]\nName=eth9\n",      # same name: the vendor file is not read
        "/usr/lib/systemd/network/30-masked.network": "[Match]\nMACAddress=52:54:00:12:34:56\n",
        "/etc/systemd/network/30-masked.network": "",                         # an empty file masks
        "/run/systemd/network/40-run.network": "[Match]\nName=eth*\n",
        "/etc/systemd/network/50-later.network": "[Match]\nMACAddress=52-54-00-12-34-56\n",
        "/etc/systemd/network/10-other.network.d/x.conf": "[Match]\nName=eth0\n",  # drop-ins are not read
    })
    os.symlink("/dev/null", os.path.join(root, "etc", "systemd", "network", "45-null.network"))
    write(root, "/usr/lib/systemd/network/45-null.network", "[Match]\nName=eth0\n")
    facts = collect(root)
    # 40-run matches first (by a glob: no name of its own); 50-later matches too and is named as ignored
    assert by_name(facts)["eth0"]["config_files"] == [{"system": "networkd", "path": "/run/systemd/network/40-run.network",
                                                       "matches": "name", "line": 2, "ids": ["eth*"], "name": None}]
    assert facts["warnings"] == ["/etc/systemd/network/50-later.network line 2 matches eth0 too, but networkd applies only "
                                 "the first matching file, /run/systemd/network/40-run.network"]


def test_networkd_match_conditions(tmp_path):
    cases = {
        "10-not.network": "[Match]\nName=!eth0\n",                  # inverted: not this one
        "11-kind.network": "[Match]\nKind=veth\n",                  # a physical NIC has no kind
        "12-wlan.network": "[Match]\nType=wlan\n",
        "13-driver.network": "[Match]\nDriver=e1000*\n",
        "14-two.network": "[Match]\nName=eth0\nMACAddress=00:11:22:33:44:55\n",  # both must fit
        "15-reset.network": "[Match]\nName=eth9\nName=\nMACAddress=aabb.ccdd.eeff 52:54:00:12:34:56\n",
        "16-later.network": "[Match]\nName=eth0\n",
    }
    root = host(tmp_path, dict(("/etc/systemd/network/" + name, text) for name, text in cases.items()))
    facts = collect(root)
    files = by_name(facts)["eth0"]["config_files"]
    assert [(f["path"].rsplit("/", 1)[-1], f["matches"], f["line"], f["ids"]) for f in files] == [
        ("15-reset.network", "mac", 4, ["52:54:00:12:34:56", "aa:bb:cc:dd:ee:ff"])]
    assert facts["warnings"] == ["/etc/systemd/network/16-later.network line 2 matches eth0 too, but networkd applies only "
                                 "the first matching file, /etc/systemd/network/15-reset.network"]


def test_networkd_a_catch_all_first_names_no_file_but_shadows_the_rest(tmp_path):
    root = host(tmp_path, {"/etc/systemd/network/05-all.network": "[Network]\nDHCP=yes\n",
                           "/etc/systemd/network/10-eth0.network": "[Match]\nName=eth0\n"})
    facts = collect(root)
    assert by_name(facts)["eth0"]["configured_by"] == []
    assert facts["warnings"] == ["/etc/systemd/network/10-eth0.network line 2 matches eth0 too, but networkd applies only the "
                                 "first matching file, /etc/systemd/network/05-all.network"]


def test_networkd_owner_comes_from_the_link_state(tmp_path):
    state = "# This is private data. Do not parse.\nADMIN_STATE=%s\nNETWORK_FILE=/etc/systemd/network/10-eth0.network\n"
    files = {"/etc/systemd/network/10-eth0.network": "[Match]\nName=eth0\n", "/proc/300/comm": "systemd-network\n"}
    for admin, owner in (("configured", "networkd"), ("configuring", "networkd"), ("unmanaged", None), ("linger", None)):
        root = host(tmp_path.joinpath(admin), dict(files, **{"/run/systemd/netif/links/2": state % admin}))
        assert by_name(collect(root))["eth0"]["owner"] == owner, admin
    # networkd not running: its state files say nothing
    root = host(tmp_path.joinpath("stopped"), {"/run/systemd/netif/links/2": state % "configured"})
    assert by_name(collect(root))["eth0"]["owner"] is None


# --- NetworkManager: keyfile names, modes, bindings, uuids ------------------------------------

KEYFILE = "[connection]\nid=%s\nuuid=%s\ntype=ethernet\n%s\n[ethernet]\n%s\n"


def test_networkmanager_keyfile_names_it_ignores(tmp_path):
    profile = KEYFILE % ("p", "11111111-2222-3333-4444-555555555555", "interface-name=eth0", "")
    names = [".hidden", "eth0~", "eth0.nmconnection.Ab3dE9", "ca.pem", "key.DER", "no-suffix", "eth0.nmconnection"]
    files = dict(("/etc/NetworkManager/system-connections/" + name, profile) for name in names)
    files["/run/NetworkManager/system-connections/no-suffix-in-run"] = profile
    files["/usr/lib/NetworkManager/system-connections/vendor.nmconnection"] = profile
    root = host(tmp_path, files, modes=dict((path, 0o600) for path in files))
    paths = [f["path"] for f in by_name(collect(root))["eth0"]["config_files"]]
    # /etc needs no suffix (backward compatibility); /run and /usr/lib do
    assert paths == ["/etc/NetworkManager/system-connections/eth0.nmconnection",
                     "/etc/NetworkManager/system-connections/no-suffix",
                     "/usr/lib/NetworkManager/system-connections/vendor.nmconnection"]


def test_networkmanager_ignores_a_keyfile_others_may_read(tmp_path):
    path = "/etc/NetworkManager/system-connections/eth0.nmconnection"
    root = host(tmp_path, {path: KEYFILE % ("p", "", "interface-name=eth0", "")}, modes={path: 0o644})
    facts = collect(root)
    assert by_name(facts)["eth0"]["configured_by"] == []
    assert facts["warnings"] == ["%s is mode 0644; NetworkManager ignores a keyfile group or others may read or write "
                                 "(it wants 0600)" % path]


@pytest.mark.parametrize("binding, mac, expected", [
    ("interface-name=eth0", "", ("name", "eth0")),
    ("interface-name=eth0", "mac-address=52:54:00:12:34:56", ("name", "eth0")),
    ("interface-name=eth0", "mac-address=00:11:22:33:44:55", None),             # both must fit
    ("interface-name=eth3", "mac-address=52:54:00:12:34:56", ("mac", "eth3")),  # bound by MAC under another name
    ("", "mac-address=82;84;0;18;52;86;", ("mac", None)),                        # the legacy byte list
    ("", "mac-address=52:54:00:12:34:57", None),
])
def test_networkmanager_keyfile_bindings(tmp_path, binding, mac, expected):
    path = "/etc/NetworkManager/system-connections/x.nmconnection"
    root = host(tmp_path, {path: KEYFILE % ("x", "", binding, mac)}, modes={path: 0o600})
    files = by_name(collect(root))["eth0"]["config_files"]
    assert [(f["matches"], f["name"]) for f in files] == ([expected] if expected else [])


def test_networkmanager_uuids_derived_as_networkmanager_derives_them():
    # NetworkManager 1.42.4 src/libnm-core-impl/tests/test-general.c test vectors
    assert netif._uuid(__import__("hashlib").md5(b"/etc/NetworkManager/system-connections/em1").digest()) == \
        "59c0547b-7fe2-1c15-2cce-e328e8bf6742"
    assert netif.nm_ifcfg_uuid("/etc/NetworkManager/system-connections/em1") == "59c0547b-7fe2-1c15-2cce-e328e8bf6742"
    ns1 = netif._NM_UUID_NS_1
    assert netif._uuid(__import__("hashlib").md5(ns1 + b"a\0\0").digest(), 3) == "01ad0e06-6c50-3384-8d86-ddab81421425"
    assert netif._uuid(__import__("hashlib").md5(ns1 + b"").digest(), 3) == "b07c334a-399b-32de-8d50-58e4e08f98e3"


def test_networkmanager_owner_through_a_keyfile_without_uuid(tmp_path):
    path = "/etc/NetworkManager/system-connections/eth0.nmconnection"
    files = {path: "[connection]\nid=eth0\ntype=ethernet\ninterface-name=eth0\n", "/proc/9/comm": "NetworkManager\n",
             "/run/NetworkManager/devices/2": "[device]\nmanaged=true\nconnection-uuid=%s\n" % netif.nm_keyfile_uuid(path)}
    root = host(tmp_path, files, modes={path: 0o600})
    assert by_name(collect(root))["eth0"]["owner"] == "networkmanager"


@pytest.mark.parametrize("device, owner", [
    ("[device]\nmanaged=false\n", None),
    ("[device]\nmanaged=true\n", None),                                       # managed, but no profile active
    ("[device]\nmanaged=yes\nconnection-uuid=0b8f0ed4-1d9e-4ea0-9e2c-0b9a6f6a2a11\n", "networkmanager"),  # in memory
    ("[device]\nmanaged=1\nconnection-uuid=11111111-2222-3333-4444-555555555555\n", "ifcfg"),
])
def test_networkmanager_device_state(tmp_path, device, owner):
    files = {"/etc/sysconfig/network-scripts/ifcfg-eth0": "DEVICE=eth0\nUUID=11111111-2222-3333-4444-555555555555\n",
             "/proc/9/comm": "NetworkManager\n", "/run/NetworkManager/devices/2": device}
    assert by_name(collect(host(tmp_path, files)))["eth0"]["owner"] == owner


def test_networkmanager_plugins_from_its_configuration(tmp_path):
    files = {
        "/usr/sbin/NetworkManager": "",
        "/etc/NetworkManager/NetworkManager.conf": "[main]\nplugins=ifcfg-rh\n",
        "/usr/lib/NetworkManager/conf.d/00-vendor.conf": "[main]\nplugins=ibft\n",   # read before NetworkManager.conf
        "/usr/lib/NetworkManager/conf.d/10-shadowed.conf": "[main]\nplugins-=ifcfg-rh\n",
        "/etc/NetworkManager/conf.d/10-shadowed.conf": "# shadows the vendor file of the same name\n",
        "/run/NetworkManager/conf.d/20-run.conf": "[main]\nplugins+=ifupdown\n",     # before NetworkManager.conf too
        "/etc/NetworkManager/conf.d/90-add.conf": "[main]\nplugins+=ifupdown,keyfile\n",
    }
    facts = collect(host(tmp_path, files))
    assert facts["systems"]["networkmanager"]["plugins"] == ["ifcfg-rh", "ifupdown", "keyfile"]


@pytest.mark.parametrize("release, plugins", [
    ('ID="rhel"\nVERSION_ID="8.8"\n', ["ifcfg-rh", "keyfile"]),
    ('ID="centos"\nVERSION_ID="7"\n', ["ifcfg-rh", "keyfile"]),
    ('ID="rocky"\nVERSION_ID="9.3"\n', ["keyfile", "ifcfg-rh"]),
    ('ID="almalinux"\nVERSION_ID="10.0"\n', ["keyfile"]),
    ('ID=debian\nVERSION_ID="12"\n', ["keyfile"]),
])
def test_networkmanager_default_plugins_when_no_file_sets_them(tmp_path, release, plugins):
    facts = collect(host(tmp_path, {"/usr/sbin/NetworkManager": "", "/etc/os-release": release}))
    assert facts["systems"]["networkmanager"]["plugins"] == plugins


# --- ifcfg and initscripts --------------------------------------------------------------------

def test_ifcfg_names_and_the_initscripts_owner(tmp_path):
    scripts = "/etc/sysconfig/network-scripts/"
    files = {
        scripts + "ifcfg-eth0": "# initscripts own it\nTYPE=Ethernet\nDEVICE='eth0'\nBOOTPROTO=dhcp\nNM_CONTROLLED=no\n",
        scripts + "ifcfg-eth0.bak": "DEVICE=eth0\n", scripts + "ifcfg-eth0~": "DEVICE=eth0\n",
        scripts + "ifcfg-eth0.rpmnew": "DEVICE=eth0\n", scripts + "ifcfg-eth0;5f3a9b2c": "DEVICE=eth0\n",
        scripts + "ifcfg-lo": "DEVICE=lo\n", scripts + "route-eth0": "ADDRESS0=10.0.0.0\n",
        scripts + "ifcfg-other": "DEVICE=eth0\nHWADDR=00:11:22:33:44:55\n",  # bound to another NIC
    }
    facts = collect(host(tmp_path, files))
    nic = by_name(facts)["eth0"]
    assert [(f["path"], f["line"]) for f in nic["config_files"]] == [(scripts + "ifcfg-eth0", 3)]
    assert nic["owner"] == "ifcfg"  # NM_CONTROLLED=no and nothing else runs it
    assert facts["systems"]["ifcfg"] == {"present": True}


def test_ifcfg_bound_by_mac_under_the_old_name_is_a_lost_nic(tmp_path):
    """The seed story on EL: ifcfg-eth3 holds the USB NIC's HWADDR, the NIC came up as eth5."""
    usb = dict(NIC[0], name="eth5", devpath="/sys/devices/pci0000:00/0000:00:07.0/usb1/1-1/1-1:1.0/net/eth5",
               driver="/sys/bus/usb/drivers/asix", subsystem="/sys/bus/usb")
    files = {"/etc/sysconfig/network-scripts/ifcfg-eth3": "DEVICE=eth3\nHWADDR=52:54:00:12:34:56\nIPADDR=192.0.2.10\n"}
    facts = collect(host(tmp_path, files, [usb]))
    nic = by_name(facts)["eth5"]
    assert nic["config_files"] == [{"system": "ifcfg", "path": "/etc/sysconfig/network-scripts/ifcfg-eth3",
                                    "matches": "mac", "line": 2, "ids": ["eth3"], "name": "eth3"}]
    found = netif.finding(facts)
    assert found["status"] == "fail"
    assert "eth5 (MAC 52:54:00:12:34:56) is configured by /etc/sysconfig/network-scripts/ifcfg-eth3 under the name eth3" \
        in found["summary"]
    assert found["evidence"]["stale_config"] == [{"interface": "eth5", "mac": "52:54:00:12:34:56", "owner": None,
                                                  "file": "/etc/sysconfig/network-scripts/ifcfg-eth3", "system": "ifcfg",
                                                  "names": "eth3"}]


def test_a_movable_nic_configured_by_its_kernel_name_is_named_in_the_warning(tmp_path):
    usb = dict(NIC[0], name="eth3", devpath="/sys/devices/pci0000:00/0000:00:07.0/usb1/1-1/1-1:1.0/net/eth3",
               driver="/sys/bus/usb/drivers/asix", subsystem="/sys/bus/usb")
    files = {"/etc/network/interfaces": "auto eth3\niface eth3 inet static\n  address 192.0.2.10/24\n"}
    found = netif.finding(collect(host(tmp_path, files, [usb])))
    assert found["status"] == "warn"
    assert "eth3 (usb, configured by that name in /etc/network/interfaces)" in found["summary"]
    assert found["evidence"]["configured_by_name"] == {"eth3": ["/etc/network/interfaces"]}


# --- ifupdown: includes ------------------------------------------------------------------------

def test_ifupdown_follows_source_and_source_directory(tmp_path):
    files = {
        "/etc/network/interfaces": "source interfaces.d/*\nsource-directory /etc/network/more\n",
        "/etc/network/interfaces.d/a": "allow-hotplug eth0 \\\n  eth1\n",
        "/etc/network/interfaces.d/.hidden": "iface eth0 inet dhcp\n",
        "/etc/network/more/10_ok": "# comment\niface eth0 inet dhcp\n",
        "/etc/network/more/skipped.cfg": "iface eth0 inet dhcp\n",        # source-directory takes [A-Za-z0-9_-] names
        "/etc/network/more/loop": "source /etc/network/interfaces\n",      # read once, as ifupdown does
    }
    facts = collect(host(tmp_path, files))
    assert [(f["path"], f["line"], f["ids"]) for f in by_name(facts)["eth0"]["config_files"]] == [
        ("/etc/network/interfaces.d/a", 1, ["eth0", "eth1"]), ("/etc/network/more/10_ok", 2, ["eth0"])]
    assert facts["warnings"] == []


def test_ifupdown_sources_nested_too_deep_are_named(tmp_path):
    files = dict(("/etc/network/n%d" % index, "source n%d\n" % (index + 1)) for index in range(12))
    files["/etc/network/interfaces"] = "source n0\n"
    files["/etc/network/n12"] = "iface eth0 inet dhcp\n"
    facts = collect(host(tmp_path, files))
    assert by_name(facts)["eth0"]["configured_by"] == []
    assert facts["warnings"] == ["/etc/network/n7 line 1: source /etc/network/n8 - sources nested deeper than 8; not followed"]


def test_ifupdown_state_makes_it_the_owner(tmp_path):
    files = {"/etc/network/interfaces": "iface eth0 inet dhcp\n", "/run/network/ifstate.eth0": "eth0\n"}
    assert by_name(collect(host(tmp_path, files)))["eth0"]["owner"] == "ifupdown"
    files["/run/network/ifstate.eth0"] = "\n"  # ifdown leaves the file empty
    assert by_name(collect(host(tmp_path.joinpath("down"), files)))["eth0"]["owner"] is None


def test_two_systems_running_one_nic_leave_the_owner_null_and_say_so(tmp_path):
    files = {"/proc/9/comm": "NetworkManager\n", "/proc/10/comm": "systemd-network\n",
             "/run/NetworkManager/devices/2": "[device]\nmanaged=true\nconnection-uuid=0b8f0ed4-1d9e-4ea0-9e2c-0b9a6f6a2a11\n",
             "/run/systemd/netif/links/2": "ADMIN_STATE=configured\nNETWORK_FILE=/etc/systemd/network/x.network\n"}
    facts = collect(host(tmp_path, files))
    assert by_name(facts)["eth0"]["owner"] is None
    assert facts["warnings"] == ["eth0 is taken by networkd and networkmanager at once (/run/systemd/netif/links/2, "
                                 "/run/NetworkManager/devices/2); owner left null"]
