// Browser test of the training screens (web/training/) — the scenario of
// issue 12: a trainer creates a set of 10 documents with mixed defects, a
// trainee completes it with some right and some wrong answers, the score
// and feedback shown match the answers, and the training record and due
// date appear on the trainer's report. Also: the trainee cannot get the
// key through the API before submitting.
//
// NOT RUN YET: the station (src/server/routes.c) does not route
// /api/train/* to tdv_train_api_handle() so far; once it does, run it like
// station.test.js (BASE_URL of `tdverify serve --demo` with the training
// database configured, ART for screenshots) from a tests/scripts/ wrapper.
'use strict';
const { chromium } = require('playwright-core');
const path = require('path');

const BASE = process.env.BASE_URL;
const ART = process.env.ART;
const PASSWORDS = { trainer1: 'trainer-demo-1', trainee1: 'trainee-demo-1' };
const KEY = ['genuine', 'expired', 'mrz-check-digit', 'cloned-chip', 'genuine',
  'watchlist', 'photo-substitution', 'forged-sod', 'lost-stolen', 'viz-mismatch'];
// the trainee misses documents 7 and 10 and names the wrong defect on 9
const WRONG = { 6: 'admit', 9: 'admit' };
let failures = 0;

function check(cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failures++;
}

async function login(page, id) {
  await page.goto(BASE + '/');
  await page.fill('#login-officer', id);
  await page.fill('#login-password', PASSWORDS[id]);
  await page.click('#login-submit');
  await page.waitForSelector('#logout', { state: 'visible', timeout: 20000 });
  await page.goto(BASE + '/training/');
  await page.waitForSelector('#training-banner');
}

(async function main() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  const ctx1 = await browser.newContext();
  const trainer = await ctx1.newPage();
  await login(trainer, 'trainer1');
  check(await trainer.isVisible('#trainer'), 'trainer panel shown');
  await trainer.fill('#set-title', 'Induction week 1');
  await trainer.selectOption('#set-level', 'second-line');
  await trainer.fill('#set-key', KEY.join('\n'));
  await trainer.click('#set-build');
  await trainer.waitForSelector('#set-key-table:not([hidden])', { timeout: 120000 });
  const setId = (await trainer.textContent('#set-id')).trim();
  check(setId.length === 26, 'set built: ' + setId);
  await trainer.screenshot({ path: path.join(ART, 'train-01-set.png'), fullPage: true });

  const ctx2 = await browser.newContext();
  const trainee = await ctx2.newPage();
  await login(trainee, 'trainee1');
  check(!(await trainee.isVisible('#trainer')), 'no trainer panel for a trainee');
  const keyStatus = await trainee.evaluate(async (id) =>
    (await fetch('/api/train/sets/' + id + '?answers=1', { credentials: 'same-origin' })).status, setId);
  check(keyStatus === 403, 'trainee cannot fetch the key (' + keyStatus + ')');
  await trainee.fill('#start-set', setId);
  await trainee.selectOption('#start-course', 'induction');
  await trainee.click('#start');
  for (let i = 0; i < KEY.length; i++) {
    await trainee.waitForSelector('#doc:not([hidden])');
    await trainee.click('#doc-inspect');
    await trainee.waitForSelector('#doc-checks tbody tr');
    const genuine = KEY[i] === 'genuine';
    const decision = WRONG[i] || (genuine ? 'admit' : 'refuse');
    await trainee.check('input[name=decision][value=' + decision + ']');
    if (!WRONG[i] && !genuine) await trainee.check('#defect-boxes input[value="' + KEY[i] + '"]');
    if (i === 8) { await trainee.uncheck('#defect-boxes input[value="lost-stolen"]'); await trainee.check('#defect-boxes input[value="watchlist"]'); }
    await trainee.click('#doc-next');
  }
  await trainee.waitForSelector('#result:not([hidden])', { timeout: 60000 });
  // 7 right, doc 9 stopped with the wrong name (half a point): 75 %
  check((await trainee.textContent('#score')).trim() === '75.0 %', 'score shown matches the answers');
  const fb = await trainee.textContent('#feedback');
  check(fb.includes('photo.match') && fb.includes('viz.mrz_match') && fb.includes('screen.sltd'),
    'feedback names the checks that would have caught the misses');
  await trainee.screenshot({ path: path.join(ART, 'train-02-feedback.png'), fullPage: true });

  await trainer.click('#due-load');
  await trainer.waitForSelector('#due-table tbody tr');
  const due = await trainer.textContent('#due-table');
  check(due.includes('trainee1'), 'the trainee appears on the trainer\'s due report');
  await trainer.screenshot({ path: path.join(ART, 'train-03-due.png'), fullPage: true });
  await browser.close();
  process.exit(failures ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(1); });
