// Relying parties nobody here wrote against custos's OpenID Provider: the
// npm openid-client (6.x) through discovery, and passport-gigya-oauth2.
//
// Environment (oidc_test.go sets it): CUSTOS_URL (https base URL),
// CUSTOS_API_KEY, CUSTOS_LOGIN_ID and CUSTOS_PASSWORD (a registered user),
// CUSTOS_RP_ID/CUSTOS_RP_SECRET (a confidential client with the redirect
// URI https://rp.example/callback, refresh tokens and the post-logout URI
// https://rp.example/bye), CUSTOS_PASSPORT_ID/CUSTOS_PASSPORT_SECRET (a
// client with https://rp.example/auth/oauth2/callback).
//
// The login step is custos's hosted login page: the test GETs the form,
// posts it as a browser would (its hidden fields, the cookies it was
// given), follows the redirects and stops at the relying party's callback,
// which is never served. The browser keeps custos's cookies: the
// provider's SSO cookie spares it the form on later authorizations, and
// each authorization request's binding cookie ties the request to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import GigyaStrategy from 'passport-gigya-oauth2';

const base = (process.env.CUSTOS_URL || '').replace(/\/+$/, '');
const apiKey = process.env.CUSTOS_API_KEY || '';
const loginID = process.env.CUSTOS_LOGIN_ID || '';
const password = process.env.CUSTOS_PASSWORD || '';
const issuer = `${base}/oidc/op/v1.0/${apiKey}`;
const callback = 'https://rp.example/callback';
const MAX_HOPS = 10;
const REQUEST_TIMEOUT_MS = 10_000;

// A browser's cookies for custos's origin: name → value.
class Browser {
  constructor() { this.cookies = new Map(); }

  async fetch(url, init = {}) {
    const headers = new Headers(init.headers || {});
    if (new URL(url).origin === base && this.cookies.size) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [name, ...rest] = pair.split('=');
      const value = rest.join('=');
      const expired = attrs.some((a) => /^\s*max-age=(0|-)/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name.trim()); else this.cookies.set(name.trim(), value);
    }
    return res;
  }

  // follow walks custos's redirects and pages from url until a redirect
  // leaves custos (the relying party's callback), which it answers. A
  // login page is filled in and posted; a consent page is allowed.
  async follow(url, { login = true } = {}) {
    let next = new URL(url);
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (next.origin !== base) return next;
      const res = await this.fetch(next);
      if (res.status >= 300 && res.status < 400) {
        next = new URL(res.headers.get('location'), next);
        continue;
      }
      const html = await res.text();
      assert.equal(res.status, 200, `GET ${next}: ${res.status} ${html.slice(0, 300)}`);
      const form = parseForm(html, next);
      assert.ok(form, `no form at ${next}: ${html.slice(0, 300)}`);
      const fields = new URLSearchParams(form.hidden);
      if (form.password) {
        assert.ok(login, `a login page at ${next}, where none was expected`);
        fields.set(form.text, loginID);
        fields.set(form.password, password);
      } else {
        const allow = form.buttons.find((b) => /allow|approve|accept|yes/i.test(b.value + ' ' + b.label));
        assert.ok(allow, `a page with neither login nor consent at ${next}`);
        if (allow.name) fields.set(allow.name, allow.value);
      }
      const post = await this.fetch(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
        body: fields.toString(),
      });
      assert.ok(post.status >= 300 && post.status < 400, `POST ${form.action}: ${post.status} ${(await post.text()).slice(0, 300)}`);
      next = new URL(post.headers.get('location'), form.action);
    }
    throw new Error(`more than ${MAX_HOPS} hops from ${url}`);
  }
}

function decode(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (_, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e.toLowerCase()];
  });
}

function attrs(tag) {
  const out = {};
  for (const m of tag.matchAll(/([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    out[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

// parseForm reads the first POST form of a page: its action, hidden
// fields, the names of its text and password inputs, and its buttons.
function parseForm(html, pageURL) {
  const m = html.match(/<form\b([^>]*)>([\s\S]*?)<\/form>/i);
  if (!m) return null;
  const form = attrs(m[1]);
  const out = { action: new URL(form.action || pageURL.href, pageURL), hidden: [], buttons: [] };
  for (const [tag] of m[2].matchAll(/<input\b[^>]*>/gi)) {
    const a = attrs(tag.slice(6));
    const type = (a.type || 'text').toLowerCase();
    if (type === 'hidden') out.hidden.push([a.name, a.value || '']);
    else if (type === 'password') out.password = a.name;
    else if (['text', 'email'].includes(type) && !out.text) out.text = a.name;
  }
  for (const b of m[2].matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
    const a = attrs(b[1]);
    out.buttons.push({ name: a.name, value: a.value || '', label: b[2].replace(/<[^>]*>/g, '').trim() });
  }
  return out;
}

async function discover(id = process.env.CUSTOS_RP_ID, secret = process.env.CUSTOS_RP_SECRET) {
  return client.discovery(new URL(issuer), id, secret);
}

// codeFlow runs an authorization of config in browser; follow's options
// say whether a login form may be met ({ login: false }: none).
async function codeFlow(config, browser, extra = {}, follow = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: callback,
    scope: 'openid email profile offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const back = await browser.follow(url, follow);
  return { back, tokens: () => client.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true }) };
}

test('discovery names the per-site issuer and its endpoints', async () => {
  const config = await discover();
  const meta = config.serverMetadata();
  assert.equal(meta.issuer, issuer);
  for (const ep of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
    assert.ok(meta[ep]?.startsWith(issuer + '/'), `${ep}: ${meta[ep]}`);
  }
  assert.ok(meta.code_challenge_methods_supported.includes('S256'));
});

test('code + PKCE through the hosted login, userinfo, refresh rotation and reuse, introspection, revocation, end session', async () => {
  const config = await discover();
  const browser = new Browser();
  const flow = await codeFlow(config, browser);
  const tokens = await flow.tokens();
  const claims = tokens.claims();
  assert.equal(claims.iss, issuer);
  assert.equal(claims.email, loginID);
  assert.match(claims.sub, /^[0-9a-f]{32}$/);
  assert.deepEqual(claims.amr, ['pwd'], 'the hosted login is a password login');
  assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');

  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.email, loginID);

  // Refresh rotates: the new refresh token differs, the old one is spent.
  const fresh = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(fresh.access_token && fresh.refresh_token && fresh.refresh_token !== tokens.refresh_token);
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (err) => err.error === 'invalid_grant');
  // Reusing the spent token revoked its family: the new one is dead too.
  await assert.rejects(client.refreshTokenGrant(config, fresh.refresh_token), (err) => err.error === 'invalid_grant');
  const dead = await client.tokenIntrospection(config, fresh.access_token);
  assert.equal(dead.active, false);

  // A second login: the browser still holds its custos session (the
  // provider's SSO cookie), so no form; the auth_time is the first login's.
  const again = await codeFlow(config, browser, {}, { login: false });
  const second = await again.tokens();
  assert.equal(second.claims().sub, claims.sub);
  assert.equal(second.claims().auth_time, claims.auth_time);
  // prompt=none succeeds with that session.
  const silent = await codeFlow(config, browser, { prompt: 'none' }, { login: false });
  assert.equal((await silent.tokens()).claims().sub, claims.sub);
  const live = await client.tokenIntrospection(config, second.access_token);
  assert.equal(live.active, true);
  assert.equal(live.sub, claims.sub);
  await client.tokenRevocation(config, second.refresh_token);
  await assert.rejects(client.refreshTokenGrant(config, second.refresh_token), (err) => err.error === 'invalid_grant');

  // End session: back to the registered post-logout URI, and the custos
  // session is over (prompt=none, which succeeded before, now answers
  // login_required).
  const end = client.buildEndSessionUrl(config, { id_token_hint: second.id_token, post_logout_redirect_uri: 'https://rp.example/bye', state: 'bye-state' });
  const bye = await browser.follow(end, { login: false });
  assert.equal(bye.origin + bye.pathname, 'https://rp.example/bye');
  assert.equal(bye.searchParams.get('state'), 'bye-state');
  const none = await codeFlow(config, browser, { prompt: 'none' }, { login: false });
  assert.equal(none.back.searchParams.get('error'), 'login_required');
  await assert.rejects(none.tokens(), (err) => err.error === 'login_required');
});

test('prompt=none without a session answers login_required to the relying party', async () => {
  const config = await discover();
  const flow = await codeFlow(config, new Browser(), { prompt: 'none' });
  assert.equal(flow.back.origin + flow.back.pathname, callback);
  assert.equal(flow.back.searchParams.get('error'), 'login_required');
  await assert.rejects(flow.tokens(), (err) => err.error === 'login_required');
});

test('a code is good once', async () => {
  const config = await discover();
  const flow = await codeFlow(config, new Browser());
  await flow.tokens();
  await assert.rejects(flow.tokens(), (err) => err.error === 'invalid_grant');
});

test('passport-gigya-oauth2 signs a user in', async () => {
  const user = await new Promise((resolve, reject) => {
    const strategy = new GigyaStrategy({
      authorizationURL: `${issuer}/authorize`,
      tokenURL: `${issuer}/token`,
      userInfoURL: `${issuer}/userinfo`,
      clientID: process.env.CUSTOS_PASSPORT_ID,
      clientSecret: process.env.CUSTOS_PASSPORT_SECRET,
      callbackURL: 'https://rp.example/auth/oauth2/callback',
      scope: ['openid', 'profile', 'email'],
    }, (accessToken, refreshToken, profile, done) => done(null, { accessToken, profile }));
    // passport's own wiring: the strategy answers through these.
    strategy.error = reject;
    strategy.fail = (info) => reject(new Error(`fail: ${JSON.stringify(info)}`));
    strategy.success = resolve;
    strategy.redirect = (location) => {
      new Browser().follow(location).then((back) => {
        strategy.redirect = () => reject(new Error('a second redirect'));
        strategy.authenticate({ query: Object.fromEntries(back.searchParams), headers: {}, url: back.pathname + back.search }, {});
      }, reject);
    };
    strategy.authenticate({ query: {}, headers: {}, url: '/auth/oauth2' }, {});
  });
  assert.ok(user.accessToken);
  assert.equal(user.profile.email, loginID);
  assert.match(user.profile.sub, /^[0-9a-f]{32}$/);
});
