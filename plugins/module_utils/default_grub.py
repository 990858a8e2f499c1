# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""/etc/default/grub and /etc/default/grub.d/*.cfg: the shell files grub-mkconfig sources,
read the way the shell would, and edited one setting at a time keeping everything else.

Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from collections import OrderedDict

from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import VARIABLE_RE, GrubParseError

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


def _expand(segs, env, path='/etc/default/grub', line=0):
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
                    match = VARIABLE_RE.match(s, i)
                    if match:
                        out.append(env.get(match.group(1) or match.group(2), ''))
                        i = match.end()
                        continue
                    if s[i + 1:i + 2] == '(':
                        j = _skip_parens(s, i + 1, path, line)
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


def _continued(text, start, end):
    """Whether the physical line ending at ``end`` (after ``start``) ends with a backslash
    (carriage returns before the newline ignored): one look at its end, never a copy."""
    j = end
    while j > start and text[j - 1] == '\r':
        j -= 1
    return j > start and text[j - 1] == '\\'


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
            if j >= n or text[j] in '\n#;' or text[j:j + 2] == '\r\n' or (j == n - 1 and text[j] == '\r'):
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
        while end < n and _continued(text, i, end):
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
    exported = OrderedDict()
    dynamic_keys = OrderedDict()
    for kind, data in _scan_default_grub(text or '', path):
        if kind == 'assign':
            key = data['key']
            value, dynamic = _expand(data['segs'], scope, path, data['line'])
            scope[key] = value
            if key not in result['settings']:
                result['order'].append(key)
            result['settings'][key] = value
            result['line'][key] = data['line']
            result['quoting'][key] = _quoting(data['segs'])
            if data['export']:
                exported[key] = True
            if dynamic:
                dynamic_keys.setdefault(key, True)
            else:
                dynamic_keys.pop(key, None)
        elif kind == 'export':
            for key in data:
                exported[key] = True
        else:
            number, line_text = data
            result['unparsed'].append({'line': number, 'text': line_text})
    result['exported'] = list(exported)
    result['dynamic'] = list(dynamic_keys)
    return result


def effective_default_grub(files):
    """Settings grub-mkconfig sees after sourcing ``files`` in order: [(path, text)], i.e.
    /etc/default/grub then /etc/default/grub.d/*.cfg sorted (see bootloader.read_boot_files). A text of
    None (missing file) is skipped. Returns 'settings' {KEY: value}, 'origin' {KEY: path of the
    file whose assignment wins}, 'line' {KEY: line there}, 'order', 'dynamic', 'unparsed'
    ([{'path', 'line', 'text'}])."""
    out = {'settings': {}, 'origin': {}, 'line': {}, 'order': [], 'dynamic': [], 'unparsed': []}
    dynamic_keys = OrderedDict()
    for path, text in files:
        if text is None:
            continue
        parsed = parse_default_grub(text, path, env=out['settings'])
        dynamic = set(parsed['dynamic'])
        for key in parsed['order']:
            if key not in out['settings']:
                out['order'].append(key)
            out['settings'][key] = parsed['settings'][key]
            out['origin'][key] = path
            out['line'][key] = parsed['line'][key]
            if key in dynamic:
                dynamic_keys.setdefault(key, True)
            else:
                dynamic_keys.pop(key, None)
        for item in parsed['unparsed']:
            item['path'] = path  # the parse is this function's own: no copy
            out['unparsed'].append(item)
    out['dynamic'] = list(dynamic_keys)
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
