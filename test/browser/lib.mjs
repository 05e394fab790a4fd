// Helpers of the browser tests. browser_test.go sets the environment:
// CUSTOS_URL, SITE_URL, CUSTOS_API_KEY, CUSTOS_SECRET, MAIL_URL, CHROMIUM and
// SCREENSHOT_DIR.
import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these tests through browser_test.go (go test ./test/browser/)`);
  return v;
};

export const CUSTOS_URL = need('CUSTOS_URL');
export const SITE_URL = need('SITE_URL');
export const API_KEY = need('CUSTOS_API_KEY');
const SECRET = need('CUSTOS_SECRET');
// SCREENSETS_SITE is the second site, for screensets.test.mjs: its schema
// and policies change without touching the other files' site.
export const SCREENSETS_SITE = { apiKey: need('CUSTOS_SCREENSETS_API_KEY'), secret: need('CUSTOS_SCREENSETS_SECRET') };
const MAIL_URL = need('MAIL_URL');
const SCREENSHOT_DIR = need('SCREENSHOT_DIR');

// Bounded waits: nothing here waits longer than this for one thing.
export const WAIT = 10_000;

// launch starts Chromium headless, with the flags that keep it off the
// network (the machine's network is closed) and a fresh profile (Playwright
// gives every launch a new temporary user-data dir). Close it in after().
// args are more Chromium flags.
export async function launch({ args = [] } = {}) {
  return chromium.launch({
    executablePath: need('CHROMIUM'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...args],
  });
}

// newPage opens a page in a new context (its own cookies and storage) and
// fails test t when the page throws or logs a console error, except those
// matching one of allow (regular expressions), when the test ends.
export async function newPage(t, browser, { allow = [], viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(WAIT);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.stack || err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    const text = loc?.url ? `${msg.text()} (${loc.url}${loc.lineNumber ? ':' + loc.lineNumber : ''})` : msg.text();
    if (!allow.some((re) => re.test(text))) problems.push(`console error: ${text}`);
  });
  t.after(async () => {
    await context.close();
    if (problems.length) throw new Error(`the page reported errors:\n${problems.join('\n')}`);
  });
  return page;
}

const require = createRequire(import.meta.url);
let axeSource;

// axe runs axe-core in the page (or on the element of selector include) and
// fails when it finds a WCAG 2.x A or AA violation, listing them.
export async function axe(page, { include } = {}) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol: a page's CSP does not apply.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async (include) => {
    const res = await window.axe.run(include ? { include: [include] } : document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    });
    return res.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  }, include);
  if (violations.length) {
    const text = violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.join('\n  ')}`).join('\n');
    throw new Error(`axe: ${violations.length} WCAG A/AA violation(s) on ${page.url()}:\n${text}`);
  }
}

// shots writes <name>-1280.png and <name>-390.png (full page) into
// SCREENSHOT_DIR, then restores the viewport.
export async function shots(page, name) {
  const before = page.viewportSize();
  for (const [width, height] of [[1280, 800], [390, 844]]) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${width}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

// mail returns the last message sent to `to` ({subject, text, html, links,
// count}), or with n the n-th (from 1), waiting up to 10 s for it.
export async function mail(to, { n } = {}) {
  const u = new URL(MAIL_URL);
  u.searchParams.set('to', to);
  if (n) u.searchParams.set('n', String(n));
  const res = await fetch(u, { signal: AbortSignal.timeout(WAIT + 5_000) });
  if (!res.ok) throw new Error(`mail to ${to}: ${res.status} ${await res.text()}`);
  return res.json();
}

// enc is RFC 3986 percent-encoding, as the signature's base string wants.
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

// custosRPC calls method on custos as the site's server: signed with the
// site's secret (timestamp, nonce, sig), for the tests' setup and checks.
// Objects in params are sent as JSON. Answers the parsed response. site
// ({apiKey, secret}) names another site than the default one.
export async function custosRPC(method, params = {}, site = { apiKey: API_KEY, secret: SECRET }) {
  const url = `${CUSTOS_URL}/${method}`;
  const p = { apiKey: site.apiKey, format: 'json', timestamp: String(Math.floor(Date.now() / 1000)),
    nonce: randomBytes(12).toString('hex') };
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined) p[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  const base = Object.keys(p).sort().map((k) => `${k}=${enc(p[k])}`).join('&');
  const normalized = new URL(url);
  const baseString = `POST&${enc(`${normalized.protocol}//${normalized.host}${normalized.pathname}`)}&${enc(base)}`;
  p.sig = createHmac('sha1', Buffer.from(site.secret, 'base64')).update(baseString).digest('base64');
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams(p),
    signal: AbortSignal.timeout(WAIT) });
  return res.json();
}

// uniqueEmail is a new address for one test.
export const uniqueEmail = (prefix = 'user') => `${prefix}-${randomBytes(5).toString('hex')}@example.com`;
