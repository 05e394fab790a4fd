// The npm `gigya` SDK (3.0.1) against a running custos.
//
// Environment: CUSTOS_URL (base URL, no trailing slash needed), CUSTOS_API_KEY,
// CUSTOS_SECRET (the site secret, base64). sdk_test.go starts a custos and sets
// them; by hand: `CUSTOS_URL=… CUSTOS_API_KEY=… CUSTOS_SECRET=… node --test`.
//
// CUSTOS_SDK_ONLY_AVAILABLE=1 runs only step (a), the one method custos has
// today, to check the harness itself; every other step is then skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Gigya } from 'gigya';

const baseURL = (process.env.CUSTOS_URL || '').replace(/\/+$/, '');
const apiKey = process.env.CUSTOS_API_KEY || '';
const secret = process.env.CUSTOS_SECRET || '';
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
  const url = `${baseURL}/${endpoint}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${endpoint}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  const sent = Object.fromEntries([...body].map(([k, v]) => [k, k === 'secret' ? '<redacted>' : v]));
  calls.push({ endpoint, sent, errorCode: json.errorCode, callId: json.callId });
  return json;
}

function trace() {
  return calls.map((c) => `  ${c.endpoint} errorCode=${c.errorCode} callId=${c.callId} params=${JSON.stringify(c.sent)}`).join('\n');
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

  let failed = false;
  // step runs the steps in order, sharing state; once one fails the rest
  // are skipped, so the first failure is the one reported.
  const step = (name, fn, { always = false } = {}) => t.test(name, async (st) => {
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
