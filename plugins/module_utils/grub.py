# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsing boot-loader configuration: GRUB 2, GRUB legacy, BootLoaderSpec entries.

Seed story: a CentOS 7 kernel upgrade did not boot because GRUB's ``root=`` named a device
path (``/dev/sdb1``) instead of a UUID. These parsers let the modules see, per menu entry,
which kernel boots with which ``root=``, which entry is the default (``saved_entry`` in
grubenv included) and what /etc/default/grub will feed the next ``grub2-mkconfig``.

Everything here is a pure function over text (``str``); the one reader is
``read_boot_files(root)``, which takes the host root directory like hostfs does.
Runs on the managed host: Python 2.7 and 3.6+, standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

from ansible_collections.fleetfix.kernel.plugins.module_utils import hostfs, kernel_release


class GrubParseError(Exception):
    """A boot-loader file cannot be understood; the message names the file and the line."""

    def __init__(self, path, line, message):
        self.path = path
        self.line = line
        self.problem = message
        if line:
            text = '%s, line %d: %s' % (path, line, message)
        else:
            text = '%s: %s' % (path, message)
        Exception.__init__(self, text)


# --------------------------------------------------------------------------- root= values

_DEVICE_RE = re.compile(
    r'^/dev/(?:'
    r'[shv]d[a-z]+[0-9]*|xvd[a-z]+[0-9]*|ubd[a-z]+[0-9]*|'
    r'nvme[0-9]+n[0-9]+(?:p[0-9]+)?|mmcblk[0-9]+(?:p[0-9]+)?|'
    r'md[0-9]+(?:p[0-9]+)?|md/[^/]+|dm-[0-9]+|loop[0-9]+(?:p[0-9]+)?|sr[0-9]+|'
    r'cciss/c[0-9]+d[0-9]+(?:p[0-9]+)?|ida/c[0-9]+d[0-9]+(?:p[0-9]+)?|'
    r'rd/c[0-9]+d[0-9]+(?:p[0-9]+)?|nbd[0-9]+(?:p[0-9]+)?|ram[0-9]+'
    r')$')
# /dev/<vg>/<lv> is LVM unless <vg> is one of the kernel's or udev's own directories.
_NOT_A_VG = ('disk', 'mapper', 'md', 'cciss', 'ida', 'rd', 'block', 'char', 'bus', 'input', 'net',
             'pts', 'shm', 'snd', 'dri', 'fd', 'hugepages', 'mqueue', 'serial', 'usb', 'vfio', 'zvol',
             'cpu', 'bsg', 'raw', 'i2o', 'ataraid')
_BY_PATH_KINDS = (
    ('/dev/disk/by-uuid/', 'uuid_path'),
    ('/dev/disk/by-label/', 'label_path'),
    ('/dev/disk/by-partuuid/', 'partuuid_path'),
    ('/dev/disk/by-partlabel/', 'partlabel_path'),
)
_TAG_KINDS = (('PARTUUID=', 'partuuid'), ('PARTLABEL=', 'partlabel'), ('UUID=', 'uuid'), ('LABEL=', 'label'))


def classify_root(value):
    """What kind of name a ``root=`` value uses.

    ``UUID=`` -> 'uuid', ``LABEL=`` -> 'label', ``PARTUUID=`` -> 'partuuid', ``PARTLABEL=`` ->
    'partlabel', ``/dev/mapper/vg-lv`` or ``/dev/VG/LV`` -> 'lvm', ``/dev/disk/by-uuid/...`` ->
    'uuid_path' (by-label, by-partuuid, by-partlabel -> 'label_path', 'partuuid_path',
    'partlabel_path'), a kernel device name (``/dev/sda1``, ``/dev/vda2``, ``/dev/nvme0n1p2``,
    ``/dev/md0``, ...) -> 'device', empty or None -> None, anything else -> 'other'.
    'device' is the fragile kind: the name can change when disks are added or reordered.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    upper = value.upper()
    for prefix, kind in _TAG_KINDS:
        if upper.startswith(prefix):
            return kind
    for prefix, kind in _BY_PATH_KINDS:
        if value.startswith(prefix):
            return kind
    if value.startswith('/dev/mapper/') and len(value) > len('/dev/mapper/'):
        return 'lvm'
    if _DEVICE_RE.match(value):
        return 'device'
    parts = value.split('/')
    if len(parts) == 4 and parts[0] == '' and parts[1] == 'dev' and parts[2] and parts[3] \
            and parts[2] not in _NOT_A_VG:
        return 'lvm'
    return 'other'


# --------------------------------------------------------------------------- kernel command line

def parse_cmdline(text):
    """Split a kernel command line into an ordered list of ``(key, value)``.

    Follows the kernel's own rules (lib/cmdline.c next_arg): arguments are separated by
    whitespace outside double quotes; ``key="a b"`` gives value ``a b``; an argument without
    ``=`` gives value None, ``key=`` gives ''. Everything is kept, ``--`` and what follows
    it (arguments for init) included.
    """
    args = []
    if not text:
        return args
    n = len(text)
    i = 0
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        quoted = in_quote = text[i] == '"'
        if quoted:
            i += 1
        start = i
        equals = None
        while i < n:
            c = text[i]
            if c.isspace() and not in_quote:
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
        args.append((key, value))
    return args


def _args_list(args):
    if args is None:
        return []
    if isinstance(args, (list, tuple)):
        return args
    return parse_cmdline(args)


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


# --------------------------------------------------------------------------- GRUB 2 script lexer

_LINUX_CMDS = ('linux', 'linux16', 'linuxefi')
_INITRD_CMDS = ('initrd', 'initrd16', 'initrdefi')
_VAR_RE = re.compile(r'\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))')


class _Tok:
    """A lexer token: kind is 'word', 'sep' (newline or ;), '{' or '}'."""

    def __init__(self, kind, line, value=None, start=0, end=0):
        self.kind = kind
        self.line = line
        self.value = value
        self.start = start
        self.end = end

    def is_word(self, *values):
        return self.kind == 'word' and (not values or self.value in values)


def _lex_grub(text, path):
    toks = []
    i = 0
    n = len(text)
    line = 1
    while i < n:
        c = text[i]
        if c == '\\' and text[i + 1:i + 2] == '\n':
            i += 2
            line += 1
        elif c in ' \t\r\f\v':
            i += 1
        elif c == '\n':
            toks.append(_Tok('sep', line))
            line += 1
            i += 1
        elif c == ';':
            toks.append(_Tok('sep', line))
            i += 1
        elif c == '#':
            while i < n and text[i] != '\n':
                i += 1
        elif c in '{}':
            toks.append(_Tok(c, line, c, i, i + 1))
            i += 1
        else:
            tok, i, line = _lex_word(text, i, line, path)
            toks.append(tok)
    toks.append(_Tok('sep', line))
    return toks


def _lex_word(text, i, line, path):
    """Read one GRUB script word starting at i: quotes removed, ``$var`` kept as written."""
    n = len(text)
    start = i
    start_line = line
    buf = []
    while i < n:
        c = text[i]
        if c in ' \t\r\f\v\n;{}':
            break
        if c == '\\':
            if text[i + 1:i + 2] == '\n':
                i += 2
                line += 1
            elif i + 1 < n:
                buf.append(text[i + 1])
                i += 2
            else:
                i += 1
        elif c == "'":
            close = text.find("'", i + 1)
            if close < 0:
                raise GrubParseError(path, line, 'unterminated single quote')
            chunk = text[i + 1:close]
            buf.append(chunk)
            line += chunk.count('\n')
            i = close + 1
        elif c == '"':
            quote_line = line
            i += 1
            while True:
                if i >= n:
                    raise GrubParseError(path, quote_line, 'unterminated double quote')
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == '\\' and i + 1 < n:
                    nxt = text[i + 1]
                    if nxt == '\n':
                        line += 1
                    elif nxt in '$"\\':
                        buf.append(nxt)
                    else:
                        buf.append(c + nxt)
                    i += 2
                    continue
                if c == '\n':
                    line += 1
                buf.append(c)
                i += 1
        elif c == '$' and text[i + 1:i + 2] == '{':
            close = text.find('}', i + 2)
            if close < 0:
                buf.append(text[i:])
                i = n
            else:
                buf.append(text[i:close + 1])
                i = close + 1
        else:
            buf.append(c)
            i += 1
    return _Tok('word', start_line, ''.join(buf), start, i), i, line


# --------------------------------------------------------------------------- GRUB 2 script parser

class _Node:
    """kind: 'cmd' (words), 'menu' (menuentry/submenu: words, body), 'if' (branches),
    'function' (name, body), 'loop' (body)."""

    def __init__(self, kind, line, words=None, body=None, branches=None, name=None):
        self.kind = kind
        self.line = line
        self.words = words or []
        self.body = body or []
        self.branches = branches or []
        self.name = name


class _GrubParser:

    def __init__(self, toks, path):
        self.toks = toks
        self.pos = 0
        self.path = path

    def peek(self):
        return self.toks[self.pos]

    def next(self):
        tok = self.toks[self.pos]
        if self.pos < len(self.toks) - 1:
            self.pos += 1
        return tok

    def at_end(self):
        return self.pos >= len(self.toks) - 1

    def skip_seps(self):
        while not self.at_end() and self.peek().kind == 'sep':
            self.pos += 1

    def words_until_sep(self):
        """Words up to the end of the command: a newline, ';' or a '}' closing the block
        (GRUB needs no ';' before it). A '{' there is an error."""
        words = []
        while not self.at_end():
            tok = self.peek()
            if tok.kind in ('sep', '}'):
                break
            if tok.kind != 'word':
                raise GrubParseError(self.path, tok.line, "unexpected '%s'" % tok.kind)
            words.append(self.next())
        return words

    def block(self, closers, opener, opener_line):
        """Commands until a word in ``closers`` starts a command (or '}' when '}' is a closer).
        Returns (nodes, closing token)."""
        nodes = []
        while True:
            self.skip_seps()
            if self.at_end():
                if not closers:
                    return nodes, None
                raise GrubParseError(self.path, opener_line, '%s is never closed (no %s before the end of the file)'
                                     % (opener, ' or '.join("'%s'" % c for c in closers)))
            tok = self.peek()
            if tok.kind == '}':
                if '}' in closers:
                    return nodes, self.next()
                raise GrubParseError(self.path, tok.line, "unexpected '}'")
            if tok.kind == '{':
                raise GrubParseError(self.path, tok.line, "unexpected '{'")
            if tok.kind == 'word' and tok.value in closers:
                return nodes, self.next()
            nodes.append(self.command())

    def command(self):
        tok = self.peek()
        word = tok.value
        if word in ('menuentry', 'submenu'):
            return self.menu()
        if word == 'if':
            return self.if_block()
        if word == 'function':
            return self.function()
        if word in ('while', 'until', 'for'):
            return self.loop()
        if word in ('fi', 'then', 'else', 'elif', 'done', 'do'):
            raise GrubParseError(self.path, tok.line, "'%s' without a matching opening keyword" % word)
        return _Node('cmd', tok.line, words=self.words_until_sep())

    def menu(self):
        head = self.next()
        words = [head]
        while True:
            tok = self.peek()
            if tok.kind == '{':
                self.next()
                break
            if tok.kind != 'word':
                raise GrubParseError(self.path, head.line, "%s without '{' on its line" % head.value)
            words.append(self.next())
        title = _menu_title(words)
        what = "%s '%s'" % (head.value, title if title is not None else '')
        body, _closer = self.block(('}',), what, head.line)
        return _Node('menu', head.line, words=words, body=body, name=head.value)

    def if_block(self):
        head = self.next()
        branches = []
        kind = 'if'
        while True:
            cond = self.words_until_sep()
            self.skip_seps()
            tok = self.peek()
            if not tok.is_word('then'):
                raise GrubParseError(self.path, head.line, "'%s' without 'then'" % kind)
            self.next()
            body, closer = self.block(('elif', 'else', 'fi'), "'if'", head.line)
            branches.append(('then', cond, body))
            if closer.value == 'elif':
                kind = 'elif'
                continue
            if closer.value == 'else':
                body, closer = self.block(('fi',), "'if'", head.line)
                branches.append(('else', [], body))
            return _Node('if', head.line, branches=branches)

    def function(self):
        head = self.next()
        name = self.peek()
        if not name.is_word():
            raise GrubParseError(self.path, head.line, 'function without a name')
        self.next()
        if self.peek().kind != '{':
            raise GrubParseError(self.path, head.line, "function %s without '{'" % name.value)
        self.next()
        body, _closer = self.block(('}',), 'function %s' % name.value, head.line)
        return _Node('function', head.line, body=body, name=name.value)

    def loop(self):
        head = self.next()
        self.words_until_sep()
        self.skip_seps()
        if not self.peek().is_word('do'):
            raise GrubParseError(self.path, head.line, "'%s' without 'do'" % head.value)
        self.next()
        body, _closer = self.block(('done',), "'%s'" % head.value, head.line)
        return _Node('loop', head.line, body=body)


_OPTS_WITH_ARG = ('--class', '--users', '--hotkey', '--id', '--source')
_ID_OPTION_WORDS = ('$menuentry_id_option', '${menuentry_id_option}')


def _menu_options(words):
    """(title, id) from the words of a menuentry/submenu line (words[0] is the keyword)."""
    title = None
    ident = None
    i = 1
    while i < len(words):
        word = words[i].value
        if word in _ID_OPTION_WORDS or word == '--id':
            if i + 1 < len(words):
                ident = words[i + 1].value
            i += 2
            continue
        if word.startswith('--id='):
            ident = word[len('--id='):]
        elif word in _OPTS_WITH_ARG:
            i += 2
            continue
        elif word.startswith('--'):
            pass
        elif title is None:
            title = word
        i += 1
    return title, ident


def _menu_title(words):
    return _menu_options(words)[0]


def _assignment(words):
    """(name, value) when the command sets a variable: ``set x=y``, ``set x``, ``x=y``."""
    if not words:
        return None
    first = words[0].value
    if first == 'set' and len(words) >= 2:
        name, sep, value = words[1].value.partition('=')
        return name, (value if sep else '')
    match = re.match(r'^([A-Za-z_][A-Za-z0-9_]*)=(.*)$', first, re.S)
    if match and len(words) == 1:
        return match.group(1), match.group(2)
    return None


def parse_grub2_cfg(text, path='grub.cfg'):
    """Parse a GRUB 2 grub.cfg.

    Returns a dict:
      entries   one dict per menuentry in the order GRUB numbers them: 'title', 'id' (the
                ``--id``/``$menuentry_id_option`` value or None), 'submenu' (title of the
                enclosing submenu, nested ones joined with '>', or None), 'kernel' (path after
                linux/linux16/linuxefi), 'initrd' (first path after initrd/initrd16/initrdefi),
                'initrds' (all of them), 'args' (text after the kernel path), 'root' (root=
                value or None), 'root_kind' (classify_root), 'index' (int for a top-level
                entry, 'S>J' for entry J of the submenu at top-level position S), 'path'
                (titles joined with '>', how GRUB_DEFAULT may name it), 'line', 'conditional'
                (True when inside an if block: GRUB creates it only if the test passes),
                'source' ('grub.cfg').
      submenus  'title', 'id', 'index', 'line' of every submenu.
      default   raw value of ``set default=`` at top level: the last one on the path GRUB
                takes when no optional environment variable is set (``else`` branches, e.g.
                ``${saved_entry}`` on CentOS 7, not the ``${next_entry}`` one-shot branch),
                else the last one anywhere at top level; None when never set.
      timeout   raw value of ``set timeout=``, chosen the same way, or None.
      blscfg    True when the file runs ``blscfg`` (RHEL 8/9, Fedora: the entries come from
                /boot/loader/entries, see menu_entries()).
      blscfg_index  top-level menu position where the BLS entries go, or None.
      variables every variable the file sets at top level, chosen like default (so
                'kernelopts' holds the fallback RHEL 8 defines for a grubenv without one).
    Raises GrubParseError (file and line) on an unclosed menuentry/submenu/if/function, a
    stray '}' or an unterminated quote.
    """
    text = (text or '').replace('\r\n', '\n')
    toks = _lex_grub(text, path)
    parser = _GrubParser(toks, path)
    nodes, _closer = parser.block((), 'file', 1)
    result = {'entries': [], 'submenus': [], 'default': None, 'timeout': None, 'blscfg': False,
              'blscfg_index': None, 'variables': {}}
    settings = {}
    counter = [0]
    _walk(nodes, text, result, settings, counter, [], [], False)
    for name, candidates in settings.items():
        result['variables'][name] = _choose_setting(candidates)
    result['default'] = result['variables'].get('default')
    result['timeout'] = result['variables'].get('timeout')
    return result


def _choose_setting(candidates):
    if not candidates:
        return None
    fallback = [value for value, on_fallback_path in candidates if on_fallback_path]
    if fallback:
        return fallback[-1]
    return candidates[-1][0]


def _walk(nodes, text, result, settings, counter, menu_path, branch_path, in_function):
    """Collect entries and top-level settings. ``menu_path`` is a list of (title, position)
    of the enclosing submenus; ``branch_path`` the 'then'/'else' branches around the node."""
    for node in nodes:
        if node.kind == 'cmd':
            if not node.words:
                continue
            if node.words[0].value == 'blscfg' and not menu_path and not in_function:
                result['blscfg'] = True
                if result['blscfg_index'] is None:
                    result['blscfg_index'] = counter[0]
                continue
            assignment = _assignment(node.words)
            if assignment and not menu_path and not in_function:
                name, value = assignment
                on_fallback_path = all(b == 'else' for b in branch_path)
                settings.setdefault(name, []).append((value, on_fallback_path))
        elif node.kind == 'if':
            for branch, _cond, body in node.branches:
                _walk(body, text, result, settings, counter, menu_path, branch_path + [branch], in_function)
        elif node.kind == 'loop':
            _walk(node.body, text, result, settings, counter, menu_path, branch_path + ['then'], in_function)
        elif node.kind == 'function':
            continue
        elif node.kind == 'menu':
            if in_function:
                continue
            title, ident = _menu_options(node.words)
            position = counter[0]
            counter[0] += 1
            parts = [p for _t, p in menu_path] + [position]
            index = parts[0] if len(parts) == 1 else '>'.join(str(p) for p in parts)
            titles = [t for t, _p in menu_path] + [title if title is not None else '']
            if node.name == 'submenu':
                result['submenus'].append({'title': title, 'id': ident, 'index': index, 'line': node.line,
                                           'path': '>'.join(titles)})
                inner = [0]
                _walk(node.body, text, result, settings, inner, menu_path + [(title or '', position)],
                      branch_path, in_function)
            else:
                entry = _entry_from_body(node, text)
                entry.update({'title': title, 'id': ident, 'index': index, 'line': node.line,
                              'submenu': '>'.join(t for t, _p in menu_path) if menu_path else None,
                              'path': '>'.join(titles), 'conditional': bool(branch_path),
                              'source': 'grub.cfg'})
                result['entries'].append(entry)


def _entry_from_body(node, text):
    entry = {'kernel': None, 'args': None, 'root': None, 'root_kind': None, 'initrd': None, 'initrds': []}
    for cmd in _commands(node.body):
        words = cmd.words
        name = words[0].value
        if name in _LINUX_CMDS and entry['kernel'] is None and len(words) >= 2:
            entry['kernel'] = words[1].value
            if len(words) > 2:
                raw = text[words[1].end:words[-1].end]
                entry['args'] = raw.replace('\\\n', '').strip()
            else:
                entry['args'] = ''
            root = None
            for word in words[2:]:
                if word.value.startswith('root='):
                    root = word.value[len('root='):]
            entry['root'] = root
            entry['root_kind'] = classify_root(root)
        elif name in _INITRD_CMDS and not entry['initrds'] and len(words) >= 2:
            entry['initrds'] = [w.value for w in words[1:]]
            entry['initrd'] = entry['initrds'][0]
    return entry


def _commands(nodes, found=None):
    """Every plain command inside ``nodes``, depth first, if-branches included."""
    if found is None:
        found = []
    for node in nodes:
        if node.kind == 'cmd' and node.words:
            found.append(node)
        elif node.kind == 'if':
            for _branch, _cond, body in node.branches:
                _commands(body, found)
        elif node.kind == 'loop':
            _commands(node.body, found)
    return found


# --------------------------------------------------------------------------- grubenv

def parse_grubenv(text):
    """The variables of a GRUB environment block (grubenv) as a dict.

    The block starts with ``# GRUB Environment Block``, holds ``KEY=VALUE`` lines and is
    padded with '#' to 1024 bytes. grub-editenv escapes a backslash as ``\\\\`` and a newline
    inside a value as a backslash before the newline; both are undone here.
    """
    env = {}
    if not text:
        return env
    lines = text.replace('\r\n', '\n').split('\n')
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line or line.startswith('#') or '=' not in line:
            continue
        key, _sep, value = line.partition('=')
        while _ends_with_odd_backslashes(value) and i < len(lines):
            value = value[:-1] + '\n' + lines[i]
            i += 1
        env[key] = value.replace('\\\\', '\\')
    return env


def _ends_with_odd_backslashes(value):
    count = len(value) - len(value.rstrip('\\'))
    return count % 2 == 1


# --------------------------------------------------------------------------- BootLoaderSpec

def parse_bls_entry(text, path, grubenv=None, variables=None):
    """Parse one /boot/loader/entries/*.conf file.

    Returns 'title', 'version', 'linux', 'initrd' (first path), 'initrds' (every word of the
    initrd lines, ``$tuned_initrd`` included), 'options' (raw, may hold ``$kernelopts``), 'id'
    (the file name without .conf: what saved_entry names and what GRUB's blscfg uses as the
    menu id), 'id_field' (the 'id' key inside the file, if any), 'fields' (every key, last
    value), 'root', 'root_kind', 'options_resolved' (variables expanded from ``grubenv``,
    then the grub.cfg ``variables``, unset ones to '' as GRUB does). Without grubenv an
    ``options $kernelopts`` entry therefore has root None; literal options (RHEL 9) give it.
    """
    fields = {}
    options = []
    initrds = []
    for raw in (text or '').replace('\r\n', '\n').split('\n'):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        parts = line.split(None, 1)
        key = parts[0]
        value = parts[1].strip() if len(parts) > 1 else ''
        if key == 'options':
            options.append(value)
        elif key == 'initrd':
            initrds.extend(value.split())
        fields[key] = value
    name = os.path.basename(path or '')
    if name.endswith('.conf'):
        name = name[:-len('.conf')]
    options_raw = ' '.join(options) if options else None
    entry = {'title': fields.get('title'), 'version': fields.get('version'), 'linux': fields.get('linux'),
             'initrd': initrds[0] if initrds else None, 'initrds': initrds, 'options': options_raw,
             'id': name, 'id_field': fields.get('id'), 'fields': fields, 'path': path}
    resolved = resolve_bls_options(options_raw, grubenv, variables)
    entry['options_resolved'] = resolved
    entry['root'] = get_arg(resolved, 'root') if resolved else None
    entry['root_kind'] = classify_root(entry['root'])
    return entry


def resolve_bls_options(options, grubenv, variables=None):
    """Expand ``$kernelopts``, ``${tuned_params}``... in BLS options the way GRUB does: from
    grubenv first, then from the grub.cfg ``variables`` (its fallback ``set kernelopts=...``),
    unset ones to ''. Whitespace is collapsed; None stays None."""
    if options is None:
        return None
    grubenv = grubenv or {}
    variables = variables or {}

    def repl(match):
        name = match.group(1) or match.group(2)
        if name in grubenv:
            return grubenv[name]
        return variables.get(name, '')
    return ' '.join(_VAR_RE.sub(repl, options).split())


def _bls_cmp(e0, e1):
    """blscfg's bls_cmp: an entry with a version before one without, newer version first,
    then file names in descending order."""
    v0, v1 = e0.get('version'), e1.get('version')
    if v0 and not v1:
        return -1
    if v1 and not v0:
        return 1
    r = kernel_release.rpmvercmp(v1 or '', v0 or '')
    if r:
        return r
    n0, n1 = e0.get('id') or '', e1.get('id') or ''
    return (n1 > n0) - (n1 < n0)


def sort_bls_entries(entries):
    """BLS entries in the order GRUB's blscfg shows them: newest version first (rpm version
    comparison), entries without a version last, ties by file name, descending."""
    ordered = []
    for entry in entries:
        at = len(ordered)
        while at > 0 and _bls_cmp(entry, ordered[at - 1]) < 0:
            at -= 1
        ordered.insert(at, entry)
    return ordered


def menu_entries(parsed_grub2, bls_entries=None, grubenv=None):
    """The boot menu as GRUB shows it: the grub.cfg entries, with the BLS entries (parsed by
    parse_bls_entry) put where grub.cfg runs ``blscfg``. BLS entries get the same keys as
    grub.cfg ones ('kernel' = linux, 'args' = options resolved with grubenv and the grub.cfg
    variables, 'source' = 'bls'), indexes are renumbered."""
    entries = list(parsed_grub2.get('entries') or [])
    if not parsed_grub2.get('blscfg') or not bls_entries:
        return entries
    variables = parsed_grub2.get('variables') or {}
    bls = []
    for e in sort_bls_entries(bls_entries):
        args = resolve_bls_options(e.get('options'), grubenv, variables)
        root = get_arg(args, 'root') if args else None
        bls.append({'title': e.get('title'), 'id': e.get('id'), 'submenu': None, 'kernel': e.get('linux'),
                    'initrd': e.get('initrd'), 'initrds': list(e.get('initrds') or []), 'args': args,
                    'root': root, 'root_kind': classify_root(root), 'path': e.get('title') or '',
                    'line': None, 'conditional': False, 'source': 'bls', 'bls_path': e.get('path')})
    at = parsed_grub2.get('blscfg_index') or 0
    shift = len(bls)
    merged = []
    for e in entries:
        parts = _index_parts(e['index'])
        if parts[0] >= at:
            e = dict(e)
            parts = [parts[0] + shift] + parts[1:]
            e['index'] = parts[0] if len(parts) == 1 else '>'.join(str(p) for p in parts)
        merged.append(e)
    for offset, e in enumerate(bls):
        e['index'] = at + offset
    before = [e for e in merged if _index_parts(e['index'])[0] < at]
    after = [e for e in merged if _index_parts(e['index'])[0] >= at]
    return before + bls + after


def _index_parts(index):
    if isinstance(index, int):
        return [index]
    return [int(p) for p in str(index).split('>')]


def _menu_items(parsed_grub2, entries):
    """(parts, kind, item) for every entry and submenu of the menu."""
    items = [(_index_parts(e['index']), 'entry', e) for e in entries]
    shift_at = parsed_grub2.get('blscfg_index')
    shift = len(entries) - len(parsed_grub2.get('entries') or [])
    for s in parsed_grub2.get('submenus') or []:
        parts = _index_parts(s['index'])
        if shift and shift_at is not None and parts[0] >= shift_at:
            parts = [parts[0] + shift] + parts[1:]
        items.append((parts, 'submenu', s))
    return items


def default_entry(parsed_grub2, grubenv, bls_entries=None, next_boot=False):
    """The menu entry GRUB boots by default, or None.

    ``parsed_grub2`` comes from parse_grub2_cfg (or parse_grub_legacy); ``grubenv`` from
    parse_grubenv (may be None or {}). The default may be a number, an 'S>J' path, a title or
    an id (each '>'-separated part matched against title or id, as GRUB does), ``saved`` or a
    variable such as ``${saved_entry}`` taken from grubenv. An empty value means entry 0. With
    ``bls_entries`` a blscfg menu is resolved against them (see menu_entries). ``next_boot``
    honours a one-shot ``next_entry`` from grubenv (grub2-reboot). Returns None when the
    value names no entry or names a submenu (GRUB itself would then fall back to entry 0:
    a stale saved_entry is worth reporting, not hiding).
    """
    grubenv = grubenv or {}
    entries = menu_entries(parsed_grub2, bls_entries, grubenv)
    value = parsed_grub2.get('default')
    if next_boot and grubenv.get('next_entry'):
        value = grubenv['next_entry']
    if isinstance(value, int):
        value = str(value)
    if value is None:
        value = '0'
    if value == 'saved':
        value = grubenv.get('saved_entry', '')
    value = _VAR_RE.sub(lambda m: grubenv.get(m.group(1) or m.group(2), ''), value).strip()
    if value == '':
        value = '0'
    items = _menu_items(parsed_grub2, entries)
    found = _resolve_menu_path(items, value.split('>'), [])
    if found is None:
        # A '>' can be part of a title; GRUB also tries the whole string at top level.
        found = _resolve_menu_path(items, [value], [])
    if found is None or found[0] != 'entry':
        return None
    return found[1]


def _resolve_menu_path(items, parts, prefix):
    level = [(p, kind, item) for p, kind, item in items if p[:-1] == prefix]
    level.sort(key=lambda x: x[0][-1])
    want = parts[0]
    match = None
    if want.isdigit():
        for p, kind, item in level:
            if p[-1] == int(want):
                match = (p, kind, item)
                break
    else:
        for p, kind, item in level:
            if item.get('title') == want or (item.get('id') is not None and item.get('id') == want):
                match = (p, kind, item)
                break
    if match is None:
        return None
    p, kind, item = match
    if len(parts) == 1:
        return kind, item
    if kind != 'submenu':
        return None
    return _resolve_menu_path(items, parts[1:], p)


# --------------------------------------------------------------------------- GRUB legacy

_LEGACY_CMD_RE = re.compile(r'^\s*([A-Za-z_]+)(?:\s*=\s*|\s+|$)(.*)$')


def parse_grub_legacy(text, path='grub.conf'):
    """Parse a GRUB 0.97 grub.conf / menu.lst (CentOS/RHEL 5 and 6).

    Returns 'default' (int, 'saved', or the raw text; 0 when absent, as GRUB does),
    'timeout' (int, raw text or None), 'fallback', 'hiddenmenu', 'unparsed' (global lines
    GRUB would not recognise, as (line, text)) and 'entries': 'title', 'root_device' (the
    ``(hd0,0)`` of the root/rootnoverify line), 'kernel', 'args', 'root', 'root_kind', 'initrd',
    'index', 'line' (the title line), 'kernel_line' (1-based line of the kernel line),
    'chainloader'. A kernel/initrd/root line before the first title raises GrubParseError.
    """
    result = {'default': 0, 'timeout': None, 'fallback': None, 'hiddenmenu': False, 'entries': [],
              'unparsed': []}
    known_global = ('default', 'timeout', 'fallback', 'hiddenmenu', 'splashimage', 'password', 'serial',
                    'terminal', 'color', 'gfxmenu', 'foreground', 'background', 'boot', 'lock')
    entry_only = ('root', 'rootnoverify', 'kernel', 'initrd', 'chainloader', 'makeactive', 'module',
                  'modulenounzip', 'savedefault', 'map', 'configfile', 'boot', 'password', 'lock', 'hide',
                  'unhide', 'parttype', 'uppermem', 'setkey', 'fallback')
    entry = None
    for number, raw in enumerate((text or '').replace('\r\n', '\n').split('\n'), 1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        match = _LEGACY_CMD_RE.match(line)
        cmd = match.group(1).lower() if match else None
        rest = match.group(2).strip() if match else ''
        if cmd == 'title':
            entry = {'title': raw.split(None, 1)[1].strip() if len(raw.split(None, 1)) > 1 else '',
                     'root_device': None, 'kernel': None, 'args': None, 'root': None, 'root_kind': None,
                     'initrd': None, 'index': len(result['entries']), 'line': number, 'kernel_line': None,
                     'chainloader': None}
            result['entries'].append(entry)
            continue
        if entry is None:
            if cmd in ('kernel', 'initrd', 'root', 'rootnoverify', 'chainloader'):
                raise GrubParseError(path, number, "'%s' before the first 'title'" % cmd)
            if cmd == 'default':
                result['default'] = _legacy_number(rest)
            elif cmd == 'timeout':
                result['timeout'] = _legacy_number(rest)
            elif cmd == 'fallback':
                result['fallback'] = _legacy_number(rest)
            elif cmd == 'hiddenmenu':
                result['hiddenmenu'] = True
            elif cmd not in known_global:
                result['unparsed'].append((number, raw))
            continue
        if cmd in ('root', 'rootnoverify'):
            entry['root_device'] = rest.split()[0] if rest else None
        elif cmd == 'kernel':
            words = rest.split()
            while words and words[0].startswith('--'):
                words.pop(0)
            if not words:
                raise GrubParseError(path, number, "'kernel' without a kernel path")
            entry['kernel'] = words[0]
            after = rest[rest.find(words[0]) + len(words[0]):]
            entry['args'] = after.strip()
            entry['root'] = get_arg(entry['args'], 'root')
            entry['root_kind'] = classify_root(entry['root'])
            entry['kernel_line'] = number
        elif cmd == 'initrd':
            entry['initrd'] = rest.split()[0] if rest else None
        elif cmd == 'chainloader':
            entry['chainloader'] = rest
        elif cmd not in entry_only:
            result['unparsed'].append((number, raw))
    return result


def _legacy_number(value):
    value = value.strip()
    if value.isdigit():
        return int(value)
    return value


_LEGACY_KERNEL_RE = re.compile(r'^(\s*kernel(?:\s*=\s*|\s+))((?:--\S+\s+)*)(\S+)(.*)$')
_ROOT_ARG_RE = re.compile(r'(^|\s)root=\S*')


def set_root_legacy(text, root_value):
    """Point every ``kernel`` line of a GRUB legacy config at ``root=<root_value>``.

    An existing root=... argument is replaced (all of them, if a line has several), a line
    without one gets it appended. Everything else stays byte-identical: comments (the
    anaconda header's example kernel line included), indentation, other arguments, line
    endings. Returns (new_text, changed_line_numbers); running it twice changes nothing more.
    """
    if not root_value or len(root_value.split()) != 1:
        raise ValueError('root value must be one non-empty word, got %r' % (root_value,))
    out = []
    changed = []
    for number, raw in enumerate(text.splitlines(True), 1):
        body = raw.rstrip('\r\n')
        ending = raw[len(body):]
        match = _LEGACY_KERNEL_RE.match(body)
        if match:
            head, flags, path, args = match.groups()
            new_arg = 'root=' + root_value
            if _ROOT_ARG_RE.search(args):
                new_args = _ROOT_ARG_RE.sub(lambda m: m.group(1) + new_arg, args)
            else:
                stripped = args.rstrip()
                new_args = stripped + ' ' + new_arg + args[len(stripped):]
            new_body = head + flags + path + new_args
            if new_body != body:
                changed.append(number)
                body = new_body
        out.append(body + ending)
    return ''.join(out), changed


# --------------------------------------------------------------------------- /etc/default/grub

_ASSIGN_RE = re.compile(r'(export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=')
_EXPORT_RE = re.compile(r'export((?:[ \t]+[A-Za-z_][A-Za-z0-9_]*)+)[ \t]*(?:#.*)?$')
_SAFE_UNQUOTED_RE = re.compile(r'^[A-Za-z0-9_@%+=:,./-]+$')


def _shell_word(text, i, path, line):
    """Scan one shell word from i. Returns (segments, end, lines_spanned); segments are
    ('lit', s) for single-quoted/escaped text, ('dq', s) for double-quoted text (escapes and
    $ left in), ('uq', s) for unquoted text, ('cmd', s) for a command substitution."""
    n = len(text)
    segs = []
    start_line = line
    while i < n:
        c = text[i]
        if c in ' \t\r\n;&|<>()':
            break
        if c == '\\':
            if text[i + 1:i + 2] == '\n':
                i += 2
                line += 1
            elif text[i + 1:i + 3] == '\r\n':
                i += 3
                line += 1
            elif i + 1 < n:
                segs.append(('lit', text[i + 1]))
                i += 2
            else:
                i += 1
        elif c == "'":
            close = text.find("'", i + 1)
            if close < 0:
                raise GrubParseError(path, line, 'unterminated single quote')
            chunk = text[i + 1:close]
            segs.append(('lit', chunk))
            line += chunk.count('\n')
            i = close + 1
        elif c == '"':
            quote_line = line
            j = i + 1
            while True:
                if j >= n:
                    raise GrubParseError(path, quote_line, 'unterminated double quote')
                d = text[j]
                if d == '"':
                    break
                if d == '\\':
                    j += 2
                    continue
                if d == '`':
                    j = _skip_backticks(text, j, path, line)
                    continue
                if d == '$' and text[j + 1:j + 2] == '(':
                    j = _skip_parens(text, j + 1, path, line)
                    continue
                j += 1
            chunk = text[i + 1:j]
            segs.append(('dq', chunk))
            line += chunk.count('\n')
            i = j + 1
        elif c == '`':
            j = _skip_backticks(text, i, path, line)
            segs.append(('cmd', text[i:j]))
            line += text[i:j].count('\n')
            i = j
        elif c == '$' and text[i + 1:i + 2] == '(':
            j = _skip_parens(text, i + 1, path, line)
            segs.append(('cmd', text[i:j]))
            line += text[i:j].count('\n')
            i = j
        else:
            j = i
            while j < n and text[j] not in ' \t\r\n;&|<>()\\\'"`' and not (text[j] == '$' and text[j + 1:j + 2] == '('):
                j += 1
            segs.append(('uq', text[i:j]))
            i = j
    return segs, i, line - start_line


def _skip_backticks(text, i, path, line):
    close = text.find('`', i + 1)
    if close < 0:
        raise GrubParseError(path, line, 'unterminated backquote')
    return close + 1


def _skip_parens(text, i, path, line):
    """i is at '('; return the index after the matching ')'."""
    depth = 0
    j = i
    n = len(text)
    while j < n:
        c = text[j]
        if c == '(':
            depth += 1
        elif c == ')':
            depth -= 1
            if depth == 0:
                return j + 1
        elif c == "'":
            close = text.find("'", j + 1)
            j = close if close >= 0 else n
        elif c == '\\':
            j += 1
        j += 1
    raise GrubParseError(path, line, "unterminated '$('")


def _expand(segs, env):
    """Value of a scanned word with $VAR / ${VAR} taken from env. Returns (value, dynamic)
    where dynamic is True when the word holds something only a shell can evaluate
    (command substitution, ${VAR:-x} forms); such parts are kept as written."""
    out = []
    dynamic = False
    for kind, s in segs:
        if kind == 'lit':
            out.append(s)
        elif kind == 'cmd':
            out.append(s)
            dynamic = True
        else:
            i = 0
            n = len(s)
            while i < n:
                c = s[i]
                if c == '\\' and kind == 'dq' and i + 1 < n:
                    nxt = s[i + 1]
                    if nxt in '$`"\\':
                        out.append(nxt)
                    elif nxt == '\n':
                        pass
                    else:
                        out.append(c + nxt)
                    i += 2
                    continue
                if c == '$':
                    match = _VAR_RE.match(s, i)
                    if match:
                        out.append(env.get(match.group(1) or match.group(2), ''))
                        i = match.end()
                        continue
                    if s[i + 1:i + 2] == '(':
                        j = _skip_parens(s, i + 1, '', 0)
                        out.append(s[i:j])
                        dynamic = True
                        i = j
                        continue
                    if s[i + 1:i + 2] == '{':
                        close = s.find('}', i)
                        j = close + 1 if close >= 0 else n
                        out.append(s[i:j])
                        dynamic = True
                        i = j
                        continue
                if c == '`':
                    j = s.find('`', i + 1)
                    j = j + 1 if j >= 0 else n
                    out.append(s[i:j])
                    dynamic = True
                    i = j
                    continue
                out.append(c)
                i += 1
    return ''.join(out), dynamic


def _quoting(segs):
    kinds = set(k for k, _s in segs)
    if not segs:
        return 'none'
    if len(segs) == 1 and segs[0][0] == 'dq':
        return 'double'
    if len(segs) == 1 and segs[0][0] == 'lit':
        return 'single'
    if kinds <= set(['uq', 'cmd']):
        return 'none'
    return 'mixed'


def _skip_blanks(text, i):
    while i < len(text) and text[i] in ' \t':
        i += 1
    return i


def _eol(text, i):
    end = text.find('\n', i)
    return len(text) if end < 0 else end


def _scan_default_grub(text, path):
    """Yield ('assign', info), ('export', names) and ('unparsed', (line, text)) records for
    shell text made of assignments. ``A=1 B=2`` and ``A=1; B=2`` set both; ``A=1 cmd`` only
    sets A for cmd, so that statement is unparsed, like any other command."""
    n = len(text)
    i = 0
    line = 1
    depth = 0
    while i < n:
        i = _skip_blanks(text, i)
        if i >= n:
            break
        if text[i] == '\n':
            i += 1
            line += 1
            continue
        if text[i] == '\r' or text[i] == ';':
            i += 1
            continue
        if text[i] == '#':
            i = _eol(text, i)
            continue
        start, start_line = i, line
        chain = []
        j = i
        ended = False
        while True:
            match = _ASSIGN_RE.match(text, j)
            if not match:
                break
            segs, vend, spanned = _shell_word(text, match.end(), path, line)
            line += spanned
            chain.append({'key': match.group(2), 'export': bool(match.group(1)), 'segs': segs,
                          'vstart': match.end(), 'vend': vend, 'line': start_line})
            j = _skip_blanks(text, vend)
            if j >= n or text[j] in '\n#;' or text[j:j + 2] == '\r\n' or text[j:] == '\r':
                ended = True
                break
        if chain and ended and depth > 0:
            # Inside if/case/for/while or a function: whether it runs is decided at run time.
            yield 'unparsed', (start_line, text[start:j].rstrip('\r'))
            i = _eol(text, j) if j < n and text[j] == '#' else j
            continue
        if chain and ended:
            for item in chain:
                yield 'assign', item
            i = _eol(text, j) if j < n and text[j] == '#' else j
            continue
        if chain:
            end = _eol(text, j)
            yield 'unparsed', (start_line, text[start:end].rstrip('\r'))
            i = end
            continue
        end = _eol(text, i)
        export = _EXPORT_RE.match(text[i:end].rstrip('\r'))
        if export:
            yield 'export', export.group(1).split()
            i = end
            continue
        # Not an assignment: skip the physical line and its backslash continuations.
        while end < n and text[i:end].rstrip('\r').endswith('\\'):
            end = _eol(text, end + 1)
            line += 1
        statement = text[i:end].rstrip('\r')
        depth = max(0, depth + _block_balance(statement))
        yield 'unparsed', (start_line, statement)
        i = end


_OPENERS = ('if', 'case', 'for', 'while', 'until', '{')
_CLOSERS = ('fi', 'esac', 'done', '}')


def _block_balance(statement):
    """Shell blocks a statement opens minus those it closes (rough: keywords at the start of
    a command, after ; or a newline; a function definition's '{' counts as an opener)."""
    balance = 0
    for command in re.split(r'[;\n]|&&|\|\|', statement):
        words = command.split()
        if not words:
            continue
        first = words[0]
        if first in ('then', 'else', 'do') and len(words) > 1:
            first = words[1]
        if first in _OPENERS or (first.endswith('()') and words[-1] == '{') or words[-1] == '{':
            balance += 1
        elif first in _CLOSERS:
            balance -= 1
    return balance


def parse_default_grub(text, path='/etc/default/grub', env=None):
    """Parse /etc/default/grub (or a grub.d/*.cfg snippet) the way the shell sourcing it would.

    Understands ``KEY=value``, ``KEY="..."``, ``KEY='...'`` (values may span lines), comments,
    ``export KEY=...`` / ``export KEY``, ``$VAR`` and ``${VAR}`` of keys already set (in this
    file or in ``env``, the settings of files sourced before). Command substitutions (``$(...)``,
    backquotes) are kept as written and the key is listed in 'dynamic'.
    Returns 'settings' {KEY: value}, 'order' (keys in first-assignment order), 'line' {KEY:
    line of the last assignment}, 'quoting' {KEY: 'double'|'single'|'none'|'mixed'},
    'exported', 'dynamic', 'unparsed' ([{'line': n, 'text': ...}], lines that are not plain
    assignments: ignored, as grub-mkconfig's own logic would not see them as settings).
    An unterminated quote raises GrubParseError naming the file and line.
    """
    scope = dict(env or {})
    result = {'settings': {}, 'order': [], 'line': {}, 'quoting': {}, 'exported': [], 'dynamic': [],
              'unparsed': []}
    for kind, data in _scan_default_grub(text or '', path):
        if kind == 'assign':
            key = data['key']
            value, dynamic = _expand(data['segs'], scope)
            scope[key] = value
            result['settings'][key] = value
            if key not in result['order']:
                result['order'].append(key)
            result['line'][key] = data['line']
            result['quoting'][key] = _quoting(data['segs'])
            if data['export'] and key not in result['exported']:
                result['exported'].append(key)
            if dynamic and key not in result['dynamic']:
                result['dynamic'].append(key)
            elif not dynamic and key in result['dynamic']:
                result['dynamic'].remove(key)
        elif kind == 'export':
            for key in data:
                if key not in result['exported']:
                    result['exported'].append(key)
        else:
            number, line_text = data
            result['unparsed'].append({'line': number, 'text': line_text})
    return result


def effective_default_grub(files):
    """Settings grub-mkconfig sees after sourcing ``files`` in order: [(path, text)], i.e.
    /etc/default/grub then /etc/default/grub.d/*.cfg sorted (see read_boot_files). A text of
    None (missing file) is skipped. Returns 'settings' {KEY: value}, 'origin' {KEY: path of the
    file whose assignment wins}, 'line' {KEY: line there}, 'order', 'dynamic', 'unparsed'
    ([{'path', 'line', 'text'}])."""
    out = {'settings': {}, 'origin': {}, 'line': {}, 'order': [], 'dynamic': [], 'unparsed': []}
    for path, text in files:
        if text is None:
            continue
        parsed = parse_default_grub(text, path, env=out['settings'])
        for key in parsed['order']:
            out['settings'][key] = parsed['settings'][key]
            out['origin'][key] = path
            out['line'][key] = parsed['line'][key]
            if key not in out['order']:
                out['order'].append(key)
            if key in parsed['dynamic']:
                if key not in out['dynamic']:
                    out['dynamic'].append(key)
            elif key in out['dynamic']:
                out['dynamic'].remove(key)
        for item in parsed['unparsed']:
            out['unparsed'].append({'path': path, 'line': item['line'], 'text': item['text']})
    return out


def _quote_value(value, style):
    if style == 'single' and "'" not in value:
        return "'" + value + "'"
    if style == 'none' and _SAFE_UNQUOTED_RE.match(value):
        return value
    escaped = value.replace('\\', '\\\\').replace('"', '\\"').replace('$', '\\$').replace('`', '\\`')
    return '"' + escaped + '"'


def set_default_grub_value(text, key, value, path='/etc/default/grub'):
    """Set ``KEY`` to ``value`` in /etc/default/grub style text and return the new text.

    The last active assignment of KEY is rewritten in place, keeping its quoting style
    (double, single or none; a value that needs quotes gets double quotes) and anything
    after the value on that line (a trailing comment). ``value`` is literal: ``"``, ``$``,
    ``\\`` and backquotes are escaped. When KEY is not assigned it is appended as
    ``KEY=value`` (quoted only if needed). Commented-out lines are never touched.
    """
    if not re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', key or ''):
        raise ValueError('not a shell variable name: %r' % (key,))
    if value is None:
        value = ''
    elif isinstance(value, bool):
        value = 'true' if value else 'false'
    elif not isinstance(value, (str, type(u''))):
        value = str(value)
    text = text or ''
    last = None
    for kind, data in _scan_default_grub(text, path):
        if kind == 'assign' and data['key'] == key:
            last = data
    if last is None:
        newline = '\r\n' if '\r\n' in text else '\n'
        if text and not text.endswith('\n'):
            text += newline
        return text + key + '=' + _quote_value(value, 'none') + newline
    style = _quoting(last['segs'])
    if style == 'mixed':
        style = 'double'
    new_value = _quote_value(value, style)
    return text[:last['vstart']] + new_value + text[last['vend']:]


# --------------------------------------------------------------------------- reading a host

_GRUB2_CFGS = ('/boot/grub2/grub.cfg', '/boot/grub/grub.cfg')
_GRUBENVS = ('/boot/grub2/grubenv', '/boot/grub/grubenv')
_LEGACY_CFGS = ('/boot/grub/grub.conf', '/boot/grub/menu.lst')


def _listdir(root, path):
    try:
        return sorted(os.listdir(hostfs.host_path(root, path)))
    except (IOError, OSError):
        return []


def read_boot_files(root):
    """Read every boot-loader file of the host under ``root`` ('/' on a real host).

    Returns {'grub2_cfg': [(path, text)], 'grubenv': [...], 'grub_legacy': [...],
    'bls_entries': [...], 'default_grub': [...]} with only the files that exist: GRUB 2's
    /boot/grub2/grub.cfg, /boot/grub/grub.cfg and /boot/efi/EFI/*/grub.cfg; the grubenv next
    to each; GRUB legacy's grub.conf / menu.lst; /boot/loader/entries/*.conf (sorted);
    /etc/default/grub then /etc/default/grub.d/*.cfg (sorted), the order grub-mkconfig sources
    them in. Unreadable files raise hostfs.HostReadError.
    """
    efi = ['/boot/efi/EFI/%s' % name for name in _listdir(root, '/boot/efi/EFI')]
    wanted = {
        'grub2_cfg': list(_GRUB2_CFGS) + [d + '/grub.cfg' for d in efi],
        'grubenv': list(_GRUBENVS) + [d + '/grubenv' for d in efi],
        'grub_legacy': list(_LEGACY_CFGS),
        'bls_entries': ['/boot/loader/entries/' + name for name in _listdir(root, '/boot/loader/entries')
                        if name.endswith('.conf')],
        'default_grub': ['/etc/default/grub'] + ['/etc/default/grub.d/' + name
                                                 for name in _listdir(root, '/etc/default/grub.d')
                                                 if name.endswith('.cfg')],
    }
    found = {}
    for kind, paths in wanted.items():
        found[kind] = []
        for path in paths:
            if os.path.isdir(hostfs.host_path(root, path)):
                continue
            text = hostfs.read_text(root, path)
            if text is not None:
                found[kind].append((path, text))
    return found
