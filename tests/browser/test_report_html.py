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
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
__import__("conftest")  # noqa: E402  (makes ansible_collections.fleetfix.kernel importable)

import synthetic_fleet  # noqa: E402
from ansible_collections.fleetfix.kernel.plugins.filter.audit_report import audit_report  # noqa: E402
from ansible_collections.fleetfix.kernel.plugins.filter.report_render import audit_report_html  # noqa: E402

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ARTIFACTS = os.path.join(REPO, "build", "browser")
CHROMIUM = os.environ.get("FLEETFIX_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FLEETFIX_CHROMEDRIVER", "/usr/bin/chromedriver")
STORIES = synthetic_fleet.STORIES
HOSTS = 2000


@pytest.fixture(scope="module")
def previous():
    """The same fleet a week before (statuses shifted), as the JSON file holds it."""
    import json
    hostvars = synthetic_fleet.hostvars(HOSTS)
    return json.loads(json.dumps(audit_report(sorted(hostvars), hostvars, generated_at="2026-11-20T00:00:00+00:00")))


@pytest.fixture(scope="module")
def report(previous):
    hostvars = synthetic_fleet.hostvars(HOSTS, shift=1)
    return audit_report(sorted(hostvars), hostvars, generated_at="2026-11-26T00:00:00+00:00", previous=previous)


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


def _bad_hosts(report, status, story=None):
    return sorted(h for h, e in report["hosts"].items()
                  if any(f["status"] == status and (story is None or f["story"] == story) for f in e["findings"]))


def test_the_page_is_self_contained_and_small(report):
    html = audit_report_html(report)
    for needle in ("http://", "https://", "src=", "href=", "@import"):
        assert needle not in html.replace('xmlns="http://www.w3.org/2000/svg"', ""), needle
    data = html.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data
    # every host's findings are in the page (compressed), not only the first page of rows
    assert len(html) < 600 * 1000, len(html)


def test_the_group_view_comes_first_worst_then_largest(page, report):
    headings = [h.text for h in page.find_elements(By.TAG_NAME, "h2")]
    assert headings.index("What to do") < headings.index("Hosts")
    rows = page.find_elements(By.CSS_SELECTOR, "#groups tbody tr")
    assert len(rows) == min(50, len(report["groups"])) and rows
    assert [int(r.get_attribute("data-count")) for r in rows] == [g["count"] for g in report["groups"]][:len(rows)]
    first = report["groups"][0]
    assert rows[0].find_element(By.CSS_SELECTOR, "td.cause").text == first["cause"]
    assert rows[0].find_element(By.CSS_SELECTOR, "code.limit").text == first["limit_file"]
    commands = [r.find_element(By.CSS_SELECTOR, "code.command").text for r in rows if r.find_elements(By.CSS_SELECTOR, "code.command")]
    assert any("fleetfix.kernel.remediate" in c and "--limit @reports/limit/" in c for c in commands)


def test_a_group_click_lists_exactly_its_hosts(page, report):
    group = [g for g in report["groups"] if g["story"]][0]
    index = report["groups"].index(group)
    page.find_element(By.CSS_SELECTOR, "#groups tr[data-group='%d'] button.pick" % index).click()
    assert _shown(page) == group["count"]
    drawn = [r.get_attribute("data-host") for r in page.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")]
    assert drawn == sorted(group["hosts"])[:200]
    # again: off (the page scrolled to the hosts table; a script click, as the button is off screen)
    page.execute_script("arguments[0].click()", page.find_element(By.CSS_SELECTOR, "#groups tr[data-group='%d'] button.pick" % index))
    assert _shown(page) == HOSTS


def test_the_chart_shows_hosts_by_status_per_story_and_the_change(page, report):
    chart = page.find_element(By.ID, "status-chart")
    assert chart.tag_name == "svg"
    for story in STORIES:
        for status in ("fail", "warn", "ok"):
            bars = chart.find_elements(By.CSS_SELECTOR, "rect.bar[data-story='%s'][data-status='%s']" % (story, status))
            assert [int(b.get_attribute("data-count")) for b in bars] == ([report["counts"][story][status]] if report["counts"][story][status]
                                                                          else []), (story, status)
        before = report["drift"]["previous_counts"][story]["fail"]
        bars = chart.find_elements(By.CSS_SELECTOR, "rect.previous[data-story='%s'][data-status='fail']" % story)
        assert [int(b.get_attribute("data-count")) for b in bars] == ([before] if before else [])
    assert "since before:" in chart.text


def test_the_drift_section_lists_the_changes(page, report):
    drift = report["drift"]
    summary = page.find_element(By.ID, "drift-summary")
    assert int(summary.get_attribute("data-regressions")) == drift["regressions"] > 0
    rows = page.find_elements(By.CSS_SELECTOR, "#drift-changes tbody tr")
    assert len(rows) == min(500, len(drift["changes"]))
    first = drift["changes"][0]
    cells = [c.text for c in rows[0].find_elements(By.TAG_NAME, "td")]
    assert cells[:3] == [first["host"], first["story"] or "(host)", first["kind"].replace("_", " ")]
    assert "of %d changes" % len(drift["changes"]) in page.find_element(By.ID, "drift-more").text


def test_counts_per_story_match_the_report(page, report):
    for story in STORIES:
        for status in report["statuses"]:
            cell = page.find_element(By.ID, "count-%s-%s" % (story, status))
            assert int(cell.text) == report["counts"][story][status], (story, status)
    assert sum(report["counts"]["boot_readiness"].values()) == report["host_states"]["audited"]


def test_the_matrix_draws_a_page_of_rows_and_more_on_demand(page, report):
    assert _shown(page) == HOSTS
    rows = page.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")
    assert len(rows) == 200 and rows[0].get_attribute("data-host") == sorted(report["hosts"])[0]
    page.find_element(By.ID, "matrix-next").click()
    rows = page.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")
    assert [r.get_attribute("data-host") for r in rows] == sorted(report["hosts"])[:400]
    for row in rows[:50]:
        entry = report["hosts"][row.get_attribute("data-host")]
        statuses = [c.get_attribute("data-status") for c in row.find_elements(By.CSS_SELECTOR, "td[data-story]")]
        if entry["state"] != "audited":
            assert set(statuses) == {entry["state"]}
        else:
            assert statuses == [f["status"] for f in sorted(entry["findings"], key=lambda f: report["stories"].index(f["story"]))]


def test_a_status_filter_click_counts_every_matching_host(page, report):
    page.find_element(By.ID, "filter-fail").click()
    assert _shown(page) == len(_bad_hosts(report, "fail"))
    drawn = [r.get_attribute("data-host") for r in page.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")]
    assert drawn == _bad_hosts(report, "fail")[:200]
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
    page.execute_script("arguments[0].dispatchEvent(new Event('input'))", box)
    assert _shown(page) == HOSTS


def test_host_detail_is_unpacked_and_shows_evidence_remedy_and_drift_as_text(page, report):
    host = "host0042.example.net"
    page.find_element(By.ID, "host-filter").send_keys("host0042")
    page.find_element(By.CSS_SELECTOR, "#matrix tr[data-host='%s'] td.host a" % host).click()
    WebDriverWait(page, 30).until(lambda d: d.find_element(By.ID, "detail").get_attribute("data-host") == host)
    detail = page.find_element(By.ID, "detail")
    sections = detail.find_elements(By.TAG_NAME, "section")
    assert len(sections) == len(STORIES)
    assert "<b>not bold</b>" in detail.text  # evidence is text, never markup
    assert not detail.find_elements(By.TAG_NAME, "b")
    failing = [f for f in report["hosts"][host]["findings"] if f["status"] in ("fail", "warn")]
    assert failing and ("Remedy: " + failing[0]["remedy"]["text"]) in detail.text
    assert ("Cause: " + failing[0]["cause"]) in detail.text
    changed = [s for s, kind in report["hosts"][host]["drift"].items() if kind != "unchanged"]
    assert changed and detail.find_elements(By.CSS_SELECTOR, "section[data-story='%s'] span.d" % changed[0])
    page.find_element(By.ID, "host-filter").clear()
    page.execute_script("arguments[0].dispatchEvent(new Event('input'))", page.find_element(By.ID, "host-filter"))


def test_no_console_errors_and_a_screenshot(page):
    page.find_element(By.ID, "filter-fail").click()
    page.find_element(By.CSS_SELECTOR, "#matrix tbody tr td.host a").click()
    WebDriverWait(page, 30).until(lambda d: d.find_element(By.ID, "detail").get_attribute("data-host"))
    shot = os.path.join(ARTIFACTS, "fleet-report-2000.png")
    page.execute_script("window.scrollTo(0, 0)")
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
    for group in report["groups"]:  # a host list for every failing story, one host per line
        with open(os.path.join(out, group["limit_file"])) as handle:
            assert handle.read().splitlines() == group["hosts"]
    browser.save_screenshot(os.path.join(ARTIFACTS, "make-audit-report.png"))
    assert [e for e in browser.get_log("browser") if e.get("level") in ("SEVERE", "ERROR")] == []
