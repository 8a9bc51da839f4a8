/**
 * Cluster mode with real processes (the built CLI), the real PostgreSQL and a real video: 3 nodes share 6
 * looping channels; one is SIGKILLed (its channels must run again elsewhere within 10 s), then one gets
 * SIGTERM (its channels handed over with no gap over 10 s). From the stored rows: no channel ever ran on two
 * nodes at once, the SIGTERMed nodes stored every detection they made, the killed one lost at most its
 * last unflushed sink batch. Needs `npx tsc -p tsconfig.json` first. Prints the figures (README "Scaling out").
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetPath } from '../../src/assets';
import { openDatabase } from '../../src/db';
import { createTestDatabaseUrl, describePostgres, type TestDatabase, queryRows } from '../helpers/postgres';
import { startCli, type CliExit, type CliProcess } from './helpers/cli-process';

jest.setTimeout(400_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const video = assetPath('samples', 'Megamind.avi');
const CHANNELS = Array.from({ length: 6 }, (_, i) => `cam${i + 1}`);
/** The bound on takeover after a kill and on the gap of a SIGTERM handover. */
const TAKEOVER_MS = 10_000;

async function waitUntil<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

interface NodeRow {
  id: string;
  run_id: string;
  channels: Record<string, string>;
}

/** The channels each live node holds, by run id. */
async function holders(url: string): Promise<Map<number, string[]>> {
  const rows = await queryRows<NodeRow>(url, 'select id, run_id, channels from cluster_nodes');
  return new Map(rows.map((r) => [Number(r.run_id), Object.keys(r.channels)]));
}

/** First `state` event of `channel` in a run other than `notRun`, at or after `since` (ms). */
async function stateElsewhere(
  url: string,
  state: 'connecting' | 'live',
  channel: string,
  notRun: number,
  since: number,
): Promise<number | undefined> {
  const [row] = await queryRows<{ at: Date | null }>(
    url,
    `select min(at) as at from channel_status_events
      where channel_id = $1 and state = $4 and run_id <> $2 and at >= $3`,
    [channel, notRun, new Date(since), state],
  );
  return row?.at ? row.at.getTime() : undefined;
}

interface Segment {
  run: number;
  start: number;
  end: number;
}

/**
 * When each run ran each channel: a segment starts at a 'connecting' event and ends at the last status
 * event or detection before the next 'connecting' of that run and channel.
 */
async function segments(url: string, channel: string): Promise<Segment[]> {
  const events = await queryRows<{ run_id: string; state: string; at: Date }>(
    url,
    'select run_id, state, at from channel_status_events where channel_id = $1 order by run_id, seq',
    [channel],
  );
  const detections = await queryRows<{ run_id: string; at: Date }>(
    url,
    'select run_id, captured_at as at from detections where channel_id = $1',
    [channel],
  );
  const out: Segment[] = [];
  for (const e of events) {
    const last = out.at(-1);
    const run = Number(e.run_id);
    if (e.state === 'connecting' || !last || last.run !== run)
      out.push({ run, start: e.at.getTime(), end: e.at.getTime() });
    else last.end = Math.max(last.end, e.at.getTime());
  }
  for (const d of detections) {
    const t = d.at.getTime();
    const seg = out
      .filter((s) => s.run === Number(d.run_id) && s.start <= t)
      .sort((a, b) => b.start - a.start)[0];
    if (seg) seg.end = Math.max(seg.end, t);
  }
  return out.sort((a, b) => a.start - b.start);
}

function summaryOf(exit: CliExit): { runId: number; channels: Array<{ faces: number }> } {
  const last = exit.stdout.trim().split('\n').at(-1);
  if (!last) throw new Error(`no summary on stdout; stderr:\n${exit.stderr.slice(-3000)}`);
  return JSON.parse(last);
}

describePostgres('cluster mode (3 real processes, 6 channels, real PostgreSQL)', () => {
  let testDb: TestDatabase;
  const nodes: CliProcess[] = [];
  beforeAll(async () => {
    testDb = await createTestDatabaseUrl('cluster');
    // The nodes migrate too (concurrently, under Kysely's migration lock); the test's queries need the tables first.
    const database = await openDatabase({ url: testDb.url });
    await database.migrate();
    await database.close();
  });
  afterAll(async () => {
    for (const n of nodes) if (n.child.exitCode === null && n.child.signalCode === null) n.kill('SIGKILL');
    await testDb?.drop();
  });

  it('SIGKILL: channels run again elsewhere within 10 s; SIGTERM hands over within 10 s; never on two nodes at once', async () => {
    const url = testDb.url;
    const root = mkdtempSync(path.join(os.tmpdir(), 'rxv-cluster-'));
    const file = path.join(root, 'channels.json');
    writeFileSync(
      file,
      JSON.stringify({
        database: { url },
        cluster: { enabled: true, heartbeatMs: 1000 },
        channels: CHANNELS.map((id) => ({ id, source: video, loop: true, pace: 4 })),
      }),
    );
    // One working directory per node, as on separate hosts (each has its own spool).
    for (let i = 0; i < 3; i++) {
      const dir = path.join(root, `node${i + 1}`);
      mkdirSync(dir);
      nodes.push(startCli(['run', file, '--json', '--no-status'], dir));
    }

    // Every channel live, two per node.
    const runs = await waitUntil('6 channels live on 3 nodes', 180_000, async () => {
      const rows = await queryRows<NodeRow>(url, 'select id, run_id, channels from cluster_nodes');
      const states = rows.flatMap((r) => Object.values(r.channels));
      return rows.length === 3 &&
        states.length === 6 &&
        states.every((s) => s === 'live') &&
        rows.every((r) => Object.keys(r.channels).length === 2)
        ? rows
        : undefined;
    });
    const status = startCli(['cluster', 'status', file], root);
    console.log(`pipeline cluster status:\n${(await status.exited).stdout}`);
    await sleep(3000);

    // SIGKILL the node that started first.
    const runIdOfPid = async (pid: number) =>
      Number(
        (
          await queryRows<{ run_id: string }>(url, 'select run_id from cluster_nodes where pid = $1', [pid])
        )[0].run_id,
      );
    const victim = nodes[0];
    const victimRun = await runIdOfPid(victim.pid);
    const victimChannels = (await holders(url)).get(victimRun)!;
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    // Restarted (leased, its pipeline started: 'connecting') and live (first frame decoded) elsewhere.
    const since = (state: 'connecting' | 'live', run: number, channels: string[], t0: number) =>
      Promise.all(
        channels.map((c) =>
          waitUntil(`${c} ${state} elsewhere`, 60_000, () => stateElsewhere(url, state, c, run, t0)),
        ),
      ).then((times) => times.map((t) => t - t0));
    const takeoverMs = await since('connecting', victimRun, victimChannels, killedAt);
    const takeoverLiveMs = await since('live', victimRun, victimChannels, killedAt);
    console.log(
      `SIGKILL of run ${victimRun} (${victimChannels.join(', ')}): restarted elsewhere after ${takeoverMs.join(', ')} ms, ` +
        `live (first frame) after ${takeoverLiveMs.join(', ')} ms; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
    );

    await sleep(3000);
    // SIGTERM the second node.
    const leaver = nodes[1];
    const leaverRun = await runIdOfPid(leaver.pid);
    const leaverChannels = (await holders(url)).get(leaverRun)!;
    const termAt = Date.now();
    leaver.kill('SIGTERM');
    const leaverExit = await leaver.exited;
    const handover = (await since('connecting', leaverRun, leaverChannels, termAt)).map((ms) => ms + termAt);
    const handoverLiveMs = await since('live', leaverRun, leaverChannels, termAt);

    await sleep(3000);
    const last = nodes[2];
    last.kill('SIGTERM');
    const lastExit = await last.exited;
    expect(leaverExit.code).not.toBe(null);
    expect(lastExit.code).not.toBe(null);

    // Gaps of the SIGTERM handover: the leaver's last row of the channel to its restart on another node.
    const gaps: number[] = [];
    for (const [i, c] of leaverChannels.entries()) {
      const own = (await segments(url, c)).filter((s) => s.run === leaverRun);
      gaps.push(handover[i] - Math.max(...own.map((s) => s.end)));
    }
    console.log(
      `SIGTERM of run ${leaverRun} (${leaverChannels.join(', ')}): gap ${gaps.join(', ')} ms to the restart, ` +
        `live again ${handoverLiveMs.join(', ')} ms after the signal`,
    );

    // Never two nodes at once: the segments of each channel, in time order, do not overlap.
    for (const c of CHANNELS) {
      const segs = await segments(url, c);
      for (let i = 1; i < segs.length; i++) {
        if (segs[i].run === segs[i - 1].run) continue;
        expect({
          channel: c,
          start: segs[i].start,
          previousEnd: segs[i - 1].end,
          ok: segs[i].start >= segs[i - 1].end,
        }).toMatchObject({ ok: true });
      }
    }

    // Rows: the SIGTERMed nodes stored every detection they made; the killed one lost at most its last batch.
    for (const exit of [leaverExit, lastExit]) {
      const summary = summaryOf(exit);
      const [stored] = await queryRows<{ n: string }>(
        url,
        'select count(*) as n from detections where run_id = $1',
        [summary.runId],
      );
      expect(Number(stored.n)).toBe(summary.channels.reduce((n, c) => n + c.faces, 0));
    }
    const [lastRow] = await queryRows<{ at: Date }>(
      url,
      'select max(written_at) as at from detections where run_id = $1',
      [victimRun],
    );
    const unflushedMs = killedAt - lastRow.at.getTime();
    console.log(`killed node: last stored batch ${unflushedMs} ms before the kill`);

    expect(runs).toHaveLength(3);
    expect(Math.max(...takeoverMs)).toBeLessThan(TAKEOVER_MS);
    expect(Math.max(...gaps)).toBeLessThan(TAKEOVER_MS);
    // The sink writes a partial batch 500 ms after its first row; 2 s allows for the machine's load.
    expect(unflushedMs).toBeLessThan(2_500);
    expect(await queryRows(url, 'select id from cluster_nodes')).toEqual([]);
  });
});
