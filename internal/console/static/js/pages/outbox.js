// Mail: the outbox by status (queued, failed, sent), with a retry for
// failed mail.
import * as api from '../api.js';
import { field, h, replace, table, when } from '../dom.js';
import { action, pager } from '../ui.js';

export async function render(ctx) {
  const status = ctx.query.get('status') || '';
  const cursor = ctx.query.get('cursor') || '';
  const res = await api.get('/outbox' + api.q({ status, cursor, limit: 50 }));
  const out = h('div');
  const pick = field('Status', { kind: 'select', name: 'status', value: status,
    options: [['', 'all'], ['queued', 'queued'], ['failed', 'failed'], ['sent', 'sent']] });
  const form = h('form', { 'aria-label': 'Filter', on: { submit: (e) => { e.preventDefault(); ctx.go('/outbox' + api.q({ status: pick.control.value })); } } },
    h('div', { class: 'row' }, pick, h('button', { type: 'submit', class: 'secondary' }, 'Show')));
  const entries = res.entries || [];
  const list = h('div');
  const draw = () => replace(list, table('Mail', [
    { label: 'Mail', get: (m) => m.subject || m.kind || String(m.id) },
    { label: 'To', get: (m) => m.to || '—' },
    { label: 'Kind', get: (m) => m.kind || '—' },
    { label: 'Status', get: (m) => h('span', { class: `badge ${m.status === 'failed' ? 'bad' : m.status === 'sent' ? 'ok' : ''}` }, m.status) },
    { label: 'Attempts', get: (m) => String(m.attempts ?? 0), num: true },
    { label: 'Last error', get: (m) => m.lastError || '—' },
    { label: 'Created', get: (m) => when(m.createdAt) },
    { label: 'Sent or next attempt', get: (m) => when(m.sentAt || m.nextAttemptAt) },
    { label: 'Actions', get: (m) => (ctx.can('operator') && m.status === 'failed' ? action('Retry', async () => {
      const e = await api.post(`/outbox/${api.seg(m.id)}/retry`);
      Object.assign(m, e || { status: 'queued' });
      draw();
      ctx.announce('Mail queued again');
    }, { out }) : '') },
  ], entries, { empty: 'No mail.' }));
  draw();
  return [h('h1', null, 'Mail'), form, out, list,
    pager(res.nextCursor, (c) => `#/outbox${api.q({ status, cursor: c })}`)];
}
