// The screen-set editor: HTML and CSS beside a live preview. The preview is
// an iframe sandboxed without scripts: its document is built from the HTML
// parsed inert (DOMParser runs nothing), without scripts, event handler
// attributes or style attributes (the console's CSP forbids those), and
// styled with the CSS through a constructed stylesheet (CSSOM).
import * as api from '../api.js';
import { field, h, replace } from '../dom.js';
import { action, readOnlyNote, sendForm } from '../ui.js';

const MAX = 512 * 1024;

// clean removes from doc what the preview must not have.
function clean(doc) {
  doc.querySelectorAll('script, iframe, object, embed, link, meta, base, style').forEach((n) => n.remove());
  for (const el of doc.querySelectorAll('*')) {
    for (const a of [...el.attributes]) {
      const v = a.value.trim().toLowerCase();
      if (a.name.startsWith('on') || a.name === 'style' || a.name === 'srcdoc' || v.startsWith('javascript:')) el.removeAttribute(a.name);
    }
  }
  return doc;
}

// draw puts html and css into the preview frame.
function draw(frame, html, css) {
  const doc = frame.contentDocument;
  if (!doc) return;
  const src = clean(new DOMParser().parseFromString(`<!doctype html><body>${html}</body>`, 'text/html'));
  doc.body.replaceChildren(...[...src.body.childNodes].map((n) => doc.importNode(n, true)));
  // Only the first screen of each screen-set shows, as the Web SDK would.
  for (const set of doc.querySelectorAll('.gigya-screen-set')) {
    [...set.querySelectorAll('.gigya-screen')].forEach((sc, i) => { sc.hidden = i > 0; });
  }
  const sheet = new frame.contentWindow.CSSStyleSheet();
  try { sheet.replaceSync(css); } catch { /* a broken sheet previews as none */ }
  doc.adoptedStyleSheets = [sheet];
}

export async function render(ctx) {
  const id = api.seg(ctx.params.site);
  const ssid = ctx.params.ssid;
  const path = `/sites/${id}/screen-sets/${api.seg(ssid)}`;
  let ss = { screenSetID: ssid, html: '', css: '', javascript: '', translations: {}, metadata: {} };
  let isNew = false;
  try {
    ss = await api.get(path);
  } catch (err) {
    if (err.status !== 404) throw err;
    isNew = true;
  }
  const write = ctx.can('operator');
  const html = field('HTML', { kind: 'textarea', name: 'html', rows: 20, spellcheck: 'false', maxlength: MAX });
  const css = field('CSS', { kind: 'textarea', name: 'css', rows: 10, spellcheck: 'false', maxlength: MAX });
  // A read-only admin reads the source (focusable and scrollable) but
  // cannot change it.
  html.control.readOnly = !write;
  css.control.readOnly = !write;
  html.control.value = ss.html || '';
  css.control.value = ss.css || '';
  const frame = h('iframe', { class: 'preview', title: 'Preview of the screen-set', sandbox: 'allow-same-origin', src: 'about:blank' });
  let timer;
  const update = () => { clearTimeout(timer); timer = setTimeout(() => draw(frame, html.control.value, css.control.value), 250); };
  html.control.addEventListener('input', update);
  css.control.addEventListener('input', update);
  frame.addEventListener('load', () => draw(frame, html.control.value, css.control.value));
  const out = h('div');
  const form = sendForm(h('form', { 'aria-label': 'Screen-set source' }, html, css,
    write ? h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save screen-set'),
      isNew || ss.builtIn ? null : action('Delete', async () => {
        await api.del(path);
        ctx.go(`/sites/${id}/screen-sets`);
      }, { confirm: `Delete the screen-set ${ssid}?`, danger: true, out })) : null), async () => {
    // The stored set's fields only: the PUT takes screenset.Input and
    // refuses any other (builtIn, updatedAt).
    await api.put(path, { screenSetID: ssid, html: html.control.value, css: css.control.value,
      javascript: ss.javascript || '', translations: ss.translations || {}, metadata: ss.metadata || {} });
    isNew = false;
    return 'Screen-set saved.';
  }, ctx);
  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/sites/${id}/screen-sets` }, 'Screen-sets')),
    h('h1', null, ssid),
    isNew ? h('p', { class: 'lead' }, 'A new screen-set: it is stored when you save it.') : null,
    write ? null : readOnlyNote(),
    h('p', { class: 'help' }, 'The preview shows the markup and CSS without scripts and without style attributes.'),
    out,
    h('div', { class: 'editor' }, form, h('section', { 'aria-label': 'Preview' }, h('h2', null, 'Preview'), frame)),
  ];
}
