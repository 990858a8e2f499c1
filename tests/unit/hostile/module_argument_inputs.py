# -*- coding: utf-8 -*-
"""Hostile module arguments (issue 14), as data: (module, arguments, message fragment).

Every case must be refused with ``failed`` and a message that names the option (the first
word of the fragment list below is checked) and holds the fragment - never a traceback, never
a result computed from a value the option does not mean. They run in-process and in check
mode (nothing a module would write is written, whatever happens) through
tests/unit/hostile/test_module_arguments.py. The writers' own lists (initramfs_inputs.py,
grub_inputs.py) cover initramfs_rebuild and grub_set_root's drivers, kernels, UUIDs and kinds.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

NAN = float('nan')
INF = float('inf')

# A pin as the persistent_net plan gives it to net_activate (each case spoils one value).
_PIN = {"name": "usbnet0", "current_name": "enp0s7u1", "mac": "52:54:00:12:34:99", "config_system": "networkd",
        "method": "static", "address": "192.0.2.10/24", "paths": ["/etc/systemd/network/10-fleetfix-usbnet0.network"]}

# (module, args, option named in the message, fragment of the message)
CASES = [
    # pipe_facts: a write size is a positive number of bytes the kernel can hold in one pipe
    ("pipe_facts", {"write_size": 0}, "write_size", "positive"),
    ("pipe_facts", {"write_size": -1}, "write_size", "positive"),
    ("pipe_facts", {"write_size": True}, "write_size", "boolean"),
    ("pipe_facts", {"write_size": "lots"}, "write_size", "lots"),
    ("pipe_facts", {"write_size": "64k"}, "write_size", "64k"),
    ("pipe_facts", {"write_size": 1.5}, "write_size", "1.5"),
    ("pipe_facts", {"write_size": 2 ** 31 + 1}, "write_size", "2147483648"),
    ("pipe_facts", {"write_size": 10 ** 30}, "write_size", "2147483648"),
    ("pipe_facts", {"write_size": "65536; reboot"}, "write_size", "65536; reboot"),
    ("pipe_facts", {"probe": "maybe"}, "probe", "maybe"),
    ("pipe_facts", {"bogus": 1}, "bogus", "Unsupported parameters"),
    # ext4_thread_facts: a sample is a finite number of seconds from 0 to 60; busy is a finite share above 0
    ("ext4_thread_facts", {"sample_seconds": NAN}, "sample_seconds", "NaN"),
    ("ext4_thread_facts", {"sample_seconds": INF}, "sample_seconds", "Infinity"),
    ("ext4_thread_facts", {"sample_seconds": -1}, "sample_seconds", "-1"),
    ("ext4_thread_facts", {"sample_seconds": 1e9}, "sample_seconds", "1000000000"),
    ("ext4_thread_facts", {"sample_seconds": "soon"}, "sample_seconds", "float"),
    ("ext4_thread_facts", {"busy_percent": NAN}, "busy_percent", "NaN"),
    ("ext4_thread_facts", {"busy_percent": -1}, "busy_percent", "-1"),
    ("ext4_thread_facts", {"busy_percent": 1e6}, "busy_percent", "1000000"),
    ("ext4_thread_facts", {"busy_percent": INF}, "busy_percent", "Infinity"),
    ("ext4_thread_facts", {"busy_percent": 0}, "busy_percent", "above 0"),
    ("ext4_thread_facts", {"sample_seconds": 61}, "sample_seconds", "61"),
    # socket_timeout_probe: values a C long (time_t, suseconds_t) can hold
    ("socket_timeout_probe", {"tv_sec": 2 ** 70, "tv_usec": 0}, "tv_sec", str(2 ** 70)),
    ("socket_timeout_probe", {"tv_sec": 0, "tv_usec": -(2 ** 70)}, "tv_usec", str(-(2 ** 70))),
    ("socket_timeout_probe", {"tv_sec": "1s", "tv_usec": 0}, "tv_sec", "1s"),
    ("socket_timeout_probe", {"tv_sec": 1, "tv_usec": 0, "option": "SO_LINGER"}, "option", "SO_LINGER"),
    ("socket_timeout_probe", {"tv_sec": True, "tv_usec": 0}, "tv_sec", "boolean"),
    ("socket_timeout_probe", {"tv_usec": 0}, "tv_sec", "missing required"),
    # memory_watermark_facts: known sources, log files that are paths
    ("memory_watermark_facts", {"log_sources": ["kmsg", "syslog"]}, "log_sources", "syslog"),
    ("memory_watermark_facts", {"log_sources": ["files"], "log_files": ["/var/log/\x00messages"]}, "log_files", "NUL"),
    ("memory_watermark_facts", {"log_sources": ["files"], "log_files": ["var/log/messages"]}, "log_files", "absolute"),
    ("memory_watermark_facts", {"log_sources": ["files"], "log_files": [""]}, "log_files", "absolute"),
    # slab_facts
    ("slab_facts", {"caches": "maybe"}, "caches", "maybe"),
    # kernel_config_facts / docker_kernel_check / initramfs_facts: kernel releases, option names
    ("kernel_config_facts", {"kernels": ["../../etc/passwd"]}, "kernels", "is not a kernel release"),
    ("kernel_config_facts", {"kernels": [u"5\u00b2"]}, "kernels", "is not a kernel release"),
    ("kernel_config_facts", {"kernels": ["5.10.0-28-amd64 6.1.0-18-amd64"]}, "kernels", "is not a kernel release"),
    ("kernel_config_facts", {"kernels": ["5.10.0\n"]}, "kernels", "is not a kernel release"),
    ("kernel_config_facts", {"options": ["CONFIG_X; id"]}, "options", "CONFIG_X; id"),
    ("kernel_config_facts", {"options": [""]}, "options", "CONFIG_"),
    ("docker_kernel_check", {"profiles": ["future"]}, "profiles", "future"),
    ("docker_kernel_check", {"kernels": ["../vmlinuz"]}, "kernels", "is not a kernel release"),
    ("docker_kernel_check", {"kernels": ["$(id)"]}, "kernels", "is not a kernel release"),
    ("initramfs_facts", {"kernels": ["/boot/vmlinuz-6.1.0"]}, "kernels", "is not a kernel release"),
    ("initramfs_facts", {"required_drivers": ["$(id)"]}, "required_drivers", "is not a kernel module name"),
    ("initramfs_facts", {"extra_drivers": ["mpt3sas megaraid_sas"]}, "extra_drivers", "is not a kernel module name"),
    ("initramfs_facts", {"on_error": "ignore"}, "on_error", "ignore"),
    # kernel_audit: stories, the seed's write size, the drivers the boot story requires
    ("kernel_audit", {"gather_subset": ["nope"]}, "gather_subset", "nope"),
    ("kernel_audit", {"gather_subset": ["all", "pipe"]}, "gather_subset", "pipe"),
    ("kernel_audit", {"gather_subset": []}, "gather_subset", "at least one"),
    ("kernel_audit", {"pipe_write_size": 0}, "pipe_write_size", "positive"),
    ("kernel_audit", {"pipe_write_size": True}, "pipe_write_size", "boolean"),
    ("kernel_audit", {"pipe_write_size": 2 ** 40}, "pipe_write_size", "2147483648"),
    ("kernel_audit", {"boot_extra_drivers": ["$(touch X)"]}, "boot_extra_drivers", "is not a kernel module name"),
    ("kernel_audit", {"boot_extra_drivers": ["../../x"]}, "boot_extra_drivers", "is not a kernel module name"),
    # facts modules without options
    ("grub_facts", {"root": "/tmp"}, "root", "Unsupported parameters"),
    ("net_iface_facts", {"interfaces": ["eth0"]}, "interfaces", "Unsupported parameters"),
    # initramfs_rebuild: where its configuration goes (dracut reads only *.conf in its conf.d)
    ("initramfs_rebuild", {"kernels": ["running"], "drivers": ["mpt3sas"], "write_config": True,
                           "dracut_dropin": "/etc/passwd"}, "dracut_dropin", "/etc/dracut.conf.d/"),
    ("initramfs_rebuild", {"kernels": ["running"], "drivers": ["mpt3sas"], "write_config": True,
                           "dracut_dropin": "/etc/dracut.conf.d/50-fleetfix"}, "dracut_dropin", ".conf"),
    ("initramfs_rebuild", {"kernels": ["running"], "drivers": ["mpt3sas"], "write_config": True,
                           "dracut_dropin": "/etc/dracut.conf.d/../../etc/shadow.conf"}, "dracut_dropin", ".."),
    ("initramfs_rebuild", {"kernels": ["running"], "drivers": ["mpt3sas"], "write_config": True,
                           "initramfs_tools_modules": "/etc/shadow"}, "initramfs_tools_modules", "/etc/initramfs-tools/modules"),
    ("initramfs_rebuild", {"kernels": ["running"], "drivers": ["mpt3sas"], "generator": "mkinitcpio"}, "generator", "mkinitcpio"),
    ("initramfs_rebuild", {"kernels": ["running"], "drivers": ["mpt3sas"], "backup": "no thanks"}, "backup", "no thanks"),
    # net_activate: every value that reaches an argv (ip, ifup, networkctl, nmcli) or a path compared
    ("net_activate", {"pins": [dict(_PIN, name="-x")]}, "pins[1].name", "option"),
    ("net_activate", {"pins": [dict(_PIN, name="usb/0")]}, "pins[1].name", "not an interface name"),
    ("net_activate", {"pins": [dict(_PIN, name="u" * 16)]}, "pins[1].name", "not an interface name"),
    ("net_activate", {"pins": [dict(_PIN, name="usb 0")]}, "pins[1].name", "not an interface name"),
    ("net_activate", {"pins": [dict(_PIN, name="1234")]}, "pins[1].name", "not an interface name"),
    ("net_activate", {"pins": [dict(_PIN, current_name="")]}, "pins[1].current_name", "not an interface name"),
    ("net_activate", {"pins": [dict(_PIN, current_name="eth0\nreboot")]}, "pins[1].current_name", "not an interface name"),
    ("net_activate", {"pins": [dict(_PIN, mac="52:54:00:12:34:9g")]}, "pins[1].mac", "not a MAC"),
    ("net_activate", {"pins": [dict(_PIN, mac="52:54:00:12:34:9A")]}, "pins[1].mac", "lower-case"),
    ("net_activate", {"pins": [dict(_PIN, address="192.0.2.10")]}, "pins[1].address", "prefix length"),
    ("net_activate", {"pins": [dict(_PIN, address="192.0.2.10/24; reboot")]}, "pins[1].address", "prefix length"),
    ("net_activate", {"pins": [dict(_PIN, method="static", address=None)]}, "pins[1]", "without an address"),
    ("net_activate", {"pins": [dict(_PIN, config_system="wicked")]}, "config_system", "wicked"),
    ("net_activate", {"pins": [dict(_PIN, config_system="networkmanager")]}, "pins[1]", "connection_uuid"),
    ("net_activate", {"pins": [dict(_PIN, config_system="networkmanager", connection_uuid="x; y")]},
     "pins[1].connection_uuid", "not a lower-case UUID"),
    ("net_activate", {"pins": [dict(_PIN, paths=["etc/netplan/x.yaml"])]}, "pins[1].paths", "not an absolute path"),
    ("net_activate", {"pins": [_PIN, _PIN]}, "pins", "given twice"),
    ("net_activate", {"changed_paths": ["/etc/netplan/\x00.yaml"]}, "changed_paths", "not an absolute path"),
    ("net_activate", {"reload": ["netplan apply"]}, "reload", "netplan apply"),
    ("net_activate", {"netplan_renderer": "systemd"}, "netplan_renderer", "systemd"),
    ("net_activate", {"live_rename": "sometimes"}, "live_rename", "sometimes"),
    ("net_activate", {"timeout": 0}, "timeout", "between 1 and 600"),
    ("net_activate", {"timeout": 10 ** 6}, "timeout", "between 1 and 600"),
    ("net_activate", {"timeout": "soon"}, "timeout", "int"),
]
