// Admins (owners only): the list, create (a generated password shown once),
// change the role, disable, delete.
import * as api from '../api.js';
import { alert, field, h, replace, table, when } from '../dom.js';
import { action, confirmDialog, secretBox, sendForm } from '../ui.js';

const ROLES = [['readonly', 'readonly: sees everything but the admins'], ['operator', 'operator: also changes sites and users'],
  ['owner', 'owner: also manages admins']];

export async function render(ctx) {
  if (!ctx.can('owner')) return [h('h1', null, 'Admins'), h('p', null, 'Only owners manage admins.')];
  let { admins } = await api.get('/admins');
  const list = h('div');
  const reload = async () => { ({ admins } = await api.get('/admins')); draw(); };
  const out = h('div');
  const show = (box) => { replace(out, box); box.focus(); };
  const username = field('Username', { name: 'username', required: true, maxlength: 128, autocomplete: 'off' });
  const role = field('Role', { kind: 'select', name: 'role', options: ROLES, value: 'operator' });
  const create = sendForm(h('form', { 'aria-labelledby': 'h-new' }, h('h2', { id: 'h-new' }, 'New admin'), username, role,
    h('p', { class: 'help' }, 'custos generates the password; the admin sets up a second factor at their first login.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create admin'))), async (f) => {
    const res = await api.post('/admins', { username: username.control.value.trim(), role: role.control.value });
    f.reset();
    await reload();
    show(secretBox(`Admin “${res.admin.username}” created`, [['Username', res.admin.username], ['Password', res.password]]));
    return null;
  });
  // The role changes on its Save button, after a confirmation: a select
  // that saved on change would grant each role an arrow key passes over.
  const roleOf = (a) => {
    if (a.id === ctx.admin.id) return a.role;
    const sel = field(`Role of ${a.username}`, { kind: 'select', name: 'role', options: ROLES.map(([v]) => [v]), value: a.role });
    sel.classList.add('inline');
    sel.querySelector('label').classList.add('sr-only');
    const save = h('button', { type: 'submit', class: 'secondary', 'aria-label': `Save role of ${a.username}` }, 'Save role');
    return h('form', { class: 'row', on: { submit: async (e) => {
      e.preventDefault();
      const to = sel.control.value;
      if (to === a.role) return;
      if (!(await confirmDialog(`Make ${a.username} ${to}?`, { action: `Make ${to}`, danger: to === 'owner',
        detail: ROLES.find(([v]) => v === to)[1] }))) {
        sel.control.value = a.role;
        return;
      }
      save.disabled = true;
      try {
        await api.patch(`/admins/${a.id}`, { role: to });
        await reload();
        ctx.announce(`${a.username} is now ${to}`);
        replace(out, h('p', { class: 'done', role: 'status' }, `${a.username} is now ${to}.`));
      } catch (err) {
        sel.control.value = a.role;
        replace(out, alert(err));
      } finally {
        save.disabled = false;
      }
    } } }, sel, save);
  };
  const draw = () => replace(list, table('Admins', [
      { label: 'Username', get: (a) => a.username },
      { label: 'Role', get: roleOf },
      { label: 'Second factor', get: (a) => (a.totpEnrolled ? 'set up' : 'not yet') },
      { label: 'State', get: (a) => (a.disabled ? h('span', { class: 'badge bad' }, 'disabled') : 'active') },
      { label: 'Last login', get: (a) => when(a.lastLoginAt) },
      { label: 'Actions', get: (a) => (a.id === ctx.admin.id ? 'you' : h('div', { class: 'row' },
        action(a.disabled ? 'Enable' : 'Disable', async () => { await api.patch(`/admins/${a.id}`, { disabled: !a.disabled }); await reload(); },
          { out, danger: !a.disabled, confirm: a.disabled ? null : `Disable ${a.username}? Their sessions end.` }),
        a.totpEnrolled ? action('Reset second factor', async () => { await api.patch(`/admins/${a.id}`, { resetTotp: true }); await reload(); return `${a.username} sets up a new second factor at their next login.`; },
          { out, danger: true, confirm: `Forget the second factor of ${a.username}? Their next login sets up a new one.` }) : null,
        action('Delete', async () => { await api.del(`/admins/${a.id}`); await reload(); },
          { out, danger: true, confirm: `Delete the admin ${a.username}?` }))) },
    ], admins || []));
  draw();
  return [h('h1', null, 'Admins'), out, list, create];
}
