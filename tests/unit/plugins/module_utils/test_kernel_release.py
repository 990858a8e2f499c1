"""kernel_release: the one comparison of kernel releases, against the distributions' own tools.

The corpus (tests/unit/fixtures/kernel_release/corpus.txt) lists real releases oldest first per
distribution; every pair is checked against rpm's rpm.vercmp and dpkg --compare-versions on
this machine (the Makefile installs rpm; dpkg is Debian's own), and our order against the list.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import itertools
import os
import random
import shutil
import subprocess

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import kernel_release as kr

CORPUS = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'kernel_release', 'corpus.txt')


def load_corpus():
    groups, variants, name = [], [], None
    with open(CORPUS) as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith('['):
                name, family = line.strip('[]').split()
                groups.append((name, family, []))
            elif line.startswith('variant '):
                variants.append(tuple(line.split()[1:]))
            else:
                groups[-1][2].append(line)
    return groups, variants


GROUPS, VARIANTS = load_corpus()
ALL = sorted(set(r for _n, _f, rels in GROUPS for r in rels) | set(r for v in VARIANTS for r in v))


def test_corpus_is_large_and_varied():
    assert len(ALL) >= 60
    families = set(f for _n, f, _r in GROUPS)
    assert families == {'rpm', 'deb'}
    for marker in ('.el5', '.el6', '.el7', 'el7uek', '.el8_3', '.el9', 'elrepo', '.fc', '+debug', '.debug', '+64k',
                   '+rt', '.rt', '-cloud-amd64', '-rt-amd64', '-generic', '-lowlatency', '-aws', '-azure', '+deb13'):
        assert any(marker in r for r in ALL), marker


@pytest.mark.parametrize('name,family,releases', GROUPS, ids=[g[0] for g in GROUPS])
def test_each_distribution_order(name, family, releases):
    shuffled = list(releases)
    random.Random(name).shuffle(shuffled)
    assert sorted(shuffled, key=kr.sort_key) == releases
    assert sorted(reversed(releases), key=kr.sort_key) == releases
    for release in releases:
        assert kr.parse(release)['family'] == family, release
    assert kr.newest(shuffled) == releases[-1]


@pytest.mark.parametrize('plain,variant', VARIANTS)
def test_variants_same_package_version(plain, variant):
    a, b = kr.parse(plain), kr.parse(variant)
    assert a['evr'] == b['evr']
    assert a['flavour'] != b['flavour']
    assert kr.compare(plain, variant) == -1 and kr.compare(variant, plain) == 1


def _rpm_available():
    if not shutil.which('rpm'):
        return False
    out = subprocess.run(check=False, args=['rpm', '--eval', '%{lua: print(rpm.vercmp("1-1", "1-2"))}'],
                         stdout=subprocess.PIPE, universal_newlines=True)
    return out.stdout.strip() == '-1'


RPM_PAIRS = [(a, b) for _n, f, rels in GROUPS if f == 'rpm' for a, b in itertools.combinations(rels, 2)]
DEB_PAIRS = [(a, b) for _n, f, rels in GROUPS if f == 'deb' for a, b in itertools.combinations(rels, 2)]


@pytest.mark.skipif(not _rpm_available(), reason='rpm with lua rpm.vercmp is not installed (make os-deps installs it)')
def test_rpm_agrees_on_every_pair():
    """rpm itself, given the version-release of each pair, says the same as the corpus and we."""
    calls = ''.join('t[#t + 1] = rpm.vercmp("%s", "%s")\n' % (kr.parse(a)['evr'], kr.parse(b)['evr']) for a, b in RPM_PAIRS)
    lua = 'local t = {}\n' + calls + 'print(table.concat(t, " "))\n'
    out = subprocess.run(['rpm', '--eval', '%{lua:\n' + lua + '}'], stdout=subprocess.PIPE,
                         universal_newlines=True, check=True).stdout.split()
    assert len(out) == len(RPM_PAIRS)
    wrong = [(a, b, r) for (a, b), r in zip(RPM_PAIRS, out) if int(r) != -1 or kr.compare(a, b) != -1]
    assert not wrong


@pytest.mark.skipif(not shutil.which('dpkg'), reason='dpkg is not installed')
def test_dpkg_agrees_on_every_pair():
    wrong = []
    for a, b in DEB_PAIRS:
        ea, eb = kr.parse(a)['evr'], kr.parse(b)['evr']
        if subprocess.call(['dpkg', '--compare-versions', ea, 'lt', eb]) != 0 or kr.compare(a, b) != -1:
            wrong.append((a, b))
    assert not wrong


@pytest.mark.parametrize('left,right', [
    ('1.0', '1.0'), ('1.0', '2.0'), ('2.0.1', '2.0'), ('1.0a', '1.0'), ('1.0', '1.0~rc1'), ('1.0~rc1', '1.0~rc2'),
    ('1.0^', '1.0'), ('1.0^git1', '1.0'), ('1.0^git1', '1.01'), ('1_0', '1.0'), ('a', '1'), ('010', '10'),
    ('1.0~rc1^git1', '1.0~rc1'), ('5.5p1', '5.5p10'), ('10xyz', '10.1xyz'), ('xyz10', 'xyz10.1'), ('', '1'),
    ('1.0.', '1.0'), ('+1', '1'), ('1a', '1b'),
])
def test_rpmvercmp_against_rpm(left, right):
    expected = {'1.0|1.0': 0, '1.0|2.0': -1, '2.0.1|2.0': 1, '1.0a|1.0': 1, '1.0|1.0~rc1': 1, '1.0~rc1|1.0~rc2': -1,
                '1.0^|1.0': 1, '1.0^git1|1.0': 1, '1.0^git1|1.01': -1, '1_0|1.0': 0, 'a|1': -1, '010|10': 0,
                '1.0~rc1^git1|1.0~rc1': 1, '5.5p1|5.5p10': -1, '10xyz|10.1xyz': -1, 'xyz10|xyz10.1': -1, '|1': -1,
                '1.0.|1.0': 0, '+1|1': 0, '1a|1b': -1}['%s|%s' % (left, right)]
    # rpm's answers (edge cases of rpm's rpmvercmp: tilde, caret, separators, leading zeros);
    # rpm itself confirms each one where it is installed (make os-deps installs it).
    assert kr.rpmvercmp(left, right) == expected and kr.rpmvercmp(right, left) == -expected
    if _rpm_available() and left and right:
        out = subprocess.run(check=False, args=['rpm', '--eval', '%%{lua: print(rpm.vercmp("%s", "%s"))}' % (left, right)],
                             stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
        assert int(out) == expected


@pytest.mark.parametrize('left,right,expected', [
    ('1.0', '1.0', 0), ('1.0~rc1', '1.0', -1), ('1.0+b1', '1.0', 1), ('1:1.0', '2.0', 1), ('1.0-1', '1.0-1.1', -1),
    ('1.0a', '1.0+', -1), ('6.1.0-0.deb11.13', '6.1.0-13', -1), ('2.6.32-5', '3.2.0-4', -1), ('01', '1', 0),
])
def test_dpkg_vercmp(left, right, expected):
    assert kr.dpkg_vercmp(left, right) == expected and kr.dpkg_vercmp(right, left) == -expected
    if shutil.which('dpkg'):
        op = {0: 'eq', -1: 'lt', 1: 'gt'}[expected]
        assert subprocess.call(['dpkg', '--compare-versions', left, op, right]) == 0


@pytest.mark.parametrize('release,parts', [
    ('4.18.0-240.15.1.el8_3.x86_64', dict(family='rpm', version='4.18.0', release='240.15.1.el8_3', arch='x86_64',
                                          flavour='', numeric=(4, 18, 0))),
    ('4.18.0-240.el8.x86_64+debug', dict(version='4.18.0', release='240.el8', arch='x86_64', flavour='debug')),
    ('3.10.0-1160.el7.x86_64.debug', dict(release='1160.el7', arch='x86_64', flavour='debug')),
    ('2.6.18-419.el5xen', dict(release='419.el5', arch='', flavour='xen', numeric=(2, 6, 18))),
    ('5.14.0-362.8.1.el9_3.aarch64+64k', dict(arch='aarch64', flavour='64k', evr='5.14.0-362.8.1.el9_3')),
    ('6.1.0-13-cloud-amd64', dict(family='deb', version='6.1.0', release='13', flavour='cloud-amd64',
                                  evr='6.1.0-13', numeric=(6, 1, 0))),
    ('6.5.0-0.deb12.4-amd64', dict(family='deb', release='0.deb12.4', flavour='amd64')),
    ('6.12.38+deb13-amd64', dict(family='deb', evr='6.12.38+deb13', flavour='amd64', numeric=(6, 12, 38))),
    ('5.15.0-1051-aws', dict(family='deb', release='1051', flavour='aws')),
    ('4.4.1', dict(family='rpm', version='4.4.1', release='', numeric=(4, 4, 1))),
    ('2.6', dict(numeric=(2, 6, 0))),
])
def test_parse(release, parts):
    parsed = kr.parse(release)
    for key, value in parts.items():
        assert parsed[key] == value, key


@pytest.mark.parametrize('odd', [
    '', None, 'linux', '5\u00b2', '\u0665.\u0661', '5.10\x00', '9' * 5000 + '.1', '1.' + '9' * 5000, '-', '+', '..',
    b'6.1.0-13-amd64', b'\xff\xfe', 'x' * 100000, '6.1.0-13-amd64\n', ' 6.1.0', '~~^^', '6.1.0-13-',
])
def test_odd_input_never_raises(odd):
    parsed = kr.parse(odd)
    assert set(parsed) >= {'family', 'version', 'release', 'flavour', 'arch', 'numeric', 'evr', 'raw'}
    for other in ('6.1.0-13-amd64', '4.18.0-240.el8.x86_64', '', 'linux', '5\u00b2'):
        assert kr.compare(odd, other) in (-1, 0, 1)
        assert kr.compare(odd, other) == -kr.compare(other, odd)
    assert kr.compare(odd, odd) == 0


def test_non_ascii_digits_are_not_numbers():
    assert kr.base_version('5\u00b2.1') is None
    assert kr.base_version('\u0665.\u0661.0') is None
    assert kr.at_least('\u0665.\u0661.0', (0,)) is False
    assert kr.base_version('9' * 5000 + '.1') is None  # no 5,000-digit int either


def test_at_least():
    assert kr.at_least('4.4.0-210-generic', (4, 4))
    assert not kr.at_least('4.3.6', (4, 4))
    assert kr.at_least('5.8.0', (5, 8)) and not kr.at_least('5.7.19', (5, 8))
    assert not kr.at_least('linux', (1,))


def test_cross_family_by_upstream_version():
    assert kr.compare('3.10.0-1160.el7.x86_64', '6.1.0-13-amd64') == -1
    assert kr.compare('6.1.0-13-amd64', '4.18.0-553.el8_10.x86_64') == 1
    assert kr.compare('linux', '2.6.32-5-amd64') == -1


def test_sorting_is_a_total_order_over_the_corpus():
    ordered = sorted(ALL, key=kr.sort_key)
    for a, b in zip(ordered, ordered[1:]):
        assert kr.compare(a, b) == -1, (a, b)
    for a, b, c in itertools.islice(itertools.combinations(ordered, 3), 0, None, 97):
        assert kr.compare(a, b) <= 0 and kr.compare(b, c) <= 0 and kr.compare(a, c) <= 0


@pytest.mark.parametrize('epoch', ['\u0663', '9' * 5000, '-1', '', '1\u00b2'])
def test_dpkg_epoch_is_ascii_digits_and_bounded(epoch):
    # an epoch that is not 1-9 ASCII digits counts as 0, never int() of '\u0663' or of 5,000 digits
    assert kr.dpkg_vercmp(epoch + ':1.0', '0:1.0') == 0
    assert kr.dpkg_vercmp(epoch + ':1.0', '1:0.1') == -1
