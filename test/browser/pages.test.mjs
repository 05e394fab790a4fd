// custos's hosted pages in a real browser: the email verification and
// password reset pages a mail links to, the hosted login page (the Web SDK
// showing Default-RegistrationLogin on custos's origin), and the OpenID
// Provider's login and consent pages, end to end. Every page is checked by
// axe and photographed at 1280 and 390 px; newPage fails a test on any
// console error, which includes every Content-Security-Policy violation.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { API_KEY, axe, CUSTOS_URL, custosRPC, launch, newPage, shots, SITE_URL, uniqueEmail, mail, WAIT } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
  // The pages' "Continue" goes to the site: a page of the test site.
  const res = await custosRPC('accounts.setPolicies', { emailVerification: { nextURL: `${SITE_URL}/pages-next.html` } });
  assert.equal(res.errorCode, 0, JSON.stringify(res));
});
after(async () => { await browser?.close(); });

// account writes a registered account with password pw, its email
// verified or not, through accounts.importFullAccount: a server call that
// no policy or schema field of the shared test site can turn into a
// pending registration.
async function account(prefix, pw, { verified = true } = {}) {
  const email = uniqueEmail(prefix);
  const UID = `pages-${randomBytes(6).toString('hex')}`;
  const res = await custosRPC('accounts.importFullAccount', {
    UID,
    isRegistered: true,
    isVerified: verified,
    loginIDs: verified ? { emails: [email] } : { unverifiedEmails: [email] },
    emails: verified ? { verified: [email] } : { unverified: [email] },
    profile: { email, firstName: 'Pat' },
    password: { hashedPassword: createHash('sha256').update(pw).digest('base64'), hashSettings: { algorithm: 'sha256' } },
  });
  assert.equal(res.errorCode, 0, JSON.stringify(res));
  return { email, UID };
}

// link is the first link of the last mail to `to` whose path is path.
async function link(to, path) {
  const m = await mail(to);
  const found = m.links.find((l) => new URL(l).pathname === path);
  assert.ok(found, `no ${path} link in the mail to ${to}: ${JSON.stringify(m.links)}`);
  return found;
}

// branded checks the page names the site in its header.
async function branded(page) {
  assert.equal((await page.locator('.custos-site-name').textContent()).trim(), 'Browser Test Shop');
}

// loginWorks tells whether pw logs email in (a client call, as a page's).
async function loginCode(email, pw) {
  const res = await fetch(`${CUSTOS_URL}/accounts.login`, { method: 'POST',
    body: new URLSearchParams({ apiKey: API_KEY, loginID: email, password: pw }), signal: AbortSignal.timeout(WAIT) });
  return (await res.json()).errorCode;
}

test('the email verification page: confirm, continue to the site, a used link', async (t) => {
  const { email, UID } = await account('verify', 'first-password-1', { verified: false });
  const sent = await custosRPC('accounts.resendVerificationCode', { UID });
  assert.equal(sent.errorCode, 0, JSON.stringify(sent));
  const href = await link(email, '/account/verify-email');

  // The used link answers 404: Chromium logs the status of the page.
  const page = await newPage(t, browser, { allow: [/status of 404/] });
  await page.goto(href);
  await page.getByRole('heading', { level: 1, name: 'Confirm your email address' }).waitFor();
  await branded(page);
  await axe(page);
  await shots(page, 'pages-verify-confirm');

  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await page.getByRole('heading', { level: 1, name: 'Email address verified' }).waitFor();
  await branded(page);
  await axe(page);
  await shots(page, 'pages-verify-done');

  await page.getByRole('link', { name: 'Continue' }).click();
  await page.waitForURL(`${SITE_URL}/pages-next.html`);

  await page.goto(href);
  await page.getByRole('heading', { level: 1, name: 'This link is not valid' }).waitFor();
  await axe(page);
  await shots(page, 'pages-link-invalid');
});

test('the password reset page: errors at their fields, then the new password works', async (t) => {
  const { email } = await account('reset', 'first-password-1');
  const sent = await custosRPC('accounts.resetPassword', { loginID: email });
  assert.equal(sent.errorCode, 0, JSON.stringify(sent));
  const href = await link(email, '/account/reset-password');

  // A form with problems answers 422: Chromium logs the status of the page.
  const page = await newPage(t, browser, { allow: [/status of 422/] });
  await page.goto(href);
  await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
  await branded(page);
  await axe(page);
  await shots(page, 'pages-reset-form');

  // Two different passwords: the summary takes the focus and links to the
  // field, which says what is wrong.
  await page.getByLabel('New password', { exact: true }).fill('second-password-2');
  await page.getByLabel('Repeat the new password').fill('other-password-3');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  const summary = page.getByRole('alert');
  await summary.waitFor();
  assert.match(await summary.textContent(), /The two passwords differ\./);
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'custos-summary');
  assert.equal(await page.getByLabel('Repeat the new password').getAttribute('aria-invalid'), 'true');
  await axe(page);
  await shots(page, 'pages-reset-error');

  // The domain's rule, in the page's words.
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByLabel('Repeat the new password').fill('short');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByText('password is too short', { exact: false }).first().waitFor();
  assert.equal(await page.getByLabel('New password', { exact: true }).getAttribute('aria-invalid'), 'true');

  await page.getByLabel('New password', { exact: true }).fill('second-password-2');
  await page.getByLabel('Repeat the new password').fill('second-password-2');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your password is changed' }).waitFor();
  await branded(page);
  await axe(page);
  await shots(page, 'pages-reset-done');
  assert.equal(await page.getByRole('link', { name: 'Continue' }).getAttribute('href'), `${SITE_URL}/pages-next.html`);

  assert.equal(await loginCode(email, 'second-password-2'), 0);
  assert.equal(await loginCode(email, 'first-password-1'), 403042);
});

const loginURL = (params = {}) => {
  const u = new URL(`${CUSTOS_URL}/pages/login`);
  u.searchParams.set('apiKey', API_KEY);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
};

test('the hosted login page: logs in with the screen-set and continues to the site', async (t) => {
  const pw = 'hosted-password-1';
  const { email } = await account('hosted', pw);

  const page = await newPage(t, browser);
  await page.goto(loginURL({ next: `${SITE_URL}/pages-next.html` }));
  const loginID = page.locator('#custos-login input[name="loginID"]');
  await loginID.waitFor();
  await branded(page);
  await axe(page);
  await shots(page, 'pages-hosted-login');

  await loginID.fill(email);
  await page.locator('#custos-login input[name="password"]').fill(pw);
  await page.locator('#custos-login input[name="password"]').press('Enter');
  await page.waitForURL(`${SITE_URL}/pages-next.html`);
});

// hostedLogin logs a new account in on the hosted login page without next.
async function hostedLogin(t, prefix) {
  const pw = `${prefix}-password-2`;
  const { email } = await account(prefix, pw);
  const page = await newPage(t, browser, { viewport: { width: 390, height: 844 } });
  await page.goto(loginURL());
  await page.locator('#custos-login input[name="loginID"]').fill(email);
  await page.locator('#custos-login input[name="password"]').fill(pw);
  await page.locator('#custos-login input[name="password"]').press('Enter');
  const status = page.locator('#custos-done-text');
  await status.waitFor();
  assert.equal(await status.textContent(), 'You are logged in as Pat.');
  return { page, status };
}

test('the hosted login page without next: says who is logged in, and logs out', async (t) => {
  const { page } = await hostedLogin(t, 'hosted');
  await axe(page);
  await shots(page, 'pages-hosted-logged-in');

  // The logout reaches custos (the session is its HttpOnly cookie here),
  // which then knows no session.
  const sent = page.waitForResponse((r) => r.url() === `${CUSTOS_URL}/accounts.logout`);
  await page.getByRole('button', { name: 'Log out' }).click();
  assert.equal((await (await sent).json()).errorCode, 0);
  await page.locator('#custos-login input[name="loginID"]').waitFor();
  assert.equal(await page.locator('#custos-done').isHidden(), true);
  const after = await page.evaluate(async (url) => (await (await fetch(url, { method: 'POST', credentials: 'include',
    body: new URLSearchParams({ apiKey: window.gigya.thisScript.APIKey, format: 'json' }) })).json()).errorCode,
  `${CUSTOS_URL}/accounts.getAccountInfo`);
  assert.notEqual(after, 0, 'no session after logout');
});

// On custos's own origin, accounts.login's Set-Cookie (glt_<apiKey>,
// HttpOnly) is the session: the SDK there reads no cookie of its own and asks
// the server, so a reload (a later visit) finds the person logged in, and
// logging out ends it for the next visit too.
test('the hosted login page finds the session on a later visit', async (t) => {
  const { page, status } = await hostedLogin(t, 'revisit');
  await page.reload();
  await status.waitFor();
  assert.equal(await status.textContent(), 'You are logged in as Pat.');
  assert.equal(await page.evaluate(() => window.gigya.hasSession()), true);
  const info = await page.evaluate(() => new Promise((resolve) => window.gigya.accounts.getAccountInfo({
    callback: (r) => resolve({ errorCode: r.errorCode, firstName: r.profile?.firstName }) })));
  assert.deepEqual(info, { errorCode: 0, firstName: 'Pat' });

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.locator('#custos-login input[name="loginID"]').waitFor();
  assert.equal(await page.evaluate(() => window.gigya.hasSession()), false);
  await page.reload();
  await page.locator('#custos-login input[name="loginID"]').waitFor();
  assert.equal(await page.locator('#custos-done').isHidden(), true);
  // Asked without a session, the session methods answer as on a site's page.
  const calls = await page.evaluate(() => Promise.all(['accounts.logout', 'socialize.getUserInfo', 'accounts.getAccountInfo']
    .map((m) => new Promise((resolve) => {
      const [ns, name] = m.split('.');
      window.gigya[ns][name]({ callback: (r) => resolve({ m, errorCode: r.errorCode, loggedIn: r.user?.isLoggedIn }) });
    }))));
  assert.deepEqual(calls, [
    { m: 'accounts.logout', errorCode: 0, loggedIn: undefined },
    { m: 'socialize.getUserInfo', errorCode: 0, loggedIn: false },
    { m: 'accounts.getAccountInfo', errorCode: 403012, loggedIn: undefined },
  ]);
});

test('the hosted login page refuses to continue off the site', async (t) => {
  const page = await newPage(t, browser, { allow: [/status of 400/] });
  const res = await page.goto(loginURL({ next: 'https://evil.example/' }));
  assert.equal(res.status(), 400);
  await page.getByRole('heading', { level: 1, name: 'This login page cannot continue to that address' }).waitFor();
  assert.equal(await page.locator('script').count(), 0);
  await branded(page);
  await axe(page);
  await shots(page, 'pages-hosted-bad-next');
});

// codeFlow is rp's authorization code flow back to redirect (scope openid
// email): url is the authorize URL to open; claims(page), with the page on
// its way back to redirect, checks the state, exchanges the code at the
// token endpoint and answers the ID token's claims.
function codeFlow(rp, redirect) {
  const issuer = `${CUSTOS_URL}/oidc/op/v1.0/${API_KEY}`;
  const state = randomBytes(8).toString('hex');
  const authorize = new URL(`${issuer}/authorize`);
  for (const [k, v] of Object.entries({ client_id: rp.clientID, response_type: 'code', scope: 'openid email',
    redirect_uri: redirect, state })) authorize.searchParams.set(k, v);
  const claims = async (page) => {
    await page.waitForURL((u) => u.href.startsWith(redirect));
    const back = new URL(page.url());
    assert.equal(back.searchParams.get('state'), state);
    const code = back.searchParams.get('code');
    assert.ok(code, page.url());

    const tok = await fetch(`${issuer}/token`, { method: 'POST', signal: AbortSignal.timeout(WAIT),
      headers: { Authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(rp.clientID)}:${encodeURIComponent(rp.clientSecret)}`).toString('base64') },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect }) });
    const tokens = await tok.json();
    assert.equal(tok.status, 200, JSON.stringify(tokens));
    return JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString());
  };
  return { url: authorize.href, claims };
}

// The OpenID Provider's hosted pages: a confidential client that asks for
// consent, its authorization code flow through the login page (a wrong
// password first), the consent page, the code at the redirect URI and its
// exchange for an ID token.
test('the OpenID Provider: hosted login and consent pages, code to ID token', async (t) => {
  const redirect = `${SITE_URL}/pages-next.html`;
  const rp = await custosRPC('fidm.oidc.op.createRP', { name: 'Shop App', redirectUris: [redirect],
    grantTypes: ['authorization_code'], requireConsent: true });
  assert.equal(rp.errorCode, 0, JSON.stringify(rp));
  const pw = 'oidc-password-1';
  const { email, UID } = await account('oidc', pw);

  const flow = codeFlow(rp, redirect);

  // The failed login answers 422: Chromium logs the status of the page.
  const page = await newPage(t, browser, { allow: [/status of 422/] });
  await page.goto(flow.url);
  await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
  await branded(page);
  await axe(page);
  await shots(page, 'pages-oidc-login');

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('wrong-password-0');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /The login details are not right/);
  await axe(page);
  await shots(page, 'pages-oidc-login-error');

  await page.getByLabel('Password').fill(pw);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Allow Shop App access to your Browser Test Shop account?' }).waitFor();
  assert.match(await page.locator('main').textContent(), new RegExp(`You are logged in as ${email.replace(/[.+]/g, '\\$&')}`));
  await axe(page);
  await shots(page, 'pages-oidc-consent');

  await page.getByRole('button', { name: 'Allow' }).click();
  const claims = await flow.claims(page);
  assert.equal(claims.sub, UID);
  assert.equal(claims.email, email);
});

// The hosted login page as the site's OpenID proxy page: authorize hands
// the request to it (context=…), the screen-set logs the person in, and the
// page posts context to authorize/continue, where the provider finds the
// session in custos's own cookie and answers the client with a code.
test('the hosted login page as the OpenID proxy page: screen-set login, then the code', async (t) => {
  const redirect = `${SITE_URL}/pages-next.html`;
  const rp = await custosRPC('fidm.oidc.op.createRP', { name: 'Proxy App', redirectUris: [redirect],
    grantTypes: ['authorization_code'] });
  assert.equal(rp.errorCode, 0, JSON.stringify(rp));
  const proxy = await custosRPC('fidm.oidc.op.setConfig', { proxyPage: `${CUSTOS_URL}/pages/login?apiKey=${API_KEY}` });
  assert.equal(proxy.errorCode, 0, JSON.stringify(proxy));
  t.after(async () => {
    const res = await custosRPC('fidm.oidc.op.setConfig', { proxyPage: '' });
    assert.equal(res.errorCode, 0, JSON.stringify(res));
  });
  const pw = 'proxy-password-1';
  const { email, UID } = await account('proxy', pw);

  const flow = codeFlow(rp, redirect);

  const page = await newPage(t, browser);
  await page.goto(flow.url);
  assert.equal(new URL(page.url()).pathname, '/pages/login');
  const loginID = page.locator('#custos-login input[name="loginID"]');
  await loginID.waitFor();
  await axe(page);
  await loginID.fill(email);
  await page.locator('#custos-login input[name="password"]').fill(pw);
  await page.locator('#custos-login input[name="password"]').press('Enter');
  const claims = await flow.claims(page);
  assert.equal(claims.sub, UID);
  assert.equal(claims.email, email);
});
