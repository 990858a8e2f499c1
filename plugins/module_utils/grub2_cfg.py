# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GRUB 2's grub.cfg: a lexer and parser for its shell-like script language, and the menu
entries, submenus and top-level settings (``default``, ``timeout``, ``blscfg``) it defines.

Pure functions over text; what the menu looks like once BLS entries are merged in and which
entry is the default is grub_menu's. Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import GrubParseError, classify_root

_LINUX_CMDS = ('linux', 'linux16', 'linuxefi')
_INITRD_CMDS = ('initrd', 'initrd16', 'initrdefi')


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
