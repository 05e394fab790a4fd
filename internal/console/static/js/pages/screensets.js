// Screen-sets: the site's stored ones and the built-in ones, and a form to
// start a new one.
import * as api from '../api.js';
import { field, h, table, when } from '../dom.js';

export async function render(ctx) {
  const id = api.seg(ctx.params.site);
  const [st, { screenSets }] = await Promise.all([api.get(`/sites/${id}`), api.get(`/sites/${id}/screen-sets`)]);
  const name = field('Screen-set ID', { name: 'screenSetID', required: true, maxlength: 100, pattern: '[A-Za-z0-9_-]+',
    help: 'Letters, digits, - and _ (such as Shop-RegistrationLogin). Starting from an ID already listed opens it.' });
  const create = ctx.can('operator') ? h('form', { 'aria-labelledby': 'h-new', on: { submit: (e) => {
    e.preventDefault();
    ctx.go(`/sites/${id}/screen-sets/${api.seg(name.control.value.trim())}`);
  } } }, h('h2', { id: 'h-new' }, 'New screen-set'), name, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Edit'))) : null;
  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/sites/${id}` }, st.name)),
    h('h1', null, `Screen-sets of ${st.name}`),
    table('Screen-sets', [
      { label: 'ID', get: (x) => h('a', { href: `#/sites/${id}/screen-sets/${api.seg(x.screenSetID)}` }, x.screenSetID) },
      { label: 'Kind', get: (x) => (x.builtIn ? 'built in' : 'stored') },
      { label: 'Updated', get: (x) => when(x.updatedAt) },
    ], screenSets || [], { empty: 'No screen-set.' }),
    create,
  ];
}
