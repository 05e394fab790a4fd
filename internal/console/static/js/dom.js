// dom.js: building the page without markup strings. Text is always set as
// text (never parsed as HTML), so nothing the API answers can become markup.

const SVG = 'http://www.w3.org/2000/svg';

// set applies props to el: `on` (event → handler), `value`, `checked`,
// `disabled`, `hidden` as properties, the rest as attributes (true: present,
// false/null/undefined: absent).
function set(el, props) {
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === 'value' || k === 'checked' || k === 'selected') {
      el[k] = v;
    } else if (v === true) {
      el.setAttribute(k, '');
    } else if (v !== false && v !== null && v !== undefined) {
      el.setAttribute(k, String(v));
    }
  }
}

// add appends children: nodes, strings and numbers (as text), arrays (each),
// and skips null, undefined and false.
export function add(el, ...children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) add(el, ...c);
    else el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// h makes an HTML element: h('p', {class: 'x'}, 'text', child…). props may
// be left out when the second argument is a child.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) children.unshift(props);
  else set(el, props);
  return add(el, ...children);
}

// s makes an SVG element.
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG, tag);
  set(el, props);
  return add(el, ...children);
}

let ids = 0;
// uid is a new element id.
export const uid = (p = 'f') => `${p}${++ids}`;

// field is a labelled control with its help: kind 'input' (attrs.type),
// 'select' (options: [[value, text]…]), 'textarea' or 'checkbox'. The
// control is field.control.
export function field(label, { kind = 'input', help, options = [], ...attrs } = {}) {
  const id = attrs.id || uid();
  const helpId = help ? `${id}-help` : null;
  const common = { id, 'aria-describedby': helpId, ...attrs };
  let control;
  if (kind === 'select') {
    control = h('select', common, options.map(([v, t]) => h('option', { value: v }, t ?? v)));
    if (attrs.value !== undefined) control.value = attrs.value;
  } else if (kind === 'textarea') {
    control = h('textarea', common);
  } else if (kind === 'checkbox') {
    control = h('input', { type: 'checkbox', ...common });
  } else {
    control = h('input', { type: 'text', ...common });
  }
  const lab = h('label', { for: id }, label);
  const helpEl = help ? h('p', { class: 'help', id: helpId }, help) : null;
  const wrap = kind === 'checkbox' ? h('div', { class: 'field check' }, control, lab, helpEl)
    : h('div', { class: 'field' }, lab, control, helpEl);
  wrap.control = control;
  return wrap;
}

// table is a table of rows: columns [{label, get(row) → node|text, num}].
export function table(caption, columns, rows, { empty = 'Nothing here yet.' } = {}) {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h('div', { class: 'table', role: 'region', 'aria-label': caption, tabindex: 0 },
    h('table', null,
      h('caption', { class: 'sr-only' }, caption),
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
      h('tbody', null, rows.map((r) => h('tr', null,
        columns.map((c, i) => h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: c.num ? 'num' : null },
          c.get(r))))))));
}

// facts is a description list of [term, value] pairs.
export const facts = (pairs) => h('dl', { class: 'facts' },
  pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '—')]));

// when is a time as the reader's locale writes it, in a <time> element.
export function when(t) {
  if (!t) return '—';
  const d = new Date(typeof t === 'number' && t < 1e12 ? t * 1000 : t);
  if (Number.isNaN(d.getTime())) return String(t);
  // A zero time (a built-in screen-set's 0001-01-01) is no date.
  if (d.getUTCFullYear() < 1970) return '—';
  return h('time', { datetime: d.toISOString() }, d.toLocaleString());
}

// json is a value shown as indented JSON.
export const json = (v) => h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(v, null, 2));

// alert is an error message box (role=alert) for err: an ApiError or any Error.
export function alert(err) {
  const code = err && err.errorCode ? ` (${err.errorCode})` : '';
  return h('div', { class: 'alert', role: 'alert' }, h('strong', null, 'Error: '),
    (err && (err.description || err.message)) || String(err), code);
}

// replace puts children in place of el's content.
export function replace(el, ...children) {
  el.replaceChildren();
  return add(el, ...children);
}
