# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GRUB legacy (0.97) grub.conf / menu.lst, CentOS/RHEL 5 and 6: the parser, and the
``root=`` editor grub_set_root plans and writes with.

A grub.conf is bytes, and its titles are whatever the admin typed: UTF-8 (an em-dash),
Latin-1, anything. The parser takes text (grub_facts reads it as UTF-8, bad bytes replaced);
the editor takes and returns bytes. It works on them decoded as Latin-1 - the one decoding that
maps each byte to one character and back - so every byte it does not change comes out as it
went in, under Python 2.7 and 3 alike. Everything that decides where a line, a word or an
argument ends looks at ASCII only: '\\n' ends a line (a '\\r' before it stays with it), space
and tab separate GRUB's words (its isspace), kernel_cmdline.KERNEL_SPACE the kernel's
arguments. Commands are case-sensitive, as in GRUB (``Kernel`` is not ``kernel``).

Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import (
    MAX_MENU_ITEMS,
    GrubParseError,
    classify_root,
    display_bytes,
    needs_root_fix,
    shown,
)
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import is_uint
from ansible_collections.fleetfix.kernel.plugins.module_utils.kernel_cmdline import get_arg, iter_arg_spans

# A command: its name, then blanks or '=' (GRUB legacy accepts "kernel=/vmlinuz ...").
_CMD_RE = re.compile(r'[ \t]*([A-Za-z_]+)(?:[ \t]*=[ \t]*|[ \t]+|\Z)')
_BLANKS = ' \t'
_GLOBAL = ('default', 'timeout', 'fallback', 'hiddenmenu', 'splashimage', 'password', 'serial',
           'terminal', 'color', 'gfxmenu', 'foreground', 'background', 'boot', 'lock')
_ENTRY_ONLY = ('root', 'rootnoverify', 'kernel', 'initrd', 'chainloader', 'makeactive', 'module',
               'modulenounzip', 'savedefault', 'map', 'configfile', 'boot', 'password', 'lock', 'hide',
               'unhide', 'parttype', 'uppermem', 'setkey', 'fallback')


def _words(text):
    return [word for word in re.split(r'[ \t]+', text) if word]


def _command(body):
    """(name, rest) of a line without its line ending; (None, '') for a blank line or a
    comment, (None, rest) for a line GRUB would not take as a command."""
    stripped = body.strip(_BLANKS + '\r')
    if not stripped or stripped.startswith('#'):
        return None, ''
    match = _CMD_RE.match(body)
    if not match:
        return None, stripped
    return match.group(1), body[match.end():].strip(_BLANKS + '\r')


def _kernel_path(body):
    """For a ``kernel`` line (without its line ending): (path, end) where ``body[end:]`` is the
    kernel's command line; ``--type=...`` style options before the path are skipped. (None,
    None) when the line names no kernel."""
    match = _CMD_RE.match(body)
    i = match.end()
    n = len(body)
    while True:
        while i < n and body[i] in _BLANKS:
            i += 1
        j = i
        while j < n and body[j] not in _BLANKS:
            j += 1
        word = body[i:j]
        if not word:
            return None, None
        if not word.startswith('--'):
            return word, j
        i = j


def _iter_lines(text):
    """(body, ending) of every line, one at a time: split at '\\n' only; a '\\r' before it is
    part of the ending. The line count and numbering are parse_grub_legacy's."""
    at = 0
    while True:
        end = text.find('\n', at)
        raw = text[at:] if end < 0 else text[at:end]
        body = raw.rstrip('\r')
        yield body, raw[len(body):]
        if end < 0:
            return
        at = end + 1


def _split_lines(text):
    """Every line of ``text`` as _iter_lines gives it, in a list."""
    return list(_iter_lines(text))


def parse_grub_legacy(text, path='grub.conf'):
    """Parse a GRUB 0.97 grub.conf / menu.lst (CentOS/RHEL 5 and 6).

    Returns 'default' (int or 'saved'; 0 when absent, as GRUB does), 'timeout' (int or None),
    'fallback' (int, several numbers as text, or None), 'hiddenmenu', 'unparsed' (global lines
    GRUB would not recognise, as (line, text)) and 'entries': 'title', 'root_device' (the
    ``(hd0,0)`` of the root/rootnoverify line), 'kernel', 'args', 'root', 'root_kind', 'initrd',
    'index', 'line' (the title line), 'kernel_line' (1-based number of the kernel line GRUB
    loads: the entry's last), 'chainloader'. A kernel/initrd/root line before the first title,
    a NUL byte outside a comment, a default, timeout or fallback that is not a number GRUB reads (ASCII digits, at most
    2^31 - 1; 'saved' for default) and more than MAX_MENU_ITEMS entries raise GrubParseError
    naming the file and the line.
    """
    result = {'default': 0, 'timeout': None, 'fallback': None, 'hiddenmenu': False, 'entries': [],
              'unparsed': []}
    entry = None
    for number, (body, _ending) in enumerate(_iter_lines(text or ''), 1):
        cmd, rest = _command(body)
        if cmd is None and not rest:
            continue
        if '\x00' in body:
            raise GrubParseError(path, number, 'a NUL byte (expected text: GRUB stops reading the line there, so what '
                                               'it boots is not what the line says)')
        if cmd == 'title':
            if len(result['entries']) >= MAX_MENU_ITEMS:
                raise GrubParseError(path, number, 'more than %d menu entries (expected at most %d: no real boot menu '
                                                   'has that many)' % (MAX_MENU_ITEMS, MAX_MENU_ITEMS))
            entry = {'title': rest, 'root_device': None, 'kernel': None, 'args': None, 'root': None,
                     'root_kind': None, 'initrd': None, 'index': len(result['entries']), 'line': number,
                     'kernel_line': None, 'chainloader': None}
            result['entries'].append(entry)
            continue
        if entry is None:
            if cmd in ('kernel', 'initrd', 'root', 'rootnoverify', 'chainloader'):
                raise GrubParseError(path, number, "'%s' before the first 'title'" % cmd)
            if cmd == 'default':
                result['default'] = _legacy_default(rest, path, number)
            elif cmd == 'timeout':
                result['timeout'] = _legacy_number(rest, path, number, 'a number of seconds')
            elif cmd == 'fallback':
                result['fallback'] = _legacy_fallback(rest, path, number)
            elif cmd == 'hiddenmenu':
                result['hiddenmenu'] = True
            elif cmd not in _GLOBAL:
                result['unparsed'].append((number, body))
            continue
        if cmd in ('root', 'rootnoverify'):
            entry['root_device'] = (_words(rest) or [None])[0]
        elif cmd == 'kernel':
            kernel, end = _kernel_path(body)
            if kernel is None:
                raise GrubParseError(path, number, "'kernel' without a kernel path")
            entry['kernel'] = kernel
            entry['args'] = body[end:].strip(_BLANKS + '\r')
            entry['root'] = get_arg(entry['args'], 'root')
            entry['root_kind'] = classify_root(entry['root'])
            entry['kernel_line'] = number
        elif cmd == 'initrd':
            entry['initrd'] = (_words(rest) or [None])[0]
        elif cmd == 'chainloader':
            entry['chainloader'] = rest
        elif cmd not in _ENTRY_ONLY:
            result['unparsed'].append((number, body))
    return result


# GRUB legacy reads numbers with safe_parse_maxint: at most MAXINT (2^31 - 1), else an error.
_MAXINT = 2 ** 31 - 1


def _legacy_number(value, path, number, expected):
    """A number GRUB legacy reads (ASCII digits only, at most 2^31 - 1) -> int; anything else ->
    GrubParseError naming the file, the line and ``expected``."""
    value = value.strip(_BLANKS + '\r')
    if not is_uint(value) or int(value) > _MAXINT:
        raise GrubParseError(path, number, 'expected %s (a decimal number of at most %d), found %r'
                             % (expected, _MAXINT, shown(value)))
    return int(value)


def _legacy_default(value, path, number):
    """``default``: 'saved' or a menu entry number."""
    if value.strip(_BLANKS + '\r') == 'saved':
        return 'saved'
    return _legacy_number(value, path, number, "'saved' or a menu entry number")


def _legacy_fallback(value, path, number):
    """``fallback``: one entry number (an int) or several separated by blanks (the text)."""
    numbers = _words(value.strip('\r'))
    if not numbers:
        raise GrubParseError(path, number, "expected a menu entry number after 'fallback', found nothing")
    for word in numbers:
        _legacy_number(word, path, number, 'a menu entry number')
    return int(numbers[0]) if len(numbers) == 1 else ' '.join(numbers)


# --------------------------------------------------------------------------- the root= editor

# A root= value the editor writes: one kernel argument, printable ASCII, nothing the kernel,
# GRUB or a shell would split or interpret (grub_root_plan checks UUIDs far more strictly).
_ROOT_VALUE_RE = re.compile(r'[!#-~]+\Z')


def _check_root_value(root_value):
    if not isinstance(root_value, (type(u''), str)) or not _ROOT_VALUE_RE.match(root_value) \
            or '"' in root_value:
        raise ValueError('root value must be one argument of printable ASCII without quotes, got %r'
                         % (root_value,))


def _latin1(data):
    if isinstance(data, bytearray):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError('the GRUB legacy editor works on bytes, not %s' % type(data).__name__)
    return data.decode('latin-1')


def replace_root_args(args, root_value):
    """``args`` (a kernel command line) with every ``root=`` argument before ``--`` replaced
    by ``root=<root_value>``, each in place; every other character kept."""
    out = []
    at = 0
    for key, value, start, end in iter_arg_spans(args):
        if key == '--' and value is None:
            break
        if key == 'root' and value is not None:
            out.append(args[at:start])
            out.append('root=' + root_value)
            at = end
    out.append(args[at:])
    return ''.join(out)


def plan_root_legacy(data, root_value, keep_kinds=(), path='grub.conf'):
    """The root= edit of a GRUB legacy config, planned once, in bytes.

    ``data`` is the file's bytes. Every entry that needs_root_fix(entry, root_value,
    keep_kinds) - it has a root=, its kind is not kept, it is not ``root_value`` yet - gets
    every ``root=`` before ``--`` on its kernel line (the last one of the entry: the one GRUB
    loads) replaced by ``root=<root_value>``. Nothing else changes: other entries (the kept
    kinds among them), comments (the anaconda header's example kernel line), titles in any
    encoding, indentation, tabs, other arguments, CRLF or LF, a missing final newline.
    Returns {'data': the new bytes, 'changes': [{'line', 'index', 'title', 'kernel', 'root',
    'root_kind', 'before', 'after'}]} with titles and lines shown as display_bytes shows them.
    A file that does not parse raises GrubParseError, a bad ``root_value`` ValueError.
    """
    _check_root_value(root_value)
    text = _latin1(data)
    parsed = parse_grub_legacy(text, path)
    lines = _split_lines(text)
    changes = []
    for entry in parsed['entries']:
        number = entry['kernel_line']
        if number is None or not needs_root_fix(entry, root_value, keep_kinds):
            continue
        body, ending = lines[number - 1]
        _kernel, end = _kernel_path(body)
        new_body = body[:end] + replace_root_args(body[end:], root_value)
        if new_body == body:
            continue
        lines[number - 1] = (new_body, ending)
        changes.append({'line': number, 'index': entry['index'], 'title': _shown(entry['title']),
                        'kernel': _shown(entry['kernel']), 'root': _shown(entry['root']),
                        'root_kind': entry['root_kind'], 'before': _shown(body), 'after': _shown(new_body)})
    new_text = '\n'.join(body + ending for body, ending in lines)
    return {'data': new_text.encode('latin-1'), 'changes': changes}


def _shown(latin1_text):
    return None if latin1_text is None else display_bytes(latin1_text.encode('latin-1'))


def edit_problems(before, after, root_value, keep_kinds=(), path='grub.conf'):
    """What is wrong with ``after`` as the root= edit of ``before`` (both bytes), as a list of
    sentences ([] when nothing is): the writer's own check before it writes. ``after`` must
    parse, have as many lines, differ only on the kernel lines of entries that needed the
    fix, and leave no entry that still needs it."""
    old_lines = _split_lines(_latin1(before))
    new_lines = _split_lines(_latin1(after))
    if len(old_lines) != len(new_lines):
        return ['%s has %d lines, the edit %d' % (path, len(old_lines), len(new_lines))]
    old = parse_grub_legacy(_latin1(before), path)
    allowed = set(entry['kernel_line'] for entry in old['entries']
                  if entry['kernel_line'] and needs_root_fix(entry, root_value, keep_kinds))
    problems = ['line %d changed but is no kernel line of an entry to fix' % number
                for number, (old_line, new_line) in enumerate(zip(old_lines, new_lines), 1)
                if old_line != new_line and number not in allowed]
    try:
        new = parse_grub_legacy(_latin1(after), path)
    except GrubParseError as exc:
        return problems + ['the edit does not parse: %s' % exc]
    problems.extend('%s would still boot root=%s' % (_shown(entry['title']), _shown(entry['root']))
                    for entry in new['entries'] if needs_root_fix(entry, root_value, keep_kinds))
    return problems


def set_root_legacy(text, root_value, keep_kinds=()):
    """plan_root_legacy for callers holding text or bytes: returns (new config of the same
    type, [numbers of the lines changed]). Text is encoded as UTF-8 and back; only ASCII
    root= arguments change, so every other character comes back as it was."""
    data = text if isinstance(text, bytes) else text.encode('utf-8')
    plan = plan_root_legacy(data, root_value, keep_kinds)
    lines = [change['line'] for change in plan['changes']]
    if isinstance(text, bytes):
        return plan['data'], lines
    return _utf8(plan['data']), lines


def _utf8(data):
    return data.decode('utf-8')
