/** `pipeline cluster status` as text: one block per node, then the channels nobody runs. */
import type { ClusterStatus } from '../../cluster/status';
import type { DedupQueueStatus } from '../../cluster/dedup/status';

/** An extra section of the status (e.g. the dedup queue): a title and its lines. */
export interface StatusSection {
  title: string;
  lines: string[];
  json: unknown;
}

/** The status as lines of text. */
export function formatClusterStatus(status: ClusterStatus, sections: readonly StatusSection[] = []): string {
  const lines = [
    `cluster "${status.namespace}": ${status.nodes.filter((n) => n.health === 'live').length} live node(s)`,
  ];
  for (const n of status.nodes) {
    const held = Object.entries(n.channels);
    lines.push(
      `  ${n.id}  ${n.health}  heartbeat ${(n.heartbeatAgeMs / 1000).toFixed(1)} s ago  run ${n.runId ?? '-'}  ` +
        `share ${n.share}  channels ${held.length}`,
    );
    for (const [id, state] of held) lines.push(`    ${id}: ${state}`);
  }
  if (status.unassigned.length) lines.push(`  not running anywhere: ${status.unassigned.join(', ')}`);
  for (const s of sections) lines.push(s.title, ...s.lines.map((l) => `  ${l}`));
  return lines.join('\n');
}

/** The dedup queue as a status section (undefined when no cluster dedup job ever ran on this database). */
export function dedupQueueSection(queue: DedupQueueStatus): StatusSection | undefined {
  if (!queue.installed) return undefined;
  const states = Object.entries(queue.states);
  const lines = [
    `batches: ${states.length ? states.map(([state, n]) => `${n} ${state}`).join(', ') : 'none'}`,
    ...queue.workers.map(
      (w) =>
        `${w.worker}: ${w.completed} batch(es) done, last ${w.lastCompletedAt ? new Date(w.lastCompletedAt).toISOString() : '-'}`,
    ),
  ];
  return { title: 'dedup queue', lines, json: { states: queue.states, workers: queue.workers } };
}
