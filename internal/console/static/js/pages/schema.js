// The schema editor: the fields of profile, data, subscriptions and
// preferences with type, required, writeAccess and format; a form that
// adds a field, and one that changes a field (docs/schema.md).
import * as api from '../api.js';
import { field, h, replace, table } from '../dom.js';
import { action, sendForm } from '../ui.js';

const OBJECTS = [['profile', 'profileSchema'], ['data', 'dataSchema'], ['subscriptions', 'subscriptionsSchema'],
  ['preferences', 'preferencesSchema']];
const TYPES = {
  data: ['string', 'basic-string', 'text', 'integer', 'long', 'float', 'boolean', 'date'],
  subscriptions: ['subscription'],
  preferences: ['consent'],
};
const ACCESS = [['serverOnly', 'serverOnly: server calls only'], ['clientCreate', 'clientCreate: a client may set it once'],
  ['clientModify', 'clientModify: a client may set and change it']];
const PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

// attrsForm is the form for one field's attributes: obj its object, the
// stored attributes (empty for a new field); withPath asks for the path.
function attrsForm(obj, attrs, { withPath, submit }) {
  const path = withPath ? field('Field path', { name: 'path', required: true, maxlength: 200, pattern: PATH.source,
    help: `Dotted, each name starting with a letter: the path below ${obj} (plan, address.zip).` }) : null;
  const type = obj === 'profile' ? null : field('Type', { kind: 'select', name: 'type', options: TYPES[obj].map((t) => [t]),
    value: attrs.type || TYPES[obj][0], help: 'It cannot change once an account holds data in the field.' });
  const required = field('Required', { kind: 'checkbox', name: 'required', checked: !!attrs.required,
    help: 'A registration without it stays pending; a write that removes it is refused.' });
  const access = field('Write access', { kind: 'select', name: 'writeAccess', options: ACCESS, value: attrs.writeAccess || 'serverOnly' });
  const format = obj === 'data' ? field('Format', { name: 'format', maxlength: 1024, value: attrs.format || '',
    help: 'A regular expression (RE2) strings must match; anchor it (^…$) to match the whole value. Empty for none.' }) : null;
  const unique = obj === 'data' ? field('Unique', { kind: 'checkbox', name: 'unique', checked: !!attrs.unique,
    help: 'No two accounts of the site hold the same value.' }) : null;
  const form = h('form', null, path, type, required, access, format, unique,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, submit)));
  form.values = () => {
    const a = { required: required.control.checked, writeAccess: access.control.value };
    if (type) a.type = type.control.value;
    if (format) a.format = format.control.value || null;
    if (unique) a.unique = unique.control.checked;
    if (path && !PATH.test(path.control.value.trim())) {
      path.control.setAttribute('aria-invalid', 'true');
      path.control.focus();
      throw new Error('The field path: names of letters, digits and underscores, each starting with a letter, joined by dots.');
    }
    return { path: path ? path.control.value.trim() : '', attrs: a };
  };
  return form;
}

export async function render(ctx) {
  const id = api.seg(ctx.params.site);
  const [st, schema] = await Promise.all([api.get(`/sites/${id}`), api.get(`/sites/${id}/schema`)]);
  const write = ctx.can('operator');
  const editor = h('div', { id: 'field-editor' });
  const out = h('div');

  function edit(obj, path, attrs) {
    const form = sendForm(attrsForm(obj, attrs, { submit: 'Save field' }), async (f) => {
      const { attrs: a } = f.values();
      await api.put(`/sites/${id}/schema`, { [`${obj}Schema`]: { fields: { [path]: a } } });
      ctx.rerender();
      ctx.announce(`${obj}.${path} saved`);
      return null;
    });
    replace(editor, h('section', { 'aria-labelledby': 'h-edit', tabindex: -1 }, h('h2', { id: 'h-edit' }, `Change ${obj}.${path}`), form,
      h('button', { type: 'button', class: 'secondary', on: { click: () => replace(editor) } }, 'Close')));
    editor.firstChild.focus();
  }

  const sections = OBJECTS.map(([obj, key]) => {
    const fields = Object.entries((schema[key] && schema[key].fields) || {}).sort(([a], [b]) => a.localeCompare(b));
    return h('section', { 'aria-labelledby': `h-${obj}` },
      h('h2', { id: `h-${obj}` }, obj, obj === 'data' && schema[key] ? h('span', { class: 'muted' },
        schema[key].dynamicSchema === false ? ' (declared fields only)' : ' (server writes may add fields)') : null),
      table(`${obj} fields`, [
        { label: 'Field', get: ([p]) => h('code', null, p) },
        { label: 'Type', get: ([, a]) => a.type || '—' },
        { label: 'Required', get: ([, a]) => (a.required ? 'yes' : 'no') },
        { label: 'Write access', get: ([, a]) => a.writeAccess || 'serverOnly' },
        { label: 'Format', get: ([, a]) => (a.format ? h('code', null, a.format) : '—') },
        { label: 'Actions', get: ([p, a]) => (write ? h('div', { class: 'row' },
          h('button', { type: 'button', class: 'secondary', 'aria-label': `Change ${obj}.${p}`, on: { click: () => edit(obj, p, a) } }, 'Change'),
          obj === 'profile' ? null : action('Remove', async () => {
            await api.put(`/sites/${id}/schema`, { [key]: { fields: { [p]: null } } });
            ctx.rerender();
          }, { confirm: `Remove ${obj}.${p} from the schema? Only possible while no account holds data in it.`, danger: true, out })) : '') },
      ], fields, { empty: `No ${obj} field.` }));
  });

  let add = null;
  if (write) {
    const obj = field('Object', { kind: 'select', name: 'object', options: [['data'], ['subscriptions'], ['preferences']], value: 'data' });
    const slot = h('div');
    const build = () => {
      const f = sendForm(attrsForm(obj.control.value, {}, { withPath: true, submit: 'Add field' }), async (form) => {
        const { path, attrs } = form.values();
        await api.post(`/sites/${id}/schema/fields`, { fields: { [`${obj.control.value}.${path}`]: attrs } });
        ctx.rerender();
        ctx.announce(`${obj.control.value}.${path} added`);
        return null;
      });
      replace(slot, f);
    };
    obj.control.addEventListener('change', build);
    build();
    add = h('section', { 'aria-labelledby': 'h-add' }, h('h2', { id: 'h-add' }, 'Add a field'), obj, slot);
  }
  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/sites/${id}` }, st.name)),
    h('h1', null, `Schema of ${st.name}`),
    h('p', { class: 'lead' }, 'Profile fields are built in: only whether they are required and who writes them changes.'),
    out, editor, sections, add,
  ];
}
