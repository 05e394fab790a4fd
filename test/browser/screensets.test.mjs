// Screen-sets end to end: a page of the site's origin (with a strict CSP)
// loads gigya.js from custos and runs Default-RegistrationLogin and
// Default-ProfileUpdate through registration with a required field,
// email verification, login, profile, logout, a wrong password, a
// forgotten password; the interruptions opened from the page's own calls;
// 200001 and 400103; axe on every screen; screenshots at 1280 and 390 px.
// It uses its own site (SCREENSETS_SITE), whose schema and policies it sets.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { axe, CUSTOS_URL, custosRPC, launch, mail, newPage, SCREENSETS_SITE, shots, SITE_URL, uniqueEmail, WAIT } from './lib.mjs';

const PAGE = `${SITE_URL}/screensets.html`;
const rpc = (method, params) => custosRPC(method, params, SCREENSETS_SITE);
const container = '#screen-set-container';

let browser;
before(async () => {
  browser = await launch();
  for (const [method, params] of [
    ['accounts.setSchema', { profileSchema: { fields: { zip: { required: true } } } }],
    ['accounts.setPolicies', { accountOptions: { verifyEmail: true },
      passwordReset: { resetURL: `${PAGE}?reset=1` } }],
  ]) {
    const res = await rpc(method, params);
    assert.equal(res.errorCode, 0, `${method}: ${JSON.stringify(res)}`);
  }
});
after(async () => { await browser?.close(); });

async function open(t, url = PAGE, allow = []) {
  const page = await newPage(t, browser, { allow });
  await page.goto(url);
  await page.waitForFunction(() => window.__ready === true);
  return page;
}

const show = (page, params) => page.evaluate((p) => window.show(p), params);
const events = (page) => page.evaluate(() => window.__events);
const results = (page) => page.evaluate(() => window.__results);

// result waits for the n-th (from 1) callback answer of a screen-set.
async function result(page, n = 1) {
  await page.waitForFunction((n) => window.__results.length >= n, n);
  return (await results(page))[n - 1];
}

// screen waits for a screen (by its heading) inside root and checks it with
// axe, then photographs the page.
async function screen(page, root, heading, name) {
  const h = page.locator(root).getByRole('heading', { name: heading, exact: true });
  try {
    await h.waitFor();
  } catch (err) {
    // Say where the flow went instead.
    const text = await page.locator(root).innerText().catch(() => '(none)');
    throw new Error(`${err.message}\nthe screen-set shows: ${text}\nevents: ${JSON.stringify(await events(page))}` +
      `\nresults: ${JSON.stringify(await results(page))}`);
  }
  await axe(page);
  if (name) await shots(page, `screenset-${name}`);
  return page.locator(root);
}

async function verifyByMail(email) {
  const m = await mail(email);
  const link = m.links.find((l) => l.includes('verify'));
  assert.ok(link, `no verification link in ${JSON.stringify(m.links)}`);
  const page = await newPage({ after: (fn) => cleanups.push(fn) }, browser);
  await page.goto(link);
  await page.locator('form [type=submit]').click();
  await page.waitForLoadState();
  await page.close();
}
const cleanups = [];
after(async () => { for (const fn of cleanups) await fn(); });

const password = 'first-pass-1';
const email = uniqueEmail('ss');
let uid;

test('register with a required field, verify, log in, read, update, log out', async (t) => {
  const page = await open(t);
  await show(page, { screenSet: 'Default-RegistrationLogin', containerID: 'screen-set-container' });
  let root = await screen(page, container, 'Log in', 'login');
  await root.getByRole('link', { name: 'Create an account' }).click();
  root = await screen(page, container, 'Create an account', 'register');

  // The retyped password is checked in the browser first.
  await root.getByLabel('First name').fill('Ada');
  await root.getByLabel('Last name').fill('Lovelace');
  await root.getByLabel('Email').fill(email);
  await root.getByLabel('Password', { exact: true }).fill(password);
  await root.getByLabel('Confirm password', { exact: true }).fill('something-else');
  await root.getByRole('button', { name: 'Create account' }).click();
  const retype = root.getByLabel('Confirm password', { exact: true });
  await assert.doesNotReject(retype.and(page.locator('[aria-invalid=true]')).waitFor());
  assert.match(await root.locator('.gigya-error-msg-active').first().textContent(), /do not match/);
  await retype.fill(password);
  await root.getByRole('button', { name: 'Create account' }).click();

  // zip is required and not on the form: the registration is pending.
  root = await screen(page, container, 'Complete your registration', 'complete-registration');
  await root.getByLabel('Postal code').fill('10115');
  await root.getByRole('button', { name: 'Continue' }).click();

  // The site requires a verified email: finalizing answers 206002.
  root = await screen(page, container, 'Verify your email', 'verification-pending');
  await verifyByMail(email);

  await root.getByRole('link', { name: 'Back to log in' }).click();
  root = await screen(page, container, 'Log in');
  await root.getByLabel('Email or username').fill(email);
  await root.getByLabel('Password', { exact: true }).fill(password);
  await root.getByRole('button', { name: 'Log in' }).click();
  const done = await result(page);
  assert.equal(done.errorCode, 0, JSON.stringify(done));
  uid = done.UID;
  assert.ok(uid);
  const ev = await events(page);
  assert.ok(ev.some((e) => e.kind === 'login' && e.UID === uid), JSON.stringify(ev));
  assert.ok(ev.some((e) => e.kind === 'hide' && e.reason === 'finished'));
  assert.ok(ev.some((e) => e.kind === 'afterSubmit'));
  assert.equal(await page.locator(`${container} .gigya-screen`).count(), 0, 'the screen-set is gone when it finished');

  // The session is the page's: the account reads back.
  const info = await page.evaluate(() => new Promise((r) => window.gigya.accounts.getAccountInfo({ callback: r })));
  assert.equal(info.errorCode, 0, JSON.stringify(info));
  assert.equal(info.UID, uid);
  assert.equal(info.profile.zip, '10115');
  assert.equal(info.profile.firstName, 'Ada');
  assert.equal(info.isVerified, true);

  // The profile screen reads the account and writes the change.
  await show(page, { screenSet: 'Default-ProfileUpdate', containerID: 'screen-set-container' });
  root = await screen(page, container, 'Your profile', 'profile');
  assert.equal(await root.getByLabel('First name').inputValue(), 'Ada');
  assert.equal(await root.getByLabel('Postal code').inputValue(), '10115');
  await root.getByLabel('First name').fill('Augusta');
  await root.getByLabel('City').fill('London');
  await root.getByRole('button', { name: 'Save' }).click();
  const saved = await result(page, 2);
  assert.equal(saved.errorCode, 0, JSON.stringify(saved));
  const updated = await page.evaluate(() => new Promise((r) => window.gigya.accounts.getAccountInfo({ callback: r })));
  assert.equal(updated.profile.firstName, 'Augusta');
  assert.equal(updated.profile.city, 'London');

  // The password changes from the profile set; a wrong current one is said at its field.
  await show(page, { screenSet: 'Default-ProfileUpdate', containerID: 'screen-set-container',
    startScreen: 'gigya-change-password-screen' });
  root = await screen(page, container, 'Change your password', 'change-password');
  await root.getByLabel('Current password').fill('not-the-password');
  await root.getByLabel('New password', { exact: true }).fill('second-pass-2');
  await root.getByLabel('Confirm new password').fill('second-pass-2');
  await root.getByRole('button', { name: 'Change the password' }).click();
  await root.getByRole('alert').filter({ hasText: /current password is not correct|Invalid/ }).waitFor();
  await axe(page);
  await shots(page, 'screenset-change-password-error');
  await root.getByLabel('Current password').fill(password);
  await root.getByRole('button', { name: 'Change the password' }).click();
  await screen(page, container, 'Password changed', 'change-password-success');

  // Logout fires onLogout.
  await page.evaluate(() => new Promise((r) => window.gigya.accounts.logout({ callback: r })));
  await page.waitForFunction(() => window.__events.some((e) => e.kind === 'logout'));
});

test('a wrong password is shown at the form; a forgotten password is reset', async (t) => {
  assert.ok(uid, 'the registration test ran first');
  const page = await open(t);
  await show(page, { screenSet: 'Default-RegistrationLogin', containerID: 'screen-set-container' });
  let root = await screen(page, container, 'Log in');
  await root.getByLabel('Email or username').fill(email);
  await root.getByLabel('Password', { exact: true }).fill('wrong-password-9');
  await root.getByRole('button', { name: 'Log in' }).click();
  const alert = root.getByRole('alert').filter({ hasText: 'Invalid login or password.' });
  await alert.waitFor();
  await axe(page);
  await shots(page, 'screenset-login-error');
  const ev = await events(page);
  assert.ok(ev.some((e) => e.kind === 'error' && e.errorCode === 403042), JSON.stringify(ev));
  assert.ok(!ev.some((e) => e.kind === 'login'));

  await root.getByRole('link', { name: 'Forgot your password?' }).click();
  root = await screen(page, container, 'Forgot your password?', 'forgot-password');
  await root.getByLabel('Email').fill(email);
  await root.getByRole('button', { name: 'Send the link' }).click();
  await screen(page, container, 'Check your email', 'forgot-password-success');

  // The mail links to the site's page (passwordReset.resetURL) with pwrt.
  const m = await mail(email);
  const link = m.links.find((l) => l.includes('pwrt='));
  assert.ok(link && link.startsWith(PAGE), JSON.stringify(m.links));
  const reset = await open(t, link);
  await show(reset, { screenSet: 'Default-RegistrationLogin', containerID: 'screen-set-container',
    startScreen: 'gigya-reset-password-screen' });
  root = await screen(reset, container, 'Choose a new password', 'reset-password');
  await root.getByLabel('New password', { exact: true }).fill('third-pass-3');
  await root.getByLabel('Confirm password', { exact: true }).fill('third-pass-3');
  await root.getByRole('button', { name: 'Save the password' }).click();
  root = await screen(reset, container, 'Password changed', 'reset-password-success');
  await root.getByRole('link', { name: 'Log in' }).click();
  root = await screen(reset, container, 'Log in');
  await root.getByLabel('Email or username').fill(email);
  await root.getByLabel('Password', { exact: true }).fill('third-pass-3');
  await root.getByRole('button', { name: 'Log in' }).click();
  const done = await result(reset);
  assert.equal(done.errorCode, 0, JSON.stringify(done));
  assert.equal(done.UID, uid);
});

test('200001 when the user closes the modal; 400103 for a missing container', async (t) => {
  const page = await open(t);
  await show(page, { screenSet: 'Default-RegistrationLogin' });
  const dialog = page.getByRole('dialog', { name: 'Log in' });
  await dialog.waitFor();
  await axe(page);
  await shots(page, 'screenset-modal');
  await dialog.getByRole('button', { name: 'Close' }).click();
  const closed = await result(page);
  assert.equal(closed.errorCode, 200001, JSON.stringify(closed));
  assert.equal(await page.getByRole('dialog').count(), 0);
  assert.ok((await events(page)).some((e) => e.kind === 'hide' && e.reason === 'canceled'));

  // Escape closes it too.
  await show(page, { screenSet: 'Default-RegistrationLogin', startScreen: 'gigya-register-screen' });
  await page.getByRole('dialog', { name: 'Create an account' }).waitFor();
  await page.keyboard.press('Escape');
  assert.equal((await result(page, 2)).errorCode, 200001);

  await show(page, { screenSet: 'Default-RegistrationLogin', containerID: 'no-such-element' });
  const missing = await result(page, 3);
  assert.equal(missing.errorCode, 400103, JSON.stringify(missing));
  assert.ok((await events(page)).some((e) => e.kind === 'error' && e.errorCode === 400103));
});

test("the page's own calls open the default screen-set on 206002 and 403100", async (t) => {
  const pendingEmail = uniqueEmail('pending');
  const reg = await rpc('accounts.register', { email: pendingEmail, password, profile: { zip: '1010' },
    finalizeRegistration: true });
  assert.equal(reg.errorCode, 206002, JSON.stringify(reg));

  const page = await open(t);
  const login = (loginID, pw) => page.evaluate(([loginID, password]) => {
    window.gigya.accounts.login({ loginID, password,
      callback: (r) => window.__results.push({ screenSet: 'login', errorCode: r.errorCode, UID: r.UID }) });
  }, [loginID, pw]);

  // A custom login form of an unverified account: the verification screen.
  await login(pendingEmail, password);
  const dialog = page.getByRole('dialog', { name: 'Verify your email' });
  await dialog.waitFor();
  await axe(page);
  await dialog.getByRole('button', { name: 'Send the email again' }).click();
  await screen(page, 'dialog', 'Email sent', 'verification-sent');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  assert.equal((await result(page)).errorCode, 200001);

  // A password the server wants changed: the change screen, then the login.
  const req = await rpc('accounts.setAccountInfo', { UID: uid, requirePasswordChange: true });
  assert.equal(req.errorCode, 0, JSON.stringify(req));
  await login(email, 'third-pass-3');
  const change = await screen(page, 'dialog', 'Change your password', 'password-change-required');
  await change.getByLabel('New password', { exact: true }).fill('fourth-pass-4');
  await change.getByLabel('Confirm password', { exact: true }).fill('fourth-pass-4');
  await change.getByRole('button', { name: 'Change the password' }).click();
  const done = await result(page, 2);
  assert.equal(done.errorCode, 0, JSON.stringify(done));
  assert.equal(done.UID, uid);
  assert.ok((await events(page)).some((e) => e.kind === 'login' && e.UID === uid));
  assert.equal(await page.getByRole('dialog').count(), 0);
});

test('a page template, a stored set stripped of script, German, customLang', async (t) => {
  const stored = await rpc('accounts.setScreenSet', { screenSetID: 'Shop-Newsletter', css: '.shop-nl { color: #1f2328; }',
    html: `<div class="gigya-screen-set" id="Shop-Newsletter"><div class="gigya-screen" id="nl-screen">
      <h2 class="shop-nl" onmouseover="window.__injected = 1">Shop newsletter</h2><script>window.__injected = 2</script>
      <p><a id="nl-link" href="javascript:window.__injected = 3">Terms</a></p>
      <form class="gigya-profile-form" id="nl-form"><label for="nl-city">City</label>
      <input id="nl-city" name="profile.city" onfocus="window.__injected = 4">
      <input type="submit" class="gigya-input-submit" value="Save"></form></div></div>` });
  assert.equal(stored.errorCode, 0, JSON.stringify(stored));

  // Chrome reports the handlers of the stored markup when it parses them
  // under the page's CSP (they could not run there anyway): allowed here.
  const page = await open(t, PAGE, [/inline event handler violates/]);
  await show(page, { screenSet: 'Page-Newsletter', containerID: 'screen-set-container' });
  let root = await screen(page, container, 'Newsletter');
  assert.notEqual(await root.getByLabel('City').getAttribute('id'), 'page-nl-city', 'ids of the live copy are its own');

  await show(page, { screenSet: 'Shop-Newsletter', containerID: 'screen-set-container' });
  root = await screen(page, container, 'Shop newsletter');
  const city = root.getByLabel('City');
  await city.focus();
  await root.getByRole('heading').hover();
  assert.equal(await page.evaluate(() => window.__injected), undefined);
  assert.equal(await root.locator('script').count(), 0);
  assert.equal(await city.getAttribute('onfocus'), null);
  assert.equal(await root.getByText('Terms').getAttribute('href'), null);

  await show(page, { screenSet: 'Default-RegistrationLogin', containerID: 'screen-set-container', lang: 'de' });
  const de = await screen(page, container, 'Anmelden', 'login-de');
  assert.equal(await page.locator(`${container} .gigya-screen-set`).getAttribute('lang'), 'de');
  await de.getByRole('button', { name: 'Anmelden' }).click();
  await de.getByText('Dieses Feld ist erforderlich.').first().waitFor();

  await show(page, { screenSet: 'Default-RegistrationLogin', containerID: 'screen-set-container',
    customLang: { LOGIN_SCREEN_CAPTION: 'Welcome back', this_field_is_required: 'Please fill this in.' } });
  const custom = await screen(page, container, 'Welcome back');
  await custom.getByRole('button', { name: 'Log in' }).click();
  await custom.getByText('Please fill this in.').first().waitFor({ timeout: WAIT });
});

test("a stored set's javascript runs as hooks, from custos's origin, when the site allows it", async (t) => {
  const stored = await rpc('accounts.setScreenSet', { screenSetID: 'Shop-Hooks',
    html: `<div class="gigya-screen-set" id="Shop-Hooks"><div class="gigya-screen" id="hooks-screen">
      <h2>Hooks</h2></div></div>`,
    javascript: `{
      onAfterScreenLoad: function (e) { window.__hooked = e.currentScreen; },
      onBeforeScreenLoad: function (e) { window.__before = e.nextScreen; }
    }` });
  assert.equal(stored.errorCode, 0, JSON.stringify(stored));
  const page = await open(t);
  await page.evaluate(() => window.gigya.accounts.showScreenSet({ screenSet: 'Shop-Hooks',
    containerID: 'screen-set-container' }));
  await screen(page, container, 'Hooks');
  await page.waitForFunction(() => window.__hooked === 'hooks-screen');
  assert.equal(await page.evaluate(() => window.__before), 'hooks-screen');
});

test("the hosted login page, on custos's origin, never loads a set's hooks", async (t) => {
  const stored = await rpc('accounts.setScreenSet', { screenSetID: 'Shop-Hooks-Hosted',
    html: `<div class="gigya-screen-set" id="Shop-Hooks-Hosted"><div class="gigya-screen" id="hosted-hooks-screen">
      <h2>Hosted hooks</h2></div></div>`,
    javascript: '{ onAfterScreenLoad: function () { window.__hooked = true; } }' });
  assert.equal(stored.errorCode, 0, JSON.stringify(stored));
  // The page's CSP would block the hooks script with a console error, which
  // fails the test (newPage); the SDK must not even ask for it.
  const page = await newPage(t, browser);
  const asked = [];
  page.on('request', (req) => { if (req.url().includes('/js/screenset-hooks.js')) asked.push(req.url()); });
  await page.goto(`${CUSTOS_URL}/pages/login?apiKey=${encodeURIComponent(SCREENSETS_SITE.apiKey)}`);
  await page.locator('#custos-login input[name="loginID"]').waitFor();
  await page.evaluate(() => window.gigya.accounts.showScreenSet({ screenSet: 'Shop-Hooks-Hosted',
    containerID: 'custos-login' }));
  await page.locator('#custos-login').getByRole('heading', { name: 'Hosted hooks' }).waitFor();
  assert.equal(await page.locator('script[src*="screenset-hooks.js"]').count(), 0);
  assert.deepEqual(asked, []);
  assert.equal(await page.evaluate(() => window.__hooked), undefined);
});

test("the default sets look like custos's hosted pages and take their theme", async (t) => {
  const accent = (page, root) => page.locator(`${root} .gigya-input-submit`).first()
    .evaluate((el) => getComputedStyle(el).backgroundColor);
  // On the site's page, unthemed: the hosted pages' accent (pages.css).
  const page = await open(t);
  await show(page, { screenSet: 'Default-RegistrationLogin', containerID: 'screen-set-container' });
  await screen(page, container, 'Log in');
  assert.equal(await accent(page, container), 'rgb(11, 92, 173)');

  // The site's theme of custos's pages, on :root, restyles the screen-set
  // of the hosted login page too.
  const themed = await rpc('fidm.oidc.op.setConfig', { stylesheet: ':root { --custos-accent: #6b2fb3; }' });
  assert.equal(themed.errorCode, 0, JSON.stringify(themed));
  t.after(() => rpc('fidm.oidc.op.setConfig', { stylesheet: '' }));
  const hosted = await newPage(t, browser);
  await hosted.goto(`${CUSTOS_URL}/pages/login?apiKey=${encodeURIComponent(SCREENSETS_SITE.apiKey)}`);
  await hosted.locator('#custos-login input[name="loginID"]').waitFor();
  assert.equal(await accent(hosted, '#custos-login'), 'rgb(107, 47, 179)');
  await axe(hosted);
  await shots(hosted, 'screenset-hosted-themed');
});

test('the profile form sends what the user changed: an emptied field removes the value', async (t) => {
  const profileEmail = uniqueEmail('clear');
  const pw = 'clear-pass-1';
  const UID = `clear-${randomBytes(6).toString('hex')}`;
  const imported = await rpc('accounts.importFullAccount', { UID,
    isRegistered: true, isVerified: true, loginIDs: { emails: [profileEmail] }, emails: { verified: [profileEmail] },
    profile: { email: profileEmail, firstName: 'Grace', lastName: 'Hopper', city: 'Arlington', zip: '22201' },
    password: { hashedPassword: createHash('sha256').update(pw).digest('base64'), hashSettings: { algorithm: 'sha256' } } });
  assert.equal(imported.errorCode, 0, JSON.stringify(imported));
  const page = await open(t);
  const login = await page.evaluate(([loginID, password]) => new Promise((r) => window.gigya.accounts.login({
    loginID, password, callback: (res) => r(res.errorCode) })), [profileEmail, pw]);
  assert.equal(login, 0);
  const sent = [];
  page.on('request', (req) => {
    if (req.url().endsWith('/accounts.setAccountInfo')) sent.push(new URLSearchParams(req.postData()).get('profile'));
  });

  await show(page, { screenSet: 'Default-ProfileUpdate', containerID: 'screen-set-container' });
  let root = await screen(page, container, 'Your profile');
  assert.equal(await root.getByLabel('City').inputValue(), 'Arlington');
  // A required field cannot be emptied: the server's rule, said at the field.
  await root.getByLabel('Postal code').fill('');
  await root.getByRole('button', { name: 'Save' }).click();
  await root.getByLabel('Postal code').and(page.locator('[aria-invalid=true]')).waitFor();
  assert.deepEqual(JSON.parse(sent.at(-1)), { zip: null });

  await root.getByLabel('Postal code').fill('22201');
  await root.getByLabel('City').fill('');
  await root.getByLabel('Last name').fill('');
  await root.getByRole('button', { name: 'Save' }).click();
  const saved = await result(page);
  assert.equal(saved.errorCode, 0, JSON.stringify(saved));
  assert.deepEqual(JSON.parse(sent.at(-1)), { city: null, lastName: null }, 'only the changes, a clearing as null');
  const account = await rpc('accounts.getAccountInfo', { UID });
  assert.equal(account.errorCode, 0, JSON.stringify(account));
  assert.equal(account.profile.city, undefined);
  assert.equal(account.profile.lastName, undefined);
  assert.equal(account.profile.firstName, 'Grace');
  assert.equal(account.profile.zip, '22201');

  // Shown again, the emptied fields stay empty.
  await show(page, { screenSet: 'Default-ProfileUpdate', containerID: 'screen-set-container' });
  root = await screen(page, container, 'Your profile');
  assert.equal(await root.getByLabel('City').inputValue(), '');
  assert.equal(await root.getByLabel('First name').inputValue(), 'Grace');
});
