# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The oracle for plugins/module_utils/docker_check.py: moby's own contrib/check-config.sh.

Runs the two versions of the script our profiles follow on real Debian kernel configs and
writes what they print, option by option, as JSON verdicts under
tests/unit/fixtures/docker_oracle/; tests/unit/plugins/module_utils/test_docker_oracle.py then
asks docker_check.evaluate the same questions and wants the same answers.

The scripts are not part of this collection (Apache-2.0, moby's): they are read from a moby git
repository given with --moby-git, at the pinned commits below, into a temporary directory.

    python3 tests/oracle/docker_check_config.py fetch       # download the kernel packages (apt-get download)
    python3 tests/oracle/docker_check_config.py run --moby-git /path/to/moby/.git

``fetch`` uses a private apt state in a temporary directory (its own sources list, lists and
cache, amd64 and arm64), so the machine's apt configuration and dpkg's architectures stay as they
are; packages are downloaded and unpacked with dpkg-deb, never installed. Only
``boot/config-<release>`` of each is kept, gzip-compressed, in fixtures/docker_oracle/configs/.

``run`` runs each script with bash, under a pseudo-terminal (the script colours what it finds
good green and what it finds bad red - that is how the oracle reads "good"), with a PATH whose
first directory holds stand-ins:

* ``uname -r`` prints the kernel release the config belongs to: the script's kernel-version
  conditions are evaluated against the config's kernel, as docker_check evaluates them (the one
  deliberate difference between the two: the script asks the running kernel).
* the host checks are neutralised so they neither print failures nor set the exit status:
  ``stat`` says /sys/fs/cgroup is cgroup2, ``cat`` says AppArmor is off and
  kernel/keys/root_maxkeys is 1000000, ``sysctl`` says forwarding is on. What they print is
  ignored anyway; only CONFIG_ lines are compared.

Verdicts (see the README beside the fixtures): the current script's exit status is its
"generally necessary" verdict (checked here, for every run, against the options it printed);
the other categories' verdicts are derived from the printed options by the rules the script
states (optional and network drivers: reported, not failed; storage: "only fail if no storage
drivers available"), because the script itself lets none of them change its exit status.
"""

from __future__ import print_function

import argparse
import gzip
import hashlib
import io
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tty

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(REPO, 'tests', 'unit', 'fixtures')
ORACLE = os.path.join(FIXTURES, 'docker_oracle')
CONFIGS = os.path.join(ORACLE, 'configs')
VERDICTS = os.path.join(ORACLE, 'verdicts')
SCRIPT_PATH = 'contrib/check-config.sh'

# The two scripts: the commit we read, and what that commit is.
SCRIPTS = {
    'current': {
        'commit': 'b985e2313a8676e18072b442911fc8f64f17d440',
        'what': 'moby/moby master, 2026-08-23 (the newest master available); check-config.sh there was last '
                'changed by a4c5b2be6f69f86fe7b13eb4822676f8d273cf8b (2026-06-07, "contrib/check-config: '
                'don\'t propagate optional feature failures to exit code")',
        'blob': 'b238ae70fba67faeea4f76e37e9d3f6d6c929eb4',
    },
    'legacy': {
        'commit': '0baf60984522744eed290348f33f396c046b2f3a',
        'what': 'moby/moby tag v1.7.0 ("Bump version to v1.7.0", 2015-06-17); check-config.sh there was last '
                'changed by 6cc4cf7c0cc8ae56974f16b3b2053c82be722349 (2015-05-22, "Add BRIDGE_NETFILTER to '
                'check-config.sh")',
        'blob': '1482777f1af5b9728b2e53560803e82db8024bd2',
    },
}

# Several versions and flavours of bullseye's 5.10 and bookworm's 6.1: the point release in the
# suite itself, the newest security update, and its cloud, rt and arm64 builds. Each entry is a
# list of (suite the version is taken from, package, architecture) tried in turn: the mirror
# this was made with answered 404 for some of bullseye-security's builds (rt, arm64), and the
# bullseye point release's build of the same flavour stands in for them.
PACKAGES = [
    [('bullseye', 'linux-image-5.10.0-32-amd64', 'amd64')],
    [('bullseye-security', 'linux-image-5.10.0-46-amd64', 'amd64')],
    [('bullseye-security', 'linux-image-5.10.0-46-cloud-amd64', 'amd64')],
    [('bullseye-security', 'linux-image-5.10.0-46-rt-amd64', 'amd64'), ('bullseye', 'linux-image-5.10.0-32-rt-amd64', 'amd64')],
    [('bullseye-security', 'linux-image-5.10.0-46-arm64', 'arm64'), ('bullseye', 'linux-image-5.10.0-32-arm64', 'arm64')],
    [('bookworm', 'linux-image-6.1.0-50-amd64', 'amd64')],
    [('bookworm-security', 'linux-image-6.1.0-56-amd64', 'amd64')],
    [('bookworm-security', 'linux-image-6.1.0-56-cloud-amd64', 'amd64')],
    [('bookworm-security', 'linux-image-6.1.0-56-rt-amd64', 'amd64')],
    [('bookworm-security', 'linux-image-6.1.0-56-arm64', 'arm64')],
]
SOURCES = """\
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bullseye-security main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
"""

# Configs already in the tree (typed-in excerpts, see fixtures/kconfig/README.md): they carry the
# old kernels' options (2.6.32, 3.10) and a newer one (6.18) that Debian's packages do not.
TREE_CONFIGS = [
    ('kconfig/centos6-2.6.32-754.config', '2.6.32-754.35.1.el6.x86_64'),
    ('kconfig/centos7-3.10.0-1160.config', '3.10.0-1160.el7.x86_64'),
    ('kconfig/host-6.18-config.gz', '6.18.44'),
]

# Each kernel-version condition of the current script, on both sides of its boundary: one real
# config, evaluated as if it belonged to each of these releases.
BOUNDARY_CONFIG = 'docker_oracle/configs/config-6.1.0-56-amd64.gz'
BOUNDARY_RELEASES = [
    '2.6.32-754.el6.x86_64', '3.13.0-170-generic', '3.14.0-1-amd64', '3.18.0-1-amd64', '3.19.0-1-amd64',
    '4.5.0-1-amd64', '4.6.0-1-amd64', '4.7.0-1-amd64', '4.8.0-1-amd64', '4.14.0-1-amd64', '4.15.0-213-generic',
    '4.20.0-1-amd64', '5.0.0-1-amd64', '5.1.0-1-amd64', '5.2.0-1-amd64', '5.3.0-1-amd64', '5.4.0-1-amd64',
    '5.7.0-1-amd64', '5.8.0-1-amd64', '5.9.0-1-amd64', '10.0.0-1-amd64',
]

# Edits of one real config that reach the script's branches no Debian config takes.
VARIANT_CONFIG = BOUNDARY_CONFIG
VARIANT_RELEASE = '6.1.0-56-amd64'
VARIANTS = [
    # Debian's amd64 kernels have LEGACY_VSYSCALL_NONE=y; arm64 has no such option.
    ('vsyscall-native', ['LEGACY_VSYSCALL_NONE'], {'LEGACY_VSYSCALL_NATIVE': 'y'}),
    ('vsyscall-emulate', ['LEGACY_VSYSCALL_NONE'], {'LEGACY_VSYSCALL_EMULATE': 'y'}),
    ('vsyscall-xonly', ['LEGACY_VSYSCALL_NONE'], {'LEGACY_VSYSCALL_XONLY': 'y'}),
    ('vsyscall-emulate-and-none', [], {'LEGACY_VSYSCALL_EMULATE': 'y'}),
    ('vsyscall-native-and-emulate', ['LEGACY_VSYSCALL_NONE'], {'LEGACY_VSYSCALL_NATIVE': 'y', 'LEGACY_VSYSCALL_EMULATE': 'y'}),
    ('ext3-without-ext4-for-ext2', ['EXT4_USE_FOR_EXT2'], {}),
    ('no-btrfs-no-overlay', ['BTRFS_FS', 'OVERLAY_FS'], {}),
    ('no-veth', ['VETH'], {}),
    ('modules-for-builtins', [], {'NAMESPACES': 'm', 'CGROUPS': 'm', 'EXT4_FS': 'm'}),
]

ANSI = re.compile(r'\x1b\[[0-9;]*m')
OPTION_LINE = re.compile(r'^\s*- (CONFIG_[A-Za-z0-9_]+): (enabled \(as module\)|enabled|missing)$')
GROUP_LINE = re.compile(r'^\s*- "([^"]+)":$')
SECTIONS = {
    'Generally Necessary:': 'generally_necessary',
    'Optional Features:': 'optional',
    '- Network Drivers:': 'network_drivers',
    '- Storage Drivers:': 'storage_drivers',
    'Limits:': 'limits',
}
GOOD = '\x1b[32m'
BAD = '\x1b[1;31m'


def die(message):
    sys.stderr.write('docker_check_config: %s\n' % message)
    sys.exit(1)


def sha256(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def read_config_text(path):
    with open(path, 'rb') as handle:
        data = handle.read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.GzipFile(fileobj=io.BytesIO(data)).read()
    return data.decode('utf-8', 'replace')


def write_gzip(path, data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename='', mode='wb', fileobj=buf, compresslevel=9, mtime=0) as handle:
        handle.write(data)
    with open(path, 'wb') as handle:
        handle.write(buf.getvalue())


# --- fetch -------------------------------------------------------------------------------------

def apt_options(state):
    return ['-o', 'Dir::Etc::SourceList=%s/sources.list' % state,
            '-o', 'Dir::Etc::SourceParts=%s/sources.list.d' % state,
            '-o', 'Dir::Etc::Preferences=%s/preferences' % state,
            '-o', 'Dir::Etc::PreferencesParts=%s/preferences.d' % state,
            '-o', 'Dir::State=%s/state' % state,
            '-o', 'Dir::State::status=%s/state/status' % state,
            '-o', 'Dir::Cache=%s/cache' % state,
            '-o', 'APT::Architecture=amd64',
            '-o', 'APT::Architectures::=amd64', '-o', 'APT::Architectures::=arm64',
            '-o', 'APT::Sandbox::User=root', '-o', 'Debug::NoLocking=1', '-q']


def madison_suites(opts, package, arch, version):
    out = subprocess.check_output(['apt-cache'] + opts + ['madison', '%s:%s' % (package, arch)], universal_newlines=True)
    suites = []
    for line in out.splitlines():
        parts = [p.strip() for p in line.split('|')]
        if len(parts) == 3 and parts[1] == version:
            suite = parts[2].split()[1].split('/')[0]
            if suite not in suites:
                suites.append(suite)
    return suites


def extract_config(deb, release):
    want = './boot/config-%s' % release
    dpkg = subprocess.Popen(['dpkg-deb', '--fsys-tarfile', deb], stdout=subprocess.PIPE)
    data = None
    with tarfile.open(fileobj=dpkg.stdout, mode='r|') as tar:
        for member in tar:
            if member.name == want:
                data = tar.extractfile(member).read()
                break
        for _member in tar:  # read to the end, so dpkg-deb is not cut off mid-write
            pass
    dpkg.stdout.close()
    if dpkg.wait() != 0:
        die('dpkg-deb --fsys-tarfile %s failed' % deb)
    if data is None:
        die('%s has no %s' % (deb, want))
    return data


def fetch(args):
    state = tempfile.mkdtemp(prefix='docker-oracle-apt-')
    try:
        for sub in ('sources.list.d', 'preferences.d', 'state/lists/partial', 'cache/archives/partial', 'debs'):
            os.makedirs(os.path.join(state, sub))
        with open(os.path.join(state, 'sources.list'), 'w') as handle:
            handle.write(SOURCES)
        open(os.path.join(state, 'state', 'status'), 'w').close()
        opts = apt_options(state)
        subprocess.check_call(['apt-get'] + opts + ['update'])
        if not os.path.isdir(CONFIGS):
            os.makedirs(CONFIGS)
        sources = []
        debs = os.path.join(state, 'debs')
        for candidates in PACKAGES:
            for suite, package, arch in candidates:
                for name in os.listdir(debs):
                    os.unlink(os.path.join(debs, name))
                if subprocess.call(['apt-get'] + opts + ['download', '%s:%s' % (package, arch)], cwd=debs) == 0:
                    break
                print('%s (%s, %s) could not be downloaded' % (package, suite, arch))
            else:
                die('none of %s could be downloaded' % ', '.join(c[1] for c in candidates))
            deb = os.path.join(debs, os.listdir(debs)[0])
            version = subprocess.check_output(['dpkg-deb', '-f', deb, 'Version'], universal_newlines=True).strip()
            release = package[len('linux-image-'):]
            data = extract_config(deb, release)
            name = 'config-%s.gz' % release
            write_gzip(os.path.join(CONFIGS, name), data)
            suites = madison_suites(opts, package, arch, version)
            if suite not in suites:
                die('%s %s is not in %s (it is in %s)' % (package, version, suite, ', '.join(suites)))
            sources.append({'config': name, 'kernel_release': release, 'package': package, 'version': version,
                            'architecture': arch, 'suites': suites, 'deb_sha256': sha256(deb)})
            print('%s %s (%s, %s) -> configs/%s' % (package, version, ', '.join(suites), arch, name))
        with open(os.path.join(CONFIGS, 'sources.json'), 'w') as handle:
            json.dump(sources, handle, indent=1, sort_keys=True)
            handle.write('\n')
    finally:
        shutil.rmtree(state, ignore_errors=True)


# --- run ---------------------------------------------------------------------------------------

STAND_INS = {
    'uname': '#!/bin/sh\nif [ "$1" = "-r" ]; then printf "%%s\\n" "$ORACLE_UNAME_R"; exit 0; fi\nexec %(uname)s "$@"\n',
    'stat': '#!/bin/sh\ncase "$*" in *"/sys/fs/cgroup"*) echo 63677270; exit 0;; esac\nexec %(stat)s "$@"\n',
    'cat': ('#!/bin/sh\ncase "$1" in\n'
            '  /proc/sys/kernel/keys/root_maxkeys) echo 1000000;;\n'
            '  /sys/module/apparmor/parameters/enabled) echo N;;\n'
            '  *) exec %(cat)s "$@";;\nesac\n'),
    'sysctl': '#!/bin/sh\necho 1\n',
}


def make_stand_ins(directory):
    real = {}
    for name in ('uname', 'stat', 'cat'):
        real[name] = shutil.which(name)
        if not real[name]:
            die('no %s on this machine' % name)
    for name, text in STAND_INS.items():
        path = os.path.join(directory, name)
        with open(path, 'w') as handle:
            handle.write(text % real)
        os.chmod(path, 0o755)


def script_texts(moby_git, directory):
    paths = {}
    for profile, pin in SCRIPTS.items():
        spec = '%s:%s' % (pin['commit'], SCRIPT_PATH)
        blob = subprocess.check_output(['git', '--git-dir', moby_git, 'rev-parse', spec], universal_newlines=True).strip()
        if blob != pin['blob']:
            die('%s is blob %s, expected %s' % (spec, blob, pin['blob']))
        path = os.path.join(directory, 'check-config-%s.sh' % profile)
        with open(path, 'wb') as handle:
            handle.write(subprocess.check_output(['git', '--git-dir', moby_git, 'show', spec]))
        paths[profile] = path
    tag = subprocess.check_output(['git', '--git-dir', moby_git, 'rev-parse', 'v1.7.0^{commit}'], universal_newlines=True).strip()
    if tag != SCRIPTS['legacy']['commit']:
        die('v1.7.0 is %s here, expected %s' % (tag, SCRIPTS['legacy']['commit']))
    return paths


def run_script(script, config, release, bindir):
    """What the script prints (colour codes kept) and its exit status."""
    env = {'PATH': bindir + ':/usr/sbin:/usr/bin:/sbin:/bin', 'HOME': '/nonexistent', 'LANG': 'C', 'LC_ALL': 'C',
           'TERM': 'xterm', 'ORACLE_UNAME_R': release}
    master, slave = pty.openpty()
    tty.setraw(slave)  # no \r\n translation
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(['bash', script, config], stdin=subprocess.DEVNULL, stdout=slave, stderr=errors,
                                env=env, close_fds=True, cwd='/')
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        code = proc.wait()
        errors.seek(0)
        stderr = errors.read().decode('utf-8', 'replace')
    return b''.join(chunks).decode('utf-8', 'replace'), code, stderr


def parse_output(text):
    """{category: [(group or None, option, status, good)]} from what the script printed."""
    found = {'generally_necessary': [], 'optional': [], 'network_drivers': [], 'storage_drivers': []}
    section = None
    group = None
    for raw in text.split('\n'):
        plain = ANSI.sub('', raw).rstrip()
        if plain.strip() in SECTIONS:
            section = SECTIONS[plain.strip()]
            group = None
            continue
        match = GROUP_LINE.match(plain)
        if match and section in ('network_drivers', 'storage_drivers'):
            group = match.group(1)
            continue
        if plain.strip() == 'Optional (for encrypted networks):':
            group = '%s (encrypted networks)' % group
            continue
        match = OPTION_LINE.match(plain)
        if not match:
            continue  # host checks, notes, blank lines
        if section not in found:
            die('option line outside a known section: %r' % plain)
        status = match.group(2)
        good = (GOOD + status) in raw
        bad = (BAD + status) in raw
        if good == bad:
            die('cannot tell whether the script finds this good or bad: %r' % raw)
        found[section].append((group, match.group(1), status, good))
    return found


def verdicts(found):
    """The category verdicts, by the rules the script states (see the module docstring)."""
    def groups(entries):
        out = []
        for group, option, status, good in entries:
            if not out or out[-1]['driver'] != group:
                out.append({'driver': group, 'options': []})
            out[-1]['options'].append({'option': option, 'status': status, 'good': good})
        for entry in out:
            entry['usable'] = all(o['good'] for o in entry['options'])
        return out

    def flat(entries):
        return [{'option': option, 'status': status, 'good': good} for _group, option, status, good in entries]
    necessary = flat(found['generally_necessary'])
    optional = flat(found['optional'])
    networks = groups(found['network_drivers'])
    storage = groups(found['storage_drivers'])
    return {
        'generally_necessary': {'verdict': 'ok' if all(o['good'] for o in necessary) else 'fail', 'options': necessary},
        'optional': {'verdict': 'ok' if all(o['good'] for o in optional) else 'warn', 'options': optional},
        'network_drivers': {'verdict': 'ok' if all(n['usable'] for n in networks) else 'warn', 'drivers': networks},
        'storage_drivers': {'verdict': 'ok' if any(s['usable'] for s in storage) else 'fail', 'drivers': storage},
    }


def apply_variant(text, unset, set_values):
    drop = set(unset) | set(set_values)
    lines = [line for line in text.splitlines()
             if not any(line.startswith('CONFIG_%s=' % name) or line == '# CONFIG_%s is not set' % name for name in drop)]
    lines += ['CONFIG_%s=%s' % (name, value) for name, value in sorted(set_values.items())]
    return '\n'.join(lines) + '\n'


def cases():
    """(case name, config path relative to the fixtures, release, source, variant or None, profiles)."""
    with open(os.path.join(CONFIGS, 'sources.json')) as handle:
        sources = json.load(handle)
    out = []
    for entry in sources:
        source = dict((k, entry[k]) for k in ('package', 'version', 'suites', 'architecture'))
        out.append((entry['kernel_release'], 'docker_oracle/configs/' + entry['config'], entry['kernel_release'],
                    source, None, ('current', 'legacy')))
    for path, release in TREE_CONFIGS:
        out.append((release, path, release, {'typed_in': 'see tests/unit/fixtures/kconfig/README.md'}, None,
                    ('current', 'legacy')))
    for release in BOUNDARY_RELEASES:
        out.append(('boundary-' + release, BOUNDARY_CONFIG, release,
                    {'note': 'config-6.1.0-56-amd64 evaluated as the config of kernel %s' % release}, None, ('current',)))
    for name, unset, set_values in VARIANTS:
        out.append(('variant-' + name, VARIANT_CONFIG, VARIANT_RELEASE, {'note': 'config-6.1.0-56-amd64, edited'},
                    {'unset': unset, 'set': set_values}, ('current', 'legacy')))
    return out


def run(args):
    moby_git = args.moby_git
    if os.path.isdir(os.path.join(moby_git, '.git')):
        moby_git = os.path.join(moby_git, '.git')
    work = tempfile.mkdtemp(prefix='docker-oracle-')
    try:
        bindir = os.path.join(work, 'bin')
        os.makedirs(bindir)
        make_stand_ins(bindir)
        scripts = script_texts(moby_git, work)
        if os.path.isdir(VERDICTS):
            shutil.rmtree(VERDICTS)
        os.makedirs(VERDICTS)
        total = 0
        for name, config, release, source, variant, profiles in cases():
            path = os.path.join(FIXTURES, config)
            text = read_config_text(path)
            if variant:
                text = apply_variant(text, variant['unset'], variant['set'])
            plain = os.path.join(work, 'config')
            with open(plain, 'w') as handle:
                handle.write(text)
            for profile in profiles:
                output, code, stderr = run_script(scripts[profile], plain, release, bindir)
                found = parse_output(output)
                categories = verdicts(found)
                necessary_fails = categories['generally_necessary']['verdict'] == 'fail'
                if profile == 'current' and code != (1 if necessary_fails else 0):
                    die('%s/%s: exit status %d, but the necessary options say %s'
                        % (name, profile, code, categories['generally_necessary']['verdict']))
                if profile == 'legacy' and code != 0:
                    die('%s/%s: the v1.7.0 script exited %d' % (name, profile, code))
                count = sum(len(found[c]) for c in found)
                if count < 30:
                    die('%s/%s: only %d options parsed; stderr: %s' % (name, profile, count, stderr))
                total += count
                verdict = {
                    'case': name,
                    'config': config,
                    'config_sha256': sha256(path),
                    'kernel_release': release,
                    'source': source,
                    'variant': variant,
                    'profile': profile,
                    'script': {'repository': 'moby/moby', 'path': SCRIPT_PATH, 'commit': SCRIPTS[profile]['commit'],
                               'blob': SCRIPTS[profile]['blob'], 'what': SCRIPTS[profile]['what']},
                    'uname_r': release,
                    'exit_status': code,
                    'categories': categories,
                }
                out = os.path.join(VERDICTS, '%s--%s.json' % (name, profile))
                with open(out, 'w') as handle:
                    json.dump(verdict, handle, indent=1, sort_keys=True)
                    handle.write('\n')
                print('%-40s %-8s exit %d, %3d options, necessary %s, optional %s, network %s, storage %s' % (
                    name, profile, code, count, categories['generally_necessary']['verdict'],
                    categories['optional']['verdict'], categories['network_drivers']['verdict'],
                    categories['storage_drivers']['verdict']))
        print('%d options in all' % total)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command')
    sub.add_parser('fetch', help='download the kernel packages and keep their configs')
    runner = sub.add_parser('run', help='run both scripts on every config and write the verdicts')
    runner.add_argument('--moby-git', required=True, help="a moby/moby git repository (its .git directory or work tree)")
    args = parser.parse_args()
    if args.command == 'fetch':
        fetch(args)
    elif args.command == 'run':
        run(args)
    else:
        parser.print_help()
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
