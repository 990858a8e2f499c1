# -*- coding: utf-8 -*-
"""Hostile inputs to the audit and its reports (issue 14), as data.

SETTINGS: (variable, value, message fragment) - every one must be refused by the
fleetfix.kernel.audit_settings filter (the first play of playbooks/audit.yml) with a message
naming the variable and holding the fragment; run by tests/unit/plugins/filter/test_audit_report.py.

REPORT_TEXTS: strings put into a host name, a summary and the evidence of a fleet report; every
one must give a well-formed junit.xml (parsed with xml.etree), a Markdown report of one line per
field and bytes for all four reports; run by tests/unit/plugins/filter/test_report_render.py.

LOG_FILES: what a ``log_files`` entry of memory_watermark_facts may be instead of a log file:
(kind, reason fragment); each must be listed in log_sources_unread and warned about; run by
tests/unit/plugins/module_utils/test_memory.py.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

ONE_OF = "expected one of never, warn, fail"
BATCH = "expected a number of hosts per batch"
STORY = "(each may start with \"!\")"
BYTES = "expected a number of bytes from 1 to"
MODULE = "expected a kernel module name"
PATTERN = "expected a host pattern"
BOOL = "expected true or false"
DIRECTORY = "expected a directory path"
TYPO = "is not a variable of playbooks/audit.yml (a typo?)"

SETTINGS = [
    ("fleetfix_audit_fail_on", "bogus", ONE_OF),
    ("fleetfix_audit_fail_on", "FAIL", ONE_OF),
    ("fleetfix_audit_fail_on", "fail ", ONE_OF),
    ("fleetfix_audit_fail_on", "", ONE_OF),
    ("fleetfix_audit_fail_on", True, ONE_OF),
    ("fleetfix_audit_fail_on", None, ONE_OF),
    ("fleetfix_audit_fail_on", ["fail"], ONE_OF),
    ("fleetfix_audit_fail_on", "error", ONE_OF),
    ("fleetfix_audit_serial", "abc", BATCH),
    ("fleetfix_audit_serial", -1, BATCH),
    ("fleetfix_audit_serial", "-1", BATCH),
    ("fleetfix_audit_serial", True, BATCH),
    ("fleetfix_audit_serial", 1.5, BATCH),
    ("fleetfix_audit_serial", "1.5", BATCH),
    ("fleetfix_audit_serial", "0%", "a percentage above 0 and at most 100"),
    ("fleetfix_audit_serial", "101%", "a percentage above 0 and at most 100"),
    ("fleetfix_audit_serial", "%", BATCH),
    ("fleetfix_audit_serial", u"\u00b2", BATCH),
    ("fleetfix_audit_serial", "1\n", BATCH),
    ("fleetfix_audit_serial", [], "a non-empty list of batch sizes"),
    ("fleetfix_audit_serial", [1, "x"], BATCH),
    ("fleetfix_audit_serial", {"a": 1}, BATCH),
    ("fleetfix_audit_serial", "9" * 5000, BATCH),
    ("fleetfix_audit_subset", "bogus", STORY),
    ("fleetfix_audit_subset", ["all", "!bogus"], STORY),
    ("fleetfix_audit_subset", [], STORY),
    ("fleetfix_audit_subset", [1], STORY),
    ("fleetfix_audit_subset", {"all": True}, STORY),
    ("fleetfix_audit_pipe_write_size", 0, BYTES),
    ("fleetfix_audit_pipe_write_size", -4096, BYTES),
    ("fleetfix_audit_pipe_write_size", True, BYTES),
    ("fleetfix_audit_pipe_write_size", 2 ** 31 + 1, BYTES),
    ("fleetfix_audit_pipe_write_size", "1M", BYTES),
    ("fleetfix_audit_pipe_write_size", float("nan"), BYTES),
    ("fleetfix_audit_pipe_write_size", float("inf"), BYTES),
    ("fleetfix_audit_pipe_write_size", u"\u0664\u0660\u0669\u0666", BYTES),
    ("fleetfix_audit_boot_extra_drivers", "mpt3sas", "expected a list of kernel module names"),
    ("fleetfix_audit_boot_extra_drivers", ["$(touch X)"], MODULE),
    ("fleetfix_audit_boot_extra_drivers", ["mpt3sas megaraid_sas"], MODULE),
    ("fleetfix_audit_boot_extra_drivers", ["../../etc/passwd"], MODULE),
    ("fleetfix_audit_boot_extra_drivers", ["mpt3sas\n"], MODULE),
    ("fleetfix_audit_boot_extra_drivers", [7], MODULE),
    ("fleetfix_audit_hosts", "", PATTERN),
    ("fleetfix_audit_hosts", "all\nlocalhost", PATTERN),
    ("fleetfix_audit_hosts", 3, PATTERN),
    ("fleetfix_audit_hosts", ["web"], PATTERN),
    ("fleetfix_report_dir", "", DIRECTORY),
    ("fleetfix_report_dir", "/tmp/x\x00y", DIRECTORY),
    ("fleetfix_report_dir", ["/tmp"], DIRECTORY),
    ("fleetfix_become", "maybe", BOOL),
    ("fleetfix_become", 2, BOOL),
    ("fleetfix_become", None, BOOL),
    ("fleetfix_audit_fail_onn", "fail", TYPO),
    ("fleetfix_audit_serials", 1, TYPO),
    ("fleetfix_audit_subsets", ["all"], TYPO),
]

REPORT_TEXTS = [
    u"\x00",
    u"host\x01name",
    u"bell\x07",
    u"back\x08space",
    u"vt\x0b",
    u"ff\x0c",
    u"esc\x1b[2J",
    u"us\x1f",
    u"every C0: " + u"".join(chr(c) for c in range(32)),
    u"lone \ud800 surrogate",
    u"lone \udfff low surrogate",
    u"non-character \ufffe",
    u"non-character \uffff",
    u"del \x7f and c1 \x85",
    u"]]><![CDATA[",
    u"</testcase></testsuite><x>",
    u"quote \" apostrophe ' amp & lt < gt >",
    u"line\nbreak\r\ttab",
    u"| pipe | in | markdown |",
    u"astral \U0001F600",
]

LOG_FILES = [
    ("directory", "a directory, not a log file"),
    ("fifo", "a FIFO, not a log file"),
    ("symlink loop", "a symlink loop"),
    ("unreadable", "Permission denied"),
]
