// Browser test of the tdverify station: Debian chromium driven by
// playwright-core against `tdverify serve --demo` (started by
// tests/scripts/station_browser.sh). Each role logs in; the officer
// inspects the genuine, expired, stolen, tampered-chip and cloned-chip
// specimens and a watched name, decides them and refers one; the examiner
// decides the referral; the supervisor sees it counted; the administrator
// adds an account whose name is a script (shown as text). Screenshots of
// every screen go to $ART.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const BASE = process.env.BASE_URL;
const ART = process.env.ART;
const PASSWORDS = {
  officer1: 'officer-demo-1', examiner1: 'examiner-demo-1', supervisor1: 'supervisor-demo-1',
  trainer1: 'trainer-demo-1', trainee1: 'trainee-demo-1', admin1: 'admin-demo-1'
};
const T0 = Date.now();
let failures = 0;
let shots = 0;

function check(cond, what) {
  const ts = ((Date.now() - T0) / 1000).toFixed(1) + 's ';
  if (cond) { console.log('ok   ' + ts + what); return; }
  console.log('FAIL ' + ts + what);
  failures++;
}

async function shot(page, name) {
  shots++;
  await page.screenshot({ path: path.join(ART, String(shots).padStart(2, '0') + '-' + name + '.png'), fullPage: false });
}

async function login(page, id) {
  await page.goto(BASE + '/');
  await page.waitForSelector('#login-officer', { state: 'visible' });
  await page.fill('#login-officer', id);
  await page.fill('#login-password', PASSWORDS[id]);
  await page.click('#login-submit');
  await page.waitForSelector('#logout', { state: 'visible', timeout: 20000 });
}

async function logout(page) {
  await page.click('#logout');
  await page.waitForSelector('#login-officer', { state: 'visible' });
}

async function visibleTabs(page) {
  return page.$$eval('#tabs button', (bs) => bs.filter((b) => !b.hidden).map((b) => b.dataset.view));
}

async function inspectDemo(page, n) {
  const prev = await page.$eval('#result', (e) => e.dataset.inspection || '');
  await page.click('#demo-' + n);
  await page.click('#inspect');
  await page.waitForFunction((p) => {
    const res = document.getElementById('result');
    return !res.hidden && (res.dataset.inspection || '') !== p;
  }, prev, { timeout: 30000 });
  const verdict = await page.textContent('#verdict');
  const reasons = await page.$$eval('#reasons li', (ls) => ls.map((l) => l.textContent));
  return { verdict: verdict.trim(), reasons: reasons.join(' | ') };
}

async function waitDecided(page) {
  await page.waitForSelector('#decided', { state: 'visible', timeout: 20000 });
  return (await page.textContent('#decided')).trim();
}

(async () => {
  fs.mkdirSync(ART, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tdv-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1360, height: 900 }
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const cspErrors = [];
  const pageErrors = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) cspErrors.push(m.text()); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('dialog', async (d) => { pageErrors.push('dialog: ' + d.message()); await d.dismiss(); });

  try {
    // --- every role logs in and lands on its own screens
    await page.goto(BASE + '/');
    await page.waitForSelector('#login-officer', { state: 'visible' });
    await shot(page, 'login');
    const expectTabs = {
      officer1: ['primary'], examiner1: ['primary', 'secondary'], supervisor1: ['secondary', 'dashboard'],
      trainer1: ['primary'], trainee1: ['primary'], admin1: ['admin']
    };
    for (const id of Object.keys(expectTabs)) {
      await login(page, id);
      const tabs = await visibleTabs(page);
      check(JSON.stringify(tabs) === JSON.stringify(expectTabs[id]), id + ' sees ' + expectTabs[id].join(',') + ' (got ' + tabs.join(',') + ')');
      await shot(page, 'home-' + id.replace(/1$/, ''));
      await logout(page);
    }
    const bad = await page.evaluate(async () => {
      const r = await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ officer: 'officer1', password: 'wrong-one' }) });
      return r.status;
    });
    check(bad === 401, 'a wrong password is refused');

    // --- officer: primary inspection with the demo passports and their chips
    await login(page, 'officer1');
    let r = await inspectDemo(page, 1);
    check(r.verdict === 'PASS', 'genuine specimen with its chip: PASS (' + r.verdict + ': ' + r.reasons + ')');
    check(await page.isVisible('#chip-photo'), 'the chip photo is shown beside the page');
    await shot(page, 'officer-genuine-pass');
    await page.keyboard.press('1');
    check(/Admitted/.test(await waitDecided(page)), 'key 1 admits and records');

    r = await inspectDemo(page, 2);
    check(r.verdict === 'FAIL' && /expir/i.test(r.reasons), 'expired specimen: FAIL, reason expiry (' + r.reasons + ')');
    await shot(page, 'officer-expired-fail');
    await page.fill('#reason', 'passport expired');
    await page.click('#refuse');
    check(/Refused/.test(await waitDecided(page)), 'refused with a reason');

    r = await inspectDemo(page, 3);
    check(r.verdict === 'FAIL' && /stolen/i.test(r.reasons), 'stolen specimen: FAIL, reason stolen (' + r.reasons + ')');
    await shot(page, 'officer-stolen-fail');
    await page.fill('#reason', 'reported stolen');
    await page.click('#refuse');
    await waitDecided(page);

    r = await inspectDemo(page, 4);
    check(r.verdict === 'FAIL' && /DG1/.test(r.reasons) && /(altered|hash)/i.test(r.reasons), 'tampered chip: FAIL, reason DG1 altered (' + r.reasons + ')');
    await shot(page, 'officer-tampered-chip-fail');
    await page.fill('#reason', 'chip data altered');
    await page.click('#refuse');
    await waitDecided(page);

    r = await inspectDemo(page, 5);
    check(r.verdict === 'FAIL' && /clon/i.test(r.reasons), 'cloned chip: FAIL, reason clone (' + r.reasons + ')');
    await shot(page, 'officer-cloned-chip-fail');

    r = await inspectDemo(page, 6);
    check(r.verdict === 'REFER' && /watchlist/i.test(r.reasons), 'watched name: REFER, reason watchlist (' + r.reasons + ')');
    await shot(page, 'officer-watchlist-refer');
    await page.click('#refer');
    check(/Referred/.test(await waitDecided(page)), 'referred to secondary');

    // an image of the genuine data page through the OCR
    const png = await page.evaluate(async () => {
      const r = await fetch('/api/demo/images/1.png');
      const b = new Uint8Array(await r.arrayBuffer());
      let s = '';
      for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
      return btoa(s);
    });
    const imgPath = path.join(ART, 'upload-genuine.png');
    fs.writeFileSync(imgPath, Buffer.from(png, 'base64'));
    await page.selectOption('#chip', 'none');
    await page.setInputFiles('#image', imgPath);
    await page.waitForFunction(() => /^[PASREFIL]+$/.test((document.getElementById('verdict').textContent || '')) && document.getElementById('mrz').value.length > 40, null, { timeout: 60000 });
    const mrzRead = await page.inputValue('#mrz');
    check(/ERIKSSON<<ANNA<MARIA/.test(mrzRead), 'the uploaded data page is read by the OCR (' + mrzRead.split('\n')[0] + ')');
    await shot(page, 'officer-image-ocr');
    await logout(page);

    // --- examiner: the referral queue and the decision
    await login(page, 'examiner1');
    await page.click('#tabs button[data-view="secondary"]');
    await page.waitForSelector('#queue tr[data-id]', { timeout: 20000 });
    const rows = await page.$$eval('#queue tr[data-id]', (t) => t.map((r) => r.textContent));
    check(rows.length === 1 && /PETROV/.test(rows[0]), 'the referral is in the queue (' + rows.join(' / ') + ')');
    await page.click('#queue tr[data-id]');
    await page.waitForSelector('#case-checks tr', { timeout: 20000 });
    check(/watchlist/.test(await page.textContent('#case-checks')), 'every check is shown to the examiner');
    await shot(page, 'examiner-case');
    await page.fill('#case-notes', '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">identity confirmed');
    await page.click('#case-refuse');
    await page.waitForSelector('#case-outcome', { state: 'visible', timeout: 20000 });
    const outcome = await page.textContent('#case-outcome');
    check(/refused/.test(outcome) && outcome.indexOf('<script>') >= 0, 'the decision is shown, the script in the notes as text');
    check(await page.evaluate(() => window.__xss === undefined), 'script in notes stayed inert');
    await shot(page, 'examiner-decided');
    await logout(page);

    // --- supervisor: the dashboard counts it
    await login(page, 'supervisor1');
    check((await page.$eval('#view-dashboard', (v) => !v.hidden)), 'the supervisor starts on the dashboard');
    await page.waitForSelector('#total-referred b', { timeout: 30000 });
    await page.waitForFunction(() => document.querySelectorAll('svg.chart').length >= 8, null, { timeout: 30000 });
    const referred = await page.textContent('#total-referred b');
    const secRefused = await page.textContent('#total-secondary_refused b');
    const refused = Number(await page.textContent('#total-refused b'));
    check(referred === '1', 'the referral is counted (referred = ' + referred + ')');
    check(secRefused === '1', 'the examiner\'s refusal is counted (' + secRefused + ')');
    check(refused >= 3, 'refusals counted (' + refused + ')');
    check((await page.$$('svg.chart rect')).length > 10, 'charts are drawn');
    check(/DEMO-01/.test(await page.textContent('#sync')), 'sync state lists the checkpoint');
    await shot(page, 'supervisor-dashboard');
    await page.selectOption('#lang', 'lo');
    await page.waitForFunction(() => document.querySelector('#tabs button[data-view="dashboard"]').textContent === 'ກະດານສະຫຼຸບ');
    // the dashboard redraws in Lao: no English legend left
    await page.waitForFunction(() => document.querySelectorAll('svg.chart').length >= 8 &&
      ![...document.querySelectorAll('.legend')].some((l) => /admitted|referred|refused|fraud cases/.test(l.textContent)),
      null, { timeout: 30000 });
    check(/ກະດານສະຫຼຸບ/.test(await page.textContent('#tabs')), 'the interface switches to Lao, charts included');
    await shot(page, 'supervisor-dashboard-lao');
    await page.selectOption('#lang', 'en');
    await logout(page);

    // --- administrator: accounts
    await login(page, 'admin1');
    await page.waitForSelector('#officers tr', { timeout: 20000 });
    const evil = '<img src=x onerror="window.__xss=3">Eve';
    await page.fill('#off-id', 'eve1');
    await page.fill('#off-name', evil);
    await page.fill('#off-password', 'long-enough-password');
    await page.click('#officer-form button[type=submit]');
    await page.waitForFunction(() => /eve1/.test(document.getElementById('officers').textContent), null, { timeout: 20000 });
    const cellText = await page.$$eval('#officers tr', (t) => t.map((r) => r.children[1].textContent));
    check(cellText.indexOf(evil) >= 0, 'a script-like name is shown as text');
    check(await page.evaluate(() => window.__xss === undefined), 'script in a name stayed inert');
    await shot(page, 'admin-officers');
    await logout(page);

    check(cspErrors.length === 0, 'no Content-Security-Policy violations (' + cspErrors.join('; ') + ')');
    check(pageErrors.length === 0, 'no page errors or dialogs (' + pageErrors.join('; ') + ')');
  } catch (e) {
    console.log('FAIL exception: ' + (e && e.stack || e));
    failures++;
    try { await shot(page, 'exception'); } catch (e2) { /* ignore */ }
  }
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
  console.log(shots + ' screenshots in ' + ART);
  console.log(failures === 0 ? 'browser tests passed' : failures + ' browser check(s) failed');
  process.exit(failures === 0 ? 0 : 1);
})();
