// The admin console (/console/) in Chromium: the first admin's login with
// TOTP enrollment, then a login with password and code; create a site and an
// application key (secrets shown once), change a policy, add a schema field,
// find a user by query and disable them (their login then fails with
// 403041), and see it all in the audit log. axe on each page at 1280 and
// 390 px (where nothing may scroll sideways), and a screenshot of each.
// A read-only admin gets forms it cannot send; a second custos whose admin
// sessions end after a few idle seconds shows the sign-in-again dialog.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { axe, CUSTOS_URL, custosRPC, launch, newPage, shots, uniqueEmail } from './lib.mjs';

const ADMIN = process.env.CUSTOS_ADMIN_USERNAME;
const ADMIN_PASSWORD = process.env.CUSTOS_ADMIN_PASSWORD;
const CONSOLE = `${CUSTOS_URL}/console/`;
// The second custos: admin sessions end after IDLE_MS without a request.
const IDLE = {
  url: process.env.CUSTOS_IDLE_URL, username: process.env.CUSTOS_IDLE_ADMIN_USERNAME,
  password: process.env.CUSTOS_IDLE_ADMIN_PASSWORD, siteID: process.env.CUSTOS_IDLE_SITE_ID,
  site: { apiKey: process.env.CUSTOS_IDLE_API_KEY, secret: process.env.CUSTOS_IDLE_SECRET, url: process.env.CUSTOS_IDLE_URL },
};
const IDLE_MS = Number(process.env.CUSTOS_IDLE_TIMEOUT_MS);
// The console's Content-Security-Policy, as internal/console.CSP.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// base32 decodes RFC 4648 base32 (the TOTP secret).
function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`base32: ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// totp is the RFC 6238 code (HMAC-SHA1, 30 s, 6 digits) of secret at step
// (default: now's). Test code only: custos uses pquerna/otp.
export function totp(secret, step = Math.floor(Date.now() / 30_000)) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

const stepNow = () => Math.floor(Date.now() / 30_000);

// nextCode answers a code custos takes now for the admin whose last
// accepted code was of step last: custos accepts the steps now-1..now+1,
// each once and only after the last one taken. So: the step after last or
// now, whichever is later; when that is still two steps ahead, it waits
// (at most one 30 s step) until it is within reach. Answers {code, step}.
async function nextCode(secret, last) {
  const step = Math.max(stepNow(), last + 1);
  const wait = (step - 1) * 30_000 - Date.now();
  assert.ok(wait <= 30_000, `nextCode: step ${step} is too far ahead`);
  if (wait > 0) await sleep(wait + 200);
  return { code: totp(secret, step), step };
}

// enroll takes page p, on the login page, through the first login of
// username: password, the enrollment with newPassword and the first code.
// Answers {secret, step} (the step of the code taken).
async function enroll(p, username, password, newPassword) {
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.getByRole('heading', { name: 'Set up your second factor' }).waitFor();
  const sec = (await p.locator('#totp-secret').textContent()).trim();
  await p.getByLabel('New password', { exact: true }).fill(newPassword);
  await p.getByLabel('New password again').fill(newPassword);
  const step = stepNow();
  await p.getByLabel('Code from your authenticator app').fill(totp(sec, step));
  await p.getByRole('button', { name: 'Confirm and sign in' }).click();
  await p.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  return { secret: sec, step };
}

let browser;
let page;
let secret; // the admin's TOTP secret
let lastStep; // the step of the last code custos took from the admin
const ADMIN_NEW_PASSWORD = `Console-owner-${randomBytes(6).toString('hex')}`;
const shop = { name: `Console Shop ${Date.now()}` };
const userEmail = uniqueEmail('console');
const userPassword = 'Console-user-pw-1';

before(async () => {
  assert.ok(ADMIN && ADMIN_PASSWORD, 'CUSTOS_ADMIN_USERNAME and CUSTOS_ADMIN_PASSWORD: set by browser_test.go');
  browser = await launch();
});
after(async () => { await browser?.close(); });

// look checks the page with axe at 1280 and at 390 px, where nothing may
// be wider than the window (no sideways scrolling), and photographs it as
// console-<name>.
async function look(p, name) {
  const before = p.viewportSize();
  await p.setViewportSize({ width: 1280, height: 800 });
  await axe(p);
  await p.setViewportSize({ width: 390, height: 844 });
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `console-${name} is ${width} px wide at 390 px: it scrolls sideways`);
  await axe(p);
  if (before) await p.setViewportSize(before);
  await shots(p, `console-${name}`);
}

// Chromium logs every refused request as a console error: the login's
// refusals (a wrong password, 403101 asking for the code) and the user
// write the schema refuses are the tests' own.
const LOGIN_REFUSALS = [/status of 40[13] .*\/admin\/api\/v1\/session\b/];
const REFUSALS = [...LOGIN_REFUSALS, /status of 422 .*\/admin\/api\/v1\/sites\/\d+\/users\/[0-9a-f]+\)$/,
  // The stale CSRF token's refusal, before the console takes the new one.
  /status of 403 .*\/admin\/api\/v1\/sites\/\d+\/policies\)$/];

// The steps share one page (one admin session), in order: step collects
// them and one test runs them as its subtests.
const steps = [];
const step = (name, fn) => steps.push([name, fn]);

// open goes to a console page (#/path) and waits for its heading.
async function open(path, heading) {
  await page.goto(`${CONSOLE}#${path}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

test('the console is served with a strict CSP and revalidated by ETag', async () => {
  const res = await fetch(CONSOLE);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-security-policy'), CSP);
  for (const f of ['js/app.js', 'console.css']) {
    assert.equal((await fetch(CONSOLE + f)).headers.get('content-security-policy'), CSP, f);
  }
  const etag = res.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(CONSOLE, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
});

step('the first admin logs in: password, TOTP enrollment, code', async () => {
  await page.goto(CONSOLE);
  await page.getByRole('heading', { level: 1, name: 'Sign in to the custos console' }).waitFor();
  assert.match(page.url(), /#\/login$/);
  await look(page, 'login');

  // A wrong password: refused, nothing told about the username.
  await page.getByLabel('Username').fill(ADMIN);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /403042/);

  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Set up your second factor' }).waitFor();
  secret = (await page.locator('#totp-secret').textContent()).trim();
  const uri = await page.locator('#totp-uri').textContent();
  assert.match(uri, /^otpauth:\/\/totp\//);
  assert.ok(uri.includes(`secret=${secret}`), uri);
  // The code: exactly six digits.
  const code = page.getByLabel('Code from your authenticator app');
  assert.equal(await code.getAttribute('maxlength'), '6');
  assert.equal(await code.getAttribute('pattern'), '[0-9]{6}');
  // The first login sets a password of the admin's own: not the one given.
  const np = page.getByLabel('New password', { exact: true });
  assert.equal(await np.getAttribute('autocomplete'), 'new-password');
  assert.equal(await np.getAttribute('minlength'), '12');
  await page.getByText('At least 12 characters, and not the password you were given.').waitFor();
  await look(page, 'enroll');
  await np.fill(ADMIN_PASSWORD);
  await page.getByLabel('New password again').fill(ADMIN_PASSWORD);
  await code.fill('123456');
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();
  await page.getByRole('alert').getByText(/not the password you were given/).waitFor();

  await np.fill(ADMIN_NEW_PASSWORD);
  await page.getByLabel('New password again').fill(ADMIN_NEW_PASSWORD);
  lastStep = stepNow();
  await code.fill(totp(secret, lastStep));
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  await page.locator('figure.chart svg').first().waitFor();
  await look(page, 'overview');
});

step('an enrolled admin signs in with password and then the code', async (t) => {
  const p = await newPage(t, browser, { viewport: { width: 390, height: 844 }, allow: LOGIN_REFUSALS });
  await p.goto(CONSOLE);
  await p.getByLabel('Username').fill(ADMIN);
  // The password is the admin's own now.
  await p.getByLabel('Password').fill(ADMIN_NEW_PASSWORD);
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.getByRole('heading', { name: 'Second step: your code' }).waitFor();
  await look(p, 'login-code');
  // A code of a later step than the enrollment's: each is taken once.
  const { code, step } = await nextCode(secret, lastStep);
  lastStep = step;
  await p.getByLabel('Code from your authenticator app').fill(code);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  // At 390 px the navigation folds behind the Menu button.
  const menu = p.getByRole('button', { name: 'Menu' });
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  await menu.click();
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  await p.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Sites' }).click();
  await p.getByRole('heading', { level: 1, name: 'Sites' }).waitFor();
  // Signing out ends the session.
  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.getByRole('heading', { level: 1, name: 'Sign in to the custos console' }).waitFor();
});

step('create a site and an application key: their secrets shown once', async () => {
  await open('/sites', 'Sites');
  await page.getByLabel('Name').fill(shop.name);
  await page.getByLabel('Domains').fill('localhost\nshop.example');
  await page.getByRole('button', { name: 'Create site' }).click();
  const box = page.locator('.secret');
  await box.waitFor();
  shop.apiKey = (await box.locator('[data-secret="API key"]').textContent()).trim();
  shop.secret = (await box.locator('[data-secret="Secret"]').textContent()).trim();
  await look(page, 'sites');
  // The secret signs server calls.
  const schema = await custosRPC('accounts.getSchema', {}, shop);
  assert.equal(schema.errorCode, 0, JSON.stringify(schema));

  await page.getByRole('link', { name: `Open ${shop.name}` }).click();
  await page.getByRole('heading', { level: 1, name: shop.name }).waitFor();
  shop.id = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
  assert.ok(!(await page.content()).includes(shop.secret), 'the site page shows the secret');
  await page.getByLabel('Key name').fill('console-key');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.locator('.secret [data-secret="Secret"]').waitFor();
  const keySecret = (await page.locator('.secret [data-secret="Secret"]').textContent()).trim();
  const userKey = (await page.locator('.secret [data-secret="User key"]').textContent()).trim();
  assert.ok(keySecret && userKey);
  await page.getByRole('cell', { name: 'console-key' }).waitFor();
  await look(page, 'site');
  // Shown once: not after a reload.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: shop.name }).waitFor();
  await page.getByRole('cell', { name: 'console-key' }).waitFor();
  const html = await page.content();
  assert.ok(!html.includes(keySecret) && !html.includes(shop.secret), 'a secret is shown after its creation');
});

step('change a policy', async () => {
  await open(`/sites/${shop.id}/policies`, `Policies of ${shop.name}`);
  const section = page.locator('form[data-section="passwordComplexity"]');
  // Labels in words: "Next URL", not "Next U R L".
  for (const label of ['Next URL', 'Reset URL', 'Require login ID', 'Prevent login ID harvesting', 'Regular expression']) {
    await page.getByLabel(label, { exact: true }).waitFor();
  }
  await section.getByLabel('Min length', { exact: true }).fill('12');
  await section.getByRole('button', { name: 'Save password complexity' }).click();
  await section.getByText('Password complexity saved.').waitFor();
  const res = await custosRPC('accounts.getPolicies', {}, shop);
  assert.equal(res.passwordComplexity.minLength, 12, JSON.stringify(res));
  await look(page, 'policies');

  // A login in another tab replaces the session (and its CSRF token): the
  // page's next write is refused with 403, asks GET /session for the new
  // token and goes through with it.
  const other = await page.context().newPage();
  await other.goto(CONSOLE);
  await other.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  // (This browser is signed in: the other tab forgets it and logs in anew.)
  await other.evaluate(() => localStorage.removeItem('custos.console.signedIn'));
  await other.reload();
  await other.getByLabel('Username').fill(ADMIN);
  await other.getByLabel('Password').fill(ADMIN_NEW_PASSWORD);
  await other.getByRole('button', { name: 'Continue' }).click();
  const next = await nextCode(secret, lastStep);
  lastStep = next.step;
  await other.getByLabel('Code from your authenticator app').fill(next.code);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await other.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  await other.close();
  await section.getByLabel('Min length', { exact: true }).fill('13');
  await section.getByRole('button', { name: 'Save password complexity' }).click();
  await section.getByText('Password complexity saved.').waitFor();
  assert.equal((await custosRPC('accounts.getPolicies', {}, shop)).passwordComplexity.minLength, 13);
});

step('add a schema field', async () => {
  await open(`/sites/${shop.id}/schema`, `Schema of ${shop.name}`);
  const add = page.getByRole('region', { name: 'Add a field' });
  await add.getByLabel('Field path').fill('plan');
  await add.getByLabel('Type').selectOption('basic-string');
  await add.getByLabel('Write access').selectOption('clientModify');
  await add.getByLabel('Format').fill('^(free|pro)$');
  await add.getByRole('button', { name: 'Add field' }).click();
  await page.getByRole('rowheader', { name: 'plan', exact: true }).waitFor();
  const res = await custosRPC('accounts.getSchema', { include: 'dataSchema' }, shop);
  const f = res.dataSchema.fields.plan;
  assert.equal(f.type, 'basic-string', JSON.stringify(res));
  assert.equal(f.writeAccess, 'clientModify');
  assert.equal(f.format, '^(free|pro)$');
  await look(page, 'schema');
});

step('find a user by query and disable them: their login fails with 403041', async () => {
  const reg = await custosRPC('accounts.register', { email: userEmail, password: userPassword,
    profile: { firstName: 'Ada', lastName: 'Console' }, data: { plan: 'pro' }, finalizeRegistration: true }, shop);
  assert.equal(reg.errorCode, 0, JSON.stringify(reg));
  assert.equal((await custosRPC('accounts.login', { loginID: userEmail, password: userPassword }, shop)).errorCode, 0);

  await open(`/sites/${shop.id}/users`, 'Users');
  await page.getByLabel('Query').fill(`SELECT * FROM accounts WHERE profile.lastName = "Console" AND data.plan = "pro"`);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('1 user found.').waitFor();
  await look(page, 'users');
  await page.getByRole('link', { name: userEmail }).click();
  await page.getByRole('heading', { level: 1, name: userEmail }).waitFor();
  // The login above: a live session and its event.
  await page.getByRole('region', { name: 'Sessions' }).waitFor();
  await page.getByRole('region', { name: 'Recent events' }).getByRole('rowheader', { name: 'login' }).first().waitFor();
  await look(page, 'user');

  await page.getByRole('button', { name: 'Disable' }).click();
  const dialog = page.getByRole('dialog', { name: /Disable this user/ });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('button', { name: 'Enable' }).waitFor();
  assert.ok(await page.getByText('disabled', { exact: true }).first().isVisible());

  const login = await custosRPC('accounts.login', { loginID: userEmail, password: userPassword }, shop);
  assert.equal(login.errorCode, 403041, JSON.stringify(login));

  // The data, edited through the schema (plan takes free or pro only).
  await page.getByText('Edit profile, data, preferences and subscriptions').click();
  await page.getByLabel('data', { exact: true }).fill('{"plan": "gold"}');
  await page.getByRole('button', { name: 'Save user' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /plan/);
  await page.getByLabel('data', { exact: true }).fill('{"plan": "free"}');
  // The heading is on the page already: wait for the save's own answer.
  const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/users/'));
  await page.getByRole('button', { name: 'Save user' }).click();
  assert.equal((await saved).status(), 200);
  await page.getByRole('heading', { level: 1, name: userEmail }).waitFor();
  const info = await custosRPC('accounts.getAccountInfo', { UID: reg.UID, include: 'data' }, shop);
  assert.equal(info.data.plan, 'free', JSON.stringify(info));
});

step('the audit log shows the changes', async () => {
  await open('/audit', 'Audit log');
  const log = page.getByRole('region', { name: 'Audit log' });
  for (const action of ['user.disable', 'policies.set', 'site.create', 'key.create']) {
    await log.getByRole('cell', { name: action, exact: true }).first().waitFor();
  }
  await log.getByText('Before and after').first().click();
  await look(page, 'audit');
});

step('the other pages pass axe and are photographed', async () => {
  await open(`/sites/${shop.id}/screen-sets`, `Screen-sets of ${shop.name}`);
  // A built-in set was never stored: no date (not one in year 1).
  const builtIn = page.getByRole('row', { name: /Default-RegistrationLogin/ });
  assert.equal((await builtIn.getByRole('cell').last().textContent()).trim(), '—');
  await look(page, 'screen-sets');
  await page.getByRole('link', { name: 'Default-RegistrationLogin' }).click();
  await page.getByRole('heading', { level: 1, name: 'Default-RegistrationLogin' }).waitFor();
  // The preview shows the markup, without running it.
  const preview = page.frameLocator('iframe.preview');
  await preview.locator('form').first().waitFor();
  await page.getByLabel('HTML').fill('<div class="gigya-screen-set"><div class="gigya-screen"><h2 class="x">Hello preview</h2></div></div><script>parent.document.title="pwned"</script>');
  await page.getByLabel('CSS').fill('.x { color: rgb(11, 92, 173); }');
  await preview.getByText('Hello preview').waitFor();
  assert.equal(await preview.locator('h2.x').evaluate((el) => getComputedStyle(el).color), 'rgb(11, 92, 173)');
  assert.doesNotMatch(await page.title(), /pwned/);
  await look(page, 'screen-set');
  // Saved, it is the site's own: after a reload the editor has it, and the
  // audit log tells.
  await page.getByRole('button', { name: 'Save screen-set' }).click();
  await page.locator('p.done', { hasText: 'Screen-set saved.' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Default-RegistrationLogin' }).waitFor();
  assert.match(await page.getByLabel('HTML').inputValue(), /Hello preview/);
  assert.equal(await page.getByLabel('CSS').inputValue(), '.x { color: rgb(11, 92, 173); }');
  await page.frameLocator('iframe.preview').getByText('Hello preview').waitFor();
  await open('/audit', 'Audit log');
  await page.getByRole('region', { name: 'Audit log' }).getByRole('cell', { name: 'screenset.put', exact: true }).first().waitFor();

  await open(`/sites/${shop.id}/oidc`, `OIDC clients of ${shop.name}`);
  const form = page.getByRole('region', { name: 'New client' });
  await form.getByLabel('Name').fill('Console RP');
  await form.getByLabel('Redirect URIs', { exact: true }).fill('https://rp.example/cb');
  await form.getByRole('button', { name: 'Create client' }).click();
  await page.locator('.secret [data-secret="Client secret"]').waitFor();
  await look(page, 'oidc');

  for (const [path, heading, name] of [['/outbox', 'Mail', 'outbox'], ['/jobs', 'Jobs', 'jobs']]) {
    await open(path, heading);
    await look(page, name);
  }
  // An unknown page, and an address with a malformed escape.
  await page.goto(`${CONSOLE}#/nowhere`);
  await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
  await page.goto(`${CONSOLE}#/sites/%E0`);
  await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
});

step('add a social provider: listed without its secret, and in the audit log', async () => {
  await open(`/sites/${shop.id}`, shop.name);
  await page.getByRole('main').getByRole('link', { name: /^Social providers/ }).click();
  await page.getByRole('heading', { level: 1, name: `Social providers of ${shop.name}` }).waitFor();
  const providerSecret = `gsecret-${randomBytes(6).toString('hex')}`;
  const form = page.getByRole('region', { name: 'New provider' });
  await form.getByLabel('Preset').selectOption('google');
  await form.getByLabel('Name', { exact: true }).fill('google');
  await form.getByLabel('Client ID').fill('console-google-client');
  await form.getByLabel('Client secret').fill(providerSecret);
  await form.getByLabel('Scopes').fill('openid email profile');
  await form.getByRole('button', { name: 'Add provider' }).click();
  const list = page.getByRole('region', { name: 'Social providers' });
  await list.getByRole('rowheader', { name: 'google', exact: true }).waitFor();
  await list.getByRole('cell', { name: 'console-google-client' }).waitFor();
  await list.getByRole('cell', { name: 'stored', exact: true }).waitFor();
  assert.doesNotMatch(await page.content(), new RegExp(providerSecret));
  await page.getByRole('textbox', { name: 'Redirect URIs' }).fill('https://shop.example/after-login');
  await page.getByRole('button', { name: 'Save redirect URIs' }).click();
  await page.locator('p.done', { hasText: 'Redirect URIs saved.' }).waitFor();
  await look(page, 'providers');
  await open('/audit', 'Audit log');
  const audit = page.getByRole('region', { name: 'Audit log' });
  await audit.getByRole('cell', { name: 'provider.set', exact: true }).first().waitFor();
  await audit.getByRole('cell', { name: 'social_redirect_uris.set', exact: true }).first().waitFor();
  assert.doesNotMatch(await page.content(), new RegExp(providerSecret));
});

step('a read-only admin sees the forms disabled, with a note; an owner changes a role on its Save button', async (t) => {
  // The owner creates the admin through the API (its answer holds the
  // generated password, once).
  await open('/', 'Overview');
  const username = `ro-${randomBytes(4).toString('hex')}`;
  const created = await page.evaluate(async (username) => {
    const s = await (await fetch('/admin/api/v1/session')).json();
    const res = await fetch('/admin/api/v1/admins', { method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken },
      body: JSON.stringify({ username, role: 'readonly' }) });
    return { status: res.status, body: await res.json() };
  }, username);
  assert.equal(created.status, 201, JSON.stringify(created));
  const ro = await newPage(t, browser, { allow: LOGIN_REFUSALS });
  await ro.goto(CONSOLE);
  await enroll(ro, username, created.body.password, `Readonly-own-${randomBytes(6).toString('hex')}`);
  // No enabled control that would write: the settings, policies and the
  // screen-set source are disabled (or read-only), and each page says why.
  const writable = 'main :is(input, select, textarea):not(:disabled):not([readonly])';
  for (const [path, heading] of [[`/sites/${shop.id}`, shop.name],
    [`/sites/${shop.id}/screen-sets/Default-RegistrationLogin`, 'Default-RegistrationLogin'],
    [`/sites/${shop.id}/policies`, `Policies of ${shop.name}`]]) {
    await ro.goto(`${CONSOLE}#${path}`);
    await ro.getByRole('heading', { level: 1, name: heading }).waitFor();
    await ro.getByText('Read-only: your role cannot change this.').waitFor();
    assert.equal(await ro.locator(writable).count(), 0, `${path}: a read-only admin has controls it cannot save`);
    assert.equal(await ro.locator('main button[type=submit]:not(:disabled)').count(), 0, `${path}: a submit button`);
  }
  assert.equal(await ro.locator('form[data-section] fieldset:disabled').count(), 7);
  await look(ro, 'policies-readonly');

  // The owner's admins page: choosing a role changes nothing until it is
  // saved and confirmed.
  await open('/admins', 'Admins');
  const role = page.getByLabel(`Role of ${username}`, { exact: true });
  await role.selectOption('operator');
  const list = async () => (await page.evaluate(async () => (await (await fetch('/admin/api/v1/admins')).json()).admins));
  assert.equal((await list()).find((a) => a.username === username).role, 'readonly');
  await page.getByRole('button', { name: `Save role of ${username}` }).click();
  const dialog = page.getByRole('dialog', { name: `Make ${username} operator?` });
  await dialog.getByRole('button', { name: 'Make operator' }).click();
  await page.getByText(`${username} is now operator.`).waitFor();
  assert.equal((await list()).find((a) => a.username === username).role, 'operator');
  await look(page, 'admins');
});

step('the keyboard reaches the skip link first and it moves focus to the page', async () => {
  await open('/', 'Overview');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
});

test('an admin at work in the console', async (t) => {
  page = await newPage(t, browser, { allow: REFUSALS });
  for (const [name, fn] of steps) await t.test(name, fn);
});

// The second custos ends an admin session after IDLE_MS without a request.
test('a session that ends mid-use: sign in again over the page, which keeps its edits and retries', async (t) => {
  assert.ok(IDLE.url && IDLE.username && IDLE.password && IDLE.siteID && IDLE_MS, 'CUSTOS_IDLE_*: set by browser_test.go');
  const idleConsole = `${IDLE.url}/console/`;
  // Each refused call with the ended session is logged by Chromium.
  const p = await newPage(t, browser, { allow: [...LOGIN_REFUSALS, /status of 401 .*\/admin\/api\/v1\//] });
  await p.goto(idleConsole);
  const own = `Idle-owner-${randomBytes(6).toString('hex')}`;
  let { secret: sec, step: last } = await enroll(p, IDLE.username, IDLE.password, own);

  // Typing makes no request: the session ends while the admin edits.
  await p.goto(`${idleConsole}#/sites/${IDLE.siteID}/screen-sets/Default-RegistrationLogin`);
  await p.getByRole('heading', { level: 1, name: 'Default-RegistrationLogin' }).waitFor();
  const html = '<div class="gigya-screen-set"><div class="gigya-screen"><h2>Kept across the sign-in</h2></div></div>';
  await p.getByLabel('HTML').fill(html);
  await sleep(IDLE_MS + 1500);
  await p.getByRole('button', { name: 'Save screen-set' }).click();
  const dialog = p.getByRole('dialog', { name: 'Your session ended' });
  await dialog.waitFor();
  assert.ok(await dialog.getByText(/what you entered stay as they are/).isVisible());
  await look(p, 'session-ended');
  // A wrong password: told so, still in the dialog.
  await dialog.getByLabel('Password').fill('not the password');
  const c1 = await nextCode(sec, last);
  await dialog.getByLabel('Code from your authenticator app').fill(c1.code);
  await dialog.getByRole('button', { name: 'Sign in and continue' }).click();
  await dialog.getByRole('alert').waitFor();
  await dialog.getByLabel('Password').fill(own);
  await dialog.getByRole('button', { name: 'Sign in and continue' }).click();
  last = c1.step;
  // The save went through after the sign-in, and the page kept the edit.
  await p.locator('p.done', { hasText: 'Screen-set saved.' }).waitFor();
  assert.equal(await dialog.count(), 0);
  assert.equal(await p.getByLabel('HTML').inputValue(), html);
  await p.reload();
  await p.getByRole('heading', { level: 1, name: 'Default-RegistrationLogin' }).waitFor();
  assert.equal(await p.getByLabel('HTML').inputValue(), html);

  // Giving up (the export of a user, after the session ended): the login
  // page, which says why, and after it the page the admin was on.
  const email = uniqueEmail('idle');
  const reg = await custosRPC('accounts.register', { email, password: 'Idle-user-pw-1', finalizeRegistration: true }, IDLE.site);
  assert.equal(reg.errorCode, 0, JSON.stringify(reg));
  await p.goto(`${idleConsole}#/sites/${IDLE.siteID}/users/${reg.UID}`);
  await p.getByRole('heading', { level: 1, name: email }).waitFor();
  await sleep(IDLE_MS + 1500);
  await p.getByRole('button', { name: 'Export as JSON' }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Go to the login page' }).click();
  await p.getByRole('heading', { level: 1, name: 'Sign in to the custos console' }).waitFor();
  await p.getByText('Your session ended.').waitFor();
  await look(p, 'login-session-ended');
  await p.getByLabel('Username').fill(IDLE.username);
  await p.getByLabel('Password').fill(own);
  await p.getByRole('button', { name: 'Continue' }).click();
  const c2 = await nextCode(sec, last);
  await p.getByLabel('Code from your authenticator app').fill(c2.code);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { level: 1, name: email }).waitFor();
});
