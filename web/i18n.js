/* Translations: web/i18n/<lang>.json, one flat object of key -> text.
   English is the fallback for any key a translation lacks. Text is only
   ever set with textContent / placeholder, never as HTML. */
'use strict';
(function () {
  const I18N = { lang: 'en', en: {}, cur: {} };

  async function load(lang) {
    const r = await fetch('/i18n/' + encodeURIComponent(lang) + '.json', { credentials: 'same-origin' });
    if (!r.ok) throw new Error('no translation ' + lang);
    return r.json();
  }

  function t(key, fallback) {
    if (Object.prototype.hasOwnProperty.call(I18N.cur, key)) return I18N.cur[key];
    if (Object.prototype.hasOwnProperty.call(I18N.en, key)) return I18N.en[key];
    return fallback !== undefined ? fallback : key;
  }

  function apply(root) {
    (root || document).querySelectorAll('[data-i18n]').forEach(function (el) {
      el.textContent = t(el.getAttribute('data-i18n'), el.textContent);
    });
    (root || document).querySelectorAll('[data-i18n-placeholder]').forEach(function (el) {
      el.placeholder = t(el.getAttribute('data-i18n-placeholder'), el.placeholder);
    });
    document.documentElement.lang = I18N.lang;
  }

  async function setLang(lang) {
    if (!/^[a-z]{2,3}$/.test(lang)) lang = 'en';
    if (!Object.keys(I18N.en).length) I18N.en = await load('en');
    I18N.cur = lang === 'en' ? I18N.en : await load(lang).catch(function () { return {}; });
    I18N.lang = lang;
    try { localStorage.setItem('tdv-lang', lang); } catch (e) { /* private mode */ }
    apply();
    document.dispatchEvent(new CustomEvent('tdv-lang'));
  }

  function saved() {
    try { return localStorage.getItem('tdv-lang') || 'en'; } catch (e) { return 'en'; }
  }

  window.tdvI18n = { t: t, apply: apply, setLang: setLang, saved: saved, get lang() { return I18N.lang; } };
})();
