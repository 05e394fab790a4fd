// The admin console (/console/) in Chromium: the first admin's login with
// TOTP enrollment, then a login with password and code; create a site and an
// application key (secrets shown once), change a policy, add a schema field,
// find a user by query and disable them (their login then fails with
// 403041), and see it all in the audit log. axe on each page, and a
// screenshot of each at 1280 and 390 px.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { axe, CUSTOS_URL, custosRPC, launch, newPage, shots, uniqueEmail } from './lib.mjs';

const ADMIN = process.env.CUSTOS_ADMIN_USERNAME;
const ADMIN_PASSWORD = process.env.CUSTOS_ADMIN_PASSWORD;
const CONSOLE = `${CUSTOS_URL}/console/`;

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

let browser;
let page;
let secret; // the admin's TOTP secret
let enrolledStep;
const shop = { name: `Console Shop ${Date.now()}` };
const userEmail = uniqueEmail('console');
const userPassword = 'Console-user-pw-1';

before(async () => {
  assert.ok(ADMIN && ADMIN_PASSWORD, 'CUSTOS_ADMIN_USERNAME and CUSTOS_ADMIN_PASSWORD: set by browser_test.go');
  browser = await launch();
});
after(async () => { await browser?.close(); });

// look checks the page with axe and photographs it as console-<name>.
async function look(p, name) {
  await axe(p);
  await shots(p, `console-${name}`);
}

// Chromium logs every refused request as a console error: the login's
// refusals (a wrong password, 403101 asking for the code) and the user
// write the schema refuses are the tests' own.
const LOGIN_REFUSALS = [/status of 40[13] .*\/admin\/api\/v1\/session\b/];
const REFUSALS = [...LOGIN_REFUSALS, /status of 422 .*\/admin\/api\/v1\/sites\/\d+\/users\/[0-9a-f]+\)$/];

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
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe/);
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
  await look(page, 'enroll');

  enrolledStep = Math.floor(Date.now() / 30_000);
  await page.getByLabel('Code from your authenticator app').fill(totp(secret, enrolledStep));
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  await page.locator('figure.chart svg').first().waitFor();
  await look(page, 'overview');
});

step('an enrolled admin signs in with password and then the code', async (t) => {
  const p = await newPage(t, browser, { viewport: { width: 390, height: 844 }, allow: LOGIN_REFUSALS });
  await p.goto(CONSOLE);
  await p.getByLabel('Username').fill(ADMIN);
  await p.getByLabel('Password').fill(ADMIN_PASSWORD);
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.getByRole('heading', { name: 'Second step: your code' }).waitFor();
  await look(p, 'login-code');
  // The code of the step after the enrollment's: each code is taken once.
  await p.getByLabel('Code from your authenticator app').fill(totp(secret, enrolledStep + 1));
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
  await section.getByLabel('Min Length').fill('12');
  await section.getByRole('button', { name: 'Save password complexity' }).click();
  await section.getByText('Password complexity saved.').waitFor();
  const res = await custosRPC('accounts.getPolicies', {}, shop);
  assert.equal(res.passwordComplexity.minLength, 12, JSON.stringify(res));
  await look(page, 'policies');
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
  await page.getByRole('button', { name: 'Save user' }).click();
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

  await open(`/sites/${shop.id}/oidc`, `OIDC clients of ${shop.name}`);
  const form = page.getByRole('region', { name: 'New client' });
  await form.getByLabel('Name').fill('Console RP');
  await form.getByLabel('Redirect URIs', { exact: true }).fill('https://rp.example/cb');
  await form.getByRole('button', { name: 'Create client' }).click();
  await page.locator('.secret [data-secret="Client secret"]').waitFor();
  await look(page, 'oidc');

  for (const [path, heading, name] of [['/outbox', 'Mail', 'outbox'], ['/jobs', 'Jobs', 'jobs'], ['/admins', 'Admins', 'admins']]) {
    await open(path, heading);
    await look(page, name);
  }
  // An unknown page.
  await page.goto(`${CONSOLE}#/nowhere`);
  await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
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
