// One site: its settings (name, domains, referrer rule, screen-set
// scripts), its secret (rotated, shown once) and its application keys.
import * as api from '../api.js';
import { facts, field, h, replace, table, when } from '../dom.js';
import { action, locked, readOnlyNote, secretBox, sendForm } from '../ui.js';
import { lines } from './sites.js';

export async function render(ctx) {
  const id = api.seg(ctx.params.site);
  const [st, { keys }] = await Promise.all([api.get(`/sites/${id}`), api.get(`/sites/${id}/keys`)]);
  const write = ctx.can('operator');
  const out = h('div');
  const show = (box) => { replace(out, box); box.focus(); };

  const name = field('Name', { name: 'name', required: true, maxlength: 200, value: st.name });
  const domains = field('Domains', { kind: 'textarea', name: 'domains', rows: 3,
    help: 'One per line. Pages on other domains cannot use the site’s API key.' });
  domains.control.value = (st.domains || []).join('\n');
  const referrer = field('Require a referrer', { kind: 'checkbox', name: 'requireReferrer', checked: !!st.requireReferrer,
    help: 'Refuse client calls whose page is not on one of the domains.' });
  const scripts = field('Run screen-set scripts', { kind: 'checkbox', name: 'screenSetScripts', checked: !!st.screenSetScripts,
    help: 'Serve the JavaScript of the site’s stored screen-sets to its pages.' });
  const settings = sendForm(h('form', { 'aria-labelledby': 'h-settings' },
    h('h2', { id: 'h-settings' }, 'Settings'), locked(write, name, domains, referrer, scripts),
    write ? h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save settings')) : null), async () => {
    await api.patch(`/sites/${id}`, { name: name.control.value.trim(), domains: lines(domains.control.value),
      requireReferrer: referrer.control.checked, screenSetScripts: scripts.control.checked });
    await ctx.refreshSites();
    return 'Settings saved.';
  }, ctx);

  const keyName = field('Key name', { name: 'keyName', required: true, maxlength: 200 });
  const scopes = field('Scopes', { name: 'scopes', help: 'Comma-separated; empty for the default scopes.' });
  const newKey = write ? sendForm(h('form', { 'aria-labelledby': 'h-newkey' },
    h('h3', { id: 'h-newkey' }, 'New application key'), keyName, scopes,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create key'))), async (f) => {
    const res = await api.post(`/sites/${id}/keys`, { name: keyName.control.value.trim(), scopes: lines(scopes.control.value) });
    f.reset();
    show(secretBox(`Application key “${res.key.name}” created`, [['User key', res.key.userKey], ['Secret', res.secret]]));
    replace(keyList, keysTable([res.key, ...current]));
    current = [res.key, ...current];
    ctx.announce('Key created');
    return null;
  }) : null;

  let current = keys || [];
  const keyOut = h('div');
  const keysTable = (list) => table('Application keys', [
    { label: 'User key', get: (k) => h('code', null, k.userKey) },
    { label: 'Name', get: (k) => k.name },
    { label: 'Scopes', get: (k) => (k.scopes || []).join(', ') || '—' },
    { label: 'Created', get: (k) => when(k.createdAt) },
    { label: 'State', get: (k) => (k.revokedAt ? ['revoked ', when(k.revokedAt)] : 'active') },
    { label: 'Actions', get: (k) => (write && !k.revokedAt ? action('Revoke', async () => {
      await api.del(`/sites/${id}/keys/${api.seg(k.userKey)}`);
      current = current.map((x) => (x.userKey === k.userKey ? { ...x, revokedAt: new Date().toISOString() } : x));
      replace(keyList, keysTable(current));
      ctx.announce(`Key ${k.name} revoked`);
    }, { confirm: `Revoke the key “${k.name}”?`, danger: true, out: keyOut }) : '') },
  ], list, { empty: 'No application key yet.' });
  const keyList = h('div', null, keysTable(current));

  return [
    h('p', { class: 'crumbs' }, h('a', { href: '#/sites' }, 'Sites')),
    h('h1', null, st.name),
    write ? null : readOnlyNote(),
    out,
    h('p', null, h('a', { href: `#/sites/${id}/providers` }, 'Social providers (sign in with Google, Apple…)')),
    facts([['API key', h('code', null, st.apiKey)], ['Site ID', String(st.id)], ['Created', when(st.createdAt)],
      ['Updated', when(st.updatedAt)]]),
    settings,
    h('h2', null, 'Secret'),
    h('p', null, 'The site secret signs server calls. custos shows it only when it is made.'),
    write ? action('Rotate the secret', async () => {
      const res = await api.post(`/sites/${id}/rotate-secret`);
      show(secretBox('New site secret', [['Secret', res.secret]]));
      return null;
    }, { confirm: 'Rotate the site secret? Servers using the old one will fail until they get the new one.', danger: true, out })
      : null,
    h('section', { 'aria-labelledby': 'h-keys' }, h('h2', { id: 'h-keys' }, 'Application keys'), keyOut, keyList, newKey),
  ];
}
