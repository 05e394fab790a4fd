// The login page: username and password; then the TOTP code (403101 asks
// for it), or, for an admin without a second factor yet, the enrollment:
// the otpauth URI and the secret as text, a new password of their own and
// the first code to confirm.
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
  const ended = ctx.sessionEnded() ? h('p', { class: 'notice', role: 'status' },
    h('strong', null, 'Your session ended. '), 'Sign in again to go on where you were.') : null;
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
      const res = await api.post('/session', creds, { quiet401: true });
      if (res && res.enroll) return enroll(res.enroll);
      return ctx.signedIn(res);
    } catch (err) {
      if (err.errorCode === CODE_NEEDED) return codeStep();
      throw err;
    }
  });

  // codeField is the one-time code input.
  const codeField = () => field('Code from your authenticator app', { name: 'code', inputmode: 'numeric',
    autocomplete: 'one-time-code', pattern: '[0-9]{6}', minlength: 6, maxlength: 6, required: true,
    help: 'Six digits; a new code every 30 seconds.' });

  function codeStep() {
    const code = codeField();
    const form = sendForm(h('form', null, code,
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in'),
        h('button', { type: 'button', class: 'secondary', on: { click: () => ctx.rerender() } }, 'Start again'))), async () =>
      ctx.signedIn(await api.post('/session', { ...creds, code: code.control.value.trim() }, { quiet401: true })));
    replace(box, h('h2', null, 'Second step: your code'), form);
    title.focus();
    code.control.focus();
    ctx.announce('Enter the code from your authenticator app');
    return null;
  }

  // enroll: the first login sets up the second factor and replaces the
  // password custos generated (POST /session/totp {username, password,
  // code, newPassword}).
  function enroll(e) {
    const code = codeField();
    const rule = 'At least 12 characters, and not the password you were given.';
    const newPass = field('New password', { name: 'newPassword', type: 'password', autocomplete: 'new-password',
      required: true, minlength: 12, maxlength: 1024, help: rule });
    const again = field('New password again', { name: 'newPassword2', type: 'password', autocomplete: 'new-password',
      required: true, minlength: 12, maxlength: 1024 });
    const form = sendForm(h('form', null,
      h('fieldset', null, h('legend', null, 'Choose your own password'), newPass, again),
      h('fieldset', null, h('legend', null, 'Confirm the authenticator'), code),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Confirm and sign in'))), async () => {
      const np = newPass.control.value;
      const bad = (el, msg) => { el.setAttribute('aria-invalid', 'true'); el.focus(); throw new Error(msg); };
      newPass.control.removeAttribute('aria-invalid');
      again.control.removeAttribute('aria-invalid');
      if ([...np].length < 12) bad(newPass.control, `The new password is too short: ${rule}`);
      if (np === creds.password) bad(newPass.control, `The new password is the one you were given: ${rule}`);
      if (again.control.value !== np) bad(again.control, 'The two new passwords differ.');
      const res = await api.post('/session/totp', { ...creds, code: code.control.value.trim(), newPassword: np },
        { quiet401: true });
      return ctx.signedIn(res);
    });
    replace(box,
      h('h2', null, 'Set up your second factor'),
      h('p', null, 'Your account has no authenticator yet. Add this key to an authenticator app (such as one ' +
        'that reads otpauth links), choose your own password, then enter the code the app shows.'),
      h('p', { class: 'label' }, 'Secret key (base32)'),
      h('p', null, h('code', { id: 'totp-secret', class: 'mono' }, e.secret)),
      h('p', { class: 'label' }, 'otpauth URI'),
      h('p', null, h('code', { id: 'totp-uri', class: 'mono' }, e.otpauthURI)),
      form);
    newPass.control.focus();
    ctx.announce('Set up your second factor');
    return null;
  }

  replace(box, step1);
  return h('div', { class: 'login' }, title, ended, h('p', { class: 'lead' }, 'For custos operators. Site users sign in on their site.'), box);
}
