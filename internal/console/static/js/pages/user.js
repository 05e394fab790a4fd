// One user: profile, login IDs, sessions, identities, recent events, and
// the operator's actions (disable/enable, unlock, send a reset, revoke the
// sessions, export, delete).
import * as api from '../api.js';
import { facts, field, h, json, table, when } from '../dom.js';
import { action, sendForm } from '../ui.js';
import { loginOf, userState } from './users.js';

export async function render(ctx) {
  const id = api.seg(ctx.params.site);
  const uid = api.seg(ctx.params.uid);
  const path = `/sites/${id}/users/${uid}`;
  const d = await api.get(path);
  const u = d.user || {};
  const write = ctx.can('operator');
  const out = h('div', { 'aria-live': 'polite' });
  const redo = (msg) => async () => { await ctx.rerender(); ctx.announce(msg); };
  const run = (label, sub, msg, opts = {}) => action(label, async () => {
    const res = await api.post(`${path}/${sub}`);
    if (res && res.user) return redo(msg)();
    return msg;
  }, { out, ...opts });
  const actions = write ? h('div', { class: 'actions' },
    u.isActive === false ? run('Enable', 'enable', 'User enabled.') : run('Disable', 'disable', 'User disabled.',
      { confirm: 'Disable this user? Their logins will fail until they are enabled again.', danger: true }),
    u.isLocked ? run('Unlock', 'unlock', 'User unlocked.') : null,
    run('Send password reset', 'send-reset', 'Reset mail queued.'),
    run('Revoke sessions', 'revoke-sessions', 'Sessions revoked.', { confirm: 'End every session of this user?', danger: true }),
    action('Delete user', async () => {
      await api.del(path);
      ctx.announce('User deleted');
      ctx.go(`/sites/${id}/users`);
    }, { confirm: 'Delete this user and all their data? This cannot be undone.', danger: true, out })) : null;
  const l = u.loginIDs || {};
  // The edit form: each object as JSON, written through the site's schema
  // (a write merges objects key by key; null removes a value).
  const parts = ['profile', 'data', 'preferences', 'subscriptions'].map((k) => {
    const f = field(k, { kind: 'textarea', name: k, rows: 6, spellcheck: 'false', maxlength: 65536 });
    f.control.value = JSON.stringify(u[k] || {}, null, 2);
    return [k, f];
  });
  const editForm = write ? h('details', null, h('summary', null, 'Edit profile, data, preferences and subscriptions'),
    sendForm(h('form', null, h('p', { class: 'help' }, 'JSON objects, checked against the site’s schema: a write merges objects key by key; null removes a value.'),
      parts.map(([, f]) => f), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save user'))), async () => {
      const body = {};
      for (const [k, f] of parts) {
        f.control.removeAttribute('aria-invalid');
        let v;
        try { v = JSON.parse(f.control.value || '{}'); } catch (e) {
          f.control.setAttribute('aria-invalid', 'true');
          f.control.focus();
          throw new Error(`${k}: not JSON (${e.message})`);
        }
        if (JSON.stringify(v) !== JSON.stringify(u[k] || {})) body[k] = v;
      }
      if (!Object.keys(body).length) return 'Nothing changed.';
      await api.patch(path, body);
      await ctx.rerender();
      ctx.announce('User saved');
      return null;
    }, ctx)) : null;
  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/sites/${id}/users` }, 'Users')),
    h('h1', null, loginOf(u)),
    out,
    facts([['State', userState(u)], ['UID', h('code', null, u.UID)], ['Created', when(u.created)], ['Last login', when(u.lastLogin)]]),
    actions,
    h('p', null, action('Export as JSON', async () => { await api.download(`${path}/export`, `user-${u.UID}.json`); return 'Exported.'; }, { out })),
    h('h2', null, 'Login IDs'),
    facts([['Emails', (l.emails || []).join(', ') || '—'], ['Unverified emails', (l.unverifiedEmails || []).join(', ') || '—'],
      ['Username', l.username || '—']]),
    h('h2', null, 'Profile'),
    facts(Object.entries(u.profile || {}).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])),
    h('details', null, h('summary', null, 'Data, preferences and subscriptions'),
      h('h3', null, 'Data'), json(u.data || {}), h('h3', null, 'Preferences'), json(u.preferences || {}),
      h('h3', null, 'Subscriptions'), json(u.subscriptions || {})),
    editForm,
    d.sessions ? [h('h2', null, 'Sessions'), table('Sessions', [
      { label: 'Session', get: (x) => h('code', null, x.id) },
      { label: 'Started', get: (x) => when(x.createdAt) },
      { label: 'Ends', get: (x) => (x.expiresAt ? when(x.expiresAt) : 'at logout') },
    ], d.sessions, { empty: 'No session.' })] : null,
    d.identities ? [h('h2', null, 'Identities'), table('Identities', [
      { label: 'Provider', get: (x) => x.provider || '—' },
      { label: 'ID', get: (x) => x.providerUID || x.id || '—' },
      { label: 'Email', get: (x) => (x.email ? `${x.email}${x.emailVerified ? '' : ' (unverified)'}` : '—') },
      { label: 'Last login', get: (x) => when(x.lastLoginAt) },
    ], d.identities, { empty: 'No social identity.' })] : null,
    d.events ? [h('h2', null, 'Recent events'), table('Recent events', [
      { label: 'Event', get: (x) => x.type || x.kind || x.event || '—' },
      { label: 'When', get: (x) => when(x.at || x.time || x.createdAt) },
    ], d.events, { empty: 'No recent event.' })] : null,
  ];
}
