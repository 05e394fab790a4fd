// The SDK where pages are careless or hostile: a page without a CSP (so the
// sanitizer alone stands between screen-set markup and script), global
// configuration merged per method, callbacks that always come, the SDK
// loaded twice, a function in the tag's configuration, glt_ on the site's
// base domain, sets shown over each other, social login without providers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { API_KEY, CUSTOS_URL, custosRPC, launch, newPage, SITE_URL, uniqueEmail, WAIT } from './lib.mjs';

const PASSWORD = 'Correct-horse-7';
const T = { timeout: 90_000 };
const PLAIN = `${SITE_URL}/plain.html`;

let browser;
before(async () => {
  // *.shop.test is one of the site's domains (browser_test.go).
  browser = await launch({ args: ['--host-resolver-rules=MAP *.shop.test 127.0.0.1'] });
});
after(async () => { await browser?.close(); });

// gcall calls gigya.<name>(...args, {callback}) and answers pick(response)
// in the page (default: a JSON copy), or {timedOut: true}.
function gcall(page, name, args = [], pick = 'json') {
  return page.evaluate(([name, args, wait, pick]) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ timedOut: true }), wait);
    let fn = window.gigya;
    for (const part of name.split('.')) fn = fn[part];
    fn(...args, { callback: (res) => {
      clearTimeout(timer);
      resolve(pick === 'json' ? JSON.parse(JSON.stringify(res)) : { errorCode: res.errorCode, errorDetails: res.errorDetails });
    } });
  }), [name, args, WAIT, pick]);
}

async function plain(t, opts, url = PLAIN) {
  const page = await newPage(t, browser, opts);
  await page.goto(url);
  await page.waitForFunction(() => window.gigya && window.gigya.isReady);
  return page;
}

async function register(page, email) {
  const init = await gcall(page, 'accounts.initRegistration');
  assert.equal(init.errorCode, 0, JSON.stringify(init));
  const res = await gcall(page, 'accounts.register', [{ regToken: init.regToken, email, password: PASSWORD,
    profile: { firstName: 'Ada' }, finalizeRegistration: true }]);
  assert.equal(res.errorCode, 0, JSON.stringify(res));
  return res;
}

test('the sanitizer: no script URL or SVG survives, as the browser parses them, with no CSP to help', T, async (t) => {
  const page = await plain(t);
  await page.evaluate(() => window.gigya.accounts.showScreenSet({ screenSet: 'Page-Payloads', containerID: 'box' }));
  const box = page.locator('#box');
  await box.getByRole('heading', { name: 'Payloads' }).waitFor();
  for (const name of ['one', 'two', 'four']) {
    assert.equal(await box.getByText(name).getAttribute('href'), null, `${name}: the href is removed`);
    await box.getByText(name).click();
  }
  assert.equal(await box.locator('svg, animate, set').count(), 0, 'no SVG');
  assert.equal(await box.locator('form').getAttribute('action'), null, 'a data: action goes');
  assert.equal(await box.getByText('mail').getAttribute('href'), 'mailto:shop@example.com');
  assert.equal(await box.getByText('tel').getAttribute('href'), 'tel:+4930123');
  assert.equal(await box.getByText('terms').getAttribute('href'), 'terms.html#x');
  // A click's javascript: navigation would have run by the time a later
  // task does.
  const ran = await page.evaluate(() => new Promise((r) => setTimeout(() => r([window.__p1, window.__p2, window.__p3,
    window.__p4]), 0)));
  assert.deepEqual(ran, [undefined, undefined, undefined, undefined]);
});

test('global configuration goes only to the methods that take it', T, async (t) => {
  const page = await plain(t);
  const bodies = {};
  page.on('request', (r) => {
    if (r.url().startsWith(CUSTOS_URL) && r.method() === 'POST') bodies[new URL(r.url()).pathname.slice(1)] = r.postData();
  });
  // The tag sets include: 'profile,data,id_token' and sessionExpiration.
  const schema = await gcall(page, 'accounts.getSchema');
  assert.equal(schema.errorCode, 0, JSON.stringify(schema));
  const sent = new URLSearchParams(bodies['accounts.getSchema']);
  assert.equal(sent.get('include'), null);
  assert.equal(sent.get('sessionExpiration'), null);
  const policies = await gcall(page, 'accounts.getPolicies');
  assert.equal(policies.errorCode, 0, JSON.stringify(policies));
  assert.equal(new URLSearchParams(bodies['accounts.getPolicies']).get('include'), null);
  const init = await gcall(page, 'accounts.initRegistration');
  assert.equal(init.errorCode, 0);
  assert.equal(new URLSearchParams(bodies['accounts.initRegistration']).get('include'), null);
  const login = await gcall(page, 'accounts.login', [{ loginID: uniqueEmail('nobody'), password: 'x-password-1' }]);
  assert.equal(login.errorCode, 403042);
  const loginSent = new URLSearchParams(bodies['accounts.login']);
  assert.equal(loginSent.get('include'), 'profile,data,id_token');
  assert.equal(loginSent.get('sessionExpiration'), '3600');
  assert.equal(loginSent.get('lang'), 'de');
});

test('the tag\'s configuration: a function skips only its own entry, with a warning', T, async (t) => {
  const page = await newPage(t, browser);
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.goto(PLAIN);
  await page.waitForFunction(() => window.gigya && window.gigya.isReady);
  const conf = await page.evaluate(() => window.gigya.thisScript.globalConf);
  assert.equal(conf.lang, 'de');
  assert.equal(conf.include, 'profile,data,id_token');
  assert.equal(conf.sessionExpiration, 3600);
  assert.equal(conf.onGigyaServiceReady, undefined);
  assert.ok(warnings.some((w) => /onGigyaServiceReady skipped/.test(w)), warnings.join('\n'));
});

test('the callback always comes: nested unknown methods, unsendable parameters, a failing interruption', T, async (t) => {
  const page = await plain(t);
  for (const name of ['accounts.otp.sendCode', 'accounts.tfa.email.sendVerificationCode', 'socialize.x.y']) {
    const res = await gcall(page, name, [{ context: 'n' }]);
    assert.equal(res.errorCode, 405001, `${name}: ${JSON.stringify(res)}`);
    assert.equal(res.context, 'n');
  }
  const circular = await page.evaluate((wait) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ timedOut: true }), wait);
    const data = {};
    data.self = data;
    window.gigya.accounts.getPolicies({ data, callback: (r) => { clearTimeout(timer); resolve({ errorCode: r.errorCode }); } });
  }), WAIT);
  assert.deepEqual(circular, { errorCode: 400006 });
  const bigint = await page.evaluate((wait) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ timedOut: true }), wait);
    window.gigya.accounts.getPolicies({ x: { n: 1n }, callback: (r) => { clearTimeout(timer); resolve({ errorCode: r.errorCode }); } });
  }), WAIT);
  assert.deepEqual(bigint, { errorCode: 400006 });

  // An interruption whose flow fails: the login's callback still comes.
  const email = uniqueEmail('intr');
  const reg = await register(page, email);
  await gcall(page, 'accounts.logout');
  const due = await custosRPC('accounts.setAccountInfo', { UID: reg.UID, requirePasswordChange: true });
  assert.equal(due.errorCode, 0, JSON.stringify(due));
  await page.evaluate(() => {
    window.gigya.updateConfiguration({ defaultRegScreenSet: 'Boom' });
    const get = document.getElementById.bind(document);
    document.getElementById = (id) => { if (id === 'Boom') throw new Error('boom'); return get(id); };
  });
  const res = await gcall(page, 'accounts.login', [{ loginID: email, password: PASSWORD }], 'code');
  assert.equal(res.errorCode, 500001, JSON.stringify(res));
});

test('a second copy of the SDK keeps the first\'s handlers; a logout without a session still fires onLogout', T, async (t) => {
  const page = await plain(t);
  await page.evaluate(() => {
    window.__logouts = 0;
    window.__first = window.gigya;
    window.gigya.accounts.addEventHandlers({ onLogout: () => { window.__logouts++; } });
  });
  await page.evaluate((src) => new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = reject;
    document.head.append(s);
  }), `${CUSTOS_URL}/js/socialize.js?apikey=${API_KEY}`);
  assert.equal(await page.evaluate(() => window.gigya === window.__first), true);
  const out = await gcall(page, 'accounts.logout');
  assert.equal(out.errorCode, 0);
  assert.equal(await page.evaluate(() => window.__logouts), 1);
});

test('glt_ goes on the site\'s base domain when a *. domain holds the page\'s host; callbacks carry no token', T, async (t) => {
  const port = new URL(SITE_URL).port;
  const page = await plain(t, {}, `http://www.shop.test:${port}/plain.html`);
  const reg = await register(page, uniqueEmail('base'));
  assert.equal(reg.sessionInfo?.login_token, undefined);
  assert.equal(reg.sessionInfo?.cookieValue, undefined);
  const glt = (await page.context().cookies(`http://api.shop.test:${port}/`)).find((c) => c.name === `glt_${API_KEY}`);
  assert.ok(glt, 'api.shop.test sees the session cookie');
  assert.equal(glt.domain, '.shop.test');
  const info = await gcall(page, 'accounts.getAccountInfo');
  assert.equal(info.errorCode, 0, JSON.stringify(info));
  await gcall(page, 'accounts.logout');
  assert.equal((await page.context().cookies(`http://www.shop.test:${port}/`)).some((c) => c.name === `glt_${API_KEY}`), false);
});

test('a set shown into an occupied container ends the first with 200001; an embedded set leaves focus alone', T, async (t) => {
  const page = await plain(t);
  await page.focus('#outside');
  await page.evaluate(() => {
    window.__first = null;
    window.gigya.accounts.showScreenSet({ screenSet: 'Page-Payloads', containerID: 'box',
      callback: (r) => { window.__first = { errorCode: r.errorCode, hidden: !!window.__hidden }; },
      onHide: () => { window.__hidden = true; } });
  });
  await page.locator('#box').getByRole('heading', { name: 'Payloads' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'outside');
  await page.evaluate(() => window.gigya.accounts.showScreenSet({ screenSet: 'Page-Other', containerID: 'box' }));
  await page.locator('#box').getByRole('heading', { name: 'Other' }).waitFor();
  await page.waitForFunction(() => window.__first);
  assert.deepEqual(await page.evaluate(() => window.__first), { errorCode: 200001, hidden: true });
});

test('social login without the provider opens no popup', T, async (t) => {
  const page = await plain(t);
  let popups = 0;
  page.context().on('page', () => { popups++; });
  for (const method of ['accounts.socialLogin', 'socialize.login']) {
    const res = await page.evaluate((m) => new Promise((resolve) => {
      const [ns, name] = m.split('.');
      window.gigya[ns][name]({ provider: 'google', callback: (r) => resolve(r.errorCode) });
    }), method);
    assert.equal(res, 400006, method);
  }
  assert.equal(popups, 0);
});
