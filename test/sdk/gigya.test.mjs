// The npm `gigya` SDK (3.0.1) against a running custos.
//
// Environment: CUSTOS_URL (base URL, no trailing slash needed), CUSTOS_API_KEY,
// CUSTOS_SECRET (the site secret, base64), CUSTOS_USER_KEY and
// CUSTOS_USER_SECRET (an application key of the site allowed every method,
// its secret base64). sdk_test.go starts a custos and sets them; by hand:
// `CUSTOS_URL=… CUSTOS_API_KEY=… CUSTOS_SECRET=… CUSTOS_USER_KEY=…
// CUSTOS_USER_SECRET=… node --test`.
//
// CUSTOS_SDK_ONLY_AVAILABLE=1 runs only step (a), the one method custos has
// today, to check the harness itself; every other step is then skipped.
//
// The third test validates an id_token as Gigya's Java SDK does, whose check
// requires iss = https://fidm.gigya.com/jwt/<apiKey>/: custos runs with
// --jwt-issuer https://fidm.gigya.com/jwt/{apiKey}/ (CUSTOS_JWT_ISSUER names
// another template).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, randomBytes, verify } from 'node:crypto';
import { Gigya } from 'gigya';
import { SigUtils } from 'gigya/dist/lib/sig-utils.js';

const baseURL = (process.env.CUSTOS_URL || '').replace(/\/+$/, '');
const apiKey = process.env.CUSTOS_API_KEY || '';
const secret = process.env.CUSTOS_SECRET || '';
const userKey = process.env.CUSTOS_USER_KEY || '';
const userSecret = process.env.CUSTOS_USER_SECRET || '';
const onlyAvailable = process.env.CUSTOS_SDK_ONLY_AVAILABLE === '1';
const issuerTemplate = process.env.CUSTOS_JWT_ISSUER || 'https://fidm.gigya.com/jwt/{apiKey}/';

const REQUEST_TIMEOUT_MS = 10_000;

// The SDK retries 500001, 504001 and 409030 (RETRY_LIMIT 5 tries, RETRY_DELAY
// 5 s apart) and would sleep RATE_LIMIT_SLEEP before retrying 403048. These
// are static fields of the class the instances read at call time: one try,
// no sleeps, so an error surfaces at once instead of 20 s later.
Gigya.RETRY_LIMIT = 1;
Gigya.RETRY_DELAY = 0;
Gigya.RATE_LIMIT_SLEEP = 0;

// calls records every request (secret redacted) for the failure messages.
const calls = [];
// signed records every request the SDK signed (it carries sig): endpoint,
// the host the SDK would have called, the params as the SDK handed them
// over (JS values) and the exact form body sent. They carry no secret.
const signed = [];

// proxy is the SDK's ProxyHttpRequest: (endpoint, host, requestParams,
// headers) => Promise<parsed JSON response>. host is the Gigya host the SDK
// would have called (accounts.us1.gigya.com); it is ignored. The SDK has
// already JSON-stringified objects and arrays and turned null into 'null';
// booleans and numbers are still JS values, sent here as their String().
async function proxy(endpoint, host, requestParams, headers = {}) {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(requestParams)) {
    if (value !== undefined) body.append(name, String(value));
  }
  const raw = body.toString();
  if ('sig' in requestParams) signed.push({ endpoint, host, params: { ...requestParams }, headers: { ...headers }, raw });
  return post(endpoint, raw, headers);
}

// post sends a form body, as is, to custos and returns the parsed response.
async function post(endpoint, raw, headers = {}) {
  const url = `${baseURL}/${endpoint}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: raw,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${endpoint}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  const sent = Object.fromEntries([...new URLSearchParams(raw)].map(([k, v]) => [k, k === 'secret' ? '<redacted>' : v]));
  calls.push({ endpoint, sent, httpStatus: res.status, errorCode: json.errorCode, callId: json.callId });
  return json;
}

function trace() {
  return calls.map((c) => `  ${c.endpoint} HTTP ${c.httpStatus} errorCode=${c.errorCode} callId=${c.callId} params=${JSON.stringify(c.sent)}`).join('\n');
}

// steps returns step(name, fn, { always }), which runs the subtests of t in
// order, sharing state; once one fails the rest are skipped, so the first
// failure is the one reported. Only the steps marked always run when
// CUSTOS_SDK_ONLY_AVAILABLE=1.
function steps(t) {
  let failed = false;
  return (name, fn, { always = false } = {}) => t.test(name, async (st) => {
    if (failed) return st.skip('an earlier step failed');
    if (onlyAvailable && !always) return st.skip('CUSTOS_SDK_ONLY_AVAILABLE=1');
    try {
      await fn(st);
    } catch (err) {
      failed = true;
      if (err && err.gigyaResponse) err.message += `\n  response: ${JSON.stringify(err.gigyaResponse)}`;
      if (err && typeof err.message === 'string') err.message += `\n  calls so far:\n${trace()}`;
      throw err;
    }
  });
}

// rfc3986 is the percent-encoding the SDK signs with (strict-uri-encode).
function rfc3986(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// sign is Gigya's request signature, computed here independently of the
// SDK: Base64(HMAC-SHA1(base64-decoded key, POST&enc(url)&enc(sorted
// k=enc(v)&…))), every param but sig.
function sign(keyBase64, url, params) {
  const query = Object.keys(params).filter((k) => k !== 'sig').sort()
    .map((k) => `${k}=${rfc3986(String(params[k]))}`).join('&');
  const base = `POST&${rfc3986(url)}&${rfc3986(query)}`;
  return createHmac('sha1', Buffer.from(keyBase64, 'base64')).update(base).digest('base64');
}

// lastSigned is the last request the SDK signed for endpoint.
function lastSigned(endpoint) {
  const r = signed.findLast((s) => s.endpoint === endpoint);
  assert.ok(r, `a signed ${endpoint} request was captured`);
  return r;
}

// ok asserts a successful envelope (the SDK already throws on a non-zero
// errorCode; this also catches a string "0" or a missing callId).
function ok(res, what) {
  assert.equal(res.errorCode, 0, `${what}: errorCode`);
  assert.equal(res.statusCode, 200, `${what}: statusCode`);
  assert.match(String(res.callId), /^[0-9a-f]{32}$/, `${what}: callId`);
}

test('gigya SDK 3.0.1 against custos', { timeout: 120_000 }, async (t) => {
  assert.ok(baseURL && apiKey && secret, 'CUSTOS_URL, CUSTOS_API_KEY and CUSTOS_SECRET must be set');

  // new Gigya(apiKey, dataCenter, proxy): anonymous signer, our transport.
  const gigya = new Gigya(apiKey, 'us1', proxy);
  // A partner secret: every call then carries secret=<it> in clear.
  gigya.setCredentials({ secret });

  const email = `sdk-${randomBytes(8).toString('hex')}@example.com`;
  const password = 'correct-Horse-9';
  const state = {};

  const step = steps(t);

  await step('a. accounts.isAvailableLoginID: a fresh email is available', async () => {
    const res = await gigya.accounts.isAvailableLoginID({ loginID: email });
    ok(res, 'isAvailableLoginID');
    assert.equal(res.isAvailable, true);
  }, { always: true });

  await step('b. accounts.register', async () => {
    const res = await gigya.accounts.register({
      email,
      password,
      profile: { firstName: 'Ada', lastName: 'Lovelace' },
      finalizeRegistration: true,
    });
    ok(res, 'register');
    assert.match(String(res.UID), /^[0-9a-f]{32}$/, 'UID');
    assert.ok(res.sessionInfo && res.sessionInfo.cookieValue, 'sessionInfo.cookieValue');
    state.UID = res.UID;
  });

  await step('c. accounts.login', async () => {
    const res = await gigya.accounts.login({ loginID: email, password });
    ok(res, 'login');
    assert.equal(res.UID, state.UID, 'UID');
    assert.ok(res.sessionInfo, 'sessionInfo');
    assert.ok(res.sessionInfo.cookieName, 'sessionInfo.cookieName');
    assert.ok(res.sessionInfo.cookieValue, 'sessionInfo.cookieValue');
    assert.ok(res.UIDSignature, 'UIDSignature');
    assert.ok(res.signatureTimestamp, 'signatureTimestamp');
  });

  await step('d. accounts.getAccountInfo', async () => {
    const res = await gigya.accounts.getAccountInfo({ UID: state.UID, include: 'profile,data,loginIDs,emails' });
    ok(res, 'getAccountInfo');
    assert.equal(res.UID, state.UID, 'UID');
    assert.equal(res.profile?.firstName, 'Ada', 'profile.firstName');
    assert.ok(Array.isArray(res.loginIDs?.emails), 'loginIDs.emails is an array');
    assert.ok(res.loginIDs.emails.map((e) => e.toLowerCase()).includes(email), `loginIDs.emails ${JSON.stringify(res.loginIDs.emails)} contains ${email}`);
  });

  await step('e. accounts.setAccountInfo, then getAccountInfo', async () => {
    const set = await gigya.accounts.setAccountInfo({ UID: state.UID, profile: { firstName: 'Grace' }, data: { plan: 'pro' } });
    ok(set, 'setAccountInfo');
    const res = await gigya.accounts.getAccountInfo({ UID: state.UID, include: 'profile,data,loginIDs,emails' });
    ok(res, 'getAccountInfo');
    assert.equal(res.profile?.firstName, 'Grace', 'profile.firstName');
    assert.equal(res.profile?.lastName, 'Lovelace', 'profile.lastName (merged, not replaced)');
    assert.equal(res.data?.plan, 'pro', 'data.plan');
  });

  await step('f. accounts.logout', async () => {
    const res = await gigya.accounts.logout({ UID: state.UID });
    ok(res, 'logout');
  });

  await step('g. accounts.login with a wrong password rejects with 403042', async () => {
    // 3.0.1 compiles GigyaError to ES5, so the rejection is a plain Error
    // (instanceof GigyaError is false) carrying errorCode, gigyaResponse and
    // params: those are what is checked.
    await assert.rejects(gigya.accounts.login({ loginID: email, password: 'wrong-password-1' }), (err) => {
      assert.equal(err.errorCode, 403042, `errorCode (${err.message})`);
      assert.equal(err.gigyaResponse?.errorCode, 403042, 'gigyaResponse.errorCode');
      assert.match(err.message, /^Gigya API accounts\.login failed with error code 403042/);
      return true;
    });
  });

  await step('h. accounts.isAvailableLoginID: the registered email is taken', async () => {
    const res = await gigya.accounts.isAvailableLoginID({ loginID: email });
    ok(res, 'isAvailableLoginID');
    assert.equal(res.isAvailable, false);
  });
});

// Requests signed with an application key: the SDK's CredentialsSigner adds
// userKey, timestamp (Date.now(), milliseconds), nonce and sig, and drops
// the secret; it signs the canonical https://<namespace>.<dataCenter>.gigya.com
// URL, never the one the proxy posts to, and a value that is false or 0 as
// an empty string.
test('gigya SDK 3.0.1 signed requests with an application key', { timeout: 120_000 }, async (t) => {
  if (onlyAvailable) return t.skip('CUSTOS_SDK_ONLY_AVAILABLE=1');
  assert.ok(baseURL && apiKey && secret, 'CUSTOS_URL, CUSTOS_API_KEY and CUSTOS_SECRET must be set');
  assert.ok(userKey && userSecret, 'CUSTOS_USER_KEY and CUSTOS_USER_SECRET must be set');

  // The partner-secret client registers the account the signed client reads.
  const partner = new Gigya(apiKey, 'us1', proxy).setCredentials({ secret });
  // userKey + secret: 3.0.1 picks its CredentialsSigner (a privateKey would
  // pick the Bearer JWT signer instead).
  const app = new Gigya(apiKey, 'us1', proxy).setCredentials({ userKey, secret: userSecret });
  let wrongSecret;
  do wrongSecret = randomBytes(32).toString('base64'); while (wrongSecret === userSecret);
  const forged = new Gigya(apiKey, 'us1', proxy).setCredentials({ userKey, secret: wrongSecret });

  const email = `sdk-signed-${randomBytes(8).toString('hex')}@example.com`;
  const state = {};
  const step = steps(t);

  await step('a. accounts.register (partner secret)', async () => {
    const res = await partner.accounts.register({
      email,
      password: 'correct-Horse-9',
      profile: { firstName: 'Signe', lastName: 'Hmac' },
      finalizeRegistration: true,
    });
    ok(res, 'register');
    assert.match(String(res.UID), /^[0-9a-f]{32}$/, 'UID');
    state.UID = res.UID;
  });

  await step('b. signed accounts.getAccountInfo', async (st) => {
    const before = Date.now();
    const res = await app.accounts.getAccountInfo({ UID: state.UID, include: 'profile,data,loginIDs' });
    ok(res, 'getAccountInfo');
    assert.equal(res.UID, state.UID, 'UID');
    assert.equal(res.profile?.firstName, 'Signe', 'profile.firstName');
    assert.equal(res.profile?.lastName, 'Hmac', 'profile.lastName');

    const req = lastSigned('accounts.getAccountInfo');
    st.diagnostic(`host ${req.host}, headers ${JSON.stringify(req.headers)}`);
    st.diagnostic(`params ${JSON.stringify(Object.fromEntries(Object.entries(req.params).map(([k, v]) => [k, `${typeof v} ${JSON.stringify(v)}`])))}`);
    st.diagnostic(`body ${req.raw}`);
    const wire = Object.fromEntries(new URLSearchParams(req.raw));
    assert.equal(req.host, 'accounts.us1.gigya.com', 'host the SDK signs for');
    assert.deepEqual(req.headers, {}, 'no Authorization header');
    assert.deepEqual(Object.keys(wire).sort(), ['UID', 'apiKey', 'format', 'include', 'nonce', 'sig', 'timestamp', 'userKey'], 'params sent');
    assert.equal(wire.apiKey, apiKey, 'apiKey');
    assert.equal(wire.userKey, userKey, 'userKey');
    assert.equal(wire.format, 'json', 'format');
    assert.equal(typeof req.params.timestamp, 'number', 'timestamp is a number');
    assert.match(wire.timestamp, /^\d{13}$/, 'timestamp in milliseconds');
    assert.ok(Number(wire.timestamp) >= before && Number(wire.timestamp) <= Date.now(), 'timestamp is Date.now()');
    assert.match(wire.nonce, /^\d+$/, 'nonce');
    assert.equal(wire.sig, sign(userSecret, `https://${req.host}/accounts.getAccountInfo`, wire),
      'sig is HMAC-SHA1 with the key secret over the canonical URL');
    state.replay = req;
  });

  await step('c. signed accounts.setAccountInfo data {signed: true, flag: false}, read back', async () => {
    const set = await app.accounts.setAccountInfo({ UID: state.UID, data: { signed: true, flag: false } });
    ok(set, 'setAccountInfo');
    // data is JSON-stringified before signing: its false is inside a string,
    // not a false param (step d has one).
    assert.equal(new URLSearchParams(lastSigned('accounts.setAccountInfo').raw).get('data'), '{"signed":true,"flag":false}', 'data sent');
    const res = await app.accounts.getAccountInfo({ UID: state.UID, include: 'profile,data' });
    ok(res, 'getAccountInfo');
    assert.equal(res.data?.signed, true, 'data.signed');
    assert.equal(res.data?.flag, false, 'data.flag');
    assert.equal(res.profile?.firstName, 'Signe', 'profile.firstName unchanged');
  });

  await step('d. signed accounts.getAccountInfo with httpStatusCodes: false (signed as empty)', async () => {
    const res = await app.accounts.getAccountInfo({ UID: state.UID, include: 'data', httpStatusCodes: false });
    ok(res, 'getAccountInfo');
    assert.equal(res.data?.signed, true, 'data.signed');
    const req = lastSigned('accounts.getAccountInfo');
    const wire = Object.fromEntries(new URLSearchParams(req.raw));
    const url = `https://${req.host}/accounts.getAccountInfo`;
    assert.equal(req.params.httpStatusCodes, false, 'the SDK hands over a boolean false');
    assert.equal(wire.httpStatusCodes, 'false', 'sent as "false"');
    assert.equal(wire.sig, sign(userSecret, url, { ...wire, httpStatusCodes: '' }), 'sig signs httpStatusCodes as ""');
    assert.notEqual(wire.sig, sign(userSecret, url, wire), 'sig does not sign httpStatusCodes as "false"');
  });

  await step('e. the signed request of step b posted again verbatim: 403004 duplicate nonce', async () => {
    const res = await post(state.replay.endpoint, state.replay.raw, state.replay.headers);
    assert.equal(res.errorCode, 403004, `errorCode (${JSON.stringify(res)})`);
    assert.equal(res.statusCode, 403, 'statusCode');
    assert.match(String(res.callId), /^[0-9a-f]{32}$/, 'callId');
  });

  await step('f. signed with a wrong secret: rejects with 403003', async () => {
    // As in the first test's step g: 3.0.1's GigyaError is compiled to ES5,
    // so the rejection is a plain Error carrying errorCode and gigyaResponse.
    await assert.rejects(forged.accounts.getAccountInfo({ UID: state.UID }), (err) => {
      assert.equal(err.errorCode, 403003, `errorCode (${err.message})`);
      assert.equal(err.gigyaResponse?.errorCode, 403003, 'gigyaResponse.errorCode');
      assert.match(err.message, /^Gigya API accounts\.getAccountInfo failed with error code 403003/);
      return true;
    });
    const req = lastSigned('accounts.getAccountInfo');
    assert.equal(new URLSearchParams(req.raw).get('userKey'), userKey, 'the forged request names the real userKey');
  });
});

// lastCall is the last request sent to endpoint, as calls recorded it.
function lastCall(endpoint) {
  const c = calls.findLast((x) => x.endpoint === endpoint);
  assert.ok(c, `a ${endpoint} request was sent`);
  return c;
}

// verifyJWT checks an RS256 compact JWS with the key of jwks its kid names,
// as the SDKs' JWT utilities do, and returns its header and claims.
function verifyJWT(token, jwks) {
  const [h, p, s] = String(token).split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  assert.equal(header.alg, 'RS256', 'alg');
  const jwk = jwks.find((k) => k.kid === header.kid);
  assert.ok(jwk, `the key set ${JSON.stringify(jwks.map((k) => k.kid))} has the token's kid ${header.kid}`);
  for (const field of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(field in jwk), `the published key has no ${field}`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')), 'the signature verifies');
  return { header, claims: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}

// What the official server SDKs need beside the account methods: the
// UIDSignature exchange of application keys, calls that name the site by
// oauth_token alone (the form the SDK sends for a call given oauth_token,
// as the Python, PHP and .NET SDKs send every call without a secret), and
// JWT validation against the published key set.
test('gigya SDK 3.0.1: exchangeUIDSignature, oauth_token as the apiKey, JWT validation', { timeout: 120_000 }, async (t) => {
  if (onlyAvailable) return t.skip('CUSTOS_SDK_ONLY_AVAILABLE=1');
  assert.ok(baseURL && apiKey && secret, 'CUSTOS_URL, CUSTOS_API_KEY and CUSTOS_SECRET must be set');
  assert.ok(userKey && userSecret, 'CUSTOS_USER_KEY and CUSTOS_USER_SECRET must be set');

  const partner = new Gigya(apiKey, 'us1', proxy).setCredentials({ secret });
  // No credentials: the anonymous signer, a client call (apiKey only).
  const client = new Gigya(apiKey, 'us1', proxy);
  const app = new Gigya(apiKey, 'us1', proxy).setCredentials({ userKey, secret: userSecret });
  const sigUtils = new SigUtils();

  const email = `sdk-exchange-${randomBytes(8).toString('hex')}@example.com`;
  const password = 'correct-Horse-9';
  const state = {};
  const step = steps(t);

  await step('a. accounts.register (partner secret), then a client accounts.login with its UID signature', async () => {
    const reg = await partner.accounts.register({ email, password, finalizeRegistration: true });
    ok(reg, 'register');
    const res = await client.accounts.login({ loginID: email, password });
    ok(res, 'login');
    assert.ok(!('secret' in lastCall('accounts.login').sent), 'a client call: no secret sent');
    assert.equal(res.UID, reg.UID, 'UID');
    assert.ok(sigUtils.validateUserSignature(res.UID, res.signatureTimestamp, res.UIDSignature, secret),
      'SigUtils.validateUserSignature with the site secret');
    assert.ok(!sigUtils.validateUserSignature(res.UID, res.signatureTimestamp, res.UIDSignature, userSecret),
      'not a signature of the application key');
    Object.assign(state, { UID: res.UID, UIDSignature: res.UIDSignature, signatureTimestamp: res.signatureTimestamp });
  });

  await step('b. accounts.exchangeUIDSignature signed with the application key', async () => {
    const { UID, UIDSignature, signatureTimestamp } = state;
    const res = await app.accounts.exchangeUIDSignature({ UID, UIDSignature, signatureTimestamp });
    ok(res, 'exchangeUIDSignature');
    assert.equal(res.UID, UID, 'UID');
    assert.match(String(res.signatureTimestamp), /^\d{10}$/, 'signatureTimestamp in seconds');
    assert.ok(sigUtils.validateUserSignature(UID, res.signatureTimestamp, res.UIDSignature, userSecret),
      'SigUtils.validateUserSignature with the application key\'s secret');
    assert.ok(!sigUtils.validateUserSignature(UID, res.signatureTimestamp, res.UIDSignature, secret), 'no longer the site\'s');
    const wire = Object.fromEntries(new URLSearchParams(lastSigned('accounts.exchangeUIDSignature').raw));
    assert.equal(wire.userKey, userKey, 'userKey sent');
    assert.ok(!('secret' in wire), 'the key secret is not sent');
  });

  await step('c. accounts.exchangeUIDSignature with the typed params (userKey, and its secret per call)', async () => {
    const { UID, UIDSignature, signatureTimestamp } = state;
    // AccountsExchangeUIDSignatureParams has userKey; credentials given per
    // call replace the client's (the SDK signs with them).
    const res = await partner.accounts.exchangeUIDSignature({ UID, UIDSignature, signatureTimestamp, userKey, secret: userSecret });
    ok(res, 'exchangeUIDSignature');
    assert.ok(sigUtils.validateUserSignature(UID, res.signatureTimestamp, res.UIDSignature, userSecret), 'the key\'s signature');
  });

  await step('d. a forged UIDSignature is refused with 403003', async () => {
    const { UID, signatureTimestamp } = state;
    const forged = sigUtils.calcSignature(`${signatureTimestamp}_${UID}`, userSecret);
    await assert.rejects(app.accounts.exchangeUIDSignature({ UID, UIDSignature: forged, signatureTimestamp }), (err) => {
      assert.equal(err.errorCode, 403003, `errorCode (${err.message})`);
      return true;
    });
  });

  await step('e. oauth_token=<apiKey> without apiKey: a client method and getJWTPublicKey', async () => {
    const avail = await client.accounts.isAvailableLoginID({ loginID: email, oauth_token: apiKey });
    ok(avail, 'isAvailableLoginID');
    assert.equal(avail.isAvailable, false, 'isAvailable');
    const sent = lastCall('accounts.isAvailableLoginID').sent;
    assert.deepEqual(Object.keys(sent).sort(), ['format', 'loginID', 'oauth_token'], 'no apiKey sent');
    assert.equal(sent.oauth_token, apiKey, 'oauth_token is the apiKey');

    const keys = await client.accounts.getJWTPublicKey({ oauth_token: apiKey, V2: true });
    ok(keys, 'getJWTPublicKey');
    assert.ok(Array.isArray(keys.keys) && keys.keys.length > 0, 'keys');
    assert.ok(!('apiKey' in lastCall('accounts.getJWTPublicKey').sent), 'no apiKey sent');
    state.siteKeys = keys.keys;
  });

  await step('f. accounts.getJWT, validated against the key sets (Gigya issuer)', async () => {
    const res = await partner.accounts.getJWT({ targetUID: state.UID, fields: 'email' });
    ok(res, 'getJWT');
    // As the .NET SDK fetches the keys: GET ?V2=true, no apiKey at all.
    const dc = await fetch(`${baseURL}/accounts.getJWTPublicKey?V2=true`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const dcKeys = await dc.json();
    assert.equal(dcKeys.errorCode, 0, `keys of every site: ${JSON.stringify(dcKeys)}`);
    assert.match(dc.headers.get('cache-control') || '', /^public, max-age=\d+$/, 'cacheable');
    const now = Math.floor(Date.now() / 1000);
    for (const [name, jwks] of [['the site', state.siteKeys], ['every site', dcKeys.keys]]) {
      const { claims } = verifyJWT(res.id_token, jwks);
      // Gigya's Java SDK (GSAuthRequestUtils.verifyJwt): iss exactly, then
      // iat <= now <= exp + 120 s; the PHP SDK's test asserts apiKey, sub, email.
      assert.equal(claims.iss, issuerTemplate.replaceAll('{apiKey}', apiKey), `${name}: iss`);
      assert.ok(claims.iat <= now + 1 && now <= claims.exp + 120, `${name}: iat ${claims.iat}, exp ${claims.exp}, now ${now}`);
      assert.equal(claims.sub, state.UID, `${name}: sub`);
      assert.equal(claims.apiKey, apiKey, `${name}: apiKey`);
      assert.equal(claims.email, email, `${name}: email`);
    }
  });
});
