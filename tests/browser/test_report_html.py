"""The HTML fleet report in a real headless browser (Debian's chromium through chromedriver).

A report of 2,000 hosts is made by the collection's own filters from kernel_audit-shaped
results (statuses spread deterministically, some hosts unreachable or failed); the page must
show the right counts, filter on a click, draw the host detail, raise no console error, and
leave a screenshot in build/browser/ as a test artifact.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import sys
import tempfile

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "unit"))
__import__("conftest")  # noqa: E402  (makes ansible_collections.fleetfix.kernel importable)

from ansible_collections.fleetfix.kernel.plugins.filter.audit_report import audit_report  # noqa: E402
from ansible_collections.fleetfix.kernel.plugins.filter.report_render import audit_report_html  # noqa: E402

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ARTIFACTS = os.path.join(REPO, "build", "browser")
CHROMIUM = os.environ.get("FLEETFIX_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FLEETFIX_CHROMEDRIVER", "/usr/bin/chromedriver")
STORIES = ["boot_readiness", "docker_kernel", "ext4_threads", "net_iface_names", "page_allocation",
           "pipe_capacity", "slab_allocator", "socket_timeval"]
CYCLE = ["ok", "ok", "ok", "warn", "fail", "not_applicable", "ok", "error", "ok", "warn", "ok"]
HOSTS = 2000


def _hostvars():
    hostvars = {}
    for number in range(HOSTS):
        name = "host%04d.example.net" % number
        if number % 97 == 13:
            hostvars[name] = {"fleetfix_audit": {"unreachable": True, "msg": "ssh: connect to host: timed out"}}
            continue
        if number % 331 == 7:
            hostvars[name] = {"fleetfix_audit": {"failed": True, "msg": "kernel_audit: /usr/bin/python: not found"}}
            continue
        findings = []
        for index, story in enumerate(STORIES):
            status = CYCLE[(number * 7 + index * 3) % len(CYCLE)]
            findings.append({"story": story, "status": status, "summary": "%s is %s on %s </script>" % (story, status, name),
                             "evidence": {"n": number, "html": "<b>not bold</b>"},
                             "remedy": "role fleetfix.kernel.%s" % story if status in ("fail", "warn") else None})
        hostvars[name] = {"fleetfix_audit": {"findings": findings, "timings_ms": {}}}
    return hostvars


@pytest.fixture(scope="module")
def report():
    hostvars = _hostvars()
    return audit_report(sorted(hostvars), hostvars, generated_at="2026-11-26T00:00:00+00:00")


@pytest.fixture(scope="module")
def browser():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            pytest.fail("%s is missing: `make os-deps` installs Debian's chromium and chromium-driver" % path)
    profile = tempfile.mkdtemp(prefix="fleetfix-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--window-size=1400,1000", "--user-data-dir=" + profile):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(report, browser):
    if not os.path.isdir(ARTIFACTS):
        os.makedirs(ARTIFACTS)
    path = os.path.join(ARTIFACTS, "fleet-report-2000.html")
    with open(path, "w") as handle:
        handle.write(audit_report_html(report))
    browser.get("file://" + path)
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    return browser


def _shown(driver):
    return int(driver.find_element(By.ID, "shown").get_attribute("data-shown"))


def test_the_page_is_self_contained(report):
    html = audit_report_html(report)
    for needle in ("http://", "https://", "src=", "href=", "@import"):
        assert needle not in html, needle
    assert "</script> " not in html.split('id="report-data">', 1)[1].split("</script>\n<script>", 1)[0]


def test_counts_per_story_match_the_report(page, report):
    for story in STORIES:
        for status in report["statuses"]:
            cell = page.find_element(By.ID, "count-%s-%s" % (story, status))
            assert int(cell.text) == report["counts"][story][status], (story, status)
    assert sum(report["counts"]["boot_readiness"].values()) == report["host_states"]["audited"]


def test_matrix_has_every_host_and_cell(page, report):
    rows = page.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")
    assert len(rows) == HOSTS
    assert _shown(page) == HOSTS
    fails = page.find_elements(By.CSS_SELECTOR, "#matrix td[data-story='pipe_capacity'][data-status='fail']")
    assert len(fails) == report["counts"]["pipe_capacity"]["fail"]


def test_a_status_filter_click_shows_only_those_hosts(page, report):
    expected = sum(1 for entry in report["hosts"].values() if any(f["status"] == "fail" for f in entry["findings"]))
    page.find_element(By.ID, "filter-fail").click()
    assert _shown(page) == expected
    visible = [r for r in page.find_elements(By.CSS_SELECTOR, "#matrix tbody tr") if r.is_displayed()]
    assert len(visible) == expected
    page.find_element(By.ID, "filter-unreachable").click()
    assert _shown(page) == report["host_states"]["unreachable"]
    page.find_element(By.ID, "filter-all").click()
    assert _shown(page) == HOSTS


def test_story_and_host_filters(page, report):
    from selenium.webdriver.support.ui import Select
    Select(page.find_element(By.ID, "story-filter")).select_by_value("boot_readiness")
    page.find_element(By.ID, "filter-fail").click()
    assert _shown(page) == report["counts"]["boot_readiness"]["fail"]
    page.find_element(By.ID, "filter-all").click()
    Select(page.find_element(By.ID, "story-filter")).select_by_value("")
    box = page.find_element(By.ID, "host-filter")
    box.send_keys("host19")
    assert _shown(page) == 100
    box.clear()
    box.send_keys(" ")  # an input event with a non-matching name
    box.clear()
    page.execute_script("arguments[0].dispatchEvent(new Event('input'))", box)
    assert _shown(page) == HOSTS


def test_host_detail_shows_evidence_and_remedy_as_text(page, report):
    host = "host0042.example.net"
    page.find_element(By.CSS_SELECTOR, "#matrix tr[data-host='%s'] td.host a" % host).click()
    detail = page.find_element(By.ID, "detail")
    assert detail.get_attribute("data-host") == host
    sections = detail.find_elements(By.TAG_NAME, "section")
    assert len(sections) == len(STORIES)
    assert "<b>not bold</b>" in detail.text  # evidence is text, never markup
    assert not detail.find_elements(By.TAG_NAME, "b")
    failing = [f for f in report["hosts"][host]["findings"] if f["status"] in ("fail", "warn")]
    assert failing and ("Remedy: " + failing[0]["remedy"]) in detail.text


def test_no_console_errors_and_a_screenshot(page):
    page.find_element(By.ID, "filter-fail").click()
    page.find_element(By.CSS_SELECTOR, "#matrix tr:not(.hidden) td.host a").click()
    shot = os.path.join(ARTIFACTS, "fleet-report-2000.png")
    assert page.save_screenshot(shot)
    assert os.path.getsize(shot) > 10000
    errors = [entry for entry in page.get_log("browser") if entry.get("level") in ("SEVERE", "ERROR")]
    assert errors == []
    print("\nscreenshot: %s" % shot)


def test_make_audit_reports_open_in_the_browser(browser):
    """The reports `make audit` writes (read-only audit of this machine): all three, and the HTML opens."""
    import json
    import subprocess
    out = os.path.join(ARTIFACTS, "audit")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([playbook, os.path.join(REPO, "playbooks", "audit.yml"), "--check", "-e", "fleetfix_report_dir=" + out],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    for name in ("fleet-report.html", "fleet-report.json", "fleet-report.md", "junit.xml"):
        assert os.path.getsize(os.path.join(out, name)) > 0, name
    with open(os.path.join(out, "fleet-report.json")) as handle:
        report = json.load(handle)
    browser.get("file://" + os.path.join(out, "fleet-report.html"))
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    assert _shown(browser) == len(report["hosts"]) == 1
    cells = browser.find_elements(By.CSS_SELECTOR, "#matrix td[data-story]")
    assert sorted(c.get_attribute("data-story") for c in cells) == report["stories"]
    browser.save_screenshot(os.path.join(ARTIFACTS, "make-audit-report.png"))
    assert [e for e in browser.get_log("browser") if e.get("level") in ("SEVERE", "ERROR")] == []
