// The harness itself: Chromium opens a page of the site, axe and the
// screenshots work, a signed server call reaches custos.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { axe, CUSTOS_URL, custosRPC, launch, newPage, shots, SITE_URL } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a site page opens in Chromium, passes axe and is photographed', async (t) => {
  const page = await newPage(t, browser);
  await page.goto(`${SITE_URL}/harness.html`);
  assert.equal(await page.locator('h1').textContent(), 'Browser Test Shop');
  assert.equal(await page.locator('#custos').textContent(), CUSTOS_URL);
  await axe(page);
  await shots(page, 'harness');
});

test('a signed server call reaches custos', async () => {
  const res = await custosRPC('accounts.getSchema');
  assert.equal(res.errorCode, 0, JSON.stringify(res));
});
