// Sites: the list, and a form to create one (its secret is shown once).
import * as api from '../api.js';
import { field, h, replace, table, when } from '../dom.js';
import { secretBox, sendForm } from '../ui.js';

// lines splits a textarea's value into its non-empty trimmed lines (or
// comma-separated values).
export const lines = (v) => v.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);

export async function render(ctx) {
  const { sites } = await api.get('/sites');
  const out = h('div', { 'aria-live': 'polite' });
  const name = field('Name', { name: 'name', required: true, maxlength: 200 });
  const domains = field('Domains', { kind: 'textarea', name: 'domains', rows: 3, class: 'short',
    help: 'One per line: the domains whose pages may use the site (localhost, shop.example, *.shop.example).' });
  const form = ctx.can('operator') ? sendForm(h('form', { 'aria-labelledby': 'new-site' },
    h('h2', { id: 'new-site' }, 'New site'), name, domains,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create site'))), async () => {
    const res = await api.post('/sites', { name: name.control.value.trim(), domains: lines(domains.control.value) });
    await ctx.refreshSites();
    const box = secretBox(`Site “${res.site.name}” created`, [['API key', res.site.apiKey], ['Secret', res.secret]]);
    replace(out, box, h('p', null, h('a', { href: `#/sites/${res.site.id}` }, `Open ${res.site.name}`)));
    box.focus();
    form.reset();
    ctx.announce('Site created');
    return null;
  }) : null;
  return [
    h('h1', null, 'Sites'),
    out,
    table('Sites', [
      { label: 'Name', get: (x) => h('a', { href: `#/sites/${x.id}` }, x.name) },
      { label: 'API key', get: (x) => h('code', null, x.apiKey) },
      { label: 'Domains', get: (x) => (x.domains || []).join(', ') || '—' },
      { label: 'Created', get: (x) => when(x.createdAt) },
    ], sites || [], { empty: 'No site yet.' }),
    form,
  ];
}
