"""Malformed host files for the network interface and sysctl readers (issue 14).

``CASES``: (collector, {host path: bytes or None for a directory}, expected) run on a fake root
by test_host_files_net_sysctl.py through hostfs.exit_with_facts (tests/unit/hostile/fake_root.py).
Collectors: ``net_iface_facts`` (netif.collect) and ``sysctl_boot_values`` (sysctl_d.boot_values
for vm.min_free_kbytes and vm.watermark_scale_factor, what memory_watermark_facts reports).

``expected``: a fragment of the failure message (which must also name a planted file); None
when the facts come back; a ``Warns`` fragment when the facts come back with a warning holding
it and naming the file - where the host's own tool skips the input (udev drops a bad rule line,
systemd-sysctl and procps skip a line that is not an assignment, the kernel refuses a value),
the readers skip it too and say so. Three bytes subclasses plant what plain bytes cannot: ``Link``
(a symlink to its text), ``Fifo`` (a named pipe: never opened, it would block) and ``Secret`` (a
file of mode 0600, as NetworkManager wants its keyfiles).

Issue 16 added the configuration systems: netplan YAML (the subset reader: whatever it does not
read is a warning naming the file and line, and the file is reported unparsed), NetworkManager
keyfiles, its configuration and device state, ifcfg files, networkd's .network files and link
state, ifupdown's includes and state, and /proc/PID/comm.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class Warns(str):
    """Expected: facts, with a warning holding this fragment and a planted path."""


class Link(bytes):
    """Plant a symlink to this target instead of a file."""


class Fifo(bytes):
    """Plant a named pipe instead of a file."""


class Secret(bytes):
    """Plant a file of mode 0600."""


NET = "net_iface_facts"
SYSCTL = "sysctl_boot_values"

DEV = "/sys/devices/pci0000:00/0000:00:03.0/virtio0/net/eth0"
NIC = {
    DEV + "/address": b"52:54:00:12:34:56\n",
    DEV + "/addr_assign_type": b"0\n",
    DEV + "/operstate": b"up\n",
    DEV + "/ifindex": b"2\n",
    "/sys/class/net/eth0": Link(b"../../devices/pci0000:00/0000:00:03.0/virtio0/net/eth0"),
}
RULES = "/etc/udev/rules.d/70-persistent-net.rules"
RULE = b'SUBSYSTEM=="net", ACTION=="add", ATTR{address}=="52:54:00:12:34:56", NAME="lan0"\n'
LINK = "/etc/systemd/network/10-uplink.link"
BIG = 16 * 1024 * 1024 + 1  # past hostfs.MAX_FILE_BYTES


def nic(attribute, data):
    tree = dict(NIC)
    tree[DEV + "/" + attribute] = data
    return tree


def rules(data, path=RULES):
    tree = dict(NIC)
    tree[path] = data
    return tree


DROPIN = "/etc/sysctl.d/90-fleetfix-vm.conf"
DEBIAN = {
    "/etc/os-release": b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
    "/usr/lib/sysctl.d/50-default.conf": b"vm.min_free_kbytes = 8192\n",
}


def sysctl(files, base=None):
    tree = dict(DEBIAN if base is None else base)
    tree.update(files)
    return tree


def chain(length):
    """/etc/sysctl.d/50-chain.conf -> link1 -> ... -> link<length> -> a real file."""
    tree = {"/etc/sysctl.d/50-chain.conf": Link(b"/etc/links/1")}
    for index in range(1, length):
        tree["/etc/links/%d" % index] = Link(b"/etc/links/%d" % (index + 1))
    tree["/etc/links/%d" % length] = b"vm.min_free_kbytes = 1\n"
    return tree


NET_CASES = [
    # /sys/class/net attributes: what the kernel writes or a HostReadError naming the file
    (NET, nic("addr_assign_type", u"\u00b2\n".encode("utf-8")), "addr_assign_type: expected a non-negative integer"),
    (NET, nic("addr_assign_type", u"\u0663\n".encode("utf-8")), "addr_assign_type: expected a non-negative integer"),
    (NET, nic("addr_assign_type", b"9" * 5000), "addr_assign_type: expected a non-negative integer"),
    (NET, nic("addr_assign_type", b"256\n"), "expected an integer at most 255"),
    (NET, nic("addr_assign_type", b"-1\n"), "addr_assign_type: expected a non-negative integer"),
    (NET, nic("addr_assign_type", b"\xff\xfe\x00"), "addr_assign_type: expected a non-negative integer"),
    (NET, nic("addr_assign_type", b"1" * (64 * 1024 + 1)), "larger than 65536 bytes"),
    (NET, nic("addr_assign_type", None), None),          # a directory: no such attribute (pre-3.2 kernels)
    (NET, nic("addr_assign_type", Fifo()), None),        # never opened
    (NET, nic("ifindex", b"../../../etc/passwd\n"), "ifindex: expected a non-negative integer"),
    # flags: dev->flags as "%#x" (net-sysfs.c format_flags); IFF_UP decides whether a live rename can happen
    (NET, nic("flags", b"up\n"), "flags: expected the interface flags in hexadecimal"),
    (NET, nic("flags", b"0x1G\n"), "flags: expected the interface flags in hexadecimal"),
    (NET, nic("flags", b"4099\n"), "flags: expected the interface flags in hexadecimal"),
    (NET, nic("flags", b"0x" + b"f" * 5000), "flags: expected the interface flags in hexadecimal"),
    (NET, nic("flags", u"0x\u0661\n".encode("utf-8")), "flags: expected the interface flags in hexadecimal"),
    (NET, nic("flags", b"0x1003\x00"), "flags: expected the interface flags in hexadecimal"),
    (NET, nic("flags", None), None),                     # a directory: no such attribute
    (NET, nic("flags", Fifo()), None),                   # never opened
    (NET, nic("ifindex", u"\u00b2".encode("utf-8")), "ifindex: expected a non-negative integer"),
    (NET, nic("ifindex", b"4294967296\n"), "ifindex: expected an integer at most 2147483647"),
    (NET, nic("address", b"zz:zz:zz:zz:zz:zz\n"), "address: expected a hardware address"),
    (NET, nic("address", b"52:54:00:12:34:56\x00junk\n"), "address: expected a hardware address"),
    (NET, nic("operstate", b"sideways\n"), "operstate: expected one of unknown"),
    (NET, dict(NIC, **{"/sys/class/net/eth0": Link(b"eth0")}), "/sys/class/net/eth0: a symlink loop"),
    (NET, dict(NIC, **{"/sys/class/net/bonding_masters": b"bond0\n"}), None),
    (NET, dict(NIC, **{"/sys/class/net/gone0": Link(b"../../devices/virtual/net/gone0")}), None),
    (NET, dict(NIC, **{DEV + "/device": Link(b"device")}), None),
    (NET, {"/sys/class/net": b"not a directory\n"}, None),
    # the udev database entry /run/udev/data/n<ifindex>
    (NET, dict(NIC, **{"/run/udev/data/n2": b"\xff\x00E:ID_PATH\nE:=\nE:ID_PATH=pci-0000:00:03.0\r\n"}), None),
    (NET, dict(NIC, **{"/run/udev/data/n2": b"E:X=" + b"y" * (1024 * 1024)}), "larger than 1048576 bytes"),
    # udev rules: udev drops what it cannot read, with an error in its log; so do the readers
    (NET, rules(b'SUBSYSTEM=="net", ATTR{address}=="52:54:00:12:34:56, NAME="lan0"\n'),
     Warns("70-persistent-net.rules line 1: expected KEY==\"value\" pairs")),
    (NET, rules(b'SUBSYSTEM=="net", NAME="lan0\n'), Warns("line 1: expected the closing double quote")),
    (NET, rules(b'SUBSYSTEM=="net", NAME="la\x00n0"\n'), Warns("line 1: expected the closing double quote")),
    (NET, rules(b"# generated\n" + b"A" * (2 * 1024 * 1024) + b"\n" + RULE), Warns("line 2: a line of 16384 bytes or more")),
    (NET, rules(b'SUBSYSTEM=="net", BUS=="pci", NAME="lan0"\n'), Warns("expected a key udev knows, not 'BUS'")),
    (NET, rules(b'SUBSYSTEM=="net", NAME=""\n'), Warns('it ignores NAME=""')),
    (NET, rules(b'SUBSYSTEM=="net", NAME="%k"\n'), Warns('it ignores NAME="%k"')),
    (NET, rules(b'SUBSYSTEM=="net", ATTR{address=="52:54:00:12:34:56", NAME="lan0"\n'), Warns("expected the '}' closing ATTR{")),
    (NET, rules(b'SUBSYSTEM=="net", NAME=e"\\xzz"\n'), Warns("expected an escape udev knows")),
    (NET, rules(b'SUBSYSTEM=="net", \\\n NAME="lan0" \\\n'), Warns("the file ends after a line continued")),
    (NET, rules(b'SUBSYSTEM=="net", NAME="' + b"x" * 9000 + b'" \\\n, TAG+="' + b"y" * 9000 + b'"\n'),
     Warns('a rule of 16384 bytes or more; udev ignores it ("Line is too long")')),
    (NET, rules(RULE.replace(b"\n", b"\r\n") + b'SUBSYSTEM=="net", NAME="eth\xff"\r'), None),
    (NET, rules(b"\x7fELF\x02\x01\x01\x00" + bytes(bytearray(range(256))) * 4), None),
    (NET, rules(None, RULES), Warns("70-persistent-net.rules is a directory; it is not read")),
    (NET, rules(Link(b"70-persistent-net.rules")), Warns("70-persistent-net.rules is a symlink loop")),
    (NET, rules(Fifo()), Warns("70-persistent-net.rules is not a regular file")),
    (NET, rules(Link(b"/dev/null")), None),  # masks the vendor file: udev's way, nothing to say
    (NET, rules(b"#" * BIG), "70-persistent-net.rules is larger than 16777216 bytes"),
    # systemd .link files
    (NET, rules(b"[Match\nMACAddress=52:54:00:12:34:56\n[Link]\nName=lan0\n", LINK),
     Warns("10-uplink.link line 1: expected a section header ending in ']'")),
    (NET, rules(b"[Match]\nMACAddress=52:54:00:12:34:56\n[Link]\nName=12345\n", LINK),
     Warns("10-uplink.link line 4: Name='12345' is not a valid interface name")),
    (NET, rules(b"[Link]\nName=lan\xff0\n", LINK), Warns("10-uplink.link line 2: not UTF-8")),
    (NET, rules(b"[Link]\nName=lan0\n" + b"#" * (1024 * 1024) + b"\n", LINK), Warns("a line of 1048576 bytes or more")),
    # configuration files that mention interfaces
    (NET, dict(NIC, **{"/etc/network/interfaces": Fifo()}), None),
    (NET, dict(NIC, **{"/etc/network/interfaces": b"source interfaces.d/*\n", "/etc/network/interfaces.d/eth0": None}),
     Warns("/etc/network/interfaces.d/eth0 is a directory")),
    (NET, dict(NIC, **{"/etc/sysconfig/network-scripts/ifcfg-eth0": None}), None),
    (NET, dict(NIC, **{"/etc/NetworkManager/system-connections/eth0.nmconnection": b"\x00\xff[connection]\ninterface-name=eth0\n"}),
     None),
]

NETPLAN = "/etc/netplan/50-cloud-init.yaml"
KEYFILE = "/etc/NetworkManager/system-connections/eth0.nmconnection"
NM_RUNNING = {"/proc/900/comm": b"NetworkManager\n"}
NETWORKD_RUNNING = {"/proc/901/comm": b"systemd-network\n"}


def netplan(data, path=NETPLAN):
    return rules(data, path)


def nested_blocks(depth):
    return b"".join(b" " * (2 * level) + b"a:\n" for level in range(depth))


CONFIG_CASES = [
    # netplan YAML: what the subset reader does not take is a warning, the file reported unparsed
    (NET, netplan(b"network:\n\tethernets: {}\n"), Warns("50-cloud-init.yaml line 2: expected indentation by spaces")),
    (NET, netplan(b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"), Warns("line 1: expected no anchors (&)")),
    (NET, netplan(b"network: " + b"[" * 100000), Warns("line 1: expected at most 64 levels of nesting")),
    (NET, netplan(nested_blocks(1000)), Warns("line 65: expected at most 64 levels of nesting")),
    (NET, netplan(b"network:\n  ethernets:\n    eth\xff0: {}\n"), Warns("line 3: expected UTF-8 text")),
    (NET, netplan(b"network:\n  version: 2\x00\n"), Warns("line 2: expected printable characters")),
    (NET, netplan(b"network:\n  ethernets:\n    eth0: {dhcp4: true\n"), Warns("line 3: expected \",\" or \"}\"")),
    (NET, netplan(b"network:\n  version: 2\n  version: 2\n"), Warns("line 3: expected each key once")),
    (NET, netplan(b"network:\n  ethernets:\n    eth0:\n      match: [eth0]\n"),
     Warns("line 4: expected a mapping under ethernets.eth0.match")),
    (NET, netplan(b"network: {}\n---\nnetwork: {}\n"), Warns("line 2: expected one YAML document")),
    (NET, netplan(b'network: "' + b"x" * (1024 * 1024 - 20) + b"\n"), Warns("line 1: expected the closing \"")),
    (NET, netplan(b"k" * 2000 + b": v\n"), Warns("line 1: expected a key of at most 1024 characters")),
    (NET, netplan(b"network:\n  ethernets:\n    x:\n      match: {macaddress: '52:54:00:12:34:56'}\n      set-name: '1/2'\n"),
     Warns("line 5: set-name '1/2' is not a valid interface name")),
    (NET, netplan(b"network:\n  renderer: [a]\n  ethernets:\n    eth0:\n      match: {name: {x: y}, driver: [1, [2]], macaddress: [a]}\n"
                  b"    eth1: ~\n    eth2:\n    eth3:\n      match: {macaddress: '52:54:00:12:34:56'}\n      set-name: [eth0, eth1]\n"),
     Warns("line 10: set-name \"['eth0', 'eth1']\" is not")),
    (NET, netplan(b"#" * (1024 * 1024 + 1)), "50-cloud-init.yaml is larger than 1048576 bytes"),
    (NET, netplan(Fifo()), Warns("50-cloud-init.yaml is not a regular file")),
    (NET, netplan(None), Warns("50-cloud-init.yaml is a directory")),
    (NET, netplan(Link(b"50-cloud-init.yaml")), Warns("50-cloud-init.yaml is a symlink loop")),
    (NET, netplan(b"\xef\xbb\xbfnetwork:\r\n  ethernets:\r\n    eth0: {dhcp4: true}  # crlf\r\n"), None),
    # NetworkManager: keyfiles (0600, or NetworkManager ignores them), its configuration, device state
    (NET, rules(Secret(b"[connection]\ninterface-name=eth0\njunk line\n"), KEYFILE),
     Warns("eth0.nmconnection line 3: expected KEY=value; NetworkManager does not load the file")),
    (NET, rules(Secret(b"[connection]\ninterface-name=eth\xff\n"), KEYFILE), Warns("eth0.nmconnection line 2: not UTF-8")),
    (NET, rules(Secret(b"[ethernet]\nmac-address=52:54:00:12:34\n"), KEYFILE), Warns("line 2: mac-address='52:54:00:12:34' is not")),
    (NET, rules(b"[connection]\ninterface-name=eth0\n", KEYFILE), Warns("eth0.nmconnection is mode 0644")),
    (NET, rules(Secret(b"[connection\nid=x\n"), KEYFILE), Warns("line 1: expected a group header ending in ']'")),
    (NET, dict(rules(b"[device]\nmanaged=maybe\n", "/run/NetworkManager/devices/2"), **NM_RUNNING),
     Warns("/run/NetworkManager/devices/2 line 2: managed='maybe' is not a boolean")),
    (NET, dict(rules(bytes(bytearray(range(256))), "/run/NetworkManager/devices/2"), **NM_RUNNING), Warns("devices/2 line 2: not UTF-8")),
    (NET, dict(rules(b"[device]\n" + b"x" * (64 * 1024), "/run/NetworkManager/devices/2"), **NM_RUNNING),
     "/run/NetworkManager/devices/2 is larger than 65536 bytes"),
    (NET, rules(b"\xfe[main]\nplugins=keyfile\n", "/etc/NetworkManager/NetworkManager.conf"),
     Warns("NetworkManager.conf line 1: not UTF-8")),
    (NET, dict(rules(b"ID=rocky\n", "/etc/os-release"), **{"/usr/sbin/NetworkManager": b""}),
     Warns("/etc/os-release: expected VERSION_ID starting with the Enterprise Linux release")),
    # networkd: .network files and link state
    (NET, rules(b"[Match\nName=eth0\n", "/etc/systemd/network/10-eth0.network"),
     Warns("10-eth0.network line 1: expected a section header ending in ']'")),
    (NET, rules(b"[Match]\nMACAddress=52:54:00:12:34:5g\n", "/etc/systemd/network/10-eth0.network"),
     Warns("10-eth0.network line 2: MACAddress=52:54:00:12:34:5g is not a MAC address")),
    (NET, rules(Link(b"/dev/null"), "/etc/systemd/network/10-eth0.network"), None),
    (NET, dict(rules(b"ADMIN_STATE=hijacked\nNETWORK_FILE=/etc/passwd\n", "/run/systemd/netif/links/2"), **NETWORKD_RUNNING),
     Warns("/run/systemd/netif/links/2 line 1: ADMIN_STATE='hijacked' is no state networkd writes")),
    (NET, dict(rules(None, "/run/systemd/netif/links/2"), **NETWORKD_RUNNING), Warns("/run/systemd/netif/links/2 is a directory")),
    (NET, dict(rules(b"#" * (64 * 1024 + 1), "/run/systemd/netif/links/2"), **NETWORKD_RUNNING),
     "/run/systemd/netif/links/2 is larger than 65536 bytes"),
    # ifcfg files
    (NET, rules(b"DEVICE=eth0\n$(reboot)\n", "/etc/sysconfig/network-scripts/ifcfg-eth0"),
     Warns("ifcfg-eth0 line 2: expected KEY=value; skipped")),
    (NET, rules(b"DEVICE=eth0\nHWADDR=not-a-mac\n", "/etc/sysconfig/network-scripts/ifcfg-eth0"),
     Warns("ifcfg-eth0 line 2: HWADDR='not-a-mac' is not a MAC address")),
    # ifupdown: includes and state
    (NET, rules(b"source /etc/network/interfaces\nsource ./interfaces\niface eth0 inet dhcp\n", "/etc/network/interfaces"), None),
    (NET, rules(b"source /etc/network/$(reboot)\n", "/etc/network/interfaces"), Warns("/etc/network/interfaces line 1: source")),
    (NET, dict(rules(b"source i0\n", "/etc/network/interfaces"),
               **dict(("/etc/network/i%d" % index, ("source i%d\n" % (index + 1)).encode("ascii")) for index in range(20))),
     Warns("/etc/network/i7 line 1: source /etc/network/i8 - sources nested deeper than 8")),
    (NET, dict(rules(b"\x00\xff=\neth0\n", "/run/network/ifstate"), **{"/run/network/ifstate.eth0": Fifo()}), None),
    # /proc/PID/comm: read, never waited for
    (NET, dict(NIC, **{"/proc/77/comm": Fifo(), "/proc/78/comm": None, "/proc/79/comm": b"\xff" * 5000}), None),
]

SYSCTL_CASES = [
    (SYSCTL, sysctl({DROPIN: bytes(bytearray(range(256))) * 64}), None),
    (SYSCTL, sysctl({DROPIN: b"vm.min_free_kbytes = 1\n" + b"#" * BIG}), "90-fleetfix-vm.conf is larger than 16777216 bytes"),
    (SYSCTL, sysctl({DROPIN: u"vm.min_free_kbytes = \u0663\u0664\n".encode("utf-8")}), Warns("the kernel refuses it")),
    (SYSCTL, sysctl({DROPIN: u"vm.min_free_kbytes = \u00b2\n".encode("utf-8")}), Warns("90-fleetfix-vm.conf line 1 sets")),
    (SYSCTL, sysctl({DROPIN: b"vm.min_free_kbytes = " + b"9" * 5000 + b"\n"}), Warns("the kernel refuses it")),
    (SYSCTL, sysctl({DROPIN: b"vm.watermark_scale_factor = 0\n"}), Warns("an integer 1..3000")),
    (SYSCTL, sysctl({DROPIN: b"vm.min_free_kbytes = 12\xff\n"}), Warns("the kernel refuses it")),
    (SYSCTL, sysctl({DROPIN: b"vm.min_free_kbytes = 65536\r\nvm.watermark_scale_factor = 200\r\n"}), None),
    (SYSCTL, sysctl({DROPIN: b"vm.min_free_kbytes = 1\x00vm.watermark_scale_factor = 7\n"}), None),
    (SYSCTL, sysctl({DROPIN: b"vm.min_free_kbytes 65536\n"}), Warns("line 1: not an assignment")),
    (SYSCTL, sysctl({DROPIN: b"x" * (1024 * 1024) + b"\nvm.min_free_kbytes = 1\n"}), Warns("systemd-sysctl stops reading the file there")),
    (SYSCTL, sysctl({DROPIN: b"-vm/min_free_kbytes=0x10\n; comment\n# vm.min_free_kbytes = 1\n"}), None),
    (SYSCTL, sysctl({DROPIN: None}), None),                           # a directory named *.conf: masks, applies nothing
    (SYSCTL, sysctl({DROPIN: Link(b"90-fleetfix-vm.conf")}), None),   # a symlink loop
    (SYSCTL, sysctl(chain(45)), None),                                # a chain longer than MAXSYMLINKS: a loop
    (SYSCTL, sysctl(chain(30)), None),
    (SYSCTL, sysctl({DROPIN: Fifo()}), None),                         # never opened
    (SYSCTL, sysctl({"/etc/sysctl.d": Link(b"sysctl.d")}), None),
    (SYSCTL, sysctl({"/etc/sysctl.conf": None, "/etc/sysctl.d/99-sysctl.conf": Link(b"../sysctl.conf")}), None),
    (SYSCTL, sysctl(dict(("/etc/sysctl.d/junk-%04d" % index, b"") for index in range(2000))), None),
    # the platform the boot order is chosen by
    (SYSCTL, sysctl({"/etc/os-release": b"\x7fELF\x00\xff=\xfe\nID\n"}), None),
    (SYSCTL, sysctl({"/etc/os-release": u'ID="centos"\nVERSION_ID="\u0667"\n'.encode("utf-8")}),
     "/etc/os-release line 2: expected VERSION_ID starting with the Enterprise Linux release"),
    (SYSCTL, sysctl({"/etc/os-release": b'ID=rhel\nVERSION_ID="' + b"7" * 5000 + b'"\n'}),
     "/etc/os-release line 2: expected VERSION_ID"),
    (SYSCTL, sysctl({"/etc/os-release": b"ID=rocky\n"}), "/etc/os-release: expected VERSION_ID"),
    (SYSCTL, sysctl({"/etc/os-release": b"#" * (64 * 1024 + 1)}), "/etc/os-release is larger than 65536 bytes"),
    (SYSCTL, sysctl({"/etc/os-release": None, "/usr/lib/os-release": b"ID=debian\n"}), None),
    (SYSCTL, {"/etc/redhat-release": u"CentOS release \u0666 (Final)\n".encode("utf-8")},
     "/etc/redhat-release line 1: expected \"<distribution> release <N>\""),
    (SYSCTL, {"/etc/redhat-release": b"\xff" * (64 * 1024 + 1)}, "/etc/redhat-release is larger than 65536 bytes"),
    (SYSCTL, {"/etc/redhat-release": b"CentOS release 6.10 (Final)\n", "/sbin/init": Link(b"init")}, None),
]

CASES = NET_CASES + CONFIG_CASES + SYSCTL_CASES
