/* Bar charts drawn as plain SVG (no library, nothing fetched). Labels are
   text nodes, so data can never become markup. */
'use strict';
(function () {
  const NS = 'http://www.w3.org/2000/svg';
  const SERIES = ['admitted', 'referred', 'refused'];

  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function legend(series, t) {
    const d = document.createElement('div');
    d.className = 'legend';
    series.forEach(function (s) {
      const sp = document.createElement('span');
      const i = document.createElement('i');
      i.className = s;
      sp.appendChild(i);
      sp.appendChild(document.createTextNode(t('series.' + s, s)));
      d.appendChild(sp);
    });
    return d;
  }

  /* Vertical stacked bars, one per row (e.g. per day). */
  function columns(container, rows, t) {
    container.textContent = '';
    const W = 640, H = 220, pad = 30;
    const svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img' });
    const max = Math.max(1, ...rows.map(function (r) { return r.movements; }));
    const bw = rows.length ? (W - pad - 5) / rows.length : 0;
    svg.appendChild(el('text', { x: 2, y: 12 }, String(max)));
    svg.appendChild(el('line', { x1: pad, y1: H - pad, x2: W, y2: H - pad, stroke: '#999' }));
    rows.forEach(function (r, i) {
      let y = H - pad;
      SERIES.forEach(function (s) {
        const h = (r[s] || 0) / max * (H - pad - 15);
        if (h > 0) {
          y -= h;
          const rect = el('rect', { x: pad + i * bw + 1, y: y, width: Math.max(1, bw - 2), height: h, class: s });
          rect.appendChild(el('title', {}, r.label + ' ' + t('series.' + s, s) + ': ' + r[s]));
          svg.appendChild(rect);
        }
      });
      if (rows.length <= 16 || i % Math.ceil(rows.length / 8) === 0)
        svg.appendChild(el('text', { x: pad + i * bw, y: H - pad + 14 }, r.label.slice(5)));
    });
    container.appendChild(svg);
    container.appendChild(legend(SERIES, t));
  }

  /* Horizontal stacked bars, one per category, largest first. */
  function bars(container, rows, t, series) {
    series = series || SERIES;
    container.textContent = '';
    rows = rows.slice().sort(function (a, b) { return b.movements - a.movements; }).slice(0, 12);
    const W = 400, rowH = 20, labelW = 90;
    const H = Math.max(rowH, rows.length * rowH) + 4;
    const svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img' });
    const max = Math.max(1, ...rows.map(function (r) {
      return series.reduce(function (a, s) { return a + (r[s] || 0); }, 0);
    }));
    rows.forEach(function (r, i) {
      const y = i * rowH + 2;
      svg.appendChild(el('text', { x: 0, y: y + 13 }, r.label || '—'));
      let x = labelW;
      let total = 0;
      series.forEach(function (s) {
        const w = (r[s] || 0) / max * (W - labelW - 40);
        total += r[s] || 0;
        if (w > 0) {
          const rect = el('rect', { x: x, y: y, width: w, height: rowH - 4, class: s });
          rect.appendChild(el('title', {}, (r.label || '—') + ' ' + t('series.' + s, s) + ': ' + r[s]));
          svg.appendChild(rect);
          x += w;
        }
      });
      svg.appendChild(el('text', { x: x + 4, y: y + 13 }, String(total)));
    });
    if (!rows.length) svg.appendChild(el('text', { x: 0, y: 14 }, t('chart.empty', 'no data')));
    container.appendChild(svg);
    container.appendChild(legend(series, t));
  }

  window.tdvCharts = { columns: columns, bars: bars };
})();
