// Jobs: imports and exports, with their state.
import * as api from '../api.js';
import { h, table, when } from '../dom.js';
import { pager } from '../ui.js';

export async function render(ctx) {
  const cursor = ctx.query.get('cursor') || '';
  const { jobs, nextCursor } = await api.get('/jobs' + api.q({ cursor, limit: 50 }));
  return [
    h('h1', null, 'Jobs'),
    h('p', { class: 'lead' }, 'Long work started over the API: account imports and exports.'),
    table('Jobs', [
      { label: 'Job', get: (j) => h('code', null, j.id) },
      { label: 'Kind', get: (j) => j.kind },
      { label: 'Site', get: (j) => (j.siteId ? h('a', { href: `#/sites/${j.siteId}` }, String(j.siteId)) : '—') },
      { label: 'Status', get: (j) => h('span', { class: `badge ${j.status === 'failed' ? 'bad' : j.status === 'done' || j.status === 'succeeded' ? 'ok' : ''}` }, j.status) },
      { label: 'Progress', get: (j) => (j.progress !== undefined ? String(j.progress) : '—'), num: true },
      { label: 'Error', get: (j) => j.error || '—' },
      { label: 'Created', get: (j) => when(j.createdAt) },
      { label: 'Updated', get: (j) => when(j.updatedAt) },
    ], jobs || [], { empty: 'No job.' }),
    pager(nextCursor, (c) => `#/jobs${api.q({ cursor: c })}`),
  ];
}
