import { PG_MAX_PARAMS } from '../../src/db/rows';
import { databaseBatch } from '../../src/doctor/analyze';
import { SINK_BATCH_DEFAULTS } from '../../src/sinks/defaults';

describe('database batch defaults', () => {
  it('keep a batch of wide rows (20 columns) in one statement under the bind-parameter limit', () => {
    expect(SINK_BATCH_DEFAULTS.rows * 20).toBeLessThan(PG_MAX_PARAMS);
  });

  it('are what `pipeline doctor` reports as the database batch', () => {
    const batch = databaseBatch();
    expect(batch).toMatchObject({ rows: SINK_BATCH_DEFAULTS.rows, flushMs: SINK_BATCH_DEFAULTS.flushMs });
    expect(batch.reason).toContain(`${SINK_BATCH_DEFAULTS.rows} rows per INSERT`);
    expect(batch.reason).toContain(String(PG_MAX_PARAMS));
  });
});
