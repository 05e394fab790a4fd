// Users: a query box taking the accounts.search language, and the results
// as a table, a page at a time (the cursor in the address, so Back works).
import * as api from '../api.js';
import { alert, field, h, table, when } from '../dom.js';
import { pager } from '../ui.js';

const LIMIT = 25;
const EXAMPLE = 'SELECT * FROM accounts WHERE profile.lastName = "Smith"';

// loginOf is the first email or username of a user.
export function loginOf(u) {
  const l = u.loginIDs || {};
  return (l.emails && l.emails[0]) || l.username || (u.profile && (u.profile.email || u.profile.username)) || '—';
}

export function userState(u) {
  const s = [];
  if (u.isActive === false) s.push(h('span', { class: 'badge bad' }, 'disabled'));
  if (u.isLocked) s.push(h('span', { class: 'badge bad' }, 'locked'));
  if (u.isVerified) s.push(h('span', { class: 'badge ok' }, 'verified'));
  if (!s.length) s.push('active');
  return s.flatMap((x, i) => (i ? [' ', x] : [x]));
}

export async function render(ctx) {
  const id = api.seg(ctx.params.site);
  const query = ctx.query.get('q') || '';
  const cursor = ctx.query.get('cursor') || '';
  const base = `/sites/${id}/users`;
  const qbox = field('Query', { kind: 'textarea', name: 'q', rows: 2, spellcheck: 'false', maxlength: 4096,
    help: `The accounts.search language: ${EXAMPLE}, or only its WHERE part (profile.email CONTAINS "@example.com"). Empty lists every user, newest first.` });
  qbox.control.value = query;
  qbox.control.classList.add('query');
  qbox.control.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.target.form.requestSubmit();
  });
  const form = h('form', { role: 'search', 'aria-label': 'Users', on: { submit: (e) => {
    e.preventDefault();
    ctx.go(base + api.q({ q: qbox.control.value.trim() }));
  } } }, qbox, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Search')));

  let results;
  try {
    const res = await api.get(base + api.q({ q: query, cursor, limit: LIMIT }));
    const rows = res.results || [];
    results = [
      h('p', { role: 'status' }, res.totalCount !== undefined ? `${res.totalCount} user${res.totalCount === 1 ? '' : 's'} found.` : `${rows.length} shown.`),
      table('Users', [
        { label: 'Login', get: (u) => h('a', { href: `#${base}/${api.seg(u.UID)}` }, loginOf(u)) },
        { label: 'Name', get: (u) => [u.profile?.firstName, u.profile?.lastName].filter(Boolean).join(' ') || '—' },
        { label: 'State', get: userState },
        { label: 'Created', get: (u) => when(u.created) },
        { label: 'Last login', get: (u) => when(u.lastLogin) },
        { label: 'UID', get: (u) => h('code', null, u.UID) },
      ], rows, { empty: 'No user matches.' }),
      pager(res.nextCursor, (c) => `#${base}${api.q({ q: query, cursor: c })}`),
      cursor ? h('p', null, h('a', { href: `#${base}${api.q({ q: query })}` }, 'Back to the first page')) : null,
    ];
  } catch (err) {
    if (err.status === 401) throw err;
    results = alert(err);
  }
  return [h('h1', null, 'Users'), form, h('section', { 'aria-label': 'Results' }, results)];
}
