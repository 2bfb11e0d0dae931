import pg from 'pg';
import type { SqlSourceConfig } from '../../config/source.ts';
import type { Row } from './row.ts';

/** A server-side cursor in a read-only transaction: memory holds one batch, whatever the table size. */
export async function* readPostgres(
  config: SqlSourceConfig,
  sql: string,
  params: unknown[],
  signal?: AbortSignal,
): AsyncGenerator<Row> {
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  let open = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    await client.query(`DECLARE ciam_source NO SCROLL CURSOR FOR ${sql}`, params);
    for (;;) {
      if (signal?.aborted) return;
      const batch = await client.query<Row>(`FETCH ${config.batchSize} FROM ciam_source`);
      for (const row of batch.rows) yield row;
      if (batch.rows.length < config.batchSize) return;
    }
  } finally {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}
