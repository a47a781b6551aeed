import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { renderReportHtml } from '../../src/report/render-html';
import { fullModel } from '../unit/report/report-fixtures';

/**
 * The report as a user sees it: a full hand-made model rendered to a file and opened in
 * headless Chromium (Debian `chromium`, driven by playwright-core — no browser download).
 * Checks it loads with no console or page errors and no network requests, that every
 * chart is a visible SVG of non-zero size, and saves a screenshot to test-results/report.png.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** dataset balance, loss, accuracy, DET, event confusion, clip confusion, 2 latency histograms. */
const CHARTS = 8;

// scripts/setup.sh installs Debian's chromium, so a missing browser is a set-up failure, not a skip.
describe('report in headless Chromium', () => {
  it('has the Debian chromium that scripts/setup.sh installs', () => {
    expect(existsSync(CHROMIUM)).toBe(true);
  });

  let dir: string;
  let context: BrowserContext;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'report-chromium-'));
    // A fresh profile per run: nothing cached, no state from earlier runs.
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });
  afterAll(async () => {
    await context?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders without errors or network access; every chart is a visible SVG; screenshot saved', async () => {
    const report = await renderReportHtml(fullModel());
    const file = join(dir, 'report.html');
    writeFileSync(file, report.html);

    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));

    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    expect(await page.title()).toBe('kws report');
    expect(await page.locator('h1').textContent()).toBe('kws report');
    expect(await page.locator('main section:not(.missing)').count()).toBe(report.sections);

    const svgs = page.locator('figure > svg');
    expect(await svgs.count()).toBe(CHARTS);
    for (let i = 0; i < CHARTS; i++) {
      const svg = svgs.nth(i);
      expect(await svg.isVisible()).toBe(true);
      const box = await svg.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.width).toBeGreaterThan(100);
      expect(box!.height).toBeGreaterThan(50);
      // Drawn content, not an empty frame: Vega puts marks in paths/rects/lines.
      expect(await svg.locator('path, line, rect').count()).toBeGreaterThan(5);
    }

    const out = resolve('test-results');
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'report.png'), fullPage: true });
    expect(existsSync(join(out, 'report.png'))).toBe(true);
    await page.close();
  });
});
