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
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { Gigya } from 'gigya';

const baseURL = (process.env.CUSTOS_URL || '').replace(/\/+$/, '');
const apiKey = process.env.CUSTOS_API_KEY || '';
const secret = process.env.CUSTOS_SECRET || '';
const userKey = process.env.CUSTOS_USER_KEY || '';
const userSecret = process.env.CUSTOS_USER_SECRET || '';
const onlyAvailable = process.env.CUSTOS_SDK_ONLY_AVAILABLE === '1';

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
