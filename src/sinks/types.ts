/** What a sink reports after each write, so callers can count what reached its destination. */
export interface SinkAck {
  /** The sink's name (defaults to the table or file). */
  sink: string;
  /** Table (database sinks) or file path / 'console'. */
  table: string;
  /** Rows written (or spooled) by this write, after in-batch de-duplication. */
  rows: number;
  /** True when the rows went to the local spool because the database was unreachable. */
  spooled: boolean;
  /** Attempts the write took (1 = first try; 0 = sent straight to the spool behind older spooled rows). */
  attempt: number;
  /** True when these rows were replayed from the spool (they were acknowledged as spooled before). */
  replayed?: boolean;
  /** Rows dropped because another row of the same batch had the same conflict key. */
  duplicates?: number;
}
