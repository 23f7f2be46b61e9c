/* tdverify station: the officers' interface over the JSON API
   (docs/openapi.yaml). No framework, no build step. Every value from the
   server is put into the page with textContent, never innerHTML. */
'use strict';
(function () {
  const $ = function (id) { return document.getElementById(id); };
  const t = function (k, f) { return window.tdvI18n.t(k, f); };
  const state = { session: null, inspection: null, demo: [], caseId: null, view: null };

  /* ---- API ---- */
  async function api(method, path, body, type) {
    const opt = { method: method, credentials: 'same-origin', headers: {} };
    if (method !== 'GET') {
      if (state.session) opt.headers['X-CSRF-Token'] = state.session.csrf;
      if (type) { opt.headers['Content-Type'] = type; opt.body = body; }
      else { opt.headers['Content-Type'] = 'application/json'; opt.body = JSON.stringify(body || {}); }
    }
    const r = await fetch(path, opt);
    let data = null;
    const ct = r.headers.get('Content-Type') || '';
    if (ct.indexOf('application/json') === 0) data = await r.json();
    if (r.status === 401 && path !== '/api/login' && path !== '/api/session') {
      state.session = null;
      show('login');
    }
    if (!r.ok) {
      const e = new Error((data && data.message) || ('HTTP ' + r.status));
      e.status = r.status; e.data = data;
      throw e;
    }
    return data;
  }

  function flash(msg) {
    const f = $('flash');
    f.textContent = msg;
    f.hidden = !msg;
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function fieldRows(tbody, pairs) {
    tbody.textContent = '';
    pairs.forEach(function (p) {
      const tr = document.createElement('tr');
      cell(tr, t(p[0], p[0]));
      cell(tr, p[1]);
      tbody.appendChild(tr);
    });
  }

  /* ---- views and roles ---- */
  const VIEWS = {
    primary: ['officer', 'examiner', 'trainer', 'trainee'],
    secondary: ['examiner', 'supervisor'],
    dashboard: ['supervisor'],
    admin: ['admin']
  };

  /* where each role starts */
  const HOME = { supervisor: 'dashboard', admin: 'admin' };

  function show(view) {
    document.querySelectorAll('.view').forEach(function (v) { v.hidden = true; });
    $('view-' + view).hidden = false;
    state.view = view;
    document.querySelectorAll('#tabs button').forEach(function (b) {
      b.classList.toggle('active', b.dataset.view === view);
    });
    if (view === 'login') { $('tabs').hidden = true; $('logout').hidden = true; $('training-link').hidden = true; $('who').textContent = ''; $('login-officer').focus(); }
    if (view === 'primary') $('mrz').focus();
    if (view === 'secondary') loadQueue();
    if (view === 'dashboard') loadDashboard();
    if (view === 'admin') loadAdmin();
  }

  function enterSession(s) {
    state.session = s;
    $('who').textContent = s.name + ' (' + t('role.' + s.role, s.role) + ') · ' + s.checkpoint;
    $('logout').hidden = false;
    $('tabs').hidden = false;
    $('training-link').hidden = ['trainer', 'trainee', 'supervisor'].indexOf(s.role) < 0;
    let first = HOME[s.role] || null;
    document.querySelectorAll('#tabs button').forEach(function (b) {
      const ok = VIEWS[b.dataset.view].indexOf(s.role) >= 0;
      b.hidden = !ok;
      if (ok && !first) first = b.dataset.view;
    });
    const sel = $('chip');
    while (sel.options.length > 1) sel.remove(1);
    if (s.chip_sources.indexOf('pcsc') >= 0) sel.add(new Option(t('chip.pcsc', 'PC/SC reader'), 'pcsc'));
    if (s.chip_sources.indexOf('demo') >= 0 && VIEWS.primary.indexOf(s.role) >= 0) loadDemo();
    show(first || 'login');
    if (!first) flash(t('role.noview', 'This role has no screen on the station yet.'));
  }

  /* ---- login ---- */
  $('login-form').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    $('login-error').hidden = true;
    try {
      const s = await api('POST', '/api/login', { officer: $('login-officer').value, password: $('login-password').value });
      $('login-password').value = '';
      flash('');
      enterSession(s);
    } catch (e) {
      $('login-error').textContent = e.status === 429 ? e.message : t('login.failed', 'Wrong officer id or password.');
      $('login-error').hidden = false;
    }
  });

  $('logout').addEventListener('click', async function () {
    try { await api('POST', '/api/logout'); } catch (e) { /* already gone */ }
    state.session = null;
    show('login');
  });

  document.querySelectorAll('#tabs button').forEach(function (b) {
    b.addEventListener('click', function () { show(b.dataset.view); });
  });

  /* ---- primary inspection ---- */
  async function loadDemo() {
    try { state.demo = await api('GET', '/api/demo/documents'); } catch (e) { state.demo = []; }
    const list = $('demo-list');
    list.textContent = '';
    const sel = $('chip');
    state.demo.forEach(function (d) {
      const b = document.createElement('button');
      b.type = 'button';
      b.id = 'demo-' + d.n;
      b.textContent = d.n + ' · ' + d.label;
      b.addEventListener('click', function () { pickDemo(d); });
      list.appendChild(b);
      sel.add(new Option(t('chip.demo', 'virtual chip') + ' ' + d.n + ' (' + d.label + ')', d.chip));
    });
    $('demo-docs').hidden = state.demo.length === 0;
  }

  function pickDemo(d) {
    $('mrz').value = d.mrz.join('\n');
    $('chip').value = d.chip;
    const img = $('page-image');
    if (d.image) { img.src = d.image; img.hidden = false; } else { img.hidden = true; }
    $('mrz').focus();
  }

  const STATUS_ORDER = { fail: 0, warn: 1, skip: 2, pass: 3 };

  function render(r) {
    state.inspection = r;
    $('result').hidden = false;
    $('result').dataset.inspection = r.id;
    const v = $('verdict');
    v.className = 'verdict ' + r.verdict;
    v.textContent = t('verdict.' + r.verdict, r.verdict);
    const reasons = $('reasons');
    reasons.textContent = '';
    const notable = r.checks.filter(function (c) { return c.status === 'fail' || c.status === 'warn'; });
    const shown = notable.length ? notable : r.checks.filter(function (c) { return c.status === 'pass'; }).slice(0, 3);
    shown.sort(function (a, b) { return STATUS_ORDER[a.status] - STATUS_ORDER[b.status]; });
    shown.forEach(function (c) {
      const li = document.createElement('li');
      li.className = c.status;
      li.textContent = t('check.' + c.id, c.id) + ': ' + c.message;
      reasons.appendChild(li);
    });
    const d = r.document || {};
    fieldRows($('doc-fields'), [
      ['field.surname', d.surname], ['field.given_names', d.given_names],
      ['field.document_number', d.document_number], ['field.issuing_state', d.issuing_state],
      ['field.nationality', d.nationality], ['field.birth_date', d.birth_date],
      ['field.sex', d.sex], ['field.expiry_date', d.expiry_date]
    ].filter(function (p) { return p[1] !== undefined; }));
    const all = $('all-checks');
    all.textContent = '';
    r.checks.forEach(function (c) {
      const tr = document.createElement('tr');
      tr.className = 'st-' + c.status;
      cell(tr, c.id); cell(tr, t('status.' + c.status, c.status)); cell(tr, c.message);
      all.appendChild(tr);
    });
    const prev = $('previous');
    prev.textContent = '';
    if (!r.previous.length) { const tr = document.createElement('tr'); cell(tr, t('result.noprevious', 'none')); prev.appendChild(tr); }
    r.previous.forEach(function (m) {
      const tr = document.createElement('tr');
      cell(tr, m.time); cell(tr, m.checkpoint); cell(tr, t('dir.' + m.direction, m.direction)); cell(tr, t('decision.' + m.decision, m.decision));
      prev.appendChild(tr);
    });
    const photo = $('chip-photo');
    if (r.photo) { photo.src = '/api/inspections/' + r.id + '/photo'; photo.hidden = false; } else { photo.hidden = true; photo.removeAttribute('src'); }
    $('decided').hidden = true;
    $('reason').value = '';
    const live = r.live;
    ['admit', 'refer', 'refuse'].forEach(function (b) { $(b).disabled = !live; });
    if (!live) { $('decided').textContent = t('result.training', 'Training inspection: nothing is recorded.'); $('decided').hidden = false; }
  }

  async function inspect() {
    flash('');
    const mrz = $('mrz').value.trim();
    if (!mrz) { flash(t('primary.needmrz', 'Type, paste or scan the MRZ first.')); return; }
    try {
      render(await api('POST', '/api/inspections', { mrz: mrz, chip: $('chip').value }));
      $('admit').focus();
    } catch (e) { flash(e.message); }
  }

  async function uploadImage(blob) {
    flash(t('primary.reading', 'Reading the image…'));
    const img = $('page-image');
    img.src = URL.createObjectURL(blob);
    img.hidden = false;
    try {
      const r = await api('POST', '/api/inspections/image?chip=' + encodeURIComponent($('chip').value), blob, blob.type || 'application/octet-stream');
      $('mrz').value = (r.mrz_lines || []).join('\n');
      flash('');
      render(r);
    } catch (e) { flash(e.message); }
  }

  async function decide(decision) {
    const r = state.inspection;
    if (!r || !r.live) return;
    const reason = $('reason').value.trim();
    if (decision === 'refuse' && !reason) { flash(t('decide.needreason', 'A refusal needs a reason.')); $('reason').focus(); return; }
    try {
      const out = await api('POST', '/api/decisions', { inspection: r.id, decision: decision, direction: $('direction').value, reason: reason });
      ['admit', 'refer', 'refuse'].forEach(function (b) { $(b).disabled = true; });
      $('decided').textContent = t('decided.' + out.movement.decision, out.movement.decision) + ' · #' + out.movement.seq;
      $('decided').hidden = false;
      state.inspection = null;
      $('mrz').value = '';
      $('mrz').focus();
    } catch (e) { flash(e.message); }
  }

  $('inspect').addEventListener('click', inspect);
  $('mrz').addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); inspect(); }
  });
  $('admit').addEventListener('click', function () { decide('admit'); });
  $('refer').addEventListener('click', function () { decide('refer'); });
  $('refuse').addEventListener('click', function () { decide('refuse'); });
  document.addEventListener('keydown', function (ev) {
    if (state.view !== 'primary' || !state.inspection) return;
    const tag = (ev.target && ev.target.tagName) || '';
    if (tag === 'TEXTAREA' || tag === 'INPUT' || tag === 'SELECT') return;
    if (ev.key === '1') decide('admit');
    else if (ev.key === '2') decide('refer');
    else if (ev.key === '3') { $('reason').focus(); ev.preventDefault(); }
  });
  $('reason').addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') { ev.preventDefault(); decide('refuse'); }
  });
  $('image').addEventListener('change', function () {
    const f = $('image').files[0];
    if (f) uploadImage(f);
    $('image').value = '';
  });
  $('camera').addEventListener('click', async function () {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: 1920 } });
      $('video').srcObject = stream;
      $('camera-box').hidden = false;
    } catch (e) { flash(t('primary.nocamera', 'No camera available.')); }
  });
  $('capture').addEventListener('click', function () {
    const v = $('video');
    const c = document.createElement('canvas');
    c.width = v.videoWidth; c.height = v.videoHeight;
    c.getContext('2d').drawImage(v, 0, 0);
    (v.srcObject ? v.srcObject.getTracks() : []).forEach(function (tr) { tr.stop(); });
    $('camera-box').hidden = true;
    c.toBlob(function (b) { if (b) uploadImage(b); }, 'image/jpeg', 0.92);
  });

  /* ---- secondary ---- */
  async function loadQueue() {
    const all = $('show-decided').checked ? '?all=1' : '';
    let data;
    try { data = await api('GET', '/api/referrals' + all); } catch (e) { flash(e.message); return; }
    const q = $('queue');
    q.textContent = '';
    data.referrals.forEach(function (m) {
      const tr = document.createElement('tr');
      tr.dataset.id = m.id;
      cell(tr, m.time); cell(tr, m.surname + ', ' + m.given_names); cell(tr, m.issuing_state + ' ' + m.document_number);
      cell(tr, t('verdict.' + m.verdict, m.verdict)); cell(tr, t('outcome.' + m.secondary.outcome, m.secondary.outcome));
      tr.addEventListener('click', function () { openCase(m.id); });
      q.appendChild(tr);
    });
    if (!data.referrals.length) { const tr = document.createElement('tr'); cell(tr, t('secondary.empty', 'Nobody is waiting.')); q.appendChild(tr); }
  }
  $('show-decided').addEventListener('change', loadQueue);

  async function openCase(id) {
    let data;
    try { data = await api('GET', '/api/movements/' + encodeURIComponent(id)); } catch (e) { flash(e.message); return; }
    state.caseId = id;
    const m = data.movement;
    $('case').hidden = false;
    $('case-title').textContent = m.surname + ', ' + m.given_names;
    fieldRows($('case-fields'), [
      ['field.document_number', m.issuing_state + ' ' + m.document_number], ['field.nationality', m.nationality],
      ['field.birth_date', m.birth_date], ['field.sex', m.sex], ['field.expiry_date', m.expiry_date],
      ['col.verdict', m.verdict], ['field.reason', m.reason], ['field.officer', m.officer]
    ]);
    const tb = $('case-checks');
    tb.textContent = '';
    data.checks.forEach(function (c) {
      const tr = document.createElement('tr');
      tr.className = 'st-' + c.status;
      cell(tr, c.id); cell(tr, t('status.' + c.status, c.status)); cell(tr, c.message);
      tb.appendChild(tr);
    });
    const sec = data.summary && data.summary.secondary;
    const open = !sec || sec.outcome === 'pending';
    $('case-decide').hidden = !open || state.session.role !== 'examiner';
    $('case-outcome').hidden = open;
    if (!open) $('case-outcome').textContent = t('outcome.' + sec.outcome, sec.outcome) + ' · ' + sec.by + ' · ' + sec.time + (sec.notes ? ' · ' + sec.notes : '');
    $('case-notes').value = '';
  }

  async function decideCase(decision) {
    try {
      await api('POST', '/api/referrals/' + encodeURIComponent(state.caseId) + '/decision', { decision: decision, notes: $('case-notes').value });
      await openCase(state.caseId);
      loadQueue();
    } catch (e) { flash(e.message); }
  }
  $('case-admit').addEventListener('click', function () { decideCase('admit'); });
  $('case-refuse').addEventListener('click', function () { decideCase('refuse'); });

  /* ---- dashboard ---- */
  function iso(d) { return d.toISOString().slice(0, 10); }
  async function loadDashboard() {
    if (!$('dash-to').value) {
      const today = state.session.today;
      const from = new Date(today + 'T00:00:00Z');
      from.setUTCDate(from.getUTCDate() - 29);
      $('dash-to').value = today;
      $('dash-from').value = iso(from);
    }
    const q = 'from=' + $('dash-from').value + '&to=' + $('dash-to').value;
    $('dash-csv').href = '/api/stats.csv?' + q + '&by=day,checkpoint,direction,nationality';
    try {
      const total = await api('GET', '/api/stats?' + q);
      const row = total.rows[0] || { movements: 0, admitted: 0, refused: 0, referred: 0, frauds: 0 };
      const tot = $('totals');
      tot.textContent = '';
      [['movements', row.movements], ['admitted', row.admitted], ['refused', row.refused], ['referred', row.referred],
        ['frauds', row.frauds], ['secondary_pending', total.secondary.pending], ['secondary_admitted', total.secondary.admitted],
        ['secondary_refused', total.secondary.refused]].forEach(function (p) {
        const d = document.createElement('div');
        d.id = 'total-' + p[0];
        const b = document.createElement('b');
        b.textContent = String(p[1]);
        d.appendChild(b);
        d.appendChild(document.createTextNode(t('series.' + p[0], p[0])));
        tot.appendChild(d);
      });
      const keys = ['day', 'nationality', 'checkpoint', 'direction', 'sex', 'age_band', 'document_type', 'fraud_type'];
      for (const k of keys) {
        const s = await api('GET', '/api/stats?' + q + '&by=' + k);
        const rows = s.rows.map(function (r) { return { label: r.keys[0], movements: r.movements, admitted: r.admitted, refused: r.refused, referred: r.referred, frauds: r.frauds }; });
        if (k === 'day') window.tdvCharts.columns($('chart-day'), rows, t);
        else if (k === 'fraud_type') window.tdvCharts.bars($('chart-fraud_type'), rows.filter(function (r) { return r.label; }), t, ['frauds']);
        else window.tdvCharts.bars($('chart-' + k), rows, t);
      }
      const sync = await api('GET', '/api/sync');
      const sb = $('sync');
      sb.textContent = '';
      sync.checkpoints.forEach(function (c) {
        const tr = document.createElement('tr');
        cell(tr, c.id); cell(tr, c.movements); cell(tr, c.backlog); cell(tr, c.last_contact || t('sync.never', 'not yet'));
        sb.appendChild(tr);
      });
      const lists = await api('GET', '/api/lists');
      fieldRows($('lists'), [
        ['lists.sltd', lists.sltd ? lists.sltd.records + ' · ' + lists.sltd.list_date + ' (' + lists.sltd.age_days + ' ' + t('unit.days', 'days') + ')' : t('lists.none', 'not loaded')],
        ['lists.watchlist', lists.watchlist ? lists.watchlist.entries : t('lists.none', 'not loaded')],
        ['lists.trust', lists.trust.cscas + ' CSCA · ' + lists.trust.crls + ' CRL']
      ]);
    } catch (e) { flash(e.message); }
  }
  $('dash-refresh').addEventListener('click', loadDashboard);
  $('audit-verify').addEventListener('click', async function () {
    try {
      const r = await api('GET', '/api/audit/verify');
      $('audit-result').textContent = r.intact ? t('audit.intact', 'intact') + ' (' + r.entries + ')' : t('audit.broken', 'BROKEN') + ': ' + r.problem;
    } catch (e) { flash(e.message); }
  });

  /* ---- admin ---- */
  async function loadAdmin() {
    try {
      const o = await api('GET', '/api/officers');
      const tb = $('officers');
      tb.textContent = '';
      o.officers.forEach(function (x) {
        const tr = document.createElement('tr');
        cell(tr, x.id); cell(tr, x.name); cell(tr, t('role.' + x.role, x.role)); cell(tr, x.active ? t('yes', 'yes') : t('no', 'no'));
        const td = document.createElement('td');
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = x.active ? t('admin.disable', 'Disable') : t('admin.enable', 'Enable');
        b.addEventListener('click', async function () {
          try { await api('POST', '/api/officers/' + encodeURIComponent(x.id), { active: !x.active }); loadAdmin(); } catch (e) { flash(e.message); }
        });
        td.appendChild(b);
        tr.appendChild(td);
        tb.appendChild(tr);
      });
      const c = await api('GET', '/api/checkpoints');
      const cb = $('checkpoints');
      cb.textContent = '';
      c.checkpoints.forEach(function (x) {
        const tr = document.createElement('tr');
        cell(tr, x.id); cell(tr, x.name); cell(tr, x.country);
        cb.appendChild(tr);
      });
      const tr = await api('GET', '/api/trust');
      $('trust-state').textContent = tr.cscas + ' CSCA · ' + tr.crls + ' CRL';
    } catch (e) { flash(e.message); }
  }
  $('officer-form').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    try {
      await api('POST', '/api/officers', { id: $('off-id').value, name: $('off-name').value, role: $('off-role').value, password: $('off-password').value });
      $('officer-form').reset();
      loadAdmin();
    } catch (e) { flash(e.message); }
  });
  $('checkpoint-form').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    try {
      await api('POST', '/api/checkpoints', { id: $('cp-id').value, name: $('cp-name').value, country: $('cp-country').value.toUpperCase() });
      $('checkpoint-form').reset();
      loadAdmin();
    } catch (e) { flash(e.message); }
  });
  $('trust-file').addEventListener('change', async function () {
    const f = $('trust-file').files[0];
    if (!f) return;
    try { await api('POST', '/api/trust?name=' + encodeURIComponent(f.name), f, 'application/octet-stream'); flash(t('admin.uploaded', 'Uploaded.')); loadAdmin(); } catch (e) { flash(e.message); }
    $('trust-file').value = '';
  });
  $('sltd-file').addEventListener('change', async function () {
    const f = $('sltd-file').files[0];
    if (!f) return;
    try { const r = await api('POST', '/api/lists/sltd', f, 'text/csv'); flash(t('admin.imported', 'Imported') + ': ' + r.records); } catch (e) { flash(e.message); }
    $('sltd-file').value = '';
  });

  /* ---- start ---- */
  $('lang').addEventListener('change', function () { window.tdvI18n.setLang($('lang').value); });
  document.addEventListener('tdv-lang', function () {
    if (state.session) enterSession(state.session);
  });
  (async function start() {
    const lang = window.tdvI18n.saved();
    $('lang').value = lang;
    await window.tdvI18n.setLang(lang);
    try { enterSession(await api('GET', '/api/session')); } catch (e) { show('login'); }
  })();
})();
