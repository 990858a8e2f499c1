"""The kernel command line, split as lib/cmdline.c does."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.fleetfix.kernel.plugins.module_utils import kernel_cmdline


def test_parse_cmdline_follows_the_kernel_rules():
    line = ('BOOT_IMAGE=/vmlinuz-6.1.0 root=UUID=abc ro quiet acpi_osi="Windows 2012" '
            'key= "dyndbg=file x.c +p" "flag with space" init=/bin/sh -- single x=1')
    assert kernel_cmdline.parse_cmdline(line) == [
        ("BOOT_IMAGE", "/vmlinuz-6.1.0"), ("root", "UUID=abc"), ("ro", None), ("quiet", None),
        ("acpi_osi", "Windows 2012"), ("key", ""), ("dyndbg", "file x.c +p"), ("flag with space", None),
        ("init", "/bin/sh"), ("--", None), ("single", None), ("x", "1")]
    assert kernel_cmdline.parse_cmdline("") == []
    assert kernel_cmdline.parse_cmdline(None) == []
    assert kernel_cmdline.parse_cmdline("  \t ") == []


def test_get_arg_takes_the_last_value_before_the_double_dash():
    args = kernel_cmdline.parse_cmdline("root=/dev/sda1 ro root=UUID=abc quiet -- root=/dev/evil")
    assert kernel_cmdline.get_arg(args, "root") == "UUID=abc"
    assert kernel_cmdline.get_arg(args, "quiet") is None
    assert kernel_cmdline.get_arg(args, "missing", "dflt") == "dflt"
    assert kernel_cmdline.has_arg(args, "quiet") and kernel_cmdline.has_arg(args, "ro")
    assert not kernel_cmdline.has_arg(args, "missing")
    assert kernel_cmdline.get_arg("root=LABEL=x ro", "root") == "LABEL=x"  # a string works too
    assert kernel_cmdline.get_arg(None, "root") is None


def test_arg_spans_say_where_each_argument_is():
    line = ' ro  "root=/dev/sda1"\tquiet acpi_osi="a root=x" -- root=/dev/init'
    spans = kernel_cmdline.arg_spans(line)
    assert [(k, v, line[s:e]) for k, v, s, e in spans] == [
        ("ro", None, "ro"), ("root", "/dev/sda1", '"root=/dev/sda1"'), ("quiet", None, "quiet"),
        ("acpi_osi", "a root=x", 'acpi_osi="a root=x"'), ("--", None, "--"), ("root", "/dev/init", "root=/dev/init")]
    assert kernel_cmdline.parse_cmdline(line) == [(k, v) for k, v, _s, _e in spans]


def test_only_the_kernels_spaces_separate_arguments():
    # lib/ctype.c: the ASCII blanks and 0xA0; not U+001C..U+001F or U+0085, which str.split() takes
    line = u"a\x0bb\x0cc\rd\u00a0e f\x1cg h\x85i j\u2003k"
    assert [k for k, _v in kernel_cmdline.parse_cmdline(line)] == [
        u"a", u"b", u"c", u"d", u"e", u"f\x1cg", u"h\x85i", u"j\u2003k"]


def test_arguments_are_read_one_at_a_time():
    line = "root=/dev/sda1 " * 50000 + "-- root=/dev/init"
    assert kernel_cmdline.get_arg(line, "root") == "/dev/sda1" and kernel_cmdline.has_arg(line, "root")
    first = next(kernel_cmdline.iter_arg_spans(line))
    assert first == ("root", "/dev/sda1", 0, 14)
    assert list(kernel_cmdline.iter_arg_spans("")) == [] and list(kernel_cmdline.iter_arg_spans(None)) == []
