# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Documentation: audit_report_html.yml and audit_report_junit.yml beside this file.

import json
import re
from xml.sax.saxutils import escape as _xml_escape, quoteattr as _xml_quoteattr

from ansible.errors import AnsibleFilterError

# Worst first, as in the report's "statuses"; host states that carry no findings after them.
STATUS_COLOURS = (
    ('error', '#6a1b9a', '#fff'), ('fail', '#c62828', '#fff'), ('warn', '#f9a825', '#000'),
    ('ok', '#2e7d32', '#fff'), ('not_applicable', '#9e9e9e', '#fff'),
    ('unreachable', '#37474f', '#fff'), ('failed', '#4e342e', '#fff'),
)

PAGE = u'''<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>fleetfix.kernel fleet report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #212121; }
h1 { font-size: 1.4em; margin: 0 0 .2em; } .meta { color: #616161; margin-bottom: 1em; }
table { border-collapse: collapse; } th, td { padding: 3px 8px; border: 1px solid #e0e0e0; text-align: left; }
th { background: #fafafa; position: sticky; top: 0; z-index: 1; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } td.zero { color: #bdbdbd; }
.s { display: inline-block; min-width: 5.5em; padding: 1px 6px; border-radius: 3px; font-size: 12px; text-align: center; }
%(status_css)s
#filters { margin: 1em 0; display: flex; flex-wrap: wrap; gap: .5em; align-items: center; }
#filters button { border: 1px solid #9e9e9e; background: #fff; border-radius: 3px; padding: 3px 10px; cursor: pointer; }
#filters button.active { outline: 3px solid #1565c0; }
#matrix td.host { white-space: nowrap; } #matrix td.host a { cursor: pointer; color: #1565c0; }
#matrix td.cell { cursor: pointer; } #detail { margin-top: 1em; border-top: 2px solid #1565c0; padding-top: .5em; }
#detail pre { background: #f5f5f5; padding: .5em; overflow: auto; max-height: 20em; }
.hidden { display: none; }
</style>
</head>
<body>
<h1>fleetfix.kernel fleet report</h1>
<div class="meta" id="meta"></div>
<h2>Findings per story</h2>
<table id="counts"><thead></thead><tbody></tbody></table>
<h2>Hosts</h2>
<div id="filters">
  <span>Status:</span><span id="status-buttons"></span>
  <label>Story: <select id="story-filter"><option value="">all stories</option></select></label>
  <label>Host: <input id="host-filter" type="search" placeholder="name contains"></label>
  <span id="shown"></span>
</div>
<table id="matrix"><thead></thead><tbody></tbody></table>
<div id="detail" class="hidden"></div>
<script type="application/json" id="report-data">%(data)s</script>
<script>
(function () {
  "use strict";
  var report = JSON.parse(document.getElementById("report-data").textContent);
  var STATUSES = %(statuses)s;
  var STATES = %(states)s;
  var stories = report.stories || [];
  var hostNames = Object.keys(report.hosts || {}).sort();
  var state = { status: "", story: "", host: "" };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function badge(status) { return el("span", { "class": "s s-" + status }, status.replace("_", " ")); }
  function findingOf(host, story) {
    var list = report.hosts[host].findings || [];
    for (var i = 0; i < list.length; i++) { if (list[i].story === story) { return list[i]; } }
    return null;
  }
  function cellStatus(host, story) {
    var entry = report.hosts[host];
    if (entry.state !== "audited") { return entry.state; }
    var found = findingOf(host, story);
    return found ? found.status : "not_applicable";
  }

  var meta = document.getElementById("meta");
  var states = report.host_states || {};
  meta.textContent = hostNames.length + " hosts (" + STATES.map(function (s) { return (states[s] || 0) + " " + s; }).join(", ") +
    ") - generated " + (report.generated_at || "?") + " - schema " + report.schema + " v" + report.schema_version;

  // counts per story and status
  var counts = document.getElementById("counts");
  var head = el("tr");
  head.appendChild(el("th", {}, "story"));
  STATUSES.forEach(function (s) { var th = el("th"); th.appendChild(badge(s)); head.appendChild(th); });
  counts.tHead.appendChild(head);
  stories.forEach(function (story) {
    var row = el("tr");
    row.appendChild(el("td", {}, story));
    STATUSES.forEach(function (s) {
      var n = (report.counts[story] || {})[s] || 0;
      row.appendChild(el("td", { "class": "n" + (n ? "" : " zero"), "id": "count-" + story + "-" + s }, n));
    });
    counts.tBodies[0].appendChild(row);
  });

  // filters
  var buttons = document.getElementById("status-buttons");
  ["all"].concat(STATUSES, STATES.filter(function (s) { return s !== "audited"; })).forEach(function (s) {
    var button = el("button", { "type": "button", "id": "filter-" + s, "data-status": s === "all" ? "" : s }, s.replace("_", " "));
    if (s === "all") { button.className = "active"; }
    button.addEventListener("click", function () {
      state.status = button.getAttribute("data-status");
      Array.prototype.forEach.call(buttons.children, function (b) { b.className = b === button ? "active" : ""; });
      applyFilters();
    });
    buttons.appendChild(button);
  });
  var storySelect = document.getElementById("story-filter");
  stories.forEach(function (story) { storySelect.appendChild(el("option", { "value": story }, story)); });
  storySelect.addEventListener("change", function () { state.story = storySelect.value; applyFilters(); });
  var hostInput = document.getElementById("host-filter");
  hostInput.addEventListener("input", function () { state.host = hostInput.value.toLowerCase(); applyFilters(); });

  // the matrix: one row per host, one cell per story
  var matrix = document.getElementById("matrix");
  var mhead = el("tr");
  mhead.appendChild(el("th", {}, "host"));
  stories.forEach(function (story) { mhead.appendChild(el("th", {}, story)); });
  matrix.tHead.appendChild(mhead);
  var rows = [];
  var fragment = document.createDocumentFragment();
  hostNames.forEach(function (host) {
    var row = el("tr", { "data-host": host });
    var name = el("td", { "class": "host" });
    var link = el("a", {}, host);
    link.addEventListener("click", function () { showHost(host); });
    name.appendChild(link);
    row.appendChild(name);
    var statuses = {};
    stories.forEach(function (story) {
      var status = cellStatus(host, story);
      statuses[story] = status;
      var td = el("td", { "class": "cell", "data-story": story, "data-status": status });
      td.appendChild(badge(status));
      td.addEventListener("click", function () { showHost(host); });
      row.appendChild(td);
    });
    rows.push({ host: host, row: row, statuses: statuses, state: report.hosts[host].state });
    fragment.appendChild(row);
  });
  matrix.tBodies[0].appendChild(fragment);

  function matches(item) {
    if (state.host && item.host.toLowerCase().indexOf(state.host) < 0) { return false; }
    if (!state.status) { return true; }
    if (STATES.indexOf(state.status) >= 0) { return item.state === state.status; }
    if (state.story) { return item.statuses[state.story] === state.status; }
    return stories.some(function (story) { return item.statuses[story] === state.status; });
  }
  function applyFilters() {
    var shown = 0;
    rows.forEach(function (item) {
      var visible = matches(item);
      item.row.className = visible ? "" : "hidden";
      if (visible) { shown += 1; }
    });
    Array.prototype.forEach.call(matrix.querySelectorAll("[data-story]"), function (cell) {
      cell.className = "cell" + (state.story && cell.getAttribute("data-story") !== state.story ? " dim" : "");
    });
    document.getElementById("shown").textContent = shown + " of " + rows.length + " hosts shown";
    document.getElementById("shown").setAttribute("data-shown", String(shown));
  }

  function showHost(host) {
    var entry = report.hosts[host];
    var detail = document.getElementById("detail");
    detail.textContent = "";
    detail.className = "";
    detail.setAttribute("data-host", host);
    detail.appendChild(el("h2", {}, host));
    if (entry.state !== "audited") {
      detail.appendChild(badge(entry.state));
      detail.appendChild(el("p", {}, entry.message || ""));
      return;
    }
    (entry.findings || []).forEach(function (found) {
      var section = el("section", { "data-story": found.story });
      var title = el("h3", {}, found.story + " ");
      title.appendChild(badge(found.status));
      section.appendChild(title);
      section.appendChild(el("p", {}, found.summary));
      if (found.remedy) { section.appendChild(el("p", {}, "Remedy: " + found.remedy)); }
      section.appendChild(el("pre", {}, JSON.stringify(found.evidence || {}, null, 2)));
      detail.appendChild(section);
    });
  }
  applyFilters();
  document.body.setAttribute("data-ready", "true");
}());
</script>
</body>
</html>
'''


# Characters XML 1.0 does not allow (even as &#...; references): C0 controls other than tab,
# newline and CR, lone surrogates, U+FFFE and U+FFFF. A host name, summary or evidence read off
# a host may hold any of them; junit.xml shows them as \xNN / \uNNNN text instead.
_XML_INVALID = re.compile(u'[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
# The same and every other control character (and DEL): one Markdown line stays one line.
_MARKDOWN_INVALID = re.compile(u'[\u0000-\u001f\u007f\ud800-\udfff\ufffe\uffff]')


def _escape_char(match):
    code = ord(match.group(0))
    return '\\x%02x' % code if code < 0x100 else '\\u%04x' % code


def xml_safe(text):
    """``text`` with every character XML 1.0 cannot hold written as a \\xNN or \\uNNNN escape."""
    return _XML_INVALID.sub(_escape_char, u'%s' % (text,))


def escape(text):
    return _xml_escape(xml_safe(text))


def quoteattr(text):
    return _xml_quoteattr(xml_safe(text))


def _line(text):
    return _MARKDOWN_INVALID.sub(_escape_char, u'%s' % (text,))


def _check(report):
    if not isinstance(report, dict) or not isinstance(report.get('hosts'), dict) \
            or not isinstance(report.get('stories'), list):
        raise AnsibleFilterError('expected the fleet report made by fleetfix.kernel.audit_report')


def audit_report_html(report):
    """The fleet report as one self-contained HTML page."""
    _check(report)
    data = json.dumps(report, sort_keys=True)
    # inside <script>: no "</script" may end the element early, no "<!--" may open a comment;
    # JSON's own \u003c escape keeps every "<" out of the markup and parses back to "<"
    data = data.replace('<', '\\u003c')
    status_css = '\n'.join('.s-%s { background: %s; color: %s; }' % item for item in STATUS_COLOURS)
    states = [state for state in report.get('host_states', {}) if state != 'audited']
    return PAGE % {
        'data': data, 'status_css': status_css,
        'statuses': json.dumps(report.get('statuses') or [s for s, _bg, _fg in STATUS_COLOURS[:5]]),
        'states': json.dumps(['audited'] + sorted(states)),
    }


def audit_report_junit(report):
    """The fleet report as JUnit XML: one testcase per host and story (fail -> failure,
    error and unreachable or failed hosts -> error, not_applicable -> skipped, warn -> passed
    with the warning in system-out)."""
    _check(report)
    suites = []
    totals = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
    for story in report['stories']:
        cases = []
        tally = {'tests': 0, 'failures': 0, 'errors': 0, 'skipped': 0}
        for host in sorted(report['hosts']):
            entry = report['hosts'][host]
            tally['tests'] += 1
            head = '    <testcase classname=%s name=%s>' % (quoteattr('fleetfix.kernel.%s' % story), quoteattr(host))
            if entry.get('state') != 'audited':
                tally['errors'] += 1
                state = entry.get('state') or 'failed'
                cases.append('%s<error type=%s message=%s/></testcase>' % (
                    head, quoteattr(state), quoteattr(entry.get('message') or state)))
                continue
            found = [f for f in entry.get('findings') or [] if f.get('story') == story]
            if not found:
                tally['skipped'] += 1
                cases.append('%s<skipped message="not audited on this host"/></testcase>' % head)
                continue
            finding = found[0]
            # ensure_ascii: every control character in the evidence becomes a \\uNNNN escape
            body = json.dumps({'evidence': finding.get('evidence'), 'remedy': finding.get('remedy')}, sort_keys=True, indent=2,
                              ensure_ascii=True, default=str)
            if finding['status'] == 'fail':
                tally['failures'] += 1
                cases.append('%s<failure type="fail" message=%s>%s</failure></testcase>' % (
                    head, quoteattr(finding['summary']), escape(body)))
            elif finding['status'] == 'error':
                tally['errors'] += 1
                cases.append('%s<error type="error" message=%s>%s</error></testcase>' % (
                    head, quoteattr(finding['summary']), escape(body)))
            elif finding['status'] == 'not_applicable':
                tally['skipped'] += 1
                cases.append('%s<skipped message=%s/></testcase>' % (head, quoteattr(finding['summary'])))
            else:
                cases.append('%s<system-out>%s</system-out></testcase>' % (
                    head, escape('%s: %s' % (('%s' % finding['status']).upper(), finding['summary']))))
        for key in totals:
            totals[key] += tally[key]
        suites.append('  <testsuite name=%s tests="%d" failures="%d" errors="%d" skipped="%d">%s\n  </testsuite>' % (
            quoteattr(story), tally['tests'], tally['failures'], tally['errors'], tally['skipped'],
            ''.join('\n' + case for case in cases)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<testsuites name="fleetfix.kernel audit" tests="%d" failures="%d" errors="%d" skipped="%d">%s\n</testsuites>\n'
            % (totals['tests'], totals['failures'], totals['errors'], totals['skipped'], ''.join('\n' + suite for suite in suites)))


def _evidence_text(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return '%s' % (value,)


def audit_report_markdown(report):
    """The fleet report as Markdown: counts per story, then every host's findings.

    Holds for any report the audit_report filter makes, zero hosts and zero stories included;
    control characters in names, summaries and evidence are shown as \\xNN escapes."""
    _check(report)
    states = report.get('host_states') or {}
    statuses = list(report.get('statuses') or [s for s, _bg, _fg in STATUS_COLOURS[:5]])
    counts = report.get('counts') or {}
    lines = ['# fleetfix.kernel fleet report', '',
             'Generated %s - %d host(s): %d audited, %d failed, %d unreachable.' % (
                 _line(report.get('generated_at') or '?'), len(report['hosts']), states.get('audited', 0),
                 states.get('failed', 0), states.get('unreachable', 0)),
             '', '## Counts per story', '']
    if report['stories']:
        lines += ['| story | %s |' % ' | '.join(statuses), '|---|%s' % ('---|' * len(statuses))]
        for story in report['stories']:
            lines.append('| %s | %s |' % (_line(story), ' | '.join(str((counts.get(story) or {}).get(s, 0)) for s in statuses)))
    else:
        lines.append('No findings.')
    lines += ['', '## Hosts']
    if not report['hosts']:
        lines += ['', 'No host was audited (the host pattern or --limit matched none).']
    for host in sorted(report['hosts']):
        entry = report['hosts'][host] or {}
        state = entry.get('state') or 'failed'
        lines += ['', '### %s - %s' % (_line(host), _line(entry.get('worst') or state))]
        if state != 'audited':
            lines.append('%s: %s' % (_line(state), _line(entry.get('message') or '')))
        for finding in entry.get('findings') or []:
            lines.append('- **%s: %s** - %s' % (_line(finding.get('story')), _line(finding.get('status')),
                                                _line(finding.get('summary') or '')))
            if finding.get('remedy'):
                lines.append('  - remedy: %s' % _line(finding['remedy']))
            evidence = finding.get('evidence') or {}
            if evidence:
                lines.append('  - evidence: %s' % ', '.join(
                    '`%s=%s`' % (_line(key), _line(_evidence_text(evidence[key]))) for key in sorted(evidence)))
    return '\n'.join(lines) + '\n'


class FilterModule(object):
    """fleetfix.kernel report renderers."""

    def filters(self):
        return {'audit_report_html': audit_report_html, 'audit_report_junit': audit_report_junit,
                'audit_report_markdown': audit_report_markdown}
