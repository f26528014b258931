/**
 * The web page in a real browser: a real registry server (filesystem store), images pushed over
 * the API, then chromium (Debian's, driven by playwright-core) loads `/` and a repository page.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, chromium } from 'playwright-core';
import { defaultConfig } from '../../../src/registry/config.js';
import { type RunningRegistry, startRegistry } from '../../../src/registry/server/server.js';
import { createWebHandler } from '../../../src/registry/web/handler.js';
import { tempDir } from '../../helpers/fixtures.js';
import { pushTinyImage } from './push.js';
import { fsStore } from './real-store.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;

// A wedged chromium (seen once on a loaded machine: newPage never resolved) must fail the test,
// not hang the suite: every step has a bound.
const STEP = { timeout: 90_000 };

describe('web page in chromium', { skip, timeout: 300_000 }, () => {
  let reg: RunningRegistry;
  let browser: BrowserContext;
  let pushed: Awaited<ReturnType<typeof pushTinyImage>>;

  // Made here, not in before(): tempDir's cleanup hook registered inside a hook would run right after it.
  const root = skip ? '' : tempDir('hull-web-');

  before(async () => {
    reg = await startRegistry(
      { ...defaultConfig(), addr: '127.0.0.1:0', root, log: { quiet: true } },
      { web: createWebHandler(), store: fsStore(root) },
    );
    pushed = await pushTinyImage(reg.url, 'team/app', 'v1');
    await pushTinyImage(reg.url, 'team/app', 'v2', '2023-01-01T00:00:00Z');
    await pushTinyImage(reg.url, 'solo', 'latest');
    browser = await chromium.launchPersistentContext(join(root, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, STEP);

  after(async () => {
    await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 20_000).unref())]);
    await reg?.close(2000);
  }, STEP);

  it('shows the repositories with their tag counts and links to each', STEP, async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${reg.url}/`);
    assert.equal(res?.status(), 200);
    assert.equal(await page.title(), 'Repositories — hull registry');
    const rows = await page.locator('tbody tr').allInnerTexts();
    assert.deepEqual(
      rows.map((r) => r.split('\t').map((c) => c.trim())),
      [
        ['solo', '1'],
        ['team/app', '2'],
      ],
    );
    await page.getByRole('link', { name: 'team/app' }).click();
    await page.waitForURL(`${reg.url}/ui/repo/team/app`);
    assert.equal(await page.locator('h1').innerText(), 'team/app');
  });

  it('shows tags, digests, media types, sizes, created and referrers', STEP, async () => {
    const page = await browser.newPage();
    await page.goto(`${reg.url}/ui/repo/team/app`);
    const text = await page.locator('main').innerText();
    for (const want of [
      'v1',
      'v2',
      pushed.manifest.digest.slice(0, 19),
      'application/vnd.oci.image.manifest.v1+json',
      'linux/amd64',
      '2024-05-06T07:08:09Z',
      '2023-01-01T00:00:00Z',
      '(1 layers)',
      'application/vnd.example.sbom+json',
    ])
      assert.ok(text.includes(want), `page shows ${want}:\n${text}`);
    assert.equal(await page.locator(`code[title="${pushed.manifest.digest}"]`).count(), 1);
    assert.equal(await page.locator(`code[title="${pushed.referrer.digest}"]`).count(), 1, 'the referrer of v1');
    const missing = await page.goto(`${reg.url}/ui/repo/nope`);
    assert.equal(missing?.status(), 404);
  });
});
