// core.js: the custos Web SDK's core (configuration, ready signal and call
// queue, requests, the glt_ session cookie, events, client-side errors).
// It runs inside the bundle's function, after `const SITE = {…}`; the
// handler (websdk.go) appends screenset.js and `custosStart();`. No eval:
// inline configuration is parsed as data (parseLiteral).

const CODES = {
  canceled: [200001, 'Operation canceled'],
  popupBlocked: [400101, 'Popup blocked'],
  invalidHandler: [400102, 'Invalid event handler'],
  invalidContainer: [400103, 'Invalid containerID'],
  invalidParameter: [400006, 'Invalid parameter value'],
  unauthorized: [403005, 'Unauthorized user'],
  invalidMethod: [405001, 'Invalid API method'],
  serverError: [500001, 'General Server Error'],
  network: [500026, 'Network error'],
  timeout: [504001, 'Timeout'],
};

// Server methods: s = needs a session (or a regToken when r), a = answered
// without the session token, l = a login (its session goes to glt_).
const SERVER = {
  'accounts.login': 'l', 'accounts.register': 'l', 'accounts.finalizeRegistration': 'l',
  'accounts.notifyLogin': 'l', 'accounts.initRegistration': 'a', 'accounts.getAccountInfo': 'sr',
  'accounts.setAccountInfo': 'sr', 'accounts.resetPassword': '', 'accounts.verifyLogin': 's',
  'accounts.getJWT': 's', 'accounts.getSchema': 'a', 'accounts.getPolicies': 'a', 'accounts.getScreenSets': 'a',
  'accounts.isAvailableLoginID': 'a', 'accounts.resendVerificationCode': 'r', 'accounts.session.verify': 's',
  'accounts.logout': 's', 'socialize.logout': 's', 'socialize.getUserInfo': 's', 'socialize.notifyLogin': 'l',
};
// Codes that stop a flow for the user to continue in a screen-set.
const INTERRUPTIONS = new Set([206001, 206002, 403100]);
// Parameters that steer the SDK and are never sent.
const LOCAL_PARAMS = new Set(['callback', 'ignoreApiQueue', 'ignoreInterruptions', 'suppressLoginEvent', 'noAuth',
  'containerID']);
const SECRET_PARAMS = new Set(['password', 'newPassword', 'oldPassword', 'secretAnswer']);
// The global configuration's keys each method takes (as Gigya merges them,
// per method): include only where it names account parts (getSchema's
// include names schema sections), sessionExpiration only where a session
// starts, lang where the answer or a mail speaks.
const CONF_KEYS = {
  'accounts.login': ['lang', 'sessionExpiration', 'include'],
  'accounts.register': ['lang', 'sessionExpiration', 'include'],
  'accounts.finalizeRegistration': ['lang', 'sessionExpiration', 'include'],
  'accounts.notifyLogin': ['lang', 'sessionExpiration', 'include'],
  'socialize.notifyLogin': ['lang', 'sessionExpiration'],
  'accounts.getAccountInfo': ['lang', 'include'],
  'accounts.setAccountInfo': ['lang', 'include'],
  'accounts.verifyLogin': ['lang', 'include'],
  'accounts.initRegistration': ['lang'],
  'accounts.resetPassword': ['lang'],
  'accounts.resendVerificationCode': ['lang'],
  'accounts.getScreenSets': ['lang'],
  'accounts.getPolicies': ['lang'],
  'accounts.getSchema': ['lang'],
};
const MAX_PAGE_URL = 1024;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const warn = (...a) => { if (typeof console !== 'undefined') console.warn(...a); };

// --- configuration ----------------------------------------------------

// The script element that loaded the SDK: document.currentScript while the
// bundle runs, else the last script whose src names the SDK with an apikey.
function findScript() {
  const cur = document.currentScript;
  if (cur && cur.src) return cur;
  const all = Array.from(document.getElementsByTagName('script'));
  return all.reverse().find((s) => /\/js\/(gigya|socialize)\.js\?/i.test(s.src) && /[?&]apikey=/i.test(s.src)) || null;
}

// Query parameters of a URL with lower-cased names.
function lowerParams(href) {
  const out = {};
  try {
    for (const [k, v] of new URL(href, location.href).searchParams) {
      const key = k.toLowerCase();
      if (!(key in out)) out[key] = v;
    }
  } catch { /* not a URL */ }
  return out;
}

// parseLiteral reads a JavaScript object literal of data, as sites put in
// the SDK's script tag: objects, arrays, single- or double-quoted strings,
// numbers, true/false/null/undefined, bare keys, trailing commas and
// comments. No code runs: a value that is code (a function, an arrow
// function, a method, a variable) is skipped with its key, whose name goes
// to skipped; the rest of the object counts. Functions belong in
// window.__gigyaConf.
const SKIP = Symbol('skipped');
function parseLiteral(text, skipped = []) {
  let i = 0;
  const fail = (what) => { throw new SyntaxError(`${what} at offset ${i}`); };
  const space = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i])) i++;
      if (text.startsWith('//', i)) { const e = text.indexOf('\n', i); i = e < 0 ? text.length : e; continue; }
      if (text.startsWith('/*', i)) { const e = text.indexOf('*/', i + 2); if (e < 0) fail('unclosed comment'); i = e + 2; continue; }
      return;
    }
  };
  const string = () => {
    const q = text[i++];
    let s = '';
    while (i < text.length && text[i] !== q) {
      let c = text[i++];
      if (c === '\\') {
        c = text[i++];
        const esc = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', 0: '\0' };
        if (c === 'u') { s += String.fromCharCode(parseInt(text.slice(i, i + 4), 16)); i += 4; continue; }
        if (c === 'x') { s += String.fromCharCode(parseInt(text.slice(i, i + 2), 16)); i += 2; continue; }
        if (c === '\n') continue;
        s += c in esc ? esc[c] : c;
        continue;
      }
      s += c;
    }
    if (text[i++] !== q) fail('unclosed string');
    return s;
  };
  // skipCode passes over the code of one value: up to the , } or ] that
  // ends it, outside brackets, strings and comments.
  const skipCode = () => {
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '"' || c === "'" || c === '`') {
        i++;
        while (i < text.length && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
        i++;
        continue;
      }
      if (text.startsWith('//', i) || text.startsWith('/*', i)) { space(); continue; }
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
      i++;
    }
    if (depth) fail('unbalanced code');
    return SKIP;
  };
  const word = () => {
    const m = /^[A-Za-z_$][\w$]*/.exec(text.slice(i));
    if (!m) fail('unexpected character');
    i += m[0].length;
    return m[0];
  };
  const value = (depth) => {
    if (depth > 32) fail('nested too deeply');
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const o = {};
      for (;;) {
        space();
        if (text[i] === '}') { i++; return o; }
        const key = text[i] === '"' || text[i] === "'" ? string() : /[\d.-]/.test(text[i]) ? String(number()) : word();
        space();
        let v;
        if (text[i] === '(') v = skipCode(); // a method: key() {…}
        else if (text[i++] !== ':') fail('expected :');
        else v = value(depth + 1);
        if (v === SKIP) skipped.push(key);
        else if (key !== '__proto__') o[key] = v;
        space();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return o; }
        fail('expected , or }');
      }
    }
    if (c === '[') {
      i++;
      const a = [];
      for (;;) {
        space();
        if (text[i] === ']') { i++; return a; }
        const v = value(depth + 1);
        if (v !== SKIP) a.push(v);
        space();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return a; }
        fail('expected , or ]');
      }
    }
    if (c === '"' || c === "'") return string();
    if (/[\d.+-]/.test(c)) return number();
    if (c === '(' || c === '`') return skipCode();
    const start = i;
    const w = word();
    const words = { true: true, false: false, null: null, undefined };
    space();
    if (w in words && (i >= text.length || ',}]'.includes(text[i]))) return words[w];
    i = start;
    return skipCode();
  };
  const number = () => {
    const m = /^[+-]?(0x[\da-f]+|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)/i.exec(text.slice(i));
    if (!m) fail('bad number');
    i += m[0].length;
    return Number(m[0]);
  };
  space();
  if (i === text.length) return {};
  const v = value(0);
  space();
  if (text[i] === ';') { i++; space(); }
  if (i !== text.length) fail('unexpected text after the object');
  if (!isObject(v)) fail('not an object');
  return v;
}

// normalizeLang is Gigya's: "_" to "-", lower case, cut to the language
// but for the regional variants it keeps.
function normalizeLang(lang) {
  const l = String(lang || 'en').replace(/_/g, '-').toLowerCase();
  const whole = ['pt-br', 'zh-cn', 'zh-hk', 'zh-tw', 'es-mx', 'lt-lt', 'lv-lv', 'et-ee'];
  if (whole.includes(l) || l.endsWith('-inf')) return l;
  return l.split('-')[0] || 'en';
}

// --- cookies ----------------------------------------------------------

const cookies = {
  get(name) {
    for (const part of document.cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) {
        try { return decodeURIComponent(part.slice(eq + 1).trim()); } catch { return part.slice(eq + 1).trim(); }
      }
    }
    return null;
  },
  // maxAge in seconds: undefined for a session cookie, 0 removes it;
  // domain '' for a host-only cookie.
  set(name, value, maxAge, domain = '') {
    let c = `${name}=${encodeURIComponent(value)}; path=/; SameSite=Lax`;
    if (domain) c += `; domain=${domain}`;
    if (maxAge !== undefined) c += `; max-age=${Math.max(0, Math.floor(maxAge))}`;
    if (location.protocol === 'https:') c += '; Secure';
    document.cookie = c;
  },
  remove(name, domain = '') { cookies.set(name, '', 0, domain); },
};

// sessionDomain is where glt_ goes: the longest of the site's base domains
// (its "*." entries, SITE.baseDomains) that holds the page's host, as
// Gigya writes it on the site's base domain; else the page's host only.
function sessionDomain() {
  const host = location.hostname.toLowerCase();
  let best = '';
  for (const base of Array.isArray(SITE.baseDomains) ? SITE.baseDomains : []) {
    if (typeof base !== 'string' || !base.includes('.')) continue;
    if ((host === base || host.endsWith(`.${base}`)) && base.length > best.length) best = base;
  }
  return best;
}

// --- the SDK ----------------------------------------------------------

const script = findScript();
const scriptParams = script ? lowerParams(script.src) : {};
const conf = {};
for (const source of ['site', 'script tag', 'window.__gigyaConf']) {
  let part = {};
  try {
    if (source === 'site') part = SITE.config;
    else if (source === 'window.__gigyaConf') part = window.__gigyaConf;
    else if (script && script.text.trim()) {
      const skipped = [];
      part = parseLiteral(script.text, skipped);
      if (skipped.length) {
        warn(`custos: the script tag's configuration is read as data: ${skipped.join(', ')} skipped (code runs ` +
          'only from window.__gigyaConf)');
      }
    }
  } catch (err) {
    warn(`custos: the configuration in the ${source} is ignored: ${err.message}`);
  }
  if (isObject(part)) Object.assign(conf, part);
}
if (SITE.warning) warn(SITE.warning);
const apiKey = SITE.apiKey;
const cookieName = `glt_${apiKey}`;
const glt = {
  domain: sessionDomain(),
  get: () => cookies.get(cookieName),
  set(value, maxAge) { cookies.set(cookieName, value, maxAge, glt.domain); },
  // remove clears both the base domain's cookie and a host-only one (an
  // earlier version's, or one written before the site listed the domain).
  remove() {
    if (glt.domain) cookies.remove(cookieName, glt.domain);
    cookies.remove(cookieName);
  },
};
// On custos's own origin (its hosted login page) the session cookie is the
// server's: accounts.login sets glt_<apiKey> HttpOnly there, which a script
// can neither read nor overwrite. The page then holds no token of its own:
// every session call goes out credentialed and the server decides.
const serverSession = typeof location !== 'undefined' && location.origin === SITE.origin;

const handlers = { accounts: {}, socialize: {} };
const queue = [];
const methods = { accounts: {}, socialize: {}, 'accounts.session': {} };
let ready = false;
let verified = false; // the session token was verified by the server

const custos = {
  site: SITE,
  conf,
  lang: normalizeLang(scriptParams.lang || conf.lang),
  // onCustosOrigin: the page is custos's own (its hosted login page).
  onCustosOrigin: serverSession,
  cookies,
  call,
  fire,
  localError,
  defineMethod,
  onInterruption: null,
};

// localError is the callback response of an error the SDK itself finds.
function localError([code, message], details, extra) {
  return { ...extra, errorCode: code, errorMessage: message, errorDetails: details || message, status: 'FAIL',
    statusMessage: message };
}

// fire calls the handlers of ns.eventName with evt; a handler that throws
// does not stop the others.
function fire(ns, eventName, evt) {
  const list = handlers[ns] && handlers[ns][eventName];
  if (!list) return;
  const full = { ...evt, eventName, fullEventName: `${ns}.${eventName}` };
  for (const fn of list.slice()) {
    try { fn(full); } catch (err) { console.error(`custos: a ${ns}.${eventName} handler threw:`, err); }
  }
}

// wireValue is a parameter as sent: objects as JSON, functions dropped.
function wireValue(v) {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (v !== null && typeof v === 'object') return JSON.stringify(v, (k, x) => (typeof x === 'function' ? undefined : x));
  return String(v);
}

// requestParams are what the caller asked for, without secrets and
// functions, as the callback response echoes them.
function echoParams(params) {
  const out = {};
  for (const [k, v] of Object.entries(params)) {
    if (!SECRET_PARAMS.has(k) && typeof v !== 'function') out[k] = v;
  }
  return out;
}

// send POSTs one call to custos and answers its parsed JSON, or a local
// error for a network failure or a timeout.
async function send(method, body) {
  if (typeof navigator !== 'undefined' && navigator.onLine === false) {
    return localError(CODES.network, 'Network_error: the browser is offline');
  }
  const ms = Number(conf.requestTimeout) > 0 ? Number(conf.requestTimeout) : 15000;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  try {
    const res = await fetch(`${SITE.origin}/${method}`, { method: 'POST', body, credentials: 'include',
      signal: ctl.signal, cache: 'no-store' });
    const text = await res.text();
    try {
      const json = JSON.parse(text);
      if (isObject(json)) return json;
    } catch { /* below */ }
    return localError(CODES.serverError, `Unreadable answer from ${method} (HTTP ${res.status})`);
  } catch (err) {
    if (ctl.signal.aborted) return localError(CODES.timeout, `No answer to ${method} within ${ms} ms`);
    return localError(CODES.network, `Network_error: ${method}: ${err && err.message}`);
  } finally {
    clearTimeout(timer);
  }
}

// call runs a server method with params (merged argument objects) and
// answers the callback response; it never rejects. It keeps the session
// cookie and fires the login and logout events as the public methods do.
async function call(method, params = {}) {
  const kind = SERVER[method] ?? '';
  const p = { ...params };
  // The configuration's defaults, where the method takes them.
  const confKeys = CONF_KEYS[method] || [];
  for (const key of confKeys) {
    if (p[key] === undefined && conf[key] !== undefined) p[key] = conf[key];
  }
  if (p.lang === undefined && confKeys.includes('lang')) p.lang = custos.lang;
  const token = serverSession ? null : glt.get();
  const byRegToken = kind.includes('r') && p.regToken;
  const finish = (res) => shape(method, params, res);

  // Logout ends the session here at once, whatever the server answers.
  const logout = method === 'accounts.logout' || method === 'socialize.logout';
  const fireLogout = () => {
    fire('accounts', 'logout', { context: params.context, source: method });
    fire('socialize', 'logout', { context: params.context, source: method });
  };
  if (kind.includes('s') && !token && !byRegToken && !serverSession) {
    const res = finish(noSession(method) || localError(CODES.unauthorized, 'Unauthorized user: no session (log in first)'));
    // A logout without a session (the cookie expired) still tells the page,
    // whose UI may think someone is logged in.
    if (logout) fireLogout();
    return res;
  }
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) {
    if (LOCAL_PARAMS.has(k) || /^on[A-Z]/.test(k)) continue;
    if (k === 'context' && typeof v !== 'string') continue;
    let w;
    try {
      w = wireValue(v);
    } catch (err) {
      // JSON cannot hold it (a circular object, a BigInt): nothing is sent.
      return finish(localError(CODES.invalidParameter, `${k}: the value cannot be sent: ${err && err.message}`));
    }
    if (w !== undefined) body.set(k === 'format' ? 'dataFormat' : k, w);
  }
  // custos reads apiKey (Gigya's SDK sends APIKey, which custos also ignores
  // without complaint).
  body.set('apiKey', apiKey);
  body.set('targetEnv', 'jssdk');
  body.set('sdk', `js_${SITE.version}`);
  body.set('pageURL', location.href.slice(0, MAX_PAGE_URL));
  body.set('format', 'json');
  const useToken = token && !kind.includes('a') && !params.noAuth && !byRegToken && kind !== 'l';
  if (useToken) {
    body.set('login_token', token);
    body.set('authMode', 'cookie');
  }
  if (logout) { glt.remove(); verified = false; }

  let res = await send(method, body);
  if (useToken && res.errorCode === 403005) {
    glt.remove();
    verified = false;
  }
  // The server found no session: the methods that answer without one
  // answer as they do where the SDK sees that itself.
  if (serverSession && NO_SESSION_CODES.has(res.errorCode) && !byRegToken) res = noSession(method) || res;
  const ok = (res.errorCode || 0) === 0;
  const session = res.sessionInfo && (res.sessionInfo.login_token || res.sessionInfo.cookieValue) || res.login_token;
  // On custos's origin the server's Set-Cookie holds the session.
  if (ok && session && !serverSession) {
    const exp = res.sessionInfo && res.sessionInfo.expires_in !== undefined ? res.sessionInfo.expires_in : res.expires_in;
    const secs = Number(exp);
    const forever = 365 * 24 * 3600;
    glt.set(session, exp === undefined ? forever : secs > 0 ? secs : Number(p.sessionExpiration) < 0 ? forever : undefined);
    verified = true;
  }
  if (ok && (method === 'accounts.verifyLogin' || method === 'accounts.getAccountInfo') && useToken) verified = true;
  res = finish(res);
  if (ok && session && kind === 'l' && !params.suppressLoginEvent) fireLogin(method, params, res);
  if (ok && logout) fireLogout();
  return res;
}

// The server's codes for a call without a (valid) session.
const NO_SESSION_CODES = new Set([403005, 403012]);

// noSession is the answer of a session method that succeeds without a
// session (logging out, asking who is logged in), else null.
function noSession(method) {
  if (method === 'accounts.logout' || method === 'socialize.logout') return { errorCode: 0 };
  if (method === 'socialize.getUserInfo') {
    return { errorCode: 0, user: { UID: '', isConnected: false, isLoggedIn: false, isSiteUser: false } };
  }
  return null;
}

// shape turns a server answer into the callback response.
function shape(method, params, raw) {
  const res = { ...raw };
  res.errorCode = Number(res.errorCode) || 0;
  res.status = res.errorCode === 0 ? 'OK' : 'FAIL';
  res.errorMessage = res.errorMessage || '';
  res.statusMessage = res.errorMessage;
  res.operation = method.startsWith('socialize.') ? method.slice('socialize.'.length) : `/${method}`;
  res.requestParams = echoParams(params);
  res.context = params.context;
  for (const k of ['statusCode', 'statusReason', 'login_token', 'expires_in']) delete res[k];
  // The session token is the SDK's business (the glt_ cookie): Gigya's
  // callbacks do not carry it.
  if (isObject(res.sessionInfo)) {
    const { login_token: _t, cookieValue: _v, ...rest } = res.sessionInfo;
    if (Object.keys(rest).length) res.sessionInfo = rest;
    else delete res.sessionInfo;
  }
  return res;
}

function fireLogin(method, params, res) {
  const base = {
    UID: res.UID, UIDSignature: res.UIDSignature, signatureTimestamp: res.signatureTimestamp,
    profile: res.profile || {}, data: res.data || {}, id_token: res.id_token,
    provider: res.loginProvider || 'site', loginMode: params.loginMode || 'standard',
    newUser: res.newUser ?? method !== 'accounts.login',
    remember: Number(params.sessionExpiration ?? conf.sessionExpiration) === -2,
    context: params.context, source: method, isGlobal: false,
  };
  fire('accounts', 'login', base);
  fire('socialize', 'login', { ...base, provider: base.provider, user: { UID: res.UID, ...base.profile,
    isSiteUID: true, isLoggedIn: true } });
}

// --- public methods ---------------------------------------------------

// mergeArgs merges the argument objects of a public call, left to right.
function mergeArgs(args) {
  const p = {};
  for (const a of args) if (isObject(a)) Object.assign(p, a);
  return p;
}

function callback(params, res) {
  if (typeof params.callback !== 'function') return;
  try { params.callback(res); } catch (err) { console.error('custos: a callback threw:', err); }
}

// invoke runs a public method now.
async function invoke(fullName, params) {
  const client = lookup(fullName);
  let res;
  if (client) {
    try {
      res = await client(params);
    } catch (err) {
      res = localError(CODES.serverError, `${fullName}: ${err && err.message}`);
    }
    if (!res) return; // the method calls the callback itself
    res = { errorCode: 0, status: 'OK', errorMessage: '', statusMessage: '', operation: fullName.split('.').pop(),
      context: params.context, ...res };
  } else if (fullName in SERVER) {
    try {
      res = await call(fullName, params);
    } catch (err) {
      // A parameter that cannot be sent (a circular object, a BigInt).
      res = localError(CODES.invalidParameter, `${fullName}: a parameter cannot be sent: ${err && err.message}`,
        { operation: fullName, context: params.context });
    }
    if (INTERRUPTIONS.has(res.errorCode) && fullName.startsWith('accounts.') && !params.ignoreInterruptions &&
        typeof custos.onInterruption === 'function' && conf.defaultRegScreenSet) {
      let took = false;
      try {
        took = custos.onInterruption(res, params, (r) => callback(params, r));
      } catch (err) { console.error('custos: interruption:', err); }
      if (took) return;
    }
  } else {
    res = localError(CODES.invalidMethod, `${fullName} is not a method of this SDK`,
      { operation: fullName, context: params.context });
  }
  callback(params, res);
}

function publicMethod(fullName) {
  return (...args) => {
    const params = mergeArgs(args);
    if (ready || params.ignoreApiQueue) invoke(fullName, params);
    else queue.push([fullName, params]);
  };
}

function lookup(fullName) {
  const i = fullName.lastIndexOf('.');
  const ns = methods[fullName.slice(0, i)];
  return ns && Object.hasOwn(ns, fullName.slice(i + 1)) ? ns[fullName.slice(i + 1)] : null;
}

// defineMethod adds a client-only public method: fn(params) answers the
// callback response (or a Promise of it), or nothing when it calls
// params.callback itself.
function defineMethod(fullName, fn) {
  const i = fullName.lastIndexOf('.');
  const ns = fullName.slice(0, i);
  if (!methods[ns]) methods[ns] = {};
  methods[ns][fullName.slice(i + 1)] = fn;
}

// namespace is gigya.<ns>: every known method, and for any other name a
// member that is both a method and a namespace, so that a call at any
// depth (gigya.accounts.otp.sendCode) answers 405001 through its callback.
// Like every name, it exists for feature detection (docs/web-sdk.md).
function namespace(ns, children = {}) {
  const target = { ...children };
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop !== 'string' || prop === 'then' || prop === 'toJSON' || prop === 'constructor' ||
          prop.startsWith('_') || Object.hasOwn(t, prop)) return t[prop];
      return member(`${ns}.${prop}`);
    },
  });
}

function member(fullName) {
  const fn = publicMethod(fullName);
  return new Proxy(fn, {
    get(t, prop) {
      if (typeof prop !== 'string' || prop === 'then' || prop === 'toJSON' || prop.startsWith('_') ||
          Object.hasOwn(t, prop) || prop in Function.prototype) return t[prop];
      return member(`${fullName}.${prop}`);
    },
  });
}

// addEventHandlers registers every on<Event> key of params; a key whose
// value is not a function answers 400102 (the valid ones still count).
function addEventHandlers(ns) {
  return (params) => {
    const bad = [];
    for (const [k, v] of Object.entries(params)) {
      if (!/^on[A-Z]/.test(k)) continue;
      if (typeof v !== 'function') { bad.push(k); continue; }
      const name = k[2].toLowerCase() + k.slice(3);
      (handlers[ns][name] ||= []).push(v);
    }
    if (bad.length) {
      return localError(CODES.invalidHandler, `${bad.join(', ')}: an event handler must be a function`,
        { operation: 'addEventHandlers', context: params.context });
    }
    return { operation: 'addEventHandlers' };
  };
}

defineMethod('accounts.addEventHandlers', addEventHandlers('accounts'));
defineMethod('socialize.addEventHandlers', addEventHandlers('socialize'));

// --- social login -----------------------------------------------------

// Social login runs custos's redirect flow (docs/social.md): in a popup
// (default) that ends at custos's completion page, which posts the result
// to this page's origin; or, with authFlow 'redirect', in this window,
// back to redirectURL (default: this page), where custosStart finishes it.
const SOCIAL_PENDING = `custos_social_${apiKey}`;
const SOCIAL_PROVIDER = /^[a-z0-9-]{2,40}$/;

function randomState() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// socialStart is the flow's first request: method at custos, its fields.
function socialStart(method, params, redirectURI, state) {
  const mode = params.loginMode || params.x_loginMode || (method === 'socialize.addConnection' ? 'connect' : '');
  const f = { x_provider: params.provider || params.x_provider || '', client_id: apiKey, redirect_uri: redirectURI,
    response_type: 'token', state };
  if (mode) f.x_loginMode = mode;
  const regToken = params.regToken || params.x_regToken;
  if (regToken) f.x_regToken = regToken;
  const exp = params.sessionExpiration ?? conf.sessionExpiration;
  if (exp !== undefined && exp !== null && exp !== '') f.x_sessionExpiration = String(exp);
  if (params.finalizeRegistration !== undefined) f.finalizeRegistration = String(params.finalizeRegistration);
  const lang = params.lang || custos.lang;
  if (lang) f.x_lang = lang;
  const token = mode === 'connect' ? glt.get() : null;
  return { url: `${SITE.origin}/${method}`, fields: f, token };
}

// startURL is the address of the flow's start. connect acts for the user
// of this page's session, whose token goes along as login_token (as
// Gigya's SDKs send oauth_token there): a form's POST would keep it out of
// the address, but pages' CSP form-action refuses posts to custos.
function startURL(start) {
  const fields = start.token ? { ...start.fields, login_token: start.token } : start.fields;
  return `${start.url}?${new URLSearchParams(fields)}`;
}

// socialLogin opens the popup at once (browsers allow one only during the
// user's click) and answers the flow's result.
function socialLogin(method) {
  return (params) => {
    const provider = String(params.provider || params.x_provider || '').toLowerCase();
    if (!provider) {
      return localError([400060, 'Missing required provider parameter'], 'provider', { operation: method });
    }
    // A provider the site has not (SITE.socialProviders, the enabled ones)
    // opens nothing: no popup flashes open and shut.
    const providers = Array.isArray(SITE.socialProviders) ? SITE.socialProviders : [];
    if (!SOCIAL_PROVIDER.test(provider) || !providers.includes(provider)) {
      return localError(CODES.invalidParameter, `provider: the site has no social login provider "${provider.slice(0, 40)}"`,
        { operation: method });
    }
    params = { ...params, provider };
    const state = randomState();
    if (params.authFlow === 'redirect') {
      const back = String(params.redirectURL || location.href).split('#')[0];
      try {
        sessionStorage.setItem(SOCIAL_PENDING, JSON.stringify({ state, method, provider, context: params.context,
          loginMode: params.loginMode, sessionExpiration: params.sessionExpiration, include: params.include }));
      } catch { /* no storage: the result is not taken */ }
      location.assign(startURL(socialStart(method, params, back, state)));
      return undefined; // the page leaves; the login event tells the result
    }
    const done = `${SITE.origin}/socialize.login/done?${new URLSearchParams({ apiKey, origin: location.origin })}`;
    const start = socialStart(method, params, done, state);
    const name = `custos_social_${state}`;
    const popup = window.open(startURL(start), name, 'width=500,height=640');
    if (!popup) {
      return localError(CODES.popupBlocked, 'Popup blocked: allow popups for this site, or use authFlow "redirect"');
    }
    return new Promise((resolve) => {
      let settled = false;
      const settle = (p) => {
        if (settled) return;
        settled = true;
        window.removeEventListener('message', onMessage);
        clearInterval(timer);
        p.then(resolve);
      };
      const onMessage = (ev) => {
        if (ev.origin !== SITE.origin || ev.source !== popup || !isObject(ev.data) ||
            typeof ev.data.custosSocialLogin !== 'string') return;
        settle(finishSocial(method, params, state, ev.data.custosSocialLogin));
      };
      window.addEventListener('message', onMessage);
      // A popup closed without a result is a cancel; its last message may
      // still be on the way.
      const timer = setInterval(() => {
        if (!popup.closed) return;
        setTimeout(() => settle(Promise.resolve(shape(method, params,
          localError(CODES.canceled, 'Operation canceled: the login window was closed')))), 300);
      }, 250);
    });
  };
}

// keepSession writes the session token to glt_ for expiresIn seconds
// (undefined: the session's default, none: until the browser closes).
// On custos's own origin the session cookie is the server's (HttpOnly):
// a social login there keeps no token of its own.
function keepSession(token, expiresIn, sessionExpiration) {
  if (serverSession) return;
  const secs = Number(expiresIn);
  const forever = 365 * 24 * 3600;
  glt.set(token, expiresIn === undefined || expiresIn === null ? forever : secs > 0 ? secs :
    Number(sessionExpiration) < 0 ? forever : undefined);
  verified = true;
}

// finishSocial turns a flow's result (the fragment) into the callback
// response: on success it keeps the session, reads the account and fires
// the login event.
async function finishSocial(method, params, expectState, fragment) {
  const r = new URLSearchParams(fragment);
  if (r.get('state') !== expectState) {
    return shape(method, params, localError(CODES.invalidParameter, 'state: the result is not of this login'));
  }
  const provider = r.get('provider') || params.provider;
  if (r.get('status') !== 'ok') {
    const code = Number(r.get('error_code')) || CODES.serverError[0];
    const desc = r.get('error_description') || '';
    const message = desc.replace(/^\d+\s*-\s*/, '') || CODES.serverError[1];
    const extra = { provider };
    if (r.get('regToken')) extra.regToken = r.get('regToken');
    if (r.get('callId')) extra.callId = r.get('callId');
    return shape(method, params, localError([code, message], r.get('errorDetails') || message, extra));
  }
  const token = r.get('access_token');
  if (!token) {
    // connect: the identity joined this session's account.
    fire('socialize', 'connectionAdded', { provider, context: params.context, source: method });
    return shape(method, params, { errorCode: 0, provider });
  }
  keepSession(token, r.get('expires_in') ?? undefined, params.sessionExpiration ?? conf.sessionExpiration);
  const info = await call('accounts.getAccountInfo', { include: params.include || 'profile,data', context: params.context });
  const res = { ...info, operation: shape(method, params, {}).operation, requestParams: echoParams(params),
    loginProvider: provider, provider };
  if (info.errorCode === 0 && !params.suppressLoginEvent) fireLogin(method, params, res);
  return res;
}

// finishRedirect completes a redirect flow as the page it came back to
// loads: the fragment is taken out of the address, then the login event
// (or socialize.error) tells the result.
function finishRedirect() {
  let pending;
  try {
    pending = JSON.parse(sessionStorage.getItem(SOCIAL_PENDING) || 'null');
  } catch { pending = null; }
  if (!isObject(pending) || !location.hash) return;
  const fragment = location.hash.slice(1);
  if (new URLSearchParams(fragment).get('state') !== pending.state) return;
  try {
    sessionStorage.removeItem(SOCIAL_PENDING);
    history.replaceState(history.state, '', location.href.split('#')[0]);
  } catch { /* the result is still taken */ }
  const params = { provider: pending.provider, context: pending.context, loginMode: pending.loginMode,
    sessionExpiration: pending.sessionExpiration, include: pending.include };
  finishSocial(pending.method, params, pending.state, fragment).then((res) => {
    if (res.errorCode !== 0) fire('socialize', 'error', { ...res, source: pending.method });
  });
}
defineMethod('accounts.socialLogin', socialLogin('accounts.socialLogin'));
defineMethod('socialize.login', socialLogin('socialize.login'));
defineMethod('socialize.addConnection', socialLogin('socialize.addConnection'));
custos.socialLogin = (method, params) => socialLogin(method)(params);

// hasSession answers whether the page has a session that custos accepts.
function hasSession() {
  if (serverSession) return call('accounts.verifyLogin', {}).then((res) => res.errorCode === 0);
  if (!glt.get()) return Promise.resolve(false);
  if (verified) return Promise.resolve(true);
  return call('accounts.verifyLogin', {}).then((res) => res.errorCode === 0);
}

let readyFired = false;
const MARK = Symbol.for('custos.webSDK');

// custosStart publishes window.gigya and signals readiness once the
// document's scripts have run: the queued calls go first, in order.
// eslint-disable-next-line no-unused-vars
function custosStart() {
  // A second copy of the SDK (a tag manager, socialize.js next to gigya.js,
  // an SPA's route) for the same site keeps the first: its handlers, queue
  // and session state stay, and the ready signal has gone out already.
  const prev = window.gigya;
  if (prev && prev[MARK]) {
    if (prev[MARK].apiKey === apiKey) {
      warn('custos: the Web SDK is loaded twice: the first copy stays');
      return;
    }
    warn(`custos: the Web SDK of another apiKey is loaded: ${apiKey} replaces ${prev[MARK].apiKey}`);
  }
  const gigya = {
    isReady: false,
    version: SITE.version,
    thisScript: { APIKey: apiKey, lang: custos.lang, globalConf: conf, URL: script ? script.src : '' },
    hasSession,
    getUrlParam: (name) => new URL(location.href).searchParams.get(name),
    updateConfiguration: (o) => { if (isObject(o)) Object.assign(conf, o); },
    utils: { cookie: { get: cookies.get, remove: cookies.remove } },
    accounts: namespace('accounts', { session: namespace('accounts.session') }),
    socialize: namespace('socialize'),
  };
  Object.defineProperty(gigya, MARK, { value: { apiKey } });
  window.gigya = gigya;
  const signal = () => setTimeout(() => {
    if (readyFired) return;
    readyFired = true;
    ready = true;
    gigya.isReady = true;
    for (const [name, params] of queue.splice(0)) invoke(name, params);
    // A redirect flow that came back here ends now, its handlers registered.
    finishRedirect();
    for (const fn of [window.onGigyaServiceReady, conf.onGigyaServiceReady]) {
      if (typeof fn !== 'function') continue;
      try { fn('socialize'); } catch (err) { console.error('custos: onGigyaServiceReady threw:', err); }
    }
  }, 0);
  // Pages load the SDK async, often in <head>: their ready handlers may
  // expect the document to be there.
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', signal, { once: true });
  else signal();
}
