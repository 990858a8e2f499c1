# fleetfix.kernel — the two commands:
#   make audit   read-only audit of this machine, report under reports/
#   make test    every test: unit, vermin, ansible-lint, ansible-test sanity, Molecule on VMs
# Everything else (virtualenv, OS packages, the collection, test images) is set up on the way.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= $(CURDIR)/.venv
BIN := $(VENV)/bin
# The second controller: ansible-core 2.16, the last for Python 2.7 / 3.6 targets.
VENV216 ?= $(CURDIR)/.venv-2.16
BIN216 := $(VENV216)/bin
COLLECTIONS := $(CURDIR)/.collections
INSTALLED := $(COLLECTIONS)/ansible_collections/fleetfix/kernel/MANIFEST.json
REPORTS ?= $(CURDIR)/reports
BUILD := $(CURDIR)/build
# Test images the Molecule scenarios boot (tests/testhost/build-image.sh caches them; the two
# variants are thin layers over bookworm, built once it is there).
SUITES ?= bookworm bullseye bookworm-netplan bookworm-nm
# OS packages for the test hosts (Debian/Ubuntu names).
OS_PACKAGES := qemu-system-x86 qemu-utils debootstrap fdisk e2fsprogs openssh-client \
               zstd lz4 xz-utils cpio rsync git python3-venv shellcheck chromium chromium-driver rpm openssh-server

export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# Keep Ansible's per-user state (and any collection a tool installs there) inside the project:
# a stale copy of this collection under ~/.ansible would shadow the one just built.
export ANSIBLE_HOME := $(CURDIR)/.ansible-home
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0

COLLECTION_FILES := galaxy.yml meta/runtime.yml README.md LICENSE \
	$(shell find plugins roles playbooks docs changelogs -type f -not -path '*/molecule/*' -not -name '*.pyc' 2>/dev/null)

.PHONY: help audit test venv venv-2.16 os-deps collection unit package vermin lint sanity sanity-2.16 bench-initramfs browser \
	molecule py27 vm images clean

help:
	@echo "make audit   read-only kernel audit of this machine; report in reports/"
	@echo "make test    the whole test suite (unit, vermin, lint, sanity, Molecule VMs)"

# ---------------------------------------------------------------- environment
$(BIN)/.installed: requirements.txt
	@if ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null; then \
	  echo "python3-venv is missing: installing it"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

venv: $(BIN)/.installed

$(BIN216)/.installed: requirements-2.16.txt $(BIN)/.installed
	$(PYTHON) -m venv $(VENV216)
	$(BIN216)/pip install -q --upgrade pip
	$(BIN216)/pip install -q -r requirements-2.16.txt
	touch $@

venv-2.16: $(BIN216)/.installed

# Install the OS packages the test hosts need, only those that are missing.
os-deps:
	@missing=$$(for p in $(OS_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing OS packages:" $$missing; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

# The collection, built into a tarball and installed from it (as users get it).
$(INSTALLED): $(BIN)/.installed $(COLLECTION_FILES)
	rm -rf $(BUILD)/dist && mkdir -p $(BUILD)/dist
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist . >/dev/null
	$(BIN)/ansible-galaxy collection install --force --no-deps -p $(COLLECTIONS) $(BUILD)/dist/fleetfix-kernel-*.tar.gz >/dev/null
	@echo "installed $$(ls $(BUILD)/dist) into $(COLLECTIONS)"

collection: $(INSTALLED)

# ---------------------------------------------------------------- the audit
audit: $(INSTALLED)
	$(BIN)/ansible-playbook playbooks/audit.yml --check -e fleetfix_report_dir=$(REPORTS)
	@echo "reports: $(REPORTS)/fleet-report.html (open it in a browser), fleet-report.json, fleet-report.md, junit.xml"

# ---------------------------------------------------------------- tests
# The checks run two at a time (longest first), then every VM test.
test: os-deps $(INSTALLED)
	tests/run-suite.sh "sanity-2.16 sanity browser lint unit package vermin images" vm

# The HTML fleet report in headless chromium (Debian's chromium and chromium-driver);
# screenshots are kept in build/browser/.
browser: $(INSTALLED)
	$(BIN)/pytest -q -p no:cacheprovider -s tests/browser

# The tarball as Galaxy, Automation Hub, AWX and a new user get it: galaxy-importer,
# antsibull-docs and antsibull-changelog lint, ansible-builder create, and the audit run from an
# empty directory with the collection installed from the tarball (tests/package/run.sh).
package: $(INSTALLED)
	tests/package/run.sh $(BIN) $(BUILD)/dist/fleetfix-kernel-$$(sed -n 's/^version: *//p' galaxy.yml).tar.gz

unit: $(BIN)/.installed
	$(BIN)/pytest -q -p no:cacheprovider tests/unit

vermin: $(BIN)/.installed
	$(BIN)/vermin --no-tips --violations --eval-annotations -t=2.7- -t=3.6- plugins/modules plugins/module_utils

lint: $(INSTALLED)
	$(BIN)/ansible-lint --profile production --offline

sanity: $(BIN)/.installed
	tests/sanity/run.sh $(BIN)

sanity-2.16: $(BIN216)/.installed
	tests/sanity/run.sh $(BIN216)

# The suites build side by side (each is mostly download, disk and one short VM boot).
images: os-deps
	@mkdir -p build; pids=""; for s in $(SUITES); do \
	  tests/testhost/build-image.sh $$s >build/image-$$s.log 2>&1 & pids="$$pids $$!"; done; \
	rc=0; for p in $$pids; do wait $$p || rc=1; done; cat $(SUITES:%=build/image-%.log); exit $$rc

molecule: images $(INSTALLED)
	tests/molecule/run-all.sh

# Every VM test: the Molecule scenarios and the Python 2.7 matrix share two lanes (two cores).
vm: images $(BIN216)/.installed $(INSTALLED)
	tests/molecule/run-all.sh --py27 $(BIN216)

# Every module and role on a real Python 2.7 target under ansible-core 2.16 (tests/py27).
py27: images $(BIN216)/.installed $(INSTALLED)
	tests/py27/run.sh $(BIN216)

clean:
	rm -rf $(BUILD) $(COLLECTIONS) $(REPORTS)

# initramfs_facts' listing against lsinitrd, lsinitramfs and the raw pipelines (benchmarks/).
bench-initramfs: images
	benchmarks/initramfs_listing/run.sh
