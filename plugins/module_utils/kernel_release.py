# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel releases (``uname -r``): what they are made of, and which one is newer.

The one place the collection compares kernel releases. A release names the package it came
from, so the package manager's own rule orders them:

* Debian and Ubuntu (``6.1.0-13-amd64``, ``5.15.0-91-generic``, ``6.5.0-0.deb12.4-amd64``):
  the upstream version and the ABI are compared with dpkg's rule (``verrevcmp`` in dpkg's
  ``lib/dpkg/version.c``), then the flavour by name.
* Everything else - EL, Fedora, UEK, elrepo, SUSE, a hand-built ``4.4.1``: rpm's rule
  (``rpmvercmp`` in rpm's ``rpmio/rpmvercmp.c``) on the version, then on the release, with the
  architecture and a ``+debug``/``+64k``/``.debug`` variant taken off and compared last.

Releases are ordered by their upstream version (major, minor, patch) first, so releases of
two families (a Debian and an EL one) compare sensibly and any mix sorts consistently. Nothing here raises on odd input: any text is a release, and every
comparison returns -1, 0 or 1. Only ASCII digits count as digits (``5²`` is not a number).

Pure functions; Python 2.7 and 3.6+, stdlib only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import re

_DIGITS = '0123456789'
_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'

ARCHES = ('x86_64', 'aarch64', 'i386', 'i586', 'i686', 'ppc64le', 'ppc64', 's390x', 'armv7hl',
          'noarch', 'ia64', 'ppc')
# A Debian/Ubuntu ABI name: upstream version, then either the ABI number (with a backport's
# .debNN.N or .bpo.N) or, since trixie, "+debNN"/"+bpo"; then the flavour (amd64, cloud-amd64,
# rt-amd64, 686-pae, generic, lowlatency, aws, azure, ...).
_DEB_RE = re.compile(r'^([0-9]+\.[0-9]+(?:\.[0-9]+)?)'
                     r'(?:-([0-9]+(?:\.(?:deb[0-9]+|bpo)\.?[0-9]+)?)|(\+(?:deb[0-9]+|bpo)))'
                     r'-([a-z0-9]+(?:-[a-z0-9]+)*)\Z')
_NUMERIC_RE = re.compile(r'^([0-9]{1,9})\.([0-9]{1,9})(?:\.([0-9]{1,9}))?')
# Variants rpm-family kernels append: RHEL 8+ "+debug"/"+64k"/"+rt"; RHEL 5-7 ".debug" after
# the arch; RHEL 5 "xen"/"PAE"/"debug" glued to the dist tag (2.6.18-419.el5xen).
_PLUS_VARIANT_RE = re.compile(r'\+([A-Za-z0-9_]+)\Z')
_EL5_VARIANT_RE = re.compile(r'(\.el5)(xen|PAE|debug|kdump)\Z')


def _is_digit(char):
    return char != '' and char in _DIGITS


def _is_letter(char):
    return char != '' and char in _LETTERS


def _sign(value):
    return (value > 0) - (value < 0)


def rpmvercmp(a, b):
    """rpm's version comparison: -1, 0 or 1.

    Segments of ASCII digits or letters are compared in turn, every other character only
    separates them; a number is newer than letters; ``~`` sorts before anything (even the end),
    ``^`` after the end but before anything else; when one string runs out first, the longer
    one is newer.
    """
    a = a or ''
    b = b or ''
    if a == b:
        return 0
    i = j = 0
    la, lb = len(a), len(b)
    while i < la or j < lb:
        while i < la and not (_is_digit(a[i]) or _is_letter(a[i]) or a[i] in '~^'):
            i += 1
        while j < lb and not (_is_digit(b[j]) or _is_letter(b[j]) or b[j] in '~^'):
            j += 1
        ca = a[i] if i < la else ''
        cb = b[j] if j < lb else ''
        if ca == '~' or cb == '~':
            if ca != '~':
                return 1
            if cb != '~':
                return -1
            i += 1
            j += 1
            continue
        if ca == '^' or cb == '^':
            if ca == '':
                return -1
            if cb == '':
                return 1
            if ca != '^':
                return 1
            if cb != '^':
                return -1
            i += 1
            j += 1
            continue
        if ca == '' or cb == '':
            break
        numeric = _is_digit(ca)
        same = _is_digit if numeric else _is_letter
        si, sj = i, j
        while i < la and same(a[i]):
            i += 1
        while j < lb and same(b[j]):
            j += 1
        seg_a, seg_b = a[si:i], b[sj:j]
        if not seg_b:
            # b has the other kind of segment here: a number is newer than letters.
            return 1 if numeric else -1
        if numeric:
            seg_a = seg_a.lstrip('0')
            seg_b = seg_b.lstrip('0')
            if len(seg_a) != len(seg_b):
                return 1 if len(seg_a) > len(seg_b) else -1
        if seg_a != seg_b:
            return 1 if seg_a > seg_b else -1
    rest_a = i < la
    rest_b = j < lb
    if not rest_a and not rest_b:
        return 0
    return 1 if rest_a else -1


def _dpkg_order(char):
    if char == '':
        return 0
    if _is_digit(char):
        return 0
    if _is_letter(char):
        return ord(char)
    if char == '~':
        return -1
    return ord(char) + 256


def _verrevcmp(a, b):
    i = j = 0
    la, lb = len(a), len(b)
    while i < la or j < lb:
        first_diff = 0
        while (i < la and not _is_digit(a[i])) or (j < lb and not _is_digit(b[j])):
            ac = _dpkg_order(a[i] if i < la else '')
            bc = _dpkg_order(b[j] if j < lb else '')
            if ac != bc:
                return _sign(ac - bc)
            i += 1
            j += 1
        while i < la and a[i] == '0':
            i += 1
        while j < lb and b[j] == '0':
            j += 1
        while i < la and _is_digit(a[i]) and j < lb and _is_digit(b[j]):
            if not first_diff:
                first_diff = ord(a[i]) - ord(b[j])
            i += 1
            j += 1
        if i < la and _is_digit(a[i]):
            return 1
        if j < lb and _is_digit(b[j]):
            return -1
        if first_diff:
            return _sign(first_diff)
    return 0


def _dpkg_split(version):
    epoch = 0
    if ':' in version:
        head, version = version.split(':', 1)
        epoch = int(head) if head and len(head) < 10 and all(_is_digit(c) for c in head) else 0
    if '-' in version:
        upstream, revision = version.rsplit('-', 1)
    else:
        upstream, revision = version, ''
    return epoch, upstream, revision


def dpkg_vercmp(a, b):
    """dpkg's version comparison (``dpkg --compare-versions``): -1, 0 or 1."""
    ea, ua, ra = _dpkg_split(a or '')
    eb, ub, rb = _dpkg_split(b or '')
    if ea != eb:
        return 1 if ea > eb else -1
    return _verrevcmp(ua, ub) or _verrevcmp(ra, rb)


def _native(value):
    """Any value as a native str: bytes (Python 3) and unicode (Python 2) with every byte or
    character outside ASCII as '?', so a release is always text and never raises."""
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):  # Python 3 only: on Python 2 bytes is str
        return value.decode('ascii', 'replace').replace(u'\ufffd', '?')
    try:
        return value.encode('ascii', 'replace')  # Python 2 unicode -> str
    except (AttributeError, UnicodeError):
        return str(value)


def parse(release):
    """A release's parts: ``family`` ('deb' or 'rpm'), ``version`` (upstream, e.g. '4.18.0'),
    ``release`` (the package's release or Debian ABI, e.g. '240.15.1.el8_3', '13',
    '0.deb12.4', '+deb13'), ``evr`` (what the package manager compares: '4.18.0-240.el8',
    '6.1.0-13'), ``flavour`` ('amd64', 'generic', 'debug', '64k', ''...), ``arch``
    ('x86_64', '' when not named) and ``numeric`` ((major, minor, patch) ints, or None when the
    release does not start with a version). Never raises."""
    text = _native(release)
    match = _NUMERIC_RE.match(text)
    numeric = (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)) if match else None
    deb = _DEB_RE.match(text)
    if deb:
        upstream, abi, suffix, flavour = deb.groups()
        evr = upstream + (suffix or '') + ('-' + abi if abi else '')
        return {'family': 'deb', 'version': upstream, 'release': abi or suffix, 'flavour': flavour,
                'arch': '', 'numeric': numeric, 'evr': evr, 'raw': text}
    rest = text
    flavours = []
    plus = _PLUS_VARIANT_RE.search(rest)
    if plus:
        flavours.append(plus.group(1))
        rest = rest[:plus.start()]
    if rest.endswith('.debug'):
        flavours.append('debug')
        rest = rest[:-len('.debug')]
    arch = ''
    for candidate in ARCHES:
        if rest.endswith('.' + candidate):
            arch = candidate
            rest = rest[:-len(candidate) - 1]
            break
    el5 = _EL5_VARIANT_RE.search(rest)
    if el5:
        flavours.append(el5.group(2))
        rest = rest[:el5.start(2)]
    version, _sep, pkg_release = rest.partition('-')
    return {'family': 'rpm', 'version': version, 'release': pkg_release, 'flavour': '+'.join(flavours),
            'arch': arch, 'numeric': numeric, 'evr': rest, 'raw': text}


def base_version(release):
    """(major, minor, patch) of a release as ints - '5.10.0-32-amd64' -> (5, 10, 0),
    '2.6.32-754.el6.x86_64' -> (2, 6, 32) - or None when it does not start with a version."""
    return parse(release)['numeric']


def at_least(release, minimum):
    """Whether a release's upstream version is ``minimum`` (a tuple such as (5, 7)) or newer.
    A release without a version is never at least anything."""
    numeric = base_version(release)
    if numeric is None:
        return False
    return numeric[:len(minimum)] >= tuple(minimum)


def _text_cmp(a, b):
    return (a > b) - (a < b)


def compare(a, b):
    """-1, 0 or 1 as release ``a`` is older than, the same as, or newer than ``b``.

    The upstream version (major, minor, patch) first - a release without one is older than
    any with one - then, within a family, the package manager's rule on the package version,
    the flavour, the architecture and finally the text; across families 'deb' before 'rpm'.
    Each step is a total order, so sorting any mix of releases is well defined."""
    pa, pb = parse(a), parse(b)
    if pa['raw'] == pb['raw']:
        return 0
    order = _text_cmp(pa['numeric'] or (-1,), pb['numeric'] or (-1,))
    if order:
        return order
    if pa['family'] != pb['family']:
        return _text_cmp(pa['family'], pb['family'])
    if pa['family'] == 'deb':
        order = dpkg_vercmp(pa['evr'], pb['evr'])
    else:
        order = rpmvercmp(pa['version'], pb['version']) or rpmvercmp(pa['release'], pb['release'])
    return (order or _text_cmp(pa['flavour'], pb['flavour']) or _text_cmp(pa['arch'], pb['arch'])
            or _text_cmp(pa['raw'], pb['raw']))


sort_key = functools.cmp_to_key(compare)


def newest(releases):
    """The newest of ``releases`` (None for none)."""
    ordered = sorted(releases, key=sort_key)
    return ordered[-1] if ordered else None
