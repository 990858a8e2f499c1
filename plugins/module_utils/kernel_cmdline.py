# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel command line, split the way the kernel splits it (lib/cmdline.c).

Used for /proc/cmdline and for the arguments of every boot entry (GRUB 2 ``linux`` lines,
GRUB legacy ``kernel`` lines, BLS ``options``). Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


# The kernel's isspace() (include/linux/ctype.h, lib/ctype.c): the ASCII blanks and byte 0xA0.
# Not Python's str.isspace(), which also splits on U+001C..U+001F, U+0085 and other Unicode
# spaces - bytes the kernel keeps inside an argument (and that appear in UTF-8 or Latin-1 text).
KERNEL_SPACE = u' \t\n\x0b\x0c\r\xa0'


def arg_spans(text):
    """Every argument of a kernel command line with where it is: a list of
    ``(key, value, start, end)``, ``text[start:end]`` being the argument as written (quotes
    included). Follows the kernel's own rules (lib/cmdline.c next_arg): arguments are
    separated by KERNEL_SPACE outside double quotes; ``key="a b"`` gives value ``a b``; an
    argument without ``=`` gives value None, ``key=`` gives ''. Everything is kept, ``--``
    and what follows it (arguments for init) included."""
    return list(iter_arg_spans(text))


def iter_arg_spans(text):
    """arg_spans one argument at a time (memory stays at one argument)."""
    if not text:
        return
    n = len(text)
    i = 0
    while True:
        while i < n and text[i] in KERNEL_SPACE:
            i += 1
        if i >= n:
            break
        begin = i
        quoted = in_quote = text[i] == '"'
        if quoted:
            i += 1
        start = i
        equals = None
        while i < n:
            c = text[i]
            if c in KERNEL_SPACE and not in_quote:
                break
            if equals is None and c == '=':
                equals = i
            if c == '"':
                in_quote = not in_quote
            i += 1
        last_is_quote = i > start and text[i - 1] == '"'
        if equals is None:
            key = text[start:i]
            value = None
            if quoted and last_is_quote:
                key = key[:-1]
        else:
            key = text[start:equals]
            value = text[equals + 1:i]
            if value.startswith('"'):
                value = value[1:]
                if last_is_quote and value:
                    value = value[:-1]
            elif quoted and last_is_quote:
                value = value[:-1]
        yield key, value, begin, i


def parse_cmdline(text):
    """Split a kernel command line into an ordered list of ``(key, value)`` (see arg_spans)."""
    return [(key, value) for key, value, _start, _end in arg_spans(text)]


def _args_list(args):
    """(key, value) of every argument: of a parse_cmdline() list, or of a command-line string
    one at a time."""
    if args is None:
        return []
    if isinstance(args, (list, tuple)):
        return args
    return ((key, value) for key, value, _start, _end in iter_arg_spans(args))


def get_arg(args, key, default=None):
    """The value of the last ``key`` argument (the one the kernel acts on) before ``--``.

    ``args`` is a list from parse_cmdline() or a command-line string. Returns ``default``
    when the key is absent and None when it is present without ``=``.
    """
    found = default
    for name, value in _args_list(args):
        if name == '--' and value is None:
            break
        if name == key:
            found = value
    return found


def has_arg(args, key):
    """True when ``key`` appears (with or without a value) before ``--``."""
    for name, value in _args_list(args):
        if name == '--' and value is None:
            break
        if name == key:
            return True
    return False
