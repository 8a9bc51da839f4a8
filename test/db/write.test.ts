import { sql, type Kysely } from 'kysely';
import { writeRows } from '../../src/db/write';
import { pgliteKysely, type TestKysely } from '../sinks/support';

interface Tables {
  items: { id: number; label: string };
}

describe('writeRows (the db layer write path)', () => {
  let conn: TestKysely;
  let db: Kysely<Tables>;
  beforeAll(async () => {
    conn = await pgliteKysely();
    db = conn.db;
  });
  afterAll(() => conn?.close());
  beforeEach(async () => {
    await sql`drop table if exists items`.execute(db);
    await sql`create table items (id integer primary key, label text not null check (label <> 'bad'))`.execute(
      db,
    );
  });

  const labels = async () =>
    (await db.selectFrom('items').select(['id', 'label']).orderBy('id').execute()).map(
      (r) => `${r.id}:${r.label}`,
    );

  it('upserts, de-duplicating by the conflict key (the last row of a key wins)', async () => {
    await writeRows(db, 'items', [{ id: 1, label: 'old' }]);
    const result = await writeRows(
      db,
      'items',
      [
        { id: 1, label: 'a' },
        { id: 2, label: 'b' },
        { id: 1, label: 'c' },
      ],
      { conflict: { columns: ['id'], update: ['label'] } },
    );
    expect(result).toEqual({ written: 2, duplicates: 1 });
    expect(await labels()).toEqual(['1:c', '2:b']);
  });

  it('splits rows into statements of maxRows inside one transaction: a failing chunk keeps nothing', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ id: i, label: i === 5 ? 'bad' : `r${i}` }));
    await expect(writeRows(db, 'items', rows, { maxRows: 2 })).rejects.toThrow();
    expect(await labels()).toEqual([]);
    await writeRows(
      db,
      'items',
      rows.filter((r) => r.label !== 'bad'),
      { maxRows: 2 },
    );
    expect(await labels()).toHaveLength(6);
  });

  it('joins the transaction it is given', async () => {
    const rollback = new Error('rollback');
    await expect(
      db.transaction().execute(async (trx) => {
        await writeRows(
          trx,
          'items',
          [
            { id: 1, label: 'a' },
            { id: 2, label: 'b' },
            { id: 3, label: 'c' },
          ],
          { maxRows: 1 },
        );
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await labels()).toEqual([]);
  });
});
