// Policies: a form per section with the fields of docs/policies.md and
// their help. Saving a section sends that section only (PUT merges it as
// accounts.setPolicies does).
import * as api from '../api.js';
import { alert, field, h } from '../dom.js';
import { readOnlyNote, sendForm } from '../ui.js';

const DOC = 'https://github.com/custos-id/custos/blob/main/docs/policies.md';

// The sections: [field path, kind (bool|int|text|select|json), help, options].
const SECTIONS = [
  ['registration', 'Registration', [
    ['requireLoginID', 'bool', 'An account needs an email or a username.'],
    ['requireCaptcha', 'bool', 'Client registrations carry a solved captchaToken (needs --captcha-verify-url).'],
    ['enforceCoppa', 'bool', 'Refuse users younger than 13 (403044).'],
    ['minimumAge', 'int', 'Refuse users younger than this, 0–120; 0 is off. With COPPA, 0 or at least 13.', { min: 0, max: 120 }],
  ]],
  ['accountOptions', 'Account options', [
    ['verifyEmail', 'bool', 'Mail a verification link at registration.'],
    ['allowUnverifiedLogin', 'bool', 'With email verification, let unverified emails log in meanwhile.'],
    ['loginIdentifiers', 'select', 'What logs in: email, username or both.', { options: ['email,username', 'email', 'username'] }],
    ['preventLoginIDHarvesting', 'bool', 'isAvailableLoginID for server calls only; password reset answers alike for unknown login IDs. Needs email verification or CAPTCHA.'],
    ['loginIdentifierConflict', 'select', 'A profile.email that is another account’s login email: allowed, or refused (403043).',
      { options: ['ignore', 'failOnSiteConflictingIdentity', 'failOnAnyConflictingIdentity'] }],
  ]],
  ['passwordComplexity', 'Password complexity', [
    ['minLength', 'int', 'Shortest password, 1–1024 characters.', { min: 1, max: 1024 }],
    ['minCharGroups', 'int', 'How many of lower case, upper case, digits and symbols, 0–4.', { min: 0, max: 4 }],
    ['regExp', 'text', 'An RE2 expression the password must match (at most 1024 characters); empty for none.', { maxlength: 1024 }],
  ]],
  ['passwordReset', 'Password reset', [
    ['tokenExpiration', 'int', 'Seconds a reset link lives: 60 to 2592000 (30 days).', { min: 60, max: 2592000 }],
    ['resetURL', 'text', 'The site’s page for a new password (it gets ?pwrt=<token>); empty for custos’s own page.'],
    ['defaultLanguage', 'text', 'The language of the templates for users whose own has none (default en).'],
    ['emailTemplates', 'json', 'The reset mail by language: {"en":{"subject":…,"text":…,"html":…}}; {} for the built-in mail.'],
  ]],
  ['emailVerification', 'Email verification', [
    ['verificationEmailExpiration', 'int', 'Seconds a verification link lives: 60 to 2592000 (30 days).', { min: 60, max: 2592000 }],
    ['nextURL', 'text', 'Where the verification page’s Continue link leads, on the site’s domains.'],
    ['defaultLanguage', 'text', 'As for password reset.'],
    ['emailTemplates', 'json', 'The verification mail by language, as for password reset.'],
  ]],
  ['gigyaPlugins', 'Sessions', [
    ['sessionExpiration', 'int', 'Default session lifetime in seconds: 0 a browser session, -2 no expiry, up to 10 years.', { min: -2 }],
  ]],
  ['security', 'Security', [
    ['passwordHistorySize', 'int', 'A new password differs from this many past ones, the current one included (0 off, up to 10).', { min: 0, max: 10 }],
    ['passwordChangeInterval', 'int', 'Days a password lasts (0 off, up to 3650); an older one answers 403100 at login.', { min: 0, max: 3650 }],
    ['accountLockout.failedLoginThreshold', 'int', 'Failed logins that lock an account (0 off).', { min: 0 }],
    ['accountLockout.lockoutTimeSec', 'int', 'Seconds an account stays locked.', { min: 0 }],
    ['accountLockout.failedLoginResetSec', 'int', 'Seconds after which failures are forgotten.', { min: 0 }],
    ['ipLockout.hourlyFailedLoginThreshold', 'int', 'Failed logins per hour that lock an IP address (0 off).', { min: 0 }],
    ['ipLockout.lockoutTimeSec', 'int', 'Seconds an IP address stays locked.', { min: 0 }],
    ['captcha.failedLoginThreshold', 'int', 'Failed logins after which a CAPTCHA is needed (0 off).', { min: 0 }],
  ]],
];

const getPath = (o, p) => p.split('.').reduce((x, k) => (x && typeof x === 'object' ? x[k] : undefined), o);
function setPath(o, p, v) {
  const ks = p.split('.');
  let x = o;
  for (const k of ks.slice(0, -1)) x = x[k] ??= {};
  x[ks[ks.length - 1]] = v;
}

// LABELS are the fields' labels (words, not letters: "Next URL").
const LABELS = {
  requireLoginID: 'Require login ID', requireCaptcha: 'Require CAPTCHA', enforceCoppa: 'Enforce COPPA',
  minimumAge: 'Minimum age', verifyEmail: 'Verify email', allowUnverifiedLogin: 'Allow unverified login',
  loginIdentifiers: 'Login identifiers', preventLoginIDHarvesting: 'Prevent login ID harvesting',
  loginIdentifierConflict: 'Login identifier conflict', minLength: 'Min length', minCharGroups: 'Min character groups',
  regExp: 'Regular expression', tokenExpiration: 'Token expiration', resetURL: 'Reset URL',
  defaultLanguage: 'Default language', emailTemplates: 'Email templates',
  verificationEmailExpiration: 'Verification email expiration', nextURL: 'Next URL',
  sessionExpiration: 'Session expiration', passwordHistorySize: 'Password history size',
  passwordChangeInterval: 'Password change interval', failedLoginThreshold: 'Failed login threshold',
  lockoutTimeSec: 'Lockout time (seconds)', failedLoginResetSec: 'Failed login reset (seconds)',
  hourlyFailedLoginThreshold: 'Hourly failed login threshold',
  accountLockout: 'Account lockout', ipLockout: 'IP lockout', captcha: 'CAPTCHA',
};

function control(section, [path, kind, help, opts = {}], value) {
  const parts = path.split('.');
  const label = LABELS[parts[parts.length - 1]] || parts[parts.length - 1];
  const name = `${section}.${path}`;
  const shown = parts.length > 1 ? `${LABELS[parts[0]] || parts[0]}: ${label}` : label;
  if (kind === 'bool') return field(shown, { kind: 'checkbox', name, checked: !!value, help });
  if (kind === 'int') return field(shown, { type: 'number', name, inputmode: 'numeric', step: 1, value: value ?? '', help, ...opts });
  if (kind === 'select') {
    const options = opts.options.map((o) => [o]);
    if (value !== undefined && !opts.options.includes(value)) options.push([value]);
    return field(shown, { kind: 'select', name, options, value: value ?? opts.options[0], help });
  }
  if (kind === 'json') {
    const f = field(shown, { kind: 'textarea', name, rows: 4, help, spellcheck: 'false' });
    f.control.value = JSON.stringify(value ?? {}, null, 2);
    return f;
  }
  return field(shown, { name, value: value ?? '', help, maxlength: opts.maxlength ?? 2048 });
}

export async function render(ctx) {
  const id = api.seg(ctx.params.site);
  const [st, policies] = await Promise.all([api.get(`/sites/${id}`), api.get(`/sites/${id}/policies`)]);
  const write = ctx.can('operator');
  const forms = SECTIONS.map(([key, title, fields]) => {
    const controls = fields.map((f) => [f, control(key, f, getPath(policies[key], f[0]))]);
    return sendForm(h('form', { 'aria-labelledby': `h-${key}`, 'data-section': key },
      h('fieldset', { disabled: !write }, h('legend', { id: `h-${key}` }, `${title} (${key})`),
        controls.map(([, c]) => c),
        write ? h('div', { class: 'actions' }, h('button', { type: 'submit' }, `Save ${title.toLowerCase()}`)) : null)),
    async () => {
      const section = {};
      for (const [[path, kind], c] of controls) {
        const el = c.control;
        el.removeAttribute('aria-invalid');
        let v;
        if (kind === 'bool') v = el.checked;
        else if (kind === 'int') {
          if (el.value.trim() === '') continue;
          v = Number(el.value);
          if (!Number.isInteger(v)) { el.setAttribute('aria-invalid', 'true'); el.focus(); throw new Error(`${path}: a whole number, please`); }
        } else if (kind === 'json') {
          try { v = JSON.parse(el.value || '{}'); } catch (e) {
            el.setAttribute('aria-invalid', 'true'); el.focus(); throw new Error(`${path}: not JSON (${e.message})`);
          }
        } else v = el.value;
        setPath(section, path, v);
      }
      await api.put(`/sites/${id}/policies`, { [key]: section });
      return `${title} saved.`;
    }, ctx);
  });
  return [
    h('p', { class: 'crumbs' }, h('a', { href: `#/sites/${id}` }, st.name)),
    h('h1', null, `Policies of ${st.name}`),
    h('p', { class: 'lead' }, 'Each section saves on its own. The fields and their bounds are those of ',
      h('a', { href: DOC, rel: 'noopener' }, 'the policies documentation'), '.'),
    write ? null : readOnlyNote(),
    policies ? forms : alert(new Error('No policies answered.')),
  ];
}
