"""Deciding persistent names: validation, the configuration system, the files, and what is moved
out of the way (seed story 7, issue 16)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import configparser

import pytest
import yaml

from ansible_collections.fleetfix.kernel.plugins.plugin_utils import net_plan

USB = {"name": "enx525400123499", "mac": "52:54:00:12:34:99", "permanent_mac": True, "addr_assign_type": "permanent",
       "devpath": "/sys/devices/pci0000:00/0000:00:07.0/usb1/1-1/1-1:1.0/net/enx525400123499",
       "id_path": "pci-0000:00:07.0-usb-0:1:1.0"}
MGMT = {"name": "ens2", "mac": "52:54:00:f1:ee:01", "permanent_mac": True, "addr_assign_type": "permanent",
        "devpath": "/sys/devices/pci0000:00/0000:00:02.0/virtio1/net/ens2", "id_path": "pci-0000:00:02.0"}
RANDOM = dict(USB, name="usb0", mac="e6:3b:1f:0a:2c:55", permanent_mac=False, addr_assign_type="random")
# What net_iface_facts reports about the configuration systems (issue 16): every one present here,
# networkd and NetworkManager running, netplan rendering for networkd.
SYSTEMS = {"netplan": {"present": True, "files": [], "renderer": "networkd"},
           "networkmanager": {"present": True, "running": True, "plugins": ["keyfile"]},
           "networkd": {"present": True, "running": True}, "ifupdown": {"present": True}, "ifcfg": {"present": True}}
FACTS = {"interfaces": [MGMT, USB], "pins": [], "systems": SYSTEMS}
WANT = [{"name": "usbnet0", "mac": "52:54:00:12:34:99", "method": "static", "address": "192.0.2.10/24"}]


def make_plan(facts, want, **kwargs):
    """The planner with an explicit configuration system (ifupdown unless given) and, for facts
    built without them, this module's systems."""
    kwargs.setdefault("config_system", "ifupdown")
    facts = dict(facts)
    facts.setdefault("systems", SYSTEMS)
    return net_plan.plan(facts, want, **kwargs)


def test_link_file_and_ifupdown_stanza_on_new_systemd():
    plan = make_plan(FACTS, WANT, systemd_version=252)
    assert plan["pin_method"] == "link"
    files = dict((f["path"], f["content"]) for f in plan["files"])
    assert "[Match]\nMACAddress=52:54:00:12:34:99\n\n[Link]\nName=usbnet0\n" in files["/etc/systemd/network/10-fleetfix-usbnet0.link"]
    stanza = files["/etc/network/interfaces.d/fleetfix-usbnet0"]
    assert "allow-hotplug usbnet0\niface usbnet0 inet static\n    address 192.0.2.10/24\n" in stanza
    assert [p["current_name"] for p in plan["renames"]] == ["enx525400123499"]


def test_udev_rule_before_systemd_209():
    plan = make_plan(FACTS, WANT, systemd_version=204)  # Ubuntu 14.04
    rules = plan["files"][0]
    assert rules["path"] == "/etc/udev/rules.d/70-fleetfix-persistent-net.rules"
    assert 'ATTR{address}=="52:54:00:12:34:99", ATTR{type}=="1", NAME="usbnet0"' in rules["content"]


def test_ifcfg_on_el():
    plan = make_plan(FACTS, WANT, systemd_version=219, config_system="ifcfg")
    ifcfg = dict((f["path"], f["content"]) for f in plan["files"])["/etc/sysconfig/network-scripts/ifcfg-usbnet0"]
    assert "HWADDR=52:54:00:12:34:99\n" in ifcfg and "IPADDR=192.0.2.10\nPREFIX=24\n" in ifcfg


def test_random_mac_is_refused_and_path_offered():
    with pytest.raises(net_plan.NetPlanError) as err:
        make_plan({"interfaces": [MGMT, RANDOM]}, [{"name": "usbnet0", "mac": RANDOM["mac"]}], systemd_version=252)
    assert "usb0 has a random MAC" in str(err.value) and "pin_by: path" in str(err.value)
    by_path = [{"name": "usbnet0", "match_current_name": "usb0", "pin_by": "path"}]
    plan = make_plan({"interfaces": [MGMT, RANDOM]}, by_path, systemd_version=252)
    assert "Path=pci-0000:00:07.0-usb-0:1:1.0" in plan["files"][0]["content"]
    udev = make_plan({"interfaces": [MGMT, RANDOM]}, by_path, pin_method="udev")
    assert 'KERNELS=="1-1:1.0"' in udev["files"][0]["content"]


@pytest.mark.parametrize("want,message", [
    ([{"name": "averyveryverylongname", "mac": USB["mac"]}], "is 21 characters; the kernel allows 15"),
    ([{"name": "usb net", "mac": USB["mac"]}], "may hold only letters"),
    ([{"name": "usbnet0", "mac": "52:54:00:12:34"}], "'52:54:00:12:34' is not a MAC address"),
    ([{"name": "usbnet0", "mac": "02:00:00:00:00:01"}], "no interface on this host has MAC 02:00:00:00:00:01"),
    ([{"name": "usbnet0", "mac": USB["mac"]}, {"name": "usbnet0", "match_current_name": "ens2"}],
     "name 'usbnet0' is already given to fleetfix_net_interfaces[1]"),
    ([{"name": "usbnet0"}], "needs mac or match_current_name"),
    ([{"name": "usbnet0", "mac": USB["mac"], "method": "static"}], "method static needs address"),
    ([{"name": "lan0", "match_current_name": "ens2"}], "ens2 carries this Ansible connection"),
])
def test_bad_requests_are_named(want, message):
    with pytest.raises(net_plan.NetPlanError) as err:
        make_plan(FACTS, want, systemd_version=252, connection_interface="ens2")
    assert message in str(err.value)


def test_kernel_namespace_names_warn():
    plan = make_plan(FACTS, [{"name": "eth3", "mac": USB["mac"]}], systemd_version=252)
    assert "kernel's own namespace" in plan["warnings"][0]


# ---- issue 14: every value written into a file is checked against what reads it

def _files(plan):
    return dict((f["path"], f["content"]) for f in plan["files"])


def test_ipv4_gateway_in_ifcfg_and_ifupdown():
    want = [dict(WANT[0], gateway="192.0.2.1")]
    ifcfg = _files(make_plan(FACTS, want, systemd_version=219, config_system="ifcfg"))
    assert "IPADDR=192.0.2.10\nPREFIX=24\nGATEWAY=192.0.2.1\n" in ifcfg["/etc/sysconfig/network-scripts/ifcfg-usbnet0"]
    stanza = _files(make_plan(FACTS, want, systemd_version=252))["/etc/network/interfaces.d/fleetfix-usbnet0"]
    assert stanza.endswith("iface usbnet0 inet static\n    address 192.0.2.10/24\n    gateway 192.0.2.1\n")


def test_ipv6_is_rendered_as_ipv6():
    want = [{"name": "usbnet0", "mac": USB["mac"], "method": "static", "address": "2001:DB8:0::10/64",
             "gateway": "fe80::1"}]  # a link-local router is outside the prefix, and fine
    stanza = _files(make_plan(FACTS, want, systemd_version=252))["/etc/network/interfaces.d/fleetfix-usbnet0"]
    assert stanza.endswith("iface usbnet0 inet6 static\n    address 2001:db8::10/64\n    gateway fe80::1\n")
    ifcfg = _files(make_plan(FACTS, want, systemd_version=219, config_system="ifcfg"))
    assert "IPV6INIT=yes\nIPV6ADDR=2001:db8::10/64\nIPV6_DEFAULTGW=fe80::1\n" in ifcfg[
        "/etc/sysconfig/network-scripts/ifcfg-usbnet0"]


def test_point_to_point_prefixes_have_no_network_address():
    for address in ("192.0.2.10/32", "192.0.2.10/31", "192.0.2.11/31", "2001:db8::/127"):
        make_plan(FACTS, [dict(WANT[0], address=address)], systemd_version=252)


def test_mac_is_normalised():
    plan = make_plan(FACTS, [{"name": "usbnet0", "mac": "52-54-00-12-34-99".upper()}], systemd_version=252)
    assert plan["pins"][0]["mac"] == "52:54:00:12:34:99"


def test_a_second_name_for_a_pinned_mac_is_refused_naming_the_rule():
    """The audit would fail the host with mac_pinned_twice."""
    pins = [{"file": "/etc/udev/rules.d/70-persistent-net.rules", "line": 3, "method": "udev", "name": "eth3",
             "mac": USB["mac"], "path": None}]
    with pytest.raises(net_plan.NetPlanError) as err:
        make_plan(dict(FACTS, pins=pins), WANT, systemd_version=252)
    assert "MAC 52:54:00:12:34:99 is already pinned to eth3 by /etc/udev/rules.d/70-persistent-net.rules:3" in str(err.value)
    ours = [dict(pins[0], file=net_plan.UDEV_RULES_FILE, name="usbnet9")]
    make_plan(dict(FACTS, pins=ours), WANT, pin_method="udev")  # our own file is rewritten whole
    same = [dict(pins[0], name="usbnet0")]
    make_plan(dict(FACTS, pins=same), WANT, systemd_version=252)  # the same name is no conflict


def test_id_path_udev_reports_is_checked_too():
    odd = dict(RANDOM, id_path="pci-0000:00:07.0\nMTUBytes=68")
    with pytest.raises(net_plan.NetPlanError) as err:
        make_plan({"interfaces": [MGMT, odd]}, [{"name": "usbnet0", "match_current_name": "usb0", "pin_by": "path"}],
                  systemd_version=252)
    assert "the ID_PATH udev reports for usb0" in str(err.value) and "is not a udev ID_PATH" in str(err.value)


def test_real_id_paths_pass():
    for id_path in ("pci-0000:00:07.0-usb-0:1:1.0", "platform-fe300000.mmc", "acpi-LNXVIDEO:00",
                    "platform-3f980000.usb-usb-0:1.1:1.0", "pci-0000:00:14.0-usb-0:2:1.0", "pci-0000:03:00.0-scsi-0:0:0:0"):
        assert net_plan.check_id_path(id_path, "x") == id_path


# ---- issue 16: netplan, NetworkManager and networkd; auto; the old configuration moved away

HEADER = "# Managed by fleetfix.kernel.persistent_net (fleetfix_net_interfaces).\n"
STATIC = [dict(WANT[0], gateway="192.0.2.1")]
KEYFILE_UUID = net_plan.keyfile_uuid("usbnet0")


def _by_path(plan):
    return dict((f["path"], f) for f in plan["files"])


def test_keyfile_uuid_is_stable_and_per_name():
    assert KEYFILE_UUID == "245ac7e0-7e3c-5cfa-9805-abc8fd583300"  # the same on every host and every run
    assert net_plan.keyfile_uuid("usbnet1") != KEYFILE_UUID


EXPECTED_STATIC = {
    "netplan": ("/etc/netplan/60-fleetfix-usbnet0.yaml", "0600", HEADER + (
        'network:\n'
        '  version: 2\n'
        '  ethernets:\n'
        '    "usbnet0":\n'
        '      renderer: networkd\n'
        '      match:\n'
        '        macaddress: "52:54:00:12:34:99"\n'
        '      set-name: "usbnet0"\n'
        '      addresses:\n'
        '        - "192.0.2.10/24"\n'
        '      routes:\n'
        '        - to: default\n'
        '          via: "192.0.2.1"\n')),
    "networkmanager": ("/etc/NetworkManager/system-connections/fleetfix-usbnet0.nmconnection", "0600", HEADER + (
        "[connection]\n"
        "id=fleetfix-usbnet0\n"
        "uuid=%s\n"
        "type=ethernet\n"
        "interface-name=usbnet0\n"
        "autoconnect=true\n"
        "\n"
        "[ethernet]\n"
        "mac-address=52:54:00:12:34:99\n"
        "\n"
        "[ipv4]\n"
        "method=manual\n"
        "address1=192.0.2.10/24,192.0.2.1\n"
        "\n"
        "[ipv6]\n"
        "method=ignore\n" % KEYFILE_UUID)),
    "networkd": ("/etc/systemd/network/10-fleetfix-usbnet0.network", "0644", HEADER + (
        "[Match]\n"
        "Name=usbnet0\n"
        "\n"
        "[Network]\n"
        "Address=192.0.2.10/24\n"
        "Gateway=192.0.2.1\n")),
    "ifupdown": ("/etc/network/interfaces.d/fleetfix-usbnet0", "0644", HEADER + (
        "allow-hotplug usbnet0\n"
        "iface usbnet0 inet static\n"
        "    address 192.0.2.10/24\n"
        "    gateway 192.0.2.1\n")),
    "ifcfg": ("/etc/sysconfig/network-scripts/ifcfg-usbnet0", "0644", HEADER + (
        "DEVICE=usbnet0\n"
        "NAME=usbnet0\n"
        "HWADDR=52:54:00:12:34:99\n"
        "BOOTPROTO=none\n"
        "ONBOOT=yes\n"
        "TYPE=Ethernet\n"
        "IPADDR=192.0.2.10\n"
        "PREFIX=24\n"
        "GATEWAY=192.0.2.1\n")),
}


@pytest.mark.parametrize("system", sorted(EXPECTED_STATIC))
def test_every_system_renders_byte_for_byte_with_its_mode(system):
    plan = make_plan(FACTS, STATIC, systemd_version=252, config_system=system)
    path, mode, content = EXPECTED_STATIC[system]
    files = _by_path(plan)
    assert files[path] == {"path": path, "content": content, "mode": mode}
    assert files["/etc/systemd/network/10-fleetfix-usbnet0.link"]["mode"] == "0644"
    assert sorted(files) == sorted([path, "/etc/systemd/network/10-fleetfix-usbnet0.link"])
    pin = plan["pins"][0]
    assert (pin["config_system"], pin["config_file"], pin["moves"]) == (system, path, [])
    assert plan["config_systems"] == [system] and plan["removals"] == []
    assert plan["reload"] == {"netplan": ["netplan", "networkd"], "networkd": ["networkd"],
                              "networkmanager": ["networkmanager"]}.get(system, [])


def test_the_udev_rule_file_has_its_mode_too():
    plan = make_plan(FACTS, STATIC, pin_method="udev", config_system="none")
    assert plan["files"] == [{"path": net_plan.UDEV_RULES_FILE, "content": plan["files"][0]["content"], "mode": "0644"}]
    assert plan["pins"][0]["config_file"] is None and plan["config_systems"] == [] and plan["reload"] == []


def _render(system, want, facts=None):
    plan = make_plan(facts or FACTS, want, systemd_version=252, config_system=system)
    return [f["content"] for f in plan["files"] if not f["path"].endswith(".link")][0]


def test_netplan_dhcp_ipv6_manual_and_pin_by_path():
    dhcp = _render("netplan", [{"name": "usbnet0", "mac": USB["mac"]}])
    assert dhcp.endswith('      set-name: "usbnet0"\n      dhcp4: true\n      dhcp6: true\n')
    six = _render("netplan", [{"name": "usbnet0", "mac": USB["mac"], "method": "static", "address": "2001:db8::10/64",
                               "gateway": "fe80::1"}])
    assert six.endswith('      addresses:\n        - "2001:db8::10/64"\n      routes:\n        - to: default\n'
                        '          via: "fe80::1"\n')
    manual = _render("netplan", [{"name": "usbnet0", "mac": USB["mac"], "method": "manual"}])
    assert manual.endswith('      set-name: "usbnet0"\n')
    # no permanent MAC to match: the id alone names the (pinned) interface, no set-name
    by_path = _render("netplan", [{"name": "usbnet0", "match_current_name": "usb0", "pin_by": "path"}],
                      facts=dict(FACTS, interfaces=[MGMT, RANDOM]))
    assert by_path == HEADER + ('network:\n  version: 2\n  ethernets:\n    "usbnet0":\n      renderer: networkd\n'
                                '      dhcp4: true\n      dhcp6: true\n')
    assert "gateway4" not in six and "52:54" not in by_path


def test_netplan_renderer_is_the_hosts_on_the_device_only():
    nm_host = dict(FACTS, systems=dict(SYSTEMS, netplan={"present": True, "renderer": "NetworkManager"}))
    content = _render("netplan", WANT, nm_host)
    parsed = yaml.safe_load(content)["network"]
    assert "renderer" not in parsed and parsed["ethernets"]["usbnet0"]["renderer"] == "NetworkManager"
    assert make_plan(nm_host, WANT, systemd_version=252, config_system="netplan")["reload"] == ["netplan", "networkmanager"]
    unset = dict(FACTS, systems=dict(SYSTEMS, netplan={"present": True, "renderer": None}))
    assert "renderer" not in _render("netplan", WANT, unset)
    odd = dict(FACTS, systems=dict(SYSTEMS, netplan={"present": True, "renderer": "networkd\n  x: 1"}))
    with pytest.raises(net_plan.NetPlanError) as err:
        make_plan(odd, WANT, systemd_version=252, config_system="netplan")
    assert "netplan's renderer on this host is 'networkd\\n  x: 1'" in str(err.value)


def test_netplan_yaml_reads_back_as_written_even_for_names_yaml_1_1_would_turn():
    """A name like 'yes', 'off' or 'null' is a boolean or nothing to YAML 1.1 unquoted; a MAC of
    pairs below 60 is a sexagesimal number. Quoted, each reads back as the string."""
    for name in ("yes", "off", "null", "on", "n", "e1", "inf", "nan"):
        facts = dict(FACTS, interfaces=[MGMT, dict(USB, mac="00:11:22:33:44:55")])
        content = _render("netplan", [{"name": name, "mac": "00:11:22:33:44:55", "method": "static",
                                       "address": "192.0.2.10/24", "gateway": "192.0.2.1"}], facts)
        device = yaml.safe_load(content)["network"]["ethernets"][name]
        assert device == {"renderer": "networkd", "match": {"macaddress": "00:11:22:33:44:55"}, "set-name": name,
                          "addresses": ["192.0.2.10/24"], "routes": [{"to": "default", "via": "192.0.2.1"}]}


def _ini(content):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read_string(content)
    return dict((section, dict(parser[section])) for section in parser.sections())


def test_keyfile_ipv6_dhcp_manual_and_pin_by_path():
    six = _ini(_render("networkmanager", [{"name": "usbnet0", "mac": USB["mac"], "method": "static",
                                           "address": "2001:db8::10/64", "gateway": "fe80::1"}]))
    assert six["ipv4"] == {"method": "disabled"}
    assert six["ipv6"] == {"method": "manual", "address1": "2001:db8::10/64,fe80::1"}
    dhcp = _ini(_render("networkmanager", [{"name": "usbnet0", "mac": USB["mac"]}]))
    assert (dhcp["ipv4"], dhcp["ipv6"]) == ({"method": "auto"}, {"method": "auto"})
    manual = _ini(_render("networkmanager", [{"name": "usbnet0", "mac": USB["mac"], "method": "manual"}]))
    assert (manual["ipv4"], manual["ipv6"]) == ({"method": "disabled"}, {"method": "ignore"})
    no_gateway = _ini(_render("networkmanager", WANT))
    assert no_gateway["ipv4"] == {"method": "manual", "address1": "192.0.2.10/24"}
    by_path = _ini(_render("networkmanager", [{"name": "usbnet0", "match_current_name": "usb0", "pin_by": "path"}],
                           facts=dict(FACTS, interfaces=[MGMT, RANDOM])))
    assert "ethernet" not in by_path  # its MAC changes at every boot: bound by the pinned name only
    assert by_path["connection"]["interface-name"] == "usbnet0"


def test_networkd_dhcp_manual_and_ipv6():
    assert _render("networkd", [{"name": "usbnet0", "mac": USB["mac"]}]).endswith("[Network]\nDHCP=yes\n")
    assert _render("networkd", [{"name": "usbnet0", "mac": USB["mac"], "method": "manual"}]).endswith("[Network]\nDHCP=no\n")
    six = _ini(_render("networkd", [{"name": "usbnet0", "mac": USB["mac"], "method": "static",
                                     "address": "2001:db8::10/64", "gateway": "fe80::1"}]))
    assert six == {"Match": {"Name": "usbnet0"}, "Network": {"Address": "2001:db8::10/64", "Gateway": "fe80::1"}}


def test_renderers_refuse_a_value_that_would_break_out_of_its_format():
    """Everything rendered was checked before (check_entry); the renderers check once more, so a
    value that reached them another way still cannot add a line, a key or a quote."""
    pin = {"name": "usbnet0", "mac": USB["mac"], "pin_by": "mac", "method": "static", "address": "192.0.2.10/24",
           "gateway": "192.0.2.1", "family": "inet"}
    for key, value in (("name", 'usbnet0"\n      dhcp4: true'), ("name", "usbnet0\n[ipv4]"), ("address", "192.0.2.10/24 x"),
                       ("gateway", "192.0.2.1\nDNS=1.1.1.1"), ("mac", '52:54:00:12:34:99"'), ("name", "usb#0"),
                       ("name", "usb;0"), ("gateway", "192.0.2.1,192.0.2.2")):
        for system in ("netplan", "networkmanager", "networkd", "ifupdown", "ifcfg"):
            with pytest.raises(net_plan.NetPlanError) as err:
                net_plan.render_config(system, dict(pin, **{key: value}), "x", "networkd")
            assert "refusing to write" in str(err.value)


# ---- auto

def _iface(owner=None, configured_by=(), config_files=(), **kwargs):
    return dict(USB, owner=owner, configured_by=list(configured_by), config_files=list(config_files), **kwargs)


def _entry(system, path, ids, matches="name"):
    return {"system": system, "path": path, "matches": matches, "line": 1, "ids": list(ids)}


def test_auto_takes_the_owner():
    facts = dict(FACTS, interfaces=[MGMT, _iface(owner="networkd", configured_by=["networkd", "ifupdown"])])
    plan = net_plan.plan(facts, WANT, systemd_version=252)
    assert plan["pins"][0]["config_system"] == "networkd" and plan["config_system"] == "auto"


def test_auto_takes_the_single_system_whose_files_name_it_and_moves_that_file():
    old = _entry("ifupdown", "/etc/network/interfaces.d/enx525400123499", ["enx525400123499"])
    facts = dict(FACTS, interfaces=[MGMT, _iface(configured_by=["ifupdown"], config_files=[old])])
    plan = net_plan.plan(facts, WANT, systemd_version=252)
    assert plan["pins"][0]["config_system"] == "ifupdown"
    to = "/var/lib/fleetfix/persistent_net/disabled/etc_network_interfaces.d_enx525400123499"
    assert plan["removals"] == [{"path": old["path"], "to": to}]
    assert plan["pins"][0]["moves"] == [{"path": old["path"], "to": to, "system": "ifupdown"}]


def test_auto_reads_older_facts_spelling_networkmanager():
    facts = dict(FACTS, interfaces=[MGMT, _iface(configured_by=["NetworkManager"])])
    assert net_plan.plan(facts, WANT, systemd_version=252)["pins"][0]["config_system"] == "networkmanager"


def test_auto_refuses_when_nothing_configures_the_nic_naming_what_it_looked_for():
    systems = {"ifupdown": {"present": True}, "networkd": {"present": True, "running": True},
               "netplan": {"present": False}, "networkmanager": {"present": False, "running": False},
               "ifcfg": {"present": False}}
    facts = dict(FACTS, systems=systems, interfaces=[MGMT, _iface()])
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    assert str(err.value) == (
        "fleetfix_net_interfaces[1]: no configuration system owns enx525400123499: looked for ifupdown, ifcfg, "
        "netplan, networkmanager, networkd; none configures it or runs it (on this host: ifupdown present, "
        "networkd running) - set fleetfix_net_config_system")


def test_auto_refuses_several_candidates_naming_their_files():
    files = [_entry("ifupdown", "/etc/network/interfaces.d/usb", ["enx525400123499"]),
             _entry("networkd", "/etc/systemd/network/20-usb.network", ["enx525400123499"], "mac")]
    facts = dict(FACTS, interfaces=[MGMT, _iface(configured_by=["ifupdown", "networkd"], config_files=files)])
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    message = str(err.value)
    assert "several configuration systems configure enx525400123499 and none of them runs it" in message
    assert "ifupdown (/etc/network/interfaces.d/usb), networkd (/etc/systemd/network/20-usb.network)" in message
    # told which, the role moves the other system's file too: it names the NIC by MAC
    plan = net_plan.plan(facts, WANT, systemd_version=252, config_system="networkd")
    assert [r["path"] for r in plan["removals"]] == ["/etc/network/interfaces.d/usb", "/etc/systemd/network/20-usb.network"]
    assert plan["config_systems"] == ["ifupdown", "networkd"]


def test_auto_refuses_a_candidate_that_is_not_on_the_host_and_an_unknown_owner():
    systems = dict(SYSTEMS, ifcfg={"present": False})
    facts = dict(FACTS, systems=systems, interfaces=[MGMT, _iface(
        configured_by=["ifcfg"], config_files=[_entry("ifcfg", "/etc/sysconfig/network-scripts/ifcfg-eth3", ["eth3"])])])
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    assert "is configured only by ifcfg files (/etc/sysconfig/network-scripts/ifcfg-eth3), but ifcfg is not present" in str(err.value)
    facts = dict(FACTS, interfaces=[MGMT, _iface(owner="wicked")])
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    assert "the facts say 'wicked' configures enx525400123499, a system the role does not write for" in str(err.value)


def test_an_explicit_system_must_be_present():
    facts = dict(FACTS, systems=dict(SYSTEMS, netplan={"present": False}))
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252, config_system="netplan")
    assert str(err.value).startswith("fleetfix_net_interfaces[1]: fleetfix_net_config_system is netplan, but netplan "
                                     "is not present on this host (found: ifupdown present, ifcfg present, "
                                     "networkmanager running, networkd running)")


def test_facts_without_systems_are_refused_unless_none():
    facts = {"interfaces": [MGMT, USB], "pins": []}
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252, config_system="ifupdown")
    assert "do not say which configuration systems this host has" in str(err.value)
    assert net_plan.plan(facts, WANT, systemd_version=252, config_system="none")["files"][0]["path"].endswith(".link")


@pytest.mark.parametrize("value", ["NetworkManager", "nmcli", "netplan apply", "", None, "IFUPDOWN"])
def test_unknown_config_system_is_refused(value):
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(FACTS, WANT, systemd_version=252, config_system=value)
    assert "fleetfix_net_config_system must be one of auto, ifupdown, ifcfg, netplan, networkmanager, networkd, none, " \
           "got %r" % (value,) in str(err.value)


def test_warnings_for_daemons_that_do_not_run():
    facts = dict(FACTS, systems=dict(SYSTEMS, networkd={"present": True, "running": False}))
    plan = net_plan.plan(facts, WANT, systemd_version=252, config_system="networkd")
    assert "networkd is installed but not running: /etc/systemd/network/10-fleetfix-usbnet0.network takes effect once " \
           "it runs" in plan["warnings"][0]
    assert plan["reload"] == []  # networkctl reload needs networkd running


# ---- the old configuration

CLOUD_INIT = "/etc/netplan/50-cloud-init.yaml"


def test_a_file_that_configures_only_this_nic_is_moved_the_role_s_own_files_are_not():
    files = [_entry("netplan", CLOUD_INIT, ["enx525400123499"], "mac"),
             _entry("netplan", "/etc/netplan/60-fleetfix-usbnet0.yaml", ["usbnet0"], "mac")]
    facts = dict(FACTS, interfaces=[MGMT, _iface(owner="netplan", configured_by=["netplan"], config_files=files)])
    plan = net_plan.plan(facts, WANT, systemd_version=252)
    assert plan["removals"] == [{"path": CLOUD_INIT, "to": "/var/lib/fleetfix/persistent_net/disabled/etc_netplan_50-cloud-init.yaml"}]
    assert plan["reload"] == ["netplan", "networkd"]


def test_a_file_that_configures_other_interfaces_too_is_refused_never_edited():
    shared = _entry("ifupdown", "/etc/network/interfaces.d/lan", ["enx525400123499", "eth1"])
    facts = dict(FACTS, interfaces=[MGMT, _iface(owner="ifupdown", configured_by=["ifupdown"], config_files=[shared])])
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    assert str(err.value) == (
        "fleetfix_net_interfaces[1]: /etc/network/interfaces.d/lan configures enx525400123499 and also eth1; the role "
        "does not edit a file that configures other interfaces - move the configuration of enx525400123499 into a "
        "file of its own (or delete it), then run again")


def test_a_file_another_interface_s_facts_name_is_shared_even_with_one_id():
    """A networkd Name=en* (one [Match]) configures every NIC it matches."""
    glob = _entry("networkd", "/etc/systemd/network/20-wired.network", ["en*"])
    facts = dict(FACTS, interfaces=[dict(MGMT, config_files=[glob]), _iface(owner="networkd", config_files=[glob])])
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    assert "20-wired.network configures enx525400123499 and also ens2;" in str(err.value)


def test_single_id_netplan_file_and_old_and_new_names_in_one_file_are_this_nic_s():
    for ids in (["lan"], ["enx525400123499", "usbnet0"], ["enx525400123499", "enx525400123499"]):
        entry = _entry("netplan", "/etc/netplan/01-lan.yaml", ids, "mac")
        facts = dict(FACTS, interfaces=[MGMT, _iface(owner="netplan", config_files=[entry])])
        assert [r["path"] for r in net_plan.plan(facts, WANT, systemd_version=252)["removals"]] == ["/etc/netplan/01-lan.yaml"]


def test_ifupdown_main_file_is_never_moved():
    main = _entry("ifupdown", "/etc/network/interfaces", ["enx525400123499"])
    facts = dict(FACTS, interfaces=[MGMT, _iface(owner="ifupdown", config_files=[main])])
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    assert "ifupdown's main file; the role does not move it - move the stanza into /etc/network/interfaces.d" in str(err.value)


def test_files_outside_the_systems_etc_directories_are_refused_run_is_left_alone():
    lib = _entry("networkd", "/usr/lib/systemd/network/80-usb.network", ["enx525400123499"], "mac")
    facts = dict(FACTS, interfaces=[MGMT, _iface(owner="networkd", config_files=[lib])])
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    assert "/usr/lib/systemd/network/80-usb.network configures enx525400123499; the role moves files only from" in str(err.value)
    run = _entry("networkd", "/run/systemd/network/10-netplan-enx525400123499.network", ["enx525400123499"], "mac")
    facts = dict(FACTS, interfaces=[MGMT, _iface(owner="networkd", config_files=[run])])
    plan = net_plan.plan(facts, WANT, systemd_version=252)
    assert plan["removals"] == [] and "it is under /run (generated at every boot)" in plan["warnings"][0]


@pytest.mark.parametrize("path", ["/etc/netplan/50-cloud-init.yaml\nx", "etc/netplan/a.yaml", "/etc/netplan/../shadow",
                                  "/etc/netplan/./a.yaml", "/etc/netplan//a.yaml", "/etc/netplan/", "/etc/netplan/a\x00",
                                  "/etc/netplan/a\x1b[31m.yaml", 7])
def test_hostile_paths_in_the_facts_are_refused(path):
    facts = dict(FACTS, interfaces=[MGMT, _iface(owner="netplan", config_files=[_entry("netplan", "/x", ["x"])])])
    facts["interfaces"][1]["config_files"][0]["path"] = path
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    assert "is not a clean absolute path" in str(err.value) or "not {system, path, ids}" in str(err.value)


def test_a_locale_named_networkmanager_profile_is_moved():
    path = u"/etc/NetworkManager/system-connections/\u6709\u7ebf\u8fde\u63a5 1.nmconnection"
    facts = dict(FACTS, interfaces=[MGMT, _iface(owner="networkmanager", config_files=[
        _entry("networkmanager", path, ["enx525400123499"], "mac")])])
    plan = net_plan.plan(facts, WANT, systemd_version=252)
    to = u"/var/lib/fleetfix/persistent_net/disabled/etc_NetworkManager_system-connections_\u6709\u7ebf\u8fde\u63a5 1.nmconnection"
    assert plan["removals"] == [{"path": path, "to": to}]


NETPLAN_PIN = {"file": CLOUD_INIT, "line": 9, "method": "netplan", "name": "enp0s1", "mac": USB["mac"], "path": None}


def test_a_netplan_set_name_pin_for_the_mac_under_another_name_is_moved_with_its_file():
    entry = _entry("netplan", CLOUD_INIT, ["enp0s1"], "mac")
    facts = dict(FACTS, pins=[NETPLAN_PIN], interfaces=[MGMT, _iface(owner="netplan", config_files=[entry])])
    plan = net_plan.plan(facts, WANT, systemd_version=252, config_system="networkmanager")
    assert [r["path"] for r in plan["removals"]] == [CLOUD_INIT]
    assert plan["config_systems"] == ["netplan", "networkmanager"] and plan["reload"] == ["netplan", "networkd", "networkmanager"]
    # with none nothing is moved, so the second name stays a conflict
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252, config_system="none")
    assert "already pinned to enp0s1 by /etc/netplan/50-cloud-init.yaml:9" in str(err.value)


def test_a_netplan_pin_in_a_file_with_other_pins_or_unknown_to_the_facts_is_refused():
    other = dict(NETPLAN_PIN, name="lan1", mac="52:54:00:aa:bb:cc")
    entry = _entry("netplan", CLOUD_INIT, ["enp0s1"], "mac")
    facts = dict(FACTS, pins=[NETPLAN_PIN, other], interfaces=[MGMT, _iface(owner="netplan", config_files=[entry])])
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    assert "configures enx525400123499 and also lan1 (MAC 52:54:00:aa:bb:cc)" in str(err.value)
    facts = dict(FACTS, pins=[NETPLAN_PIN], interfaces=[MGMT, _iface(owner="networkd")])
    with pytest.raises(net_plan.NetPlanError) as err:
        net_plan.plan(facts, WANT, systemd_version=252)
    assert "pins MAC 52:54:00:12:34:99 to another name (netplan set-name), and the facts do not say what else" in str(err.value)


def test_a_udev_pin_under_another_name_is_still_refused_whatever_the_system():
    udev = {"file": "/etc/udev/rules.d/70-persistent-net.rules", "line": 3, "method": "udev", "name": "eth3",
            "mac": USB["mac"], "path": None}
    facts = dict(FACTS, pins=[udev])
    for system in ("ifupdown", "netplan", "networkd"):
        with pytest.raises(net_plan.NetPlanError) as err:
            make_plan(facts, WANT, systemd_version=252, config_system=system)
        assert "already pinned to eth3 by /etc/udev/rules.d/70-persistent-net.rules:3" in str(err.value)


def test_config_system_none_moves_nothing():
    entry = _entry("ifupdown", "/etc/network/interfaces.d/enx525400123499", ["enx525400123499"])
    facts = dict(FACTS, interfaces=[MGMT, _iface(owner="ifupdown", config_files=[entry])])
    plan = net_plan.plan(facts, WANT, systemd_version=252, config_system="none")
    assert plan["removals"] == [] and plan["pins"][0]["moves"] == []


def test_a_previous_fleetfix_file_for_another_system_is_moved_the_current_one_rewritten():
    """Switching usbnet0 from ifupdown to networkd: the stanza written before configures it now."""
    old = _entry("ifupdown", "/etc/network/interfaces.d/fleetfix-usbnet0", ["usbnet0"])
    usb = _iface(owner="ifupdown", config_files=[old, _entry("networkd", "/etc/systemd/network/10-fleetfix-usbnet0.network",
                                                             ["usbnet0"])])
    usb["name"] = "usbnet0"
    plan = net_plan.plan(dict(FACTS, interfaces=[MGMT, usb]), WANT, systemd_version=252, config_system="networkd")
    assert plan["removals"] == [{"path": old["path"],
                                 "to": "/var/lib/fleetfix/persistent_net/disabled/etc_network_interfaces.d_fleetfix-usbnet0"}]
    assert plan["renames"] == [] and plan["reload"] == ["networkd"]


def test_the_module_and_the_planner_agree_on_the_directories():
    from ansible_collections.fleetfix.kernel.plugins.modules import net_config_files  # pylint: disable=import-outside-toplevel
    assert sorted(net_config_files.CONFIG_DIRS) == sorted(net_plan.CONFIG_DIRS)
    assert net_config_files.DISABLED_DIR == net_plan.DISABLED_DIR
    for system, (pattern, _mode) in net_plan.CONFIG_FILES.items():
        assert pattern.rsplit("/", 1)[0] in net_config_files.WRITE_DIRS, system
    assert net_plan.UDEV_RULES_FILE.rsplit("/", 1)[0] in net_config_files.WRITE_DIRS


# ------------------------------------------------------------------ live renames (issue 16, deliver 4)

def test_live_rename_when_every_nic_to_rename_is_down():
    facts = dict(FACTS, interfaces=[dict(MGMT, admin_up=True), dict(USB, admin_up=False)])
    plan = make_plan(facts, WANT, systemd_version=252, config_system="networkd", live_rename=True)
    assert plan["live"] is True and plan["warnings"] == []
    assert plan["activate"] == [{
        "name": "usbnet0", "current_name": "enx525400123499", "mac": "52:54:00:12:34:99", "config_system": "networkd",
        "method": "static", "address": "192.0.2.10/24", "connection_uuid": None,
        "paths": ["/etc/systemd/network/10-fleetfix-usbnet0.link", "/etc/systemd/network/10-fleetfix-usbnet0.network"]}]


@pytest.mark.parametrize("admin_up, said", [(True, "enx525400123499 is up"), (None, "enx525400123499 is of unknown state")])
def test_a_nic_that_is_up_or_unknown_makes_every_rename_wait_with_a_warning(admin_up, said):
    facts = dict(FACTS, interfaces=[MGMT, dict(USB, admin_up=admin_up)])
    plan = make_plan(facts, WANT, systemd_version=252, config_system="networkd", live_rename=True)
    assert plan["live"] is False
    assert plan["warnings"] == ["fleetfix_net_live_rename: %s; every rename waits for the next boot" % said]


def test_not_asked_no_live_rename_and_no_warning():
    facts = dict(FACTS, interfaces=[MGMT, dict(USB, admin_up=False)])
    plan = make_plan(facts, WANT, systemd_version=252, config_system="networkd")
    assert plan["live"] is False and plan["warnings"] == []


def test_activation_paths_cover_the_udev_rule_ifupdown_main_and_the_moves():
    facts = dict(FACTS, interfaces=[MGMT, dict(USB, admin_up=False)])
    plan = make_plan(facts, WANT, systemd_version=204, config_system="ifupdown", live_rename=True)
    assert plan["activate"][0]["paths"] == ["/etc/udev/rules.d/70-fleetfix-persistent-net.rules",
                                            "/etc/network/interfaces.d/fleetfix-usbnet0", "/etc/network/interfaces"]


def test_the_keyfile_uuid_and_the_netplan_renderer_reach_the_activation():
    facts = dict(FACTS, interfaces=[MGMT, dict(USB, admin_up=False)])
    plan = make_plan(facts, WANT, systemd_version=252, config_system="networkmanager")
    assert plan["activate"][0]["connection_uuid"] == net_plan.keyfile_uuid("usbnet0")
    assert plan["netplan_renderer"] is None
    plan = make_plan(facts, WANT, systemd_version=252, config_system="netplan")
    assert plan["netplan_renderer"] == "networkd" and plan["activate"][0]["connection_uuid"] is None
    no_renderer = dict(facts, systems=dict(SYSTEMS, netplan={"present": True, "files": [], "renderer": None}))
    assert make_plan(no_renderer, WANT, systemd_version=252, config_system="netplan")["netplan_renderer"] == "networkd"


def test_a_new_name_another_nic_keeps_is_refused_a_chain_is_not():
    clash = [{"name": "ens2", "mac": "52:54:00:12:34:99", "method": "dhcp"}]
    with pytest.raises(net_plan.NetPlanError, match="ens2 is the name of another NIC here .MAC 52:54:00:f1:ee:01., which keeps it"):
        make_plan(FACTS, clash, systemd_version=252, config_system="networkd")
    chain = clash + [{"name": "mgmt0", "mac": "52:54:00:f1:ee:01", "method": "dhcp"}]
    plan = make_plan(FACTS, chain, systemd_version=252, config_system="networkd", allow_connection_rename=True)
    assert [(p["current_name"], p["name"]) for p in plan["renames"]] == [("enx525400123499", "ens2"), ("ens2", "mgmt0")]


def test_the_plan_names_the_daemons_that_run():
    plan = make_plan(FACTS, WANT, systemd_version=252, config_system="networkd")
    assert plan["running"] == ["networkd", "networkmanager"]
    stopped = dict(FACTS, systems=dict(SYSTEMS, networkmanager={"present": True, "running": False, "plugins": []}))
    assert make_plan(stopped, WANT, systemd_version=252, config_system="networkd")["running"] == ["networkd"]
