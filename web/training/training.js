/* Training screens of the station over /api/train/* (include/tdv/train.h,
   tdv_train_api_handle). Values from the server go into the page with
   textContent only. The key of a set is never requested for a trainee:
   the server refuses it anyway. */
'use strict';
(function () {
  const $ = function (id) { return document.getElementById(id); };
  const DEFECTS = ['mrz-check-digit', 'viz-mismatch', 'expired', 'chip-dg1',
    'chip-dg2', 'photo-substitution', 'forged-sod', 'unknown-csca',
    'revoked-ds', 'cloned-chip', 'lost-stolen', 'watchlist'];
  const st = { session: null, set: null, attempt: null, n: 0, i: 0, t0: 0, timer: null, limit: 0 };

  async function api(method, path, body) {
    const opt = { method: method, credentials: 'same-origin', headers: {} };
    if (method !== 'GET') {
      opt.headers['X-CSRF-Token'] = st.session ? st.session.csrf : '';
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body || {});
    }
    const r = await fetch(path, opt);
    const ct = r.headers.get('Content-Type') || '';
    const data = ct.indexOf('application/json') === 0 ? await r.json() : null;
    if (!r.ok) {
      const e = new Error((data && data.message) || ('HTTP ' + r.status));
      e.status = r.status;
      throw e;
    }
    return data;
  }
  function flash(msg) { $('flash').textContent = msg; $('flash').hidden = !msg; }
  function row(tbody, cells) {
    const tr = document.createElement('tr');
    cells.forEach(function (c) {
      const td = document.createElement('td');
      if (c && typeof c === 'object') { td.textContent = c.text; td.className = c.cls; } else td.textContent = c === null || c === undefined ? '' : String(c);
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  }
  function clear(tbody) { while (tbody.firstChild) tbody.removeChild(tbody.firstChild); }

  /* ---- trainer ---- */
  async function buildSet(ev) {
    ev.preventDefault();
    const body = { title: $('set-title').value, docs: Number($('set-docs').value),
      level: $('set-level').value, limit_seconds: Number($('set-limit').value) };
    const lines = $('set-key').value.split('\n').map(function (s) { return s.trim(); }).filter(Boolean);
    if (lines.length) body.key = lines;
    flash('Building the documents ...');
    try {
      const r = await api('POST', '/api/train/sets', body);
      $('set-id').textContent = r.id;
      const s = await api('GET', '/api/train/sets/' + encodeURIComponent(r.id) + '?answers=1');
      const tb = $('set-key-table').querySelector('tbody');
      clear(tb);
      s.documents.forEach(function (d) { row(tb, [d.index + 1, d.defects]); });
      $('set-key-table').hidden = false;
      flash('Set ' + r.id + ': ' + r.documents + ' documents');
    } catch (e) { flash('Could not build the set: ' + e.message); }
  }
  async function loadDue() {
    try {
      const rows = await api('GET', '/api/train/reports/due');
      const tb = $('due-table').querySelector('tbody');
      clear(tb);
      rows.forEach(function (r) {
        row(tb, [r.checkpoint, r.officer, r.name, r.trainer, r.last_course, r.last_day, r.due,
          { text: r.status, cls: r.status === 'overdue' ? 'fail' : '' }]);
      });
    } catch (e) { flash(e.message); }
  }
  async function loadRecord(ev) {
    if (ev) ev.preventDefault();
    try {
      const r = await api('GET', '/api/train/records/' + encodeURIComponent($('rec-officer').value.trim()));
      $('rec-name').textContent = r.name + ' (' + r.officer + ', ' + r.checkpoint + ')';
      $('rec-due').textContent = r.refresher_due;
      $('rec-status').textContent = r.status;
      $('rec-trainer').textContent = r.trainer || '-';
      $('rec-drills').textContent = String(r.practice ? r.practice.drills : 0);
      $('rec-summary').hidden = false;
      const tb = $('rec-table').querySelector('tbody');
      clear(tb);
      r.attempts.forEach(function (a) {
        const tr = document.createElement('tr');
        [a.day, a.course, a.trainer, a.percent === null ? '' : a.percent.toFixed(1),
          a.submitted ? (a.passed ? 'passed' : 'not passed') : 'open'].forEach(function (v) {
          const td = document.createElement('td');
          td.textContent = v;
          tr.appendChild(td);
        });
        const td = document.createElement('td');
        if (a.certificate) {
          const l = document.createElement('a');
          l.href = '/api/train/certificates/' + encodeURIComponent(a.attempt);
          l.textContent = 'certificate';
          l.target = '_blank';
          l.rel = 'noopener';
          td.appendChild(l);
        }
        tr.appendChild(td);
        tb.appendChild(tr);
      });
      $('rec-table').hidden = false;
      flash('');
    } catch (e) { flash('No record: ' + e.message); }
  }
  function weakest(skills) {
    let w = null;
    skills.forEach(function (k) { if (k.detected < k.presented && (!w || k.rate < w.rate)) w = k; });
    return w ? w.defect + ' (' + w.rate.toFixed(0) + ' %)' : '';
  }
  async function loadSkills() {
    try {
      const r = await api('GET', '/api/train/reports/skills');
      const tb = $('skills-officers').querySelector('tbody');
      clear(tb);
      r.officers.forEach(function (o) {
        row(tb, [o.officer, o.trainer, o.sets, o.drills, o.mean_percent.toFixed(1),
          o.last_passed ? o.last_course + ' ' + o.last_passed : '', o.refresher_due,
          { text: o.status, cls: o.status === 'overdue' ? 'fail' : '' }, weakest(o.skills)]);
      });
      const db = $('skills-defects').querySelector('tbody');
      clear(db);
      const cp = r.checkpoints[0];
      $('skills-post').textContent = cp ? 'Post ' + cp.checkpoint + ': ' + cp.officers + ' officers, ' + cp.sets +
        ' sets and ' + cp.drills + ' drills' + (cp.pass_rate >= 0 ? ', pass rate ' + cp.pass_rate.toFixed(0) + ' %' : '') +
        (cp.most_missed ? '; most missed: ' + cp.most_missed : '') : '';
      if (cp) cp.detection.forEach(function (d) { row(db, [d.defect, d.presented, d.detected, d.rate.toFixed(0)]); });
    } catch (e) { flash(e.message); }
  }
  async function loadRates() {
    try {
      const rows = await api('GET', '/api/train/reports/rates');
      const tb = $('rates-table').querySelector('tbody');
      clear(tb);
      rows.forEach(function (r) { row(tb, [r.month, r.measure, r.defect, r.total, r.count, r.rate.toFixed(1)]); });
    } catch (e) { flash(e.message); }
  }

  /* ---- trainee ---- */
  function showDoc() {
    $('doc').hidden = false;
    $('doc-no').textContent = String(st.i + 1);
    $('doc-count').textContent = String(st.n);
    $('doc-page').src = '/api/train/sets/' + encodeURIComponent(st.set) + '/docs/' + st.i + '/page.png';
    clear($('doc-checks').querySelector('tbody'));
    document.querySelectorAll('input[name=decision]').forEach(function (b) { b.checked = false; });
    document.querySelectorAll('#defect-boxes input').forEach(function (b) { b.checked = false; });
    $('doc-reason').value = '';
    st.t0 = Date.now();
    if (st.timer) clearInterval(st.timer);
    st.timer = setInterval(function () {
      const s = Math.round((Date.now() - st.t0) / 1000);
      $('doc-timer').textContent = st.limit ? '(' + s + ' / ' + st.limit / 1000 + ' s)' : '(' + s + ' s)';
    }, 500);
  }
  async function begin(setId, attemptId) {
    const s = await api('GET', '/api/train/sets/' + encodeURIComponent(setId));
    st.set = setId; st.attempt = attemptId; st.n = s.documents.length; st.i = 0; st.limit = s.limit_ms;
    $('result').hidden = true;
    showDoc();
  }
  async function start(ev) {
    ev.preventDefault();
    try {
      const r = await api('POST', '/api/train/attempts', { set: $('start-set').value.trim(), course: $('start-course').value });
      await begin($('start-set').value.trim(), r.attempt);
    } catch (e) { flash('Could not start: ' + e.message); }
  }
  async function drill() {
    try {
      const r = await api('POST', '/api/train/drill', {});
      await begin(r.set, r.attempt);
    } catch (e) { flash('No drill today: ' + e.message); }
  }
  async function inspect() {
    try {
      const r = await api('POST', '/api/train/attempts/' + encodeURIComponent(st.attempt) + '/inspect/' + st.i, {});
      const tb = $('doc-checks').querySelector('tbody');
      clear(tb);
      r.checks.forEach(function (c) { row(tb, [c.id, { text: c.status, cls: c.status }, c.message]); });
    } catch (e) { flash(e.message); }
  }
  async function next() {
    const d = document.querySelector('input[name=decision]:checked');
    if (!d) { flash('Choose admit, refuse or refer.'); return; }
    const named = [];
    document.querySelectorAll('#defect-boxes input:checked').forEach(function (b) { named.push(b.value); });
    try {
      await api('POST', '/api/train/attempts/' + encodeURIComponent(st.attempt) + '/answers',
        { doc: st.i, decision: d.value, defects: named, reason: $('doc-reason').value, time_ms: Date.now() - st.t0 });
      flash('');
      if (++st.i < st.n) { showDoc(); return; }
      clearInterval(st.timer);
      $('doc').hidden = true;
      const fb = await api('POST', '/api/train/attempts/' + encodeURIComponent(st.attempt) + '/submit', {});
      showFeedback(fb);
    } catch (e) { flash(e.message); }
  }
  function showFeedback(fb) {
    $('result').hidden = false;
    $('score').textContent = fb.score.percent.toFixed(1) + ' %';
    $('passed').textContent = fb.score.passed ? 'passed' : 'not passed';
    const sc = fb.score;
    $('fb-summary').textContent = 'False alarms: ' + sc.false_alarms + ' of ' + sc.genuine +
      ' genuine documents; defective documents stopped: ' + sc.stopped + ' of ' + sc.defective +
      '; time per document: ' + (sc.mean_ms / 1000).toFixed(1) + ' s on average, ' +
      (sc.max_ms / 1000).toFixed(1) + ' s at most' + (sc.overtime ? '; over the time limit: ' + sc.overtime : '');
    const rb = $('fb-rates').querySelector('tbody');
    clear(rb);
    sc.by_defect.forEach(function (d) { row(rb, [d.label, d.presented, d.detected, d.rate.toFixed(0)]); });
    const tb = $('feedback').querySelector('tbody');
    clear(tb);
    fb.documents.forEach(function (d) {
      const had = d.defects.length ? d.defects.join(', ') : 'genuine';
      const ans = d.decision + (d.named.length ? ' (' + d.named.join(', ') + ')' : '');
      const miss = d.missed.map(function (m) { return m.label + ': ' + m.check; }).join('; ') +
        (d.false_alarm ? 'false alarm on a genuine document' : '');
      row(tb, [d.index + 1, had, { text: ans, cls: d.correct ? 'pass' : 'fail' }, miss]);
    });
  }

  async function init() {
    DEFECTS.forEach(function (n) {
      const l = document.createElement('label');
      const i = document.createElement('input');
      i.type = 'checkbox'; i.value = n;
      l.appendChild(i); l.appendChild(document.createTextNode(' ' + n));
      $('defect-boxes').appendChild(l);
    });
    $('set-form').addEventListener('submit', buildSet);
    $('due-load').addEventListener('click', loadDue);
    $('rates-load').addEventListener('click', loadRates);
    $('rec-form').addEventListener('submit', loadRecord);
    $('skills-load').addEventListener('click', loadSkills);
    $('start-form').addEventListener('submit', start);
    $('drill').addEventListener('click', drill);
    $('doc-inspect').addEventListener('click', inspect);
    $('doc-next').addEventListener('click', next);
    try { st.session = await api('GET', '/api/session'); } catch (e) { $('need-login').hidden = false; return; }
    $('who').textContent = st.session.name + ' (' + st.session.role + ')';
    const trainer = st.session.role === 'trainer' || st.session.role === 'admin';
    const supervisor = st.session.role === 'supervisor';
    $('trainer').hidden = !trainer;
    $('skills').hidden = !trainer && !supervisor;
    $('trainee').hidden = supervisor;
  }
  document.addEventListener('DOMContentLoaded', init);
}());
