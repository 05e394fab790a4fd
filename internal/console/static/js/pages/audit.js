// The audit log: every admin change, newest first, with who, when, the
// action, the target and the object before and after.
import * as api from '../api.js';
import { field, h, json, table, when } from '../dom.js';
import { pager } from '../ui.js';

export async function render(ctx) {
  const act = ctx.query.get('action') || '';
  const tgt = ctx.query.get('target') || '';
  const cursor = ctx.query.get('cursor') || '';
  const res = await api.get('/audit' + api.q({ action: act, target: tgt, cursor, limit: 50 }));
  const filter = field('Action', { name: 'action', value: act, maxlength: 100, help: 'Such as site.create, policies.set, user.disable; empty for all.' });
  const target = field('Target', { name: 'target', value: tgt, maxlength: 300, help: 'Such as site:3 or site:3/user:<UID>; empty for all.' });
  const form = h('form', { role: 'search', 'aria-label': 'Audit log', on: { submit: (e) => {
    e.preventDefault();
    ctx.go('/audit' + api.q({ action: filter.control.value.trim(), target: target.control.value.trim() }));
  } } }, h('div', { class: 'row' }, filter, target, h('button', { type: 'submit', class: 'secondary' }, 'Filter')));
  const change = (e) => (e.before === undefined && e.after === undefined ? '—'
    : h('details', null, h('summary', null, 'Before and after'),
      h('h3', null, 'Before'), json(e.before ?? null), h('h3', null, 'After'), json(e.after ?? null)));
  return [
    h('h1', null, 'Audit log'),
    form,
    table('Audit log', [
      { label: 'When', get: (e) => when(e.at) },
      { label: 'Admin', get: (e) => (e.admin && e.admin.username) || '—' },
      { label: 'Action', get: (e) => h('code', null, e.action) },
      { label: 'Target', get: (e) => e.target || '—' },
      { label: 'Change', get: change },
    ], res.entries || [], { empty: 'Nothing recorded.' }),
    pager(res.nextCursor, (c) => `#/audit${api.q({ action: act, target: tgt, cursor: c })}`),
  ];
}
