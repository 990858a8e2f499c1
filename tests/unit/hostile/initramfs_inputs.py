# -*- coding: utf-8 -*-
"""Hostile inputs to the initramfs writers (issue 13), as data: (what, value, message fragment).

``what`` is the input they are given as: ``driver`` (one element of fleetfix_initramfs_drivers /
the module's ``drivers``), ``kernel`` (one element of fleetfix_initramfs_kernels / ``kernels``),
``timeout`` (fleetfix_initramfs_build_timeout / ``timeout``). Every one must be refused - by the
module's own argument check and by the role's Decide step (the initramfs_drivers_plan filter) -
with a message naming the variable or option and holding the fragment. They are run by
tests/unit/plugins/modules/test_initramfs_rebuild.py; the GRUB ones live in grub_inputs.py.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

NOT_A_MODULE = "is not a kernel module name"
NOT_A_RELEASE = "is not a kernel release"
NOT_SECONDS = "is not a number of seconds from 1 to 86400"

DRIVERS = [
    # dracut sources its drop-in as bash: command substitution, expansion, separators
    ("driver", "$(touch X)", NOT_A_MODULE),
    ("driver", "`touch X`", NOT_A_MODULE),
    ("driver", "mpt3sas; touch X", NOT_A_MODULE),
    ("driver", "mpt3sas\ntouch X", NOT_A_MODULE),
    ("driver", 'mpt3sas"\nexport EVIL=1', NOT_A_MODULE),
    ("driver", 'mpt3sas" ; export EVIL=1 ; "', NOT_A_MODULE),
    ("driver", '"mpt3sas"', NOT_A_MODULE),
    ("driver", "'mpt3sas'", NOT_A_MODULE),
    ("driver", "$HOME", NOT_A_MODULE),
    ("driver", "${IFS}id", NOT_A_MODULE),
    ("driver", "mpt3sas|id", NOT_A_MODULE),
    ("driver", "mpt3sas&&id", NOT_A_MODULE),
    ("driver", "mpt3sas&", NOT_A_MODULE),
    ("driver", "mpt3sas>/etc/passwd", NOT_A_MODULE),
    ("driver", "mpt3sas<x", NOT_A_MODULE),
    ("driver", "*", NOT_A_MODULE),
    ("driver", "mpt?sas", NOT_A_MODULE),
    ("driver", "mpt3sas{a,b}", NOT_A_MODULE),
    ("driver", "!mpt3sas", NOT_A_MODULE),
    ("driver", "~root", NOT_A_MODULE),
    ("driver", "mpt3sas#comment", NOT_A_MODULE),
    ("driver", "mpt3sas\\", NOT_A_MODULE),
    # whitespace: one value must stay one name
    ("driver", "mpt3sas megaraid_sas", NOT_A_MODULE),
    ("driver", " mpt3sas", NOT_A_MODULE),
    ("driver", "mpt3sas\t", NOT_A_MODULE),
    ("driver", "mpt3sas\r", NOT_A_MODULE),
    ("driver", "mpt3sas\x00", NOT_A_MODULE),
    ("driver", "mpt3sas\x1b[2J", NOT_A_MODULE),
    # paths and file names are not module names
    ("driver", "../mpt3sas", NOT_A_MODULE),
    ("driver", "../../etc/passwd", NOT_A_MODULE),
    ("driver", "mpt3sas/../x", NOT_A_MODULE),
    ("driver", "kernel/drivers/scsi/mpt3sas.ko", NOT_A_MODULE),
    ("driver", "mpt3sas.ko", NOT_A_MODULE),
    # options: initramfs-tools hands each modules line to modprobe unquoted
    ("driver", "-v", "not starting with"),
    ("driver", "--help", "not starting with"),
    ("driver", "-", "not starting with"),
    ("driver", "mpt3sas=1", NOT_A_MODULE),
    ("driver", "mpt3sas,megaraid_sas", NOT_A_MODULE),
    # look-alikes: what the eye reads as mpt3sas is not what modprobe looks for
    (u"driver", u"mpt3s\u0430s", NOT_A_MODULE),            # Cyrillic a
    (u"driver", u"\uff4d\uff50\uff54\uff13\uff53\uff41\uff53", NOT_A_MODULE),  # fullwidth
    (u"driver", u"mpt3sas\u200b", NOT_A_MODULE),           # zero-width space
    (u"driver", u"mpt3sa\u0301s", NOT_A_MODULE),           # combining accent
    (u"driver", u"\u2010mpt3sas", NOT_A_MODULE),           # Unicode hyphen
    (u"driver", u"\u00e9mile", NOT_A_MODULE),
    # sizes
    ("driver", "", "empty"),
    ("driver", "a" * 56, "longer than 55 characters"),
    ("driver", "m" * 300, "longer than 55 characters"),
]

KERNELS = [
    # a stray /boot/vmlinuz---help or /boot/vmlinuz--v must never become an option
    ("kernel", "--help", NOT_A_RELEASE),
    ("kernel", "-v", NOT_A_RELEASE),
    ("kernel", "-", NOT_A_RELEASE),
    ("kernel", "--kver=6.1.0", NOT_A_RELEASE),
    ("kernel", "../../etc", NOT_A_RELEASE),
    ("kernel", "6.1.0-50-amd64/../../etc", NOT_A_RELEASE),
    ("kernel", ".hidden", NOT_A_RELEASE),
    ("kernel", "6.1.0 amd64", NOT_A_RELEASE),
    ("kernel", "6.1.0\namd64", NOT_A_RELEASE),
    ("kernel", "6.1.0-50-amd64\n", NOT_A_RELEASE),
    ("kernel", "6.1.0\t", NOT_A_RELEASE),
    ("kernel", "6.1.0\x00", NOT_A_RELEASE),
    ("kernel", "", NOT_A_RELEASE),
    ("kernel", "$(id)", NOT_A_RELEASE),
    ("kernel", "`id`", NOT_A_RELEASE),
    ("kernel", "6.1.0;id", NOT_A_RELEASE),
    ("kernel", '6.1.0"', NOT_A_RELEASE),
    ("kernel", "6.1.0'", NOT_A_RELEASE),
    ("kernel", "~6.1", NOT_A_RELEASE),
    ("kernel", "+6.1", NOT_A_RELEASE),
    ("kernel", "x" * 65, NOT_A_RELEASE),
    (u"kernel", u"\uff16.1.0", NOT_A_RELEASE),             # fullwidth digit
    # well-formed, but not installed here: no image is built for a kernel that is not there
    ("kernel", "9.9.9-not-installed", "not installed"),
]

TIMEOUTS = [
    ("timeout", -5, "-5"),
    ("timeout", 0, NOT_SECONDS),
    ("timeout", -1, "-1"),
    ("timeout", 86401, "86401"),
    ("timeout", 1e99, NOT_SECONDS),
    ("timeout", True, "true"),
    ("timeout", False, "false"),
    ("timeout", "abc", "abc"),
    ("timeout", "-1", "-1"),
    ("timeout", "0x10", "0x10"),
    ("timeout", "12abc", "12abc"),
    ("timeout", 5.5, "5.5"),
]

CASES = DRIVERS + KERNELS + TIMEOUTS
