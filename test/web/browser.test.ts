/// <reference lib="dom" />
/**
 * The live view in a real browser: Debian's headless Chromium (driven by playwright-core, never a
 * downloaded browser) opens the page during a run on the sample videos, sees annotated frames arrive
 * and counters move, and `/metrics` afterwards matches the run's own totals.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { assetPath } from '../../src/assets';
import { parseConfig, webSchema } from '../../src/config';
import { runChannels, type RunChannelsSummary } from '../../src/pipelines/camera/run-channels';
import { closeAllPools } from '../../src/pools/registry';
import { startWeb, type WebSurface } from '../../src/web';
import { parsePromText, sampleValue } from './prom-text';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Installs Debian's chromium when it is missing (apt only; a lock keeps parallel installs apart). */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  execFileSync(
    'flock',
    ['/tmp/apt.lock', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', 'chromium'],
    {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: 'ignore',
      timeout: 600_000,
    },
  );
}

const FRAMES = 225;

function config() {
  return parseConfig(
    {
      pools: { detect: { size: 1 } },
      // Paced like cameras, so the run lasts long enough to watch: 225 frames at 15 FPS = 15 s.
      channelDefaults: { pace: 15, maxFrames: FRAMES },
      channels: [
        { id: 'mega', source: assetPath('samples', 'Megamind.avi'), tracker: { minHits: 2 } },
        { id: 'street', source: assetPath('samples', 'vtest.avi') },
      ],
    },
    'browser-test.json',
  );
}

jest.setTimeout(180_000);

/** Resolves once `condition` holds (checked every 50 ms); rejects after `limitMs`. */
async function waitUntil(condition: () => boolean, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`condition not met in ${limitMs} ms: ${condition.toString()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('live view in headless Chromium', () => {
  let web: WebSurface;
  let context: BrowserContext;
  let page: Page;
  let run: Promise<RunChannelsSummary>;
  const shots = mkdtempSync(path.join(os.tmpdir(), 'rxv-live-view-'));

  beforeAll(async () => {
    ensureChromium();
    web = await startWeb({ web: webSchema.parse({ port: 0, fps: 5, jpegQuality: 70 }) });
    const out = mkdtempSync(path.join(os.tmpdir(), 'rxv-live-jsonl-'));
    run = runChannels(config(), { output: { type: 'jsonl', dir: out }, statusLine: false, ...web.hooks });
    run.catch(() => undefined);
    context = await chromium.launchPersistentContext(mkdtempSync(path.join(os.tmpdir(), 'rxv-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await run?.catch(() => undefined);
    await web?.close();
    await closeAllPools();
  });

  const framesShown = (channel: string) =>
    page.$eval(`.card[data-channel="${channel}"] [data-field="frames"]`, (e) => Number(e.textContent));

  it('shows a card per channel with live annotated frames and moving counters', async () => {
    await page.goto(web.server.url, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.card[data-channel="mega"] img');
    await page.waitForSelector('.card[data-channel="street"] img');

    // Frames arrive: the MJPEG image decodes at the stream's size, scaled to web.maxWidth (640) when wider.
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll<HTMLImageElement>('.card img')).length === 2 &&
        Array.from(document.querySelectorAll<HTMLImageElement>('.card img')).every(
          (img) => img.naturalWidth > 0,
        ),
      undefined,
      { timeout: 60_000 },
    );
    const sizes = await page.$$eval('.card img', (imgs) =>
      (imgs as HTMLImageElement[]).map((i) => [i.dataset.channel, i.naturalWidth, i.naturalHeight]),
    );
    expect(sizes).toEqual([
      ['mega', 640, 469],
      ['street', 640, 480],
    ]);

    // Counters move between polls, and the image changes (a new frame replaced the old one). The view gets
    // a full frame every fullFrameEvery (5) frames: 30 frames (2 s at 15 FPS) bring several new pictures.
    const framesBefore = await framesShown('mega');
    const imgBefore = await page.locator('.card[data-channel="mega"] img').screenshot();
    await page.waitForFunction(
      (n) =>
        Number(document.querySelector('.card[data-channel="mega"] [data-field="frames"]')?.textContent) >
        n + 30,
      framesBefore,
      { timeout: 60_000 },
    );
    const imgAfter = await page.locator('.card[data-channel="mega"] img').screenshot();
    expect(imgAfter.equals(imgBefore)).toBe(false);
    expect(
      Number(await page.$eval('.card[data-channel="mega"]', (e) => (e as HTMLElement).dataset.viewFrames)),
    ).toBeGreaterThan(0);
    expect(await page.textContent('.card[data-channel="mega"] .state')).toMatch(/live|ended/);
    expect(await page.textContent('#log')).toMatch(/mega\s+live/);

    // The live view is on for both watched channels, not for nobody.
    const api = (await (await fetch(`${web.server.url}api/channels`)).json()) as {
      channels: Array<{ id: string; view: { viewers: number; encoded: number } }>;
    };
    for (const c of api.channels) expect(c.view.encoded).toBeGreaterThan(0);
    const ready = await fetch(`${web.server.url}readyz`);
    expect(ready.status).toBe(200);

    const shot = path.join(shots, 'live-view.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    console.log(`live view screenshot: ${shot}`);
  });

  it('closes a stream when the page pauses it, so nobody watching costs nothing', async () => {
    await page.click('.card[data-channel="street"] button');
    await page.waitForFunction(
      () => !document.querySelector('.card[data-channel="street"] img')?.getAttribute('src'),
    );
    // The server notices the closed connection and forgets the viewer.
    await waitUntil(() => web.view.viewers('street') === 0);
    const copied = web.view.stats('street').copied;
    const summaryOf = (id: string) => web.board.snapshot().channels.find((c) => c.id === id)!;
    const framesBefore = summaryOf('street').frames;
    // More frames go through the channel (or it ends, on a very slow machine) without a single copy.
    await waitUntil(
      () => summaryOf('street').frames > framesBefore + 5 || summaryOf('street').state === 'ended',
      60_000,
    );
    expect(summaryOf('street').frames).toBeGreaterThan(framesBefore);
    expect(web.view.stats('street').copied).toBe(copied);
  });

  it('/metrics parses as Prometheus text and its counters equal the run totals', async () => {
    const summary = await run;
    const text = parsePromText(await (await fetch(`${web.server.url}metrics`)).text());
    expect(text.types.get('rxvision_channel_frames_total')).toBe('counter');
    for (const c of summary.channels) {
      // Paced sources keep the latest frames: every frame read was processed, dropped or failed.
      expect(c.frames + c.dropped + c.failedFrames).toBe(FRAMES);
      const labels = { channel: c.id };
      expect(sampleValue(text, 'rxvision_channel_frames_total', labels)).toBe(c.frames);
      expect(sampleValue(text, 'rxvision_channel_dropped_total', labels)).toBe(c.dropped);
      expect(sampleValue(text, 'rxvision_channel_failed_frames_total', labels)).toBe(c.failedFrames);
      expect(sampleValue(text, 'rxvision_channel_faces_total', labels)).toBe(c.faces);
      expect(sampleValue(text, 'rxvision_channel_tracks_total', labels)).toBe(c.tracks);
      expect(sampleValue(text, 'rxvision_channel_state', { channel: c.id, state: 'ended' })).toBe(1);
      expect(sampleValue(text, 'rxvision_channel_state', { channel: c.id, state: 'live' })).toBe(0);
      expect(sampleValue(text, 'rxvision_channel_latency_seconds_count', labels)).toBe(c.frames);
      expect(sampleValue(text, 'rxvision_live_view_frames_total', labels)).toBe(web.view.stats(c.id).encoded);
    }
    expect(summary.channels.find((c) => c.id === 'mega')!.faces).toBeGreaterThan(50);
    // Stage, pool and process metrics come from the same registry.
    expect(
      text.samples.some((s) => s.name === 'rxvision_stage_items_total' && s.labels.channel === 'mega'),
    ).toBe(true);
    const processed = summary.channels.reduce((n, c) => n + c.frames, 0);
    expect(sampleValue(text, 'rxvision_pool_completed_total', { pool: 'detect' })).toBeGreaterThanOrEqual(
      processed,
    );
    expect(sampleValue(text, 'rxvision_pool_completed_total', { pool: 'encode' })).toBeGreaterThan(0);
    expect(text.types.get('rxvision_process_cpu_seconds_total')).toBe('counter');
  });
});
