// The login page: username and password; then the TOTP code (403101 asks
// for it), or, for an admin without a second factor yet, the enrollment:
// the otpauth URI and the secret as text, and the first code to confirm.
import * as api from '../api.js';
import { field, h, replace } from '../dom.js';
import { sendForm } from '../ui.js';

const CODE_NEEDED = 403101;

export async function render(ctx) {
  if (ctx.admin) {
    ctx.go('/');
    return [];
  }
  const title = h('h1', null, 'Sign in to the custos console');
  const box = h('div');
  let creds = null;

  const user = field('Username', { name: 'username', autocomplete: 'username', required: true, maxlength: 128,
    autocapitalize: 'none', spellcheck: 'false' });
  const pass = field('Password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true,
    maxlength: 1024 });
  const step1 = sendForm(h('form', { novalidate: false }, user, pass,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Continue'))), async () => {
    creds = { username: user.control.value.trim(), password: pass.control.value };
    try {
      const res = await api.post('/session', creds);
      if (res && res.enroll) return enroll(res.enroll);
      return ctx.signedIn(res);
    } catch (err) {
      if (err.errorCode === CODE_NEEDED) return codeStep();
      throw err;
    }
  });

  // codeField is the one-time code input.
  const codeField = () => field('Code from your authenticator app', { name: 'code', inputmode: 'numeric',
    autocomplete: 'one-time-code', pattern: '[0-9]{6,8}', maxlength: 8, required: true,
    help: 'Six digits; a new code every 30 seconds.' });

  function codeStep() {
    const code = codeField();
    const form = sendForm(h('form', null, code,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in'),
        h('button', { type: 'button', class: 'secondary', on: { click: () => ctx.rerender() } }, 'Start again'))), async () =>
      ctx.signedIn(await api.post('/session', { ...creds, code: code.control.value.trim() })));
    replace(box, h('h2', null, 'Second step: your code'), form);
    title.focus();
    code.control.focus();
    ctx.announce('Enter the code from your authenticator app');
    return null;
  }

  function enroll(e) {
    const code = codeField();
    const form = sendForm(h('form', null, code,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Confirm and sign in'))), async () =>
      ctx.signedIn(await api.post('/session/totp', { ...creds, code: code.control.value.trim() })));
    replace(box,
      h('h2', null, 'Set up your second factor'),
      h('p', null, 'Your account has no authenticator yet. Add this key to an authenticator app (such as one ' +
        'that reads otpauth links), then enter the code it shows.'),
      h('p', { class: 'label' }, 'Secret key (base32)'),
      h('p', null, h('code', { id: 'totp-secret', class: 'mono' }, e.secret)),
      h('p', { class: 'label' }, 'otpauth URI'),
      h('p', null, h('code', { id: 'totp-uri', class: 'mono' }, e.otpauthURI)),
      form);
    code.control.focus();
    ctx.announce('Set up your second factor');
    return null;
  }

  replace(box, step1);
  return h('div', { class: 'login' }, title, h('p', { class: 'lead' }, 'For custos operators. Site users sign in on their site.'), box);
}
