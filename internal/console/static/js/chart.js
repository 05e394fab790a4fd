// chart.js: bar charts as inline SVG, drawn from the numbers (no library).
// Each chart is a figure: the SVG is an image named by its caption, and a
// table of the same numbers follows for screen readers and for copying.
import { h, s } from './dom.js';

const W = 640;
const H = 200;
const PAD = { top: 10, right: 8, bottom: 24, left: 40 };

// nice rounds max up to 1, 2 or 5 × a power of ten.
function nice(max) {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max);
}

// barChart draws series ([{name, values}], at most three) over labels as
// grouped bars, with a caption, a legend and the data table.
export function barChart(caption, labels, series, { tickEvery = 1 } = {}) {
  const id = `chart-${caption.replace(/\W+/g, '-').toLowerCase()}`;
  const max = nice(Math.max(0, ...series.flatMap((x) => x.values)));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const slot = iw / Math.max(1, labels.length);
  const bw = Math.max(1, (slot * 0.8) / series.length);
  const y = (v) => PAD.top + ih - (v / max) * ih;
  const grid = [0, 0.5, 1].map((f) => [
    s('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y(max * f), y2: y(max * f) }),
    s('text', { class: 'tick', x: PAD.left - 6, y: y(max * f) + 4, 'text-anchor': 'end' }, String(Math.round(max * f))),
  ]);
  const bars = series.map((ser, si) => ser.values.map((v, i) => {
    const x = PAD.left + i * slot + slot * 0.1 + si * bw;
    const hgt = Math.max(0, PAD.top + ih - y(v));
    return s('rect', { class: `s${si}`, x: x.toFixed(1), y: (PAD.top + ih - hgt).toFixed(1), width: bw.toFixed(1),
      height: hgt.toFixed(1) }, s('title', null, `${labels[i]}: ${v} ${ser.name.toLowerCase()}`));
  }));
  const ticks = labels.map((l, i) => (i % tickEvery === 0
    ? s('text', { class: 'tick', x: (PAD.left + i * slot + slot / 2).toFixed(1), y: H - 6, 'text-anchor': 'middle' }, l)
    : null));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-cap`, focusable: 'false' },
    grid, s('line', { class: 'axis', x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0) }), bars, ticks);
  return h('figure', { class: 'chart', 'aria-labelledby': `${id}-cap` },
    h('figcaption', { id: `${id}-cap` }, h('h3', null, caption)),
    svg,
    h('ul', { class: 'legend', 'aria-hidden': 'true' }, series.map((ser, si) => h('li', null, h('span', { class: `s${si}` }), ser.name))),
    h('details', null, h('summary', null, `${caption}: the numbers`),
      h('div', { class: 'table', role: 'region', 'aria-label': `${caption}: the numbers`, tabindex: 0 },
        h('table', null,
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Time'), series.map((x) => h('th', { scope: 'col', class: 'num' }, x.name)))),
          h('tbody', null, labels.map((l, i) => h('tr', null, h('th', { scope: 'row' }, l),
            series.map((x) => h('td', { class: 'num' }, String(x.values[i] ?? 0))))))))));
}
