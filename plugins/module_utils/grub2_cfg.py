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

from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import (
    MAX_MENU_ITEMS,
    MAX_MENU_PATH,
    MAX_NESTING,
    GrubParseError,
    classify_root,
    shown,
)

_LINUX_CMDS = ('linux', 'linux16', 'linuxefi')
_INITRD_CMDS = ('initrd', 'initrd16', 'initrdefi')


class _Tok:
    """A lexer token: kind is 'word', 'sep' (newline or ;), '{', '}' or 'eof'."""

    __slots__ = ('kind', 'line', 'value', 'start', 'end')

    def __init__(self, kind, line, value=None, start=0, end=0):
        self.kind = kind
        self.line = line
        self.value = value
        self.start = start
        self.end = end

    def is_word(self, *values):
        return self.kind == 'word' and (not values or self.value in values)


def _lex_grub(text, path):
    """The tokens of a grub.cfg, one at a time (a generator: memory stays at one command)."""
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
            yield _Tok('sep', line)
            line += 1
            i += 1
        elif c == ';':
            yield _Tok('sep', line)
            i += 1
        elif c == '#':
            end = text.find('\n', i)
            i = n if end < 0 else end
        elif c in '{}':
            yield _Tok(c, line, c, i, i + 1)
            i += 1
        else:
            tok, i, line = _lex_word(text, i, line, path)
            yield tok
    yield _Tok('sep', line)
    yield _Tok('eof', line)


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
                raise GrubParseError(path, line, "unterminated single quote (expected a closing ' before the end of the file)")
            chunk = text[i + 1:close]
            buf.append(chunk)
            line += chunk.count('\n')
            i = close + 1
        elif c == '"':
            quote_line = line
            i += 1
            while True:
                if i >= n:
                    raise GrubParseError(path, quote_line, 'unterminated double quote (expected a closing " before the end '
                                                           'of the file)')
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
            chunk = text[i:] if close < 0 else text[i:close + 1]
            buf.append(chunk)
            line += chunk.count('\n')
            i = n if close < 0 else close + 1
        else:
            buf.append(c)
            i += 1
    word = ''.join(buf)
    if '\x00' in word:
        raise GrubParseError(path, start_line, 'a NUL byte (expected text: GRUB stops reading the line there, so what '
                                               'it runs is not what the line says)')
    return _Tok('word', start_line, word, start, i), i, line


# --------------------------------------------------------------------------- GRUB 2 script parser
#
# One pass, no tree and no recursion: the parser reads one token ahead, keeps a stack of the
# blocks open (menuentry, submenu, if, function, loops; at most MAX_NESTING deep) and builds the
# entries, submenus and settings as it goes. Memory is the result plus one command's words.

class _Frame:
    """An open block. ``closers``: what ends it ('}' or keywords); ``what``/``line``: how an
    error names it. The rest is what a command inside it counts for: ``counter`` numbers the
    menu items of its menu level, ``menu_path`` the enclosing submenus as (title, position),
    ``branches`` the 'then'/'else' branches around it, ``entry`` the menuentry its linux and
    initrd commands fill (None outside one), ``in_menu`` inside any menuentry or submenu,
    ``dead`` inside a function or a menu nested in a menuentry (GRUB runs neither when it
    builds the menu: nothing there counts)."""

    __slots__ = ('kind', 'closers', 'what', 'line', 'counter', 'menu_path', 'branches', 'entry', 'in_menu',
                 'dead')

    def __init__(self, kind, closers, what, line, parent=None, **changes):
        self.kind = kind
        self.closers = closers
        self.what = what
        self.line = line
        for name in ('counter', 'menu_path', 'branches', 'entry', 'in_menu', 'dead'):
            setattr(self, name, changes[name] if name in changes else getattr(parent, name))


_IF_CLOSERS = ('elif', 'else', 'fi')
_STRAY = ('fi', 'then', 'else', 'elif', 'done', 'do')


class _GrubParser:

    def __init__(self, text, path):
        self.text = text
        self.path = path
        self.tokens = _lex_grub(text, path)
        self.cur = next(self.tokens)
        self.result = {'entries': [], 'submenus': [], 'default': None, 'timeout': None, 'blscfg': False,
                       'blscfg_index': None, 'variables': {}}
        # name -> [last value, last value on the fallback path, whether there is one]
        self.settings = {}
        self.stack = [_Frame('file', (), 'file', 1, counter=[0], menu_path=(), branches=(), entry=None,
                             in_menu=False, dead=False)]

    # -- tokens

    def advance(self):
        tok = self.cur
        if tok.kind != 'eof':
            self.cur = next(self.tokens)
        return tok

    def skip_seps(self):
        while self.cur.kind == 'sep':
            self.advance()

    def error(self, line, message):
        return GrubParseError(self.path, line, message)

    def skip_words(self):
        """Consume the words up to the end of the command: a newline, ';' or a '}' closing the
        block (GRUB needs no ';' before it). A '{' there is an error."""
        while self.cur.kind not in ('sep', '}', 'eof'):
            self.word()

    def word(self):
        if self.cur.kind != 'word':
            raise self.error(self.cur.line, "unexpected '%s' (expected '{' only after menuentry, submenu or "
                                            "function)" % self.cur.kind)
        return self.advance()

    # -- blocks

    def push(self, frame):
        if len(self.stack) > MAX_NESTING:
            raise self.error(frame.line, 'blocks nested more than %d deep (expected at most %d levels of menuentry, '
                                         'submenu, if, function, while/until/for)' % (MAX_NESTING, MAX_NESTING))
        self.stack.append(frame)

    def run(self):
        while True:
            self.skip_seps()
            frame = self.stack[-1]
            tok = self.cur
            if tok.kind == 'eof':
                if len(self.stack) == 1:
                    break
                raise self.error(frame.line, '%s is never closed (no %s before the end of the file)'
                                 % (frame.what, ' or '.join("'%s'" % c for c in frame.closers)))
            if tok.kind == '}':
                if frame.closers != ('}',):
                    if len(self.stack) == 1:
                        expected = 'a command: no menuentry, submenu or function is open here'
                    else:
                        expected = "%s to close the %s of line %d first" % (
                            ' or '.join("'%s'" % c for c in frame.closers), frame.what, frame.line)
                    raise self.error(tok.line, "unexpected '}' (expected %s)" % expected)
                self.advance()
                self.stack.pop()
                continue
            if tok.kind == '{':
                raise self.error(tok.line, "unexpected '{' (expected '{' only after menuentry, submenu or function)")
            if tok.value in frame.closers and frame.closers != ('}',):
                self.close_keyword(self.advance().value)
                continue
            self.command()
        return self.finish()

    def close_keyword(self, word):
        frame = self.stack.pop()
        if word == 'elif':
            self.if_head(frame.line, 'elif', self.stack[-1])
        elif word == 'else':
            parent = self.stack[-1]
            self.push(_Frame('if', ('fi',), "'if'", frame.line, parent, branches=parent.branches + ('else',)))

    def command(self):
        tok = self.cur
        word = tok.value
        frame = self.stack[-1]
        if word in ('menuentry', 'submenu'):
            self.menu(frame)
        elif word == 'if':
            self.advance()
            self.if_head(tok.line, 'if', frame)
        elif word == 'function':
            self.function(frame)
        elif word in ('while', 'until', 'for'):
            self.loop(frame)
        elif word in _STRAY:
            raise self.error(tok.line, "'%s' without a matching opening keyword (expected it inside %s)"
                             % (word, "a while/until/for loop" if word in ('do', 'done') else "an 'if'"))
        else:
            self.plain(frame)

    def menu(self, frame):
        head = self.advance()
        words = [head.value]
        while self.cur.kind != '{':
            if self.cur.kind != 'word':
                raise self.error(head.line, "%s without '{' on its line (expected '{' after its title and options)"
                                 % head.value)
            words.append(self.advance().value)
        self.advance()
        title, ident = _menu_options(words)
        what = "%s '%s'" % (head.value, shown(title))
        if frame.dead or frame.entry is not None:
            # inside a function, or a menu inside a menuentry: GRUB does not add it to the menu
            self.push(_Frame('menu', ('}',), what, head.line, frame, dead=True, entry=None))
            return
        if len(self.result['entries']) + len(self.result['submenus']) >= MAX_MENU_ITEMS:
            raise self.error(head.line, 'more than %d menu entries and submenus (expected at most %d: no real boot '
                                        'menu has that many)' % (MAX_MENU_ITEMS, MAX_MENU_ITEMS))
        position = frame.counter[0]
        frame.counter[0] += 1
        parts = [p for _t, p in frame.menu_path] + [position]
        index = parts[0] if len(parts) == 1 else '>'.join(str(p) for p in parts)
        titles = [t for t, _p in frame.menu_path] + [title if title is not None else '']
        path = '>'.join(titles)
        if len(path) > MAX_MENU_PATH:
            raise self.error(head.line, "%s: its menu path (the titles of its submenus and its own, joined with '>') is "
                                        "%d characters long (expected at most %d)" % (what, len(path), MAX_MENU_PATH))
        if head.value == 'submenu':
            self.result['submenus'].append({'title': title, 'id': ident, 'index': index, 'line': head.line,
                                            'path': path})
            self.push(_Frame('menu', ('}',), what, head.line, frame, counter=[0], in_menu=True,
                             menu_path=frame.menu_path + ((title or '', position),)))
            return
        entry = {'kernel': None, 'args': None, 'root': None, 'root_kind': None, 'initrd': None, 'initrds': [],
                 'title': title, 'id': ident, 'index': index, 'line': head.line,
                 'submenu': '>'.join(t for t, _p in frame.menu_path) if frame.menu_path else None,
                 'path': path, 'conditional': bool(frame.branches), 'source': 'grub.cfg'}
        self.result['entries'].append(entry)
        self.push(_Frame('menu', ('}',), what, head.line, frame, entry=entry, in_menu=True))

    def if_head(self, line, kind, parent):
        """The condition of an if/elif and its 'then'; pushes the 'then' branch."""
        self.skip_words()
        self.skip_seps()
        if not self.cur.is_word('then'):
            raise self.error(line, "'%s' without 'then' (expected 'then' after the condition)" % kind)
        self.advance()
        self.push(_Frame('if', _IF_CLOSERS, "'if'", line, parent, branches=parent.branches + ('then',)))

    def function(self, frame):
        head = self.advance()
        if not self.cur.is_word():
            raise self.error(head.line, 'function without a name (expected: function NAME {)')
        name = self.advance().value
        if self.cur.kind != '{':
            raise self.error(head.line, "function %s without '{' (expected '{' after its name)" % shown(name))
        self.advance()
        self.push(_Frame('function', ('}',), 'function %s' % shown(name), head.line, frame, dead=True, entry=None))

    def loop(self, frame):
        head = self.advance()
        self.skip_words()
        self.skip_seps()
        if not self.cur.is_word('do'):
            raise self.error(head.line, "'%s' without 'do' (expected 'do' after its condition)" % head.value)
        self.advance()
        self.push(_Frame('loop', ('done',), "'%s'" % head.value, head.line, frame,
                         branches=frame.branches + ('then',)))

    # -- what a command counts for

    def plain(self, frame):
        """A plain command, its words read one at a time: only what it counts for is kept (a
        linux line's kernel, arguments and root=, an initrd line's paths, an assignment)."""
        first = self.advance()
        name = first.value
        entry = None if frame.dead else frame.entry
        linux = entry is not None and name in _LINUX_CMDS and entry['kernel'] is None
        initrd = entry is not None and name in _INITRD_CMDS and not entry['initrds']
        second = last = root = None
        count = 1
        values = []
        while self.cur.kind not in ('sep', '}', 'eof'):
            last = self.word()
            count += 1
            if count == 2:
                second = last
            elif linux and last.value.startswith('root='):
                root = last.value[len('root='):]
            if initrd:
                values.append(last.value)
        if frame.dead:
            return
        if entry is not None:
            if linux and second is not None:
                entry['kernel'] = second.value
                entry['args'] = self.text[second.end:last.end].replace('\\\n', '').strip()
                entry['root'] = root
                entry['root_kind'] = classify_root(root)
            elif initrd and values:
                entry['initrds'] = values
                entry['initrd'] = values[0]
            return
        if frame.in_menu:
            return
        if name == 'blscfg':
            self.result['blscfg'] = True
            if self.result['blscfg_index'] is None:
                self.result['blscfg_index'] = frame.counter[0]
            return
        assignment = _assignment(name, second.value if second is not None else None, count)
        if assignment:
            setting = self.settings.setdefault(assignment[0], [None, None, False])
            setting[0] = assignment[1]
            if all(b == 'else' for b in frame.branches):
                setting[1] = assignment[1]
                setting[2] = True

    def finish(self):
        result = self.result
        for name, (last, fallback, on_fallback) in self.settings.items():
            result['variables'][name] = fallback if on_fallback else last
        result['default'] = result['variables'].get('default')
        result['timeout'] = result['variables'].get('timeout')
        return result


_OPTS_WITH_ARG = ('--class', '--users', '--hotkey', '--id', '--source')
_ID_OPTION_WORDS = ('$menuentry_id_option', '${menuentry_id_option}')


def _menu_options(words):
    """(title, id) from the words of a menuentry/submenu line (words[0] is the keyword)."""
    title = None
    ident = None
    i = 1
    while i < len(words):
        word = words[i]
        if word in _ID_OPTION_WORDS or word == '--id':
            if i + 1 < len(words):
                ident = words[i + 1]
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


_NAME_VALUE_RE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=(.*)\Z', re.S)


def _assignment(first, second, count):
    """(name, value) when the command sets a variable: ``set x=y``, ``set x``, ``x=y``.
    ``first``, ``second``: its first two words (second None when it has one), ``count``: how
    many words it has."""
    if first == 'set' and count >= 2:
        name, sep, value = second.partition('=')
        return name, (value if sep else '')
    match = _NAME_VALUE_RE.match(first)
    if match and count == 1:
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
    stray '}' or an unterminated quote, on blocks nested more than MAX_NESTING deep and on more
    than MAX_MENU_ITEMS menu entries and submenus.
    Iterative (no recursion whatever the nesting); memory is the result plus one command.
    Commands inside a function, and menus inside a menuentry, count for nothing (GRUB does
    not run them when it builds the menu).
    """
    text = (text or '').replace('\r\n', '\n')
    return _GrubParser(text, path).run()
