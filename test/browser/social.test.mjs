// Social login in Chromium, with two real upstream OpenID Providers: custos
// itself (a second site of the same custos, whose hosted login page the
// user fills in the popup) and the npm oidc-provider package (started here
// on 127.0.0.1). The Social Shop page (site/social.html) shows a screen-set
// with the social-login widget; the SDK runs the popup and the redirect
// flows; accounts.notifySocialLogin takes an id_token oidc-provider signed.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { axe, CUSTOS_URL, custosRPC, launch, newPage, shots, SITE_URL, uniqueEmail, WAIT } from './lib.mjs';
import { startUpstream } from './upstream-oidc.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these tests through browser_test.go (go test ./test/browser/)`);
  return v;
};
// SOCIAL is the Social Shop's site; UPSTREAM the custos site that is its
// provider "custos-up" (browser_test.go configures both).
const SOCIAL = { apiKey: env('CUSTOS_SOCIAL_API_KEY'), secret: env('CUSTOS_SOCIAL_SECRET') };
const UPSTREAM = { apiKey: env('CUSTOS_UPSTREAM_API_KEY'), secret: env('CUSTOS_UPSTREAM_SECRET') };
const CALLBACK = `${CUSTOS_URL}/socialize.login/callback`;
const NODE = 'node-oidc'; // oidc-provider's name at the Social Shop
const PASSWORD = 'Correct-horse-7';
const T = { timeout: 90_000 };

const CUSTOS_CLIENT = { clientId: 'custos-social-shop', clientSecret: randomBytes(24).toString('hex'),
  redirectURIs: [CALLBACK, `${SITE_URL}/social-cb.html`] };
const OTHER_CLIENT = { clientId: 'another-app', clientSecret: randomBytes(24).toString('hex'),
  redirectURIs: [`${SITE_URL}/social-cb.html`] };

let browser;
let upstream;
before(async () => {
  browser = await launch();
  upstream = await startUpstream({ clients: [CUSTOS_CLIENT, OTHER_CLIENT] });
  const res = await custosRPC('accounts.social.setProvider', { provider: NODE, kind: 'oidc', issuer: upstream.issuer,
    clientID: CUSTOS_CLIENT.clientId, clientSecret: CUSTOS_CLIENT.clientSecret, scopes: ['openid', 'email', 'profile'] },
  SOCIAL);
  assert.equal(res.errorCode, 0, JSON.stringify(res));
});
after(async () => {
  await browser?.close();
  await upstream?.close();
});

const events = (page) => page.evaluate(() => window.__events);
const gltCookie = async (page) => (await page.context().cookies(SITE_URL)).find((c) => c.name === `glt_${SOCIAL.apiKey}`);

// oidc-provider's development pages load a web font, which the closed
// network refuses.
const FONTS = [/fonts\.googleapis\.com/];

async function shopPage(t) {
  const page = await newPage(t, browser, { allow: FONTS });
  await page.goto(`${SITE_URL}/social.html`);
  await page.waitForFunction(() => window.gigya && window.gigya.isReady);
  await page.locator('#status').filter({ hasText: 'Logged out' }).waitFor();
  return page;
}

// openScreenSet shows the page's screen-set and answers it once its social
// buttons are there.
async function openScreenSet(page) {
  await page.locator('#sign-in').click();
  const widget = page.locator('#screen-set-container .gigya-social-login');
  await widget.locator('button').first().waitFor();
  return widget;
}

// siteAccount registers email at the Social Shop (a password account).
async function siteAccount(email) {
  const init = await custosRPC('accounts.initRegistration', {}, SOCIAL);
  const res = await custosRPC('accounts.register', { regToken: init.regToken, email, password: PASSWORD,
    finalizeRegistration: true }, SOCIAL);
  assert.equal(res.errorCode, 0, JSON.stringify(res));
  return res.UID;
}

// loginAtNodeProvider fills oidc-provider's development login form.
async function loginAtNodeProvider(page, login) {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
}

describe('the social-login widget, in a popup', () => {
  test('custos as the upstream: a new user signs in with the upstream\'s hosted login page', T, async (t) => {
    const email = uniqueEmail('upstream');
    const init = await custosRPC('accounts.initRegistration', {}, UPSTREAM);
    const reg = await custosRPC('accounts.register', { regToken: init.regToken, email, password: PASSWORD,
      finalizeRegistration: true, profile: { firstName: 'Ulla' } }, UPSTREAM);
    assert.equal(reg.errorCode, 0, JSON.stringify(reg));

    const page = await shopPage(t);
    const widget = await openScreenSet(page);
    const names = await widget.locator('button').evaluateAll((bs) => bs.map((b) => b.dataset.provider));
    assert.deepEqual(names.sort(), ['custos-up', NODE].sort());
    await axe(page, { include: '#screen-set-container' });
    await shots(page, 'social-widget');
    const [popup] = await Promise.all([page.waitForEvent('popup'), widget.locator('button[data-provider="custos-up"]').click()]);
    // The upstream's hosted login page, in the popup.
    await popup.locator('input[name="loginID"]').fill(email);
    await popup.locator('input[name="password"]').fill(PASSWORD);
    await popup.locator('input[type="submit"], button[type="submit"]').first().click();
    await popup.waitForEvent('close', { timeout: WAIT });
    await page.locator('#status').filter({ hasText: `Logged in as ${email} (custos-up)` }).waitFor();
    const login = (await events(page)).find((e) => e.name === 'login');
    assert.equal(login.provider, 'custos-up');
    assert.ok(await gltCookie(page), 'the session is in glt_');
    // The screen-set finished.
    assert.equal(await page.locator('#screen-set-container .gigya-social-login').count(), 0);
    // The session is custos's: the account is the upstream user's.
    const info = await page.evaluate(() => new Promise((resolve) => window.gigya.accounts.getAccountInfo({
      callback: (r) => resolve({ errorCode: r.errorCode, email: r.profile && r.profile.email, firstName: r.profile && r.profile.firstName }) })));
    assert.deepEqual(info, { errorCode: 0, email, firstName: 'Ulla' });
  });

  test('oidc-provider: an unverified email of an existing account does not sign into it (403043)', T, async (t) => {
    const victim = uniqueEmail('victim');
    await siteAccount(victim);
    const login = `mallory-${randomBytes(4).toString('hex')}`;
    upstream.setUser(login, { email: victim, email_verified: false, given_name: 'Mallory' });

    const page = await shopPage(t);
    const widget = await openScreenSet(page);
    const [popup] = await Promise.all([page.waitForEvent('popup'), widget.locator(`button[data-provider="${NODE}"]`).click()]);
    await loginAtNodeProvider(popup, login);
    await popup.waitForEvent('close', { timeout: WAIT });
    // The screen-set says so; nobody is logged in.
    await page.locator('#screen-set-container [role="alert"], #screen-set-container .gigya-error-msg-active').first().waitFor();
    await shots(page, 'social-conflict');
    assert.equal((await events(page)).filter((e) => e.name === 'login').length, 0);
    assert.equal(await gltCookie(page), undefined);
    assert.match(await page.locator('#status').textContent(), /Logged out/);
  });

  test('closing the popup cancels (200001)', T, async (t) => {
    const page = await shopPage(t);
    const res = page.evaluate(() => new Promise((resolve) => window.gigya.accounts.socialLogin({ provider: 'node-oidc',
      callback: (r) => resolve({ errorCode: r.errorCode }) })));
    const popup = await page.waitForEvent('popup');
    await popup.locator('input[name="login"]').waitFor();
    await popup.close();
    assert.deepEqual(await res, { errorCode: 200001 });
  });
});

describe('connections', () => {
  test('socialize.addConnection connects oidc-provider to the logged-in account, whose login it then is', T, async (t) => {
    const email = uniqueEmail('connect');
    const uid = await siteAccount(email);
    const login = `carol-${randomBytes(4).toString('hex')}`;
    upstream.setUser(login, { email: `${login}@example.org`, email_verified: true });
    const page = await shopPage(t);
    const logged = await page.evaluate(([e, p]) => new Promise((resolve) => window.gigya.accounts.login({ loginID: e,
      password: p, callback: (r) => resolve(r.errorCode) })), [email, PASSWORD]);
    assert.equal(logged, 0);
    const res = page.evaluate((p) => new Promise((resolve) => window.gigya.socialize.addConnection({ provider: p,
      callback: (r) => resolve({ errorCode: r.errorCode, provider: r.provider }) })), NODE);
    const popup = await page.waitForEvent('popup');
    await loginAtNodeProvider(popup, login);
    assert.deepEqual(await res, { errorCode: 0, provider: NODE });
    assert.ok((await events(page)).some((e) => e.name === 'connectionAdded' && e.provider === NODE));
    // Logged out, the identity logs that account in.
    await page.evaluate(() => new Promise((resolve) => window.gigya.accounts.logout({ callback: resolve })));
    const again = page.evaluate((p) => new Promise((resolve) => window.gigya.accounts.socialLogin({ provider: p,
      callback: (r) => resolve({ errorCode: r.errorCode, UID: r.UID }) })), NODE);
    await page.waitForEvent('popup');
    // oidc-provider remembers the user: no form this time.
    assert.deepEqual(await again, { errorCode: 0, UID: uid });
  });
});

describe('the redirect flow', () => {
  test('oidc-provider: gigya.accounts.socialLogin with authFlow redirect comes back logged in', T, async (t) => {
    const login = `alice-${randomBytes(4).toString('hex')}`;
    const email = `${login}@example.org`;
    upstream.setUser(login, { email, email_verified: true, given_name: 'Alice', family_name: 'Node' });
    const page = await shopPage(t);
    await page.evaluate((p) => window.gigya.accounts.socialLogin({ provider: p, authFlow: 'redirect' }), NODE);
    await page.waitForURL((u) => u.href.startsWith(upstream.issuer));
    await loginAtNodeProvider(page, login);
    await page.waitForURL((u) => u.href.startsWith(`${SITE_URL}/social.html`));
    await page.locator('#status').filter({ hasText: `Logged in as ${email} (${NODE})` }).waitFor();
    // The session token left the address bar.
    assert.equal(new URL(page.url()).hash, '');
    assert.ok(await gltCookie(page));
    const info = await page.evaluate(() => new Promise((resolve) => window.gigya.accounts.getAccountInfo({
      callback: (r) => resolve({ firstName: r.profile && r.profile.firstName, lastName: r.profile && r.profile.lastName }) })));
    assert.deepEqual(info, { firstName: 'Alice', lastName: 'Node' });
  });
});

// idToken runs a code flow of client at oidc-provider in the browser (its
// redirect URI is a page of the site) and exchanges the code: the
// provider's signed id_token.
async function idToken(t, client, login) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const page = await newPage(t, browser, { allow: FONTS });
  const auth = new URL(`${upstream.issuer}/auth`);
  for (const [k, v] of Object.entries({ client_id: client.clientId, redirect_uri: `${SITE_URL}/social-cb.html`,
    response_type: 'code', scope: 'openid email profile', state: 's', nonce: randomBytes(8).toString('hex'),
    code_challenge: challenge, code_challenge_method: 'S256' })) auth.searchParams.set(k, v);
  await page.goto(auth.href);
  await loginAtNodeProvider(page, login);
  await page.waitForURL((u) => u.href.startsWith(`${SITE_URL}/social-cb.html`));
  const code = new URL(page.url()).searchParams.get('code');
  assert.ok(code, page.url());
  const res = await fetch(`${upstream.issuer}/token`, { method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: `${SITE_URL}/social-cb.html`,
      code_verifier: verifier }), signal: AbortSignal.timeout(WAIT) });
  const tok = await res.json();
  assert.ok(tok.id_token, JSON.stringify(tok));
  return tok.id_token;
}

// notify calls accounts.notifySocialLogin as a client (an app) would.
async function notify(token) {
  const res = await fetch(`${CUSTOS_URL}/accounts.notifySocialLogin`, { method: 'POST',
    body: new URLSearchParams({ apiKey: SOCIAL.apiKey, providerSessions: JSON.stringify({ [NODE]: { idToken: token } }) }),
    signal: AbortSignal.timeout(WAIT) });
  return res.json();
}

describe('accounts.notifySocialLogin with oidc-provider\'s id_tokens', () => {
  test('an id_token for custos logs in; one for another app, or expired, does not', T, async (t) => {
    const login = `bob-${randomBytes(4).toString('hex')}`;
    upstream.setUser(login, { email: `${login}@example.org`, email_verified: true, given_name: 'Bob' });
    const ok = await notify(await idToken(t, CUSTOS_CLIENT, login));
    assert.equal(ok.errorCode, 0, JSON.stringify(ok));
    assert.ok(ok.sessionInfo, JSON.stringify(ok));
    assert.equal(ok.profile.email, `${login}@example.org`);

    const other = await notify(await idToken(t, OTHER_CLIENT, login));
    assert.equal(other.errorCode, 400006, JSON.stringify(other));
    assert.equal(other.sessionInfo, undefined);

    upstream.setIdTokenTTL(1);
    t.after(() => upstream.setIdTokenTTL(3600));
    const short = await idToken(t, CUSTOS_CLIENT, login);
    await new Promise((r) => setTimeout(r, 2500));
    const expired = await notify(short);
    assert.equal(expired.errorCode, 403009, JSON.stringify(expired));
  });
});
