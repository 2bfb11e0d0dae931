import mysql from 'mysql2';
import type { SqlSourceConfig } from '../../config/source.ts';
import type { Row } from './row.ts';

/** mysql2's row stream over one connection; the socket is paused while the consumer is busy. */
export async function* readMysql(
  config: SqlSourceConfig,
  sql: string,
  params: unknown[],
  signal?: AbortSignal,
): AsyncGenerator<Row> {
  const connection = mysql.createConnection({
    uri: config.url,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    const stream = connection.query({ sql, values: params }).stream({ highWaterMark: config.batchSize });
    for await (const row of stream as AsyncIterable<Row>) {
      if (signal?.aborted) {
        stream.destroy();
        return;
      }
      yield row;
    }
  } finally {
    // destroy(): end() would wait for the rest of an abandoned result set.
    connection.destroy();
  }
}
