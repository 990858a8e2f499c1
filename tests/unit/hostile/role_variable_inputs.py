# -*- coding: utf-8 -*-
"""Hostile role variables (issue 14, Deliver 3), as data: (variable, value, message fragment).

``variable`` is the role variable (or module option) the value is given as:

- ``fleetfix_pipe_*`` - role pipe_size, through the pipe_size_plan filter (its Decide step);
- ``pipe_facts.write_size`` - the pipe_facts module option (the role's Verify step passes it);
- ``fleetfix_vm_*`` - role vm_watermarks, through the vm_watermarks_plan filter;
- ``fleetfix_initramfs_dracut_dropin`` / ``fleetfix_initramfs_tools_modules_file`` - role
  initramfs_drivers, through the initramfs_drivers_plan filter;
- ``fleetfix_net_interfaces[].<key>`` - one key of an otherwise valid entry of
  fleetfix_net_interfaces, through the persistent_net_plan filter with every configuration
  system (ifupdown, ifcfg, netplan, networkmanager, networkd); ``fleetfix_net_interfaces``
  alone - the whole list; ``fleetfix_net_config_system`` - the system; ``fleetfix_net_live_rename``
  - the live-rename switch.

Every one must be refused with a message naming the variable (and, for a scalar, the value)
and holding the fragment. Run by tests/unit/plugins/filter/test_role_variable_inputs.py; a few
also through ansible-playbook --check on localhost, refused before any task that writes.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

NOT_A_DROPIN = "is not a sysctl drop-in"
NOT_INT = "must be an integer"
NOT_NUMBER = "must be a number"
NOT_FINITE = "must be a finite number"
OUTSIDE = "is outside"
NOT_AN_ADDRESS = "is not an address with a prefix length"
NOT_IP = "is not an IP address"
NOT_ID_PATH = "is not a udev ID_PATH"
NAME_CHARS = "may hold only letters"
USB_MAC = "52:54:00:12:34:99"

SYSCTL_FILES = [
    ("fleetfix_pipe_sysctl_file", "/etc/passwd", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "/etc/sysctl.d/60-fleetfix-pipe", NOT_A_DROPIN),      # no .conf: never applied
    ("fleetfix_pipe_sysctl_file", "/etc/sysctl.d/60-pipe.conf.bak", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "/etc/sysctl.d/../passwd.conf", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "/etc/sysctl.d/sub/60-pipe.conf", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "/etc/sysctl.d/.conf", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "/etc/sysctl.d/.hidden.conf", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "/etc/sysctl.d/60 pipe.conf", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "/etc/sysctl.d/60-pipe.conf\n", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "/run/sysctl.d/60-pipe.conf", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "/usr/lib/sysctl.d/60-pipe.conf", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "/etc/sysctl.conf", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "etc/sysctl.d/60-pipe.conf", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "//etc/sysctl.d/60-pipe.conf", NOT_A_DROPIN),
    ("fleetfix_pipe_sysctl_file", "", NOT_A_DROPIN),
    ("fleetfix_vm_sysctl_file", "/etc/passwd", NOT_A_DROPIN),
    ("fleetfix_vm_sysctl_file", "/etc/sysctl.d/90-fleetfix-vm", NOT_A_DROPIN),
    ("fleetfix_vm_sysctl_file", "/etc/sysctl.d/..conf/../../shadow.conf", NOT_A_DROPIN),
    ("fleetfix_vm_sysctl_file", "/etc/sysctl.d/90-vm.conf;id", NOT_A_DROPIN),
    ("fleetfix_vm_sysctl_file", "/etc/sysctl.d/90-vm.cönf", NOT_A_DROPIN),
]

PIPE_NUMBERS = [
    ("fleetfix_pipe_max_size", 2 ** 32, "above the kernel's limit"),                      # passes once the cap is raised
    ("fleetfix_pipe_max_size", 2 ** 33, "above the kernel's limit"),
    ("fleetfix_pipe_max_size", 2 ** 64, "above the kernel's limit"),
    ("fleetfix_pipe_max_size", True, NOT_INT),                                            # not 1 byte
    ("fleetfix_pipe_max_size", False, NOT_INT),
    ("fleetfix_pipe_max_size", float("nan"), NOT_INT),
    ("fleetfix_pipe_max_size", float("inf"), NOT_INT),
    ("fleetfix_pipe_max_size", 16777216.0, NOT_INT),
    ("fleetfix_pipe_max_size", "16M", NOT_INT),
    ("fleetfix_pipe_max_size", u"1048576\u00b2", NOT_INT),                                 # '²'.isdigit() is true
    ("fleetfix_pipe_max_size", u"\u0661\u0660\u0662\u0664", NOT_INT),                      # Arabic-Indic digits
    ("fleetfix_pipe_max_size", "9" * 5000, NOT_INT),                                      # past int()'s digit limit
    ("fleetfix_pipe_max_size", -4096, "below one page"),
    ("fleetfix_pipe_max_size", 0, "below one page"),
    ("fleetfix_pipe_max_size", 12345678, "not a power of two"),
    ("fleetfix_pipe_max_size", None, NOT_INT),
    ("fleetfix_pipe_max_size", [16777216], NOT_INT),
    ("fleetfix_pipe_user_pages_soft", True, NOT_INT),
    ("fleetfix_pipe_user_pages_soft", -1, "must be an integer >= 0"),
    ("fleetfix_pipe_user_pages_soft", 2 ** 64, "must be an integer >= 0"),
    ("fleetfix_pipe_user_pages_soft", float("nan"), NOT_INT),
    ("fleetfix_pipe_max_size_cap", True, NOT_INT),
    ("fleetfix_pipe_max_size_cap", float("inf"), NOT_INT),
    ("fleetfix_pipe_max_size_cap", 0, "must be positive"),
    ("pipe_facts.write_size", True, "a boolean is not a size"),
    ("pipe_facts.write_size", False, "a boolean is not a size"),
    ("pipe_facts.write_size", 0, "must be a positive number of bytes"),
    ("pipe_facts.write_size", -1, "must be a positive number of bytes"),
    ("pipe_facts.write_size", 2 ** 32, "the largest pipe the kernel makes"),              # wraps in F_SETPIPE_SZ
]

VM_NUMBERS = [
    ("fleetfix_vm_min_free_percent", float("nan"), NOT_FINITE),
    ("fleetfix_vm_min_free_percent", float("inf"), NOT_FINITE),
    ("fleetfix_vm_min_free_percent", float("-inf"), NOT_FINITE),
    ("fleetfix_vm_min_free_percent", "nan", NOT_FINITE),
    ("fleetfix_vm_min_free_percent", "inf", NOT_FINITE),
    ("fleetfix_vm_min_free_percent", "1e400", NOT_FINITE),
    ("fleetfix_vm_min_free_percent", True, NOT_NUMBER),
    ("fleetfix_vm_min_free_percent", -1, OUTSIDE),
    ("fleetfix_vm_min_free_percent", 101, OUTSIDE),
    ("fleetfix_vm_min_free_percent", "1%", NOT_NUMBER),
    ("fleetfix_vm_min_free_percent", "-Infinity", NOT_FINITE),
    ("fleetfix_vm_min_free_percent", u"\u0661", NOT_NUMBER),
    ("fleetfix_vm_min_free_safety_percent", float("nan"), NOT_FINITE),
    ("fleetfix_vm_min_free_safety_percent", float("inf"), NOT_FINITE),
    ("fleetfix_vm_min_free_safety_percent", False, NOT_NUMBER),
    ("fleetfix_vm_min_free_safety_percent", 250, OUTSIDE),
    ("fleetfix_vm_min_free_kbytes", True, NOT_INT),                                        # not 1 kB
    ("fleetfix_vm_min_free_kbytes", float("nan"), NOT_FINITE),
    ("fleetfix_vm_min_free_kbytes", float("inf"), NOT_FINITE),
    ("fleetfix_vm_min_free_kbytes", 2 ** 31, OUTSIDE),                                     # the sysctl is an int
    ("fleetfix_vm_min_free_kbytes", -65536, OUTSIDE),
    ("fleetfix_vm_min_free_kbytes", 65536.5, NOT_INT),
    ("fleetfix_vm_min_free_kbytes", "1G", NOT_INT),
    ("fleetfix_vm_min_free_kbytes", u"6553\u00b2", NOT_INT),
    ("fleetfix_vm_min_free_kbytes", "9" * 5000, NOT_INT),
    ("fleetfix_vm_min_free_ceiling_kbytes", float("inf"), NOT_FINITE),
    ("fleetfix_vm_min_free_ceiling_kbytes", 0, OUTSIDE),
    ("fleetfix_vm_min_free_ceiling_kbytes", 2 ** 40, OUTSIDE),
    ("fleetfix_vm_min_free_ceiling_kbytes", True, NOT_INT),
    ("fleetfix_vm_watermark_scale_factor", True, NOT_INT),
    ("fleetfix_vm_watermark_scale_factor", 0, OUTSIDE),
    ("fleetfix_vm_watermark_scale_factor", 3001, OUTSIDE),
    ("fleetfix_vm_watermark_scale_factor", float("nan"), NOT_FINITE),
    ("fleetfix_vm_min_free_allow_lower", "maybe", "must be true or false"),
    ("fleetfix_vm_min_free_allow_lower", "1", "must be true or false"),
    ("fleetfix_vm_min_free_allow_lower", 1, "must be true or false"),
]

# one key of an otherwise valid static entry {name: usbnet0, mac: USB_MAC, method: static,
# address: 192.0.2.10/24} - the text that ended up in the files the diff showed, and its cousins
NET_KEYS = [
    # ifupdown stanza: a newline starts a new option, and up/pre-up run at ifup
    ("fleetfix_net_interfaces[].address", "192.0.2.10/24\n    up touch /tmp/X", NOT_IP),
    ("fleetfix_net_interfaces[].address", "192.0.2.10/24 up touch X", NOT_IP),
    # ifcfg is sourced by the shell
    ("fleetfix_net_interfaces[].gateway", "$(touch /tmp/X)", NOT_IP),
    ("fleetfix_net_interfaces[].gateway", "`touch /tmp/X`", NOT_IP),
    ("fleetfix_net_interfaces[].gateway", "192.0.2.1;touch X", "is not an IP address"),
    ("fleetfix_net_interfaces[].gateway", "192.0.2.1\nup touch X", NOT_IP),
    ("fleetfix_net_interfaces[].address", "$(id)/24", NOT_AN_ADDRESS),
    ("fleetfix_net_interfaces[].address", "192.0.2.10", "needs a prefix length"),
    ("fleetfix_net_interfaces[].address", "192.0.2.10/33", NOT_AN_ADDRESS),
    ("fleetfix_net_interfaces[].address", "192.0.2.300/24", NOT_AN_ADDRESS),
    ("fleetfix_net_interfaces[].address", "192.0.2.10/255.255.255.0/8", NOT_AN_ADDRESS),
    ("fleetfix_net_interfaces[].address", "fe80::1%eth0/64", NOT_IP),                     # a scope may hold anything
    ("fleetfix_net_interfaces[].address", "192.0.2.0/24", "is the network address"),
    ("fleetfix_net_interfaces[].address", "192.0.2.255/24", "is the broadcast address"),
    ("fleetfix_net_interfaces[].address", "127.0.0.2/8", "is a loopback address"),
    ("fleetfix_net_interfaces[].address", "224.0.0.1/24", "is a multicast address"),
    ("fleetfix_net_interfaces[].address", "0.0.0.0/0", "is a unspecified address"),
    ("fleetfix_net_interfaces[].address", " 192.0.2.10/24", NOT_IP),
    ("fleetfix_net_interfaces[].address", 3221225994, "must be a string"),
    ("fleetfix_net_interfaces[].gateway", "198.51.100.1", "is outside 192.0.2.0/24"),
    ("fleetfix_net_interfaces[].gateway", "2001:db8::1", "is IPv6 but address"),
    ("fleetfix_net_interfaces[].gateway", "192.0.2.10", "is the address itself"),
    ("fleetfix_net_interfaces[].gateway", "192.0.2.1/24", NOT_IP),
    ("fleetfix_net_interfaces[].gateway", "gateway.example.", NOT_IP),
    # a .link file: a newline ends Path= and opens a [Link] section of the caller's choosing
    ("fleetfix_net_interfaces[].id_path", "pci-0000:00:07.0\n[Link]\nMTUBytes=68", NOT_ID_PATH),
    ("fleetfix_net_interfaces[].id_path", "pci-0000:00:07.0 MTUBytes=68", NOT_ID_PATH),
    ("fleetfix_net_interfaces[].id_path", "pci-*", NOT_ID_PATH),                          # Path= is a glob
    ("fleetfix_net_interfaces[].id_path", "pci-0000:00:0[0-9].0", NOT_ID_PATH),
    ("fleetfix_net_interfaces[].id_path", 'pci-0000:00:07.0"', NOT_ID_PATH),
    ("fleetfix_net_interfaces[].id_path", "", NOT_ID_PATH),
    ("fleetfix_net_interfaces[].id_path", "-pci", NOT_ID_PATH),
    # names: udev NAME="...", .link Name=, ifupdown iface, ifcfg DEVICE= and the file name
    ("fleetfix_net_interfaces[].name", "usbnet0\n", NAME_CHARS),                          # $ matched before it
    ("fleetfix_net_interfaces[].name", "usbnet0\nup", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "usb net", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "../../x", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "eth0:1", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "0usb", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", 'usb"0', NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "$(id)", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", u"usbn\u00e9t0", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "averyveryverylongname", "the kernel allows 15"),
    ("fleetfix_net_interfaces[].name", 0, "must be a string"),
    ("fleetfix_net_interfaces[].mac", "52:54:00:12:34:99\n", "is not a MAC address"),
    ("fleetfix_net_interfaces[].mac", "52:54:00:12:34", "is not a MAC address"),
    ("fleetfix_net_interfaces[].mac", "52:54:00:12:34:9g", "is not a MAC address"),
    ("fleetfix_net_interfaces[].mac", "525400123499", "is not a MAC address"),
    ("fleetfix_net_interfaces[].mac", '52:54:00:12:34:99", NAME="x', "is not a MAC address"),
    ("fleetfix_net_interfaces[].mac", 189295599, "must be a string"),                      # YAML 1.1 sexagesimal
    ("fleetfix_net_interfaces[].method", "static; up id", "method must be dhcp, static or manual"),
    ("fleetfix_net_interfaces[].pin_by", "MAC", "pin_by must be mac or path"),
    ("fleetfix_net_interfaces[].adress", "192.0.2.10/24", "unknown key 'adress'"),
    ("fleetfix_net_interfaces[].mtu", 68, "unknown key 'mtu'"),
    # issue 16: netplan YAML, NetworkManager keyfiles and networkd .network files (each case runs
    # through every configuration system): a line break adds a key or a section, a quote ends a
    # YAML scalar, a comma adds a gateway to a keyfile's address1, '#' and ';' start comments
    ("fleetfix_net_interfaces[].name", 'u0"\n  dhcp4: 1', NAME_CHARS),      # within 15 characters
    ("fleetfix_net_interfaces[].name", "u0\n[ipv4]\nx=1", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "usbnet0#x", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "usbnet0;x", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "usb: net", NAME_CHARS),
    ("fleetfix_net_interfaces[].name", "usbnet0\r", NAME_CHARS),
    ("fleetfix_net_interfaces[].mac", '52:54:00:12:34:99"\n      set-name: "eth0', "is not a MAC address"),
    ("fleetfix_net_interfaces[].address", "192.0.2.10/24,192.0.2.99", NOT_AN_ADDRESS),
    ("fleetfix_net_interfaces[].address", "192.0.2.10/24\n[Network]\nDNS=192.0.2.53", NOT_IP),
    ("fleetfix_net_interfaces[].address", '192.0.2.10/24"', NOT_AN_ADDRESS),
    ("fleetfix_net_interfaces[].address", "[2001:db8::10]/64", NOT_AN_ADDRESS),
    ("fleetfix_net_interfaces[].address", "2001:db8::10/64\n      dhcp6: true", NOT_IP),
    ("fleetfix_net_interfaces[].address", "192.0.2.10/24\r", NOT_IP),
    ("fleetfix_net_interfaces[].gateway", "192.0.2.1,192.0.2.2", NOT_IP),
    ("fleetfix_net_interfaces[].gateway", '192.0.2.1"\n      dhcp4: true', NOT_IP),
    ("fleetfix_net_interfaces[].gateway", "192.0.2.1 # metric", NOT_IP),
    ("fleetfix_net_interfaces[].gateway", "default", NOT_IP),
]

# fleetfix_net_config_system: the systems the role writes for, spelt as the choices spell them
NET_CONFIG_SYSTEMS = [
    ("fleetfix_net_config_system", "NetworkManager", "must be one of"),
    ("fleetfix_net_config_system", "nmcli", "must be one of"),
    ("fleetfix_net_config_system", "netplan apply", "must be one of"),
    ("fleetfix_net_config_system", "systemd-networkd", "must be one of"),
    ("fleetfix_net_config_system", "", "must be one of"),
    ("fleetfix_net_config_system", True, "must be one of"),
]

# fleetfix_net_live_rename: a boolean; a string that looks like one is not taken for one
NET_LIVE = [
    ("fleetfix_net_live_rename", "yes please", "must be true or false"),
    ("fleetfix_net_live_rename", "false", "must be true or false"),
    ("fleetfix_net_live_rename", 1, "must be true or false"),
    ("fleetfix_net_live_rename", None, "must be true or false"),
]

# whole lists; the host has ens2 (52:54:00:f1:ee:01) and enx525400123499 (USB_MAC)
NET_LISTS = [
    ("fleetfix_net_interfaces", [{"name": "usbnet0", "mac": USB_MAC}, {"name": "usbnet1", "mac": USB_MAC.upper()}],
     "one NIC has one name"),
    ("fleetfix_net_interfaces", [{"name": "usbnet0", "mac": USB_MAC}, {"name": "usbnet1", "match_current_name": "enx525400123499"}],
     "one NIC has one name"),
    ("fleetfix_net_interfaces", [{"name": "usbnet0", "mac": USB_MAC}, {"name": "usbnet0", "match_current_name": "ens2"}],
     "is already given to"),
    ("fleetfix_net_interfaces", [{"name": "usbnet0", "mac": USB_MAC, "method": "dhcp", "address": "192.0.2.10/24"}],
     "only used with method static"),
    ("fleetfix_net_interfaces", [{"name": "usbnet0", "mac": USB_MAC, "match_current_name": "ens2"}],
     "not both"),
    ("fleetfix_net_interfaces", [{"name": "usbnet0", "mac": USB_MAC, "method": "static",
                                  "address": "2001:db8::10/64", "gateway": "192.0.2.1"}], "is IPv4 but address"),
    ("fleetfix_net_interfaces", [{"name": "usbnet0", "match_current_name": "eth0 eth1"}], "is not an interface name"),
    ("fleetfix_net_interfaces", [{"name": "usbnet0", "match_current_name": "../ens2"}], "is not an interface name"),
    ("fleetfix_net_interfaces", "usbnet0", "must be a list"),
]

# where role initramfs_drivers writes the drivers, through the initramfs_drivers_plan filter
NOT_DRACUT = "is not a dracut drop-in"
NOT_ITM = "is not initramfs-tools' modules file"
INITRAMFS_FILES = [
    ("fleetfix_initramfs_dracut_dropin", "/etc/passwd", NOT_DRACUT),
    ("fleetfix_initramfs_dracut_dropin", "/etc/dracut.conf.d/50-fleetfix", NOT_DRACUT),        # no .conf: never read
    ("fleetfix_initramfs_dracut_dropin", "/etc/dracut.conf.d/50-fleetfix.conf.rpmsave", NOT_DRACUT),
    ("fleetfix_initramfs_dracut_dropin", "/etc/dracut.conf.d/../../etc/shadow.conf", NOT_DRACUT),
    ("fleetfix_initramfs_dracut_dropin", "/etc/dracut.conf.d/sub/50.conf", NOT_DRACUT),
    ("fleetfix_initramfs_dracut_dropin", "/etc/dracut.conf.d/.hidden.conf", NOT_DRACUT),
    ("fleetfix_initramfs_dracut_dropin", "/etc/dracut.conf.d/50 fleetfix.conf", NOT_DRACUT),
    ("fleetfix_initramfs_dracut_dropin", "/etc/dracut.conf.d/$(id).conf", NOT_DRACUT),
    ("fleetfix_initramfs_dracut_dropin", "/etc/dracut.conf.d/50.conf\n", NOT_DRACUT),
    ("fleetfix_initramfs_dracut_dropin", "/usr/lib/dracut/dracut.conf.d/50.conf", NOT_DRACUT),
    ("fleetfix_initramfs_dracut_dropin", "etc/dracut.conf.d/50.conf", NOT_DRACUT),
    ("fleetfix_initramfs_dracut_dropin", "", NOT_DRACUT),
    ("fleetfix_initramfs_tools_modules_file", "/etc/shadow", NOT_ITM),
    ("fleetfix_initramfs_tools_modules_file", "/etc/initramfs-tools/modules.d/x", NOT_ITM),
    ("fleetfix_initramfs_tools_modules_file", "/etc/initramfs-tools/../shadow", NOT_ITM),
    ("fleetfix_initramfs_tools_modules_file", "/etc/initramfs-tools/modules ", NOT_ITM),
    ("fleetfix_initramfs_tools_modules_file", "/etc/initramfs-tools//modules", NOT_ITM),
]

ALL = SYSCTL_FILES + PIPE_NUMBERS + VM_NUMBERS + NET_KEYS + NET_LISTS + NET_CONFIG_SYSTEMS + NET_LIVE + INITRAMFS_FILES
