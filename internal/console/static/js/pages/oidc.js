// OIDC clients (relying parties) of a site: the list, create (the secret
// once), change, rotate the secret, delete.
import * as api from '../api.js';
import { field, h, replace, table, when } from '../dom.js';
import { action, secretBox, sendForm } from '../ui.js';
import { lines } from './sites.js';

function clientForm(c, submit) {
  const f = {
    name: field('Name', { name: 'name', required: true, maxlength: 200, value: c.name || '' }),
    redirect: field('Redirect URIs', { kind: 'textarea', name: 'redirectURIs', rows: 3, required: true,
      help: 'One per line: where the provider may send the code (exact match).' }),
    logout: field('Post-logout redirect URIs', { kind: 'textarea', name: 'postLogoutRedirectURIs', rows: 2, help: 'One per line.' }),
    scopes: field('Scopes', { name: 'scopes', value: (c.scopes || []).join(' '), help: 'Space-separated (openid profile email); empty for the default.' }),
    consent: field('Ask for consent', { kind: 'checkbox', name: 'requireConsent', checked: !!c.requireConsent }),
    pub: c.clientId ? null : field('Public client', { kind: 'checkbox', name: 'public', checked: !!c.public,
      help: 'A browser or mobile app that cannot keep a secret: no secret, PKCE required.' }),
  };
  f.redirect.control.value = (c.redirectURIs || []).join('\n');
  f.logout.control.value = (c.postLogoutRedirectURIs || []).join('\n');
  const form = h('form', null, Object.values(f), h('div', { class: 'actions' }, h('button', { type: 'submit' }, submit)));
  form.values = () => {
    const v = { name: f.name.control.value.trim(), redirectURIs: lines(f.redirect.control.value),
      postLogoutRedirectURIs: lines(f.logout.control.value), scopes: f.scopes.control.value.split(/\s+/).filter(Boolean),
      requireConsent: f.consent.control.checked };
    if (f.pub) v.public = f.pub.control.checked;
    return v;
  };
  return form;
}

export async function render(ctx) {
  const id = api.seg(ctx.params.site);
  const [st, { clients }] = await Promise.all([api.get(`/sites/${id}`), api.get(`/sites/${id}/oidc/clients`)]);
  const write = ctx.can('operator');
  const out = h('div');
  const editor = h('div');
  const show = (box) => { replace(out, box); box.focus(); };
  const cpath = (c) => `/sites/${id}/oidc/clients/${api.seg(c.clientId)}`;
  const edit = (c) => {
    const form = sendForm(clientForm(c, 'Save client'), async (f) => {
      await api.patch(cpath(c), f.values());
      await ctx.rerender();
      ctx.announce('Client saved');
      return null;
    });
    replace(editor, h('section', { 'aria-labelledby': 'h-edit', tabindex: -1 }, h('h2', { id: 'h-edit' }, `Change ${c.name}`), form));
    editor.firstChild.focus();
  };
  const create = write ? sendForm(clientForm({}, 'Create client'), async (f) => {
    const res = await api.post(`/sites/${id}/oidc/clients`, f.values());
    f.reset();
    show(secretBox(`Client “${res.client.name}” created`, [['Client ID', res.client.clientId], ...(res.secret ? [['Client secret', res.secret]] : [])]));
    return null;
  }) : null;
  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/sites/${id}` }, st.name)),
    h('h1', null, `OIDC clients of ${st.name}`),
    out,
    table('OIDC clients', [
      { label: 'Name', get: (c) => c.name },
      { label: 'Client ID', get: (c) => h('code', null, c.clientId) },
      { label: 'Kind', get: (c) => (c.public ? 'public' : 'confidential') },
      { label: 'Redirect URIs', get: (c) => (c.redirectURIs || []).join(' ') },
      { label: 'Updated', get: (c) => when(c.updatedAt || c.createdAt) },
      { label: 'Actions', get: (c) => (write ? h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Change ${c.name}`, on: { click: () => edit(c) } }, 'Change'),
        c.public ? null : action('Rotate secret', async () => {
          const res = await api.patch(cpath(c), { rotateSecret: true });
          show(secretBox(`New secret of “${c.name}”`, [['Client secret', res.secret]]));
        }, { confirm: `Rotate the secret of ${c.name}? The old one stops working now.`, danger: true, out }),
        action('Delete', async () => { await api.del(cpath(c)); await ctx.rerender(); ctx.announce('Client deleted'); },
          { confirm: `Delete the client ${c.name}?`, danger: true, out })) : '') },
    ], clients || [], { empty: 'No OIDC client yet.' }),
    editor,
    create ? h('section', { 'aria-labelledby': 'h-newc' }, h('h2', { id: 'h-newc' }, 'New client'), create) : null,
  ];
}
