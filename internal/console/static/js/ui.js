// ui.js: the console's recurring pieces: a form that sends and reports, a
// confirmation dialog, the one-time secret box, a pager.
import { alert, h, replace } from './dom.js';

// confirmDialog asks question in a modal <dialog> (focus moves into it and
// back; Escape cancels); answers true when the admin confirms.
export function confirmDialog(question, { action = 'Confirm', danger = true, detail } = {}) {
  return new Promise((resolve) => {
    const back = document.activeElement;
    const titleId = 'dlg-title';
    const dlg = h('dialog', { 'aria-labelledby': titleId },
      h('h2', { id: titleId }, question),
      detail ? h('p', null, detail) : null,
      h('form', { method: 'dialog', class: 'actions' },
        h('button', { value: 'ok', class: danger ? 'danger' : null }, action),
        h('button', { value: 'cancel', class: 'secondary', autofocus: true }, 'Cancel')));
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (back && back.focus) back.focus();
      resolve(dlg.returnValue === 'ok');
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

// sendForm makes form submit through send(form) → message (a string or a
// node): the submit button is disabled meanwhile; a refusal shows as an
// alert above the form's actions, focused so that it is read.
export function sendForm(form, send, { announce } = {}) {
  const box = h('div', { class: 'form-result' });
  form.prepend(box);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btns = form.querySelectorAll('button[type=submit], button:not([type])');
    btns.forEach((b) => { b.disabled = true; });
    replace(box);
    try {
      const msg = await send(form);
      if (msg) {
        const done = typeof msg === 'string' ? h('p', { class: 'done', role: 'status', tabindex: -1 }, msg) : msg;
        replace(box, done);
        if (announce && typeof msg === 'string') announce(msg);
      }
    } catch (err) {
      const a = alert(err);
      a.setAttribute('tabindex', '-1');
      replace(box, a);
      a.focus();
    } finally {
      btns.forEach((b) => { b.disabled = false; });
    }
  });
  return form;
}

// action is a button that runs fn (after confirming when confirm is given)
// and reports into out (an element) the error or done message.
export function action(label, fn, { confirm, danger = false, secondary = !danger, out, disabled = false } = {}) {
  return h('button', { type: 'button', class: danger ? 'danger' : secondary ? 'secondary' : null, disabled,
    on: { click: async (e) => {
      const b = e.currentTarget;
      if (confirm && !(await confirmDialog(confirm, { action: label, danger }))) return;
      b.disabled = true;
      if (out) replace(out);
      try {
        const msg = await fn();
        if (msg && out) replace(out, h('p', { class: 'done', role: 'status' }, msg));
      } catch (err) {
        if (out) replace(out, alert(err));
      } finally {
        if (b.isConnected) b.disabled = false;
      }
    } } }, label);
}

// secretBox shows a secret that custos gives only once: the value, a copy
// button and the warning that it will not be shown again.
export function secretBox(title, pairs) {
  return h('section', { class: 'secret', 'aria-labelledby': 'secret-title', tabindex: -1 },
    h('h2', { id: 'secret-title' }, title),
    h('p', null, h('strong', null, 'Copy it now: '), 'custos keeps only a hash or a sealed copy and will not show it again.'),
    pairs.map(([label, value]) => [
      h('p', { class: 'label' }, label),
      h('code', { 'data-secret': label }, value),
      h('button', { type: 'button', class: 'secondary', on: { click: async (e) => {
        try { await navigator.clipboard.writeText(value); e.target.textContent = 'Copied'; } catch { e.target.textContent = 'Select and copy the text above'; }
      } } }, `Copy ${label.toLowerCase()}`),
    ]));
}

// pager is the Next link for a cursor-paged list: href(cursor) → hash.
export function pager(next, href) {
  if (!next) return null;
  return h('nav', { class: 'actions', 'aria-label': 'Pages' }, h('a', { class: 'button secondary', href: href(next) }, 'Next page'));
}

// itemsOf reads a list answer: {items|<name>: […], next|nextCursor}.
export function itemsOf(res, name) {
  if (Array.isArray(res)) return { items: res, next: '' };
  if (!res) return { items: [], next: '' };
  return { items: res[name] || res.items || res.results || [], next: res.nextCursor || res.next || res.cursor || '' };
}

// readOnlyNote is the note on a page whose forms the admin's role cannot
// send (their controls are in a disabled fieldset, or read-only).
export const readOnlyNote = () => h('p', { class: 'readonly-note', 'data-readonly': '' },
  h('strong', null, 'Read-only: '), 'your role cannot change this. An owner can give you the operator role.');

// locked wraps controls in a fieldset that is disabled unless write.
export const locked = (write, ...controls) => h('fieldset', { class: 'plain', disabled: !write }, controls);
