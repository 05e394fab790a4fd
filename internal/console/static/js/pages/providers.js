// Social login providers of a site: the list, add or change one (the
// client secret is write-only: the API never answers it, only whether there
// is one), delete; and the redirect URIs its social redirect flows may end at.
import * as api from '../api.js';
import { field, h, replace, table, when } from '../dom.js';
import { action, locked, readOnlyNote, sendForm } from '../ui.js';
import { lines } from './sites.js';

function providerForm(p, presets, submit) {
  const editing = !!p.name;
  const f = {
    preset: field('Preset', { kind: 'select', name: 'preset', value: p.preset || '',
      options: [['', 'None (generic)'], ...presets.map((x) => [x, x])],
      help: 'A known provider: its issuer or URLs, scopes and claims fill what you leave empty.' }),
    name: field('Name', { name: 'name', required: true, maxlength: 40, pattern: '[a-z0-9\\-]{2,40}', value: p.name || '',
      disabled: editing, help: 'What clients send as the provider: 2 to 40 of a-z, 0-9 and -. A provider named after a preset is made from it.' }),
    kind: field('Kind', { kind: 'select', name: 'kind', value: p.kind || '',
      options: [['', 'From the preset'], ['oidc', 'OpenID Connect'], ['oauth2', 'OAuth 2.0']] }),
    clientID: field('Client ID', { name: 'clientID', required: true, maxlength: 512, value: p.clientID || '', autocomplete: 'off' }),
    secret: field('Client secret', { name: 'clientSecret', type: 'password', autocomplete: 'new-password',
      help: p.hasSecret ? 'A secret is stored; leave empty to keep it.' : 'Stored sealed; custos never shows it again.' }),
    issuer: field('Issuer', { name: 'issuer', type: 'url', value: p.issuer || '',
      help: 'OpenID Connect: discovery at the issuer’s /.well-known/openid-configuration.' }),
    authURL: field('Authorization URL', { name: 'authURL', type: 'url', value: p.authURL || '', help: 'OAuth 2.0, or an override.' }),
    tokenURL: field('Token URL', { name: 'tokenURL', type: 'url', value: p.tokenURL || '' }),
    userInfoURL: field('Userinfo URL', { name: 'userInfoURL', type: 'url', value: p.userInfoURL || '' }),
    scopes: field('Scopes', { name: 'scopes', value: (p.scopes || []).join(' '), help: 'Space-separated; empty for the preset’s.' }),
    enabled: field('Enabled', { kind: 'checkbox', name: 'enabled', checked: editing ? !!p.enabled : true }),
  };
  const form = h('form', null, Object.values(f), h('div', { class: 'actions' }, h('button', { type: 'submit' }, submit)));
  form.name_ = () => (editing ? p.name : f.name.control.value.trim());
  form.values = () => {
    const v = { preset: f.preset.control.value, kind: f.kind.control.value, clientID: f.clientID.control.value.trim(),
      issuer: f.issuer.control.value.trim(), authURL: f.authURL.control.value.trim(), tokenURL: f.tokenURL.control.value.trim(),
      userInfoURL: f.userInfoURL.control.value.trim(), scopes: f.scopes.control.value.split(/\s+/).filter(Boolean),
      enabled: f.enabled.control.checked };
    if (editing) {
      // Keep what the form does not show.
      if (p.claims && Object.keys(p.claims).length) v.claims = p.claims;
      if (p.acceptAccessTokens) v.acceptAccessTokens = true;
      if (p.tokenCheckURL) v.tokenCheckURL = p.tokenCheckURL;
    }
    const secret = f.secret.control.value;
    if (secret) v.clientSecret = secret;
    return v;
  };
  return form;
}

export async function render(ctx) {
  const id = api.seg(ctx.params.site);
  const [st, { providers, presets }, { redirectURIs }] = await Promise.all([api.get(`/sites/${id}`),
    api.get(`/sites/${id}/providers`), api.get(`/sites/${id}/social-redirect-uris`)]);
  const write = ctx.can('operator');
  const out = h('div');
  const editor = h('div');
  const ppath = (name) => `/sites/${id}/providers/${api.seg(name)}`;
  const save = (p, label) => sendForm(providerForm(p, presets || [], label), async (f) => {
    const name = f.name_();
    await api.put(ppath(name), f.values());
    await ctx.rerender();
    ctx.announce(`Provider ${name} saved`);
    return null;
  });
  const edit = (p) => {
    replace(editor, h('section', { 'aria-labelledby': 'h-editp', tabindex: -1 },
      h('h2', { id: 'h-editp' }, `Change ${p.name}`), save(p, 'Save provider')));
    editor.firstChild.focus();
  };

  const uris = field('Redirect URIs', { kind: 'textarea', name: 'redirectURIs', rows: 3,
    help: 'One per line: the exact redirect_uri values the site’s redirect flows may end at (https, or http on a loopback host).' });
  uris.control.value = (redirectURIs || []).join('\n');
  const redirects = sendForm(h('form', { 'aria-labelledby': 'h-redir' },
    h('h2', { id: 'h-redir' }, 'Redirect URIs'), locked(write, uris),
    write ? h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save redirect URIs')) : null), async () => {
    const res = await api.put(`/sites/${id}/social-redirect-uris`, { redirectURIs: lines(uris.control.value) });
    uris.control.value = (res.redirectURIs || []).join('\n');
    return 'Redirect URIs saved.';
  }, ctx);

  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/sites/${id}` }, st.name)),
    h('h1', null, `Social providers of ${st.name}`),
    write ? null : readOnlyNote(),
    out,
    table('Social providers', [
      { label: 'Name', get: (p) => p.name },
      { label: 'Preset', get: (p) => p.preset || '—' },
      { label: 'Kind', get: (p) => p.kind },
      { label: 'Client ID', get: (p) => h('code', null, p.clientID) },
      { label: 'Secret', get: (p) => (p.hasSecret ? 'stored' : 'none') },
      { label: 'State', get: (p) => (p.enabled ? 'enabled' : 'disabled') },
      { label: 'Updated', get: (p) => when(p.updatedAt || p.createdAt) },
      { label: 'Actions', get: (p) => (write ? h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Change ${p.name}`, on: { click: () => edit(p) } }, 'Change'),
        action('Delete', async () => { await api.del(ppath(p.name)); await ctx.rerender(); ctx.announce('Provider deleted'); },
          { confirm: `Delete the provider ${p.name}? Its users can no longer sign in with it.`, danger: true, out })) : '') },
    ], providers || [], { empty: 'No social provider yet.' }),
    editor,
    write ? h('section', { 'aria-labelledby': 'h-newp' }, h('h2', { id: 'h-newp' }, 'New provider'), save({}, 'Add provider')) : null,
    redirects,
  ];
}
