import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceConfig } from '../../src/config/source.ts';
import { createSource } from '../../src/sources/index.ts';
import type { RawRecord } from '../../src/model/raw-record.ts';
import type { ReadOptions } from '../../src/sources/source.ts';
import { SERVICES, serviceAvailable } from '../helpers/services.ts';

const TABLE = `src_users_${process.pid}`;
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const MY_URL = 'mysql://root@127.0.0.1:3306/';

async function readAll(config: unknown, options?: ReadOptions): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of createSource(SourceConfig.parse(config)).read(undefined, options)) out.push(r);
  return out;
}

const ROWS = 2500;

describe.skipIf(!(await serviceAvailable(SERVICES.postgres)))('sql source on PostgreSQL', () => {
  const client = new pg.Client({ connectionString: PG_URL });
  beforeAll(async () => {
    await client.connect();
    await client.query(
      `CREATE TABLE ${TABLE} (id int PRIMARY KEY, email text, pw bytea, updated_at timestamptz NOT NULL)`,
    );
    await client.query(
      `INSERT INTO ${TABLE} SELECT g, 'u' || g || '@example.org', convert_to('$2b$04$x', 'UTF8'), timestamptz '2024-01-01 00:00:00Z' + g * interval '1 minute' FROM generate_series(1, ${ROWS}) g`,
    );
  });
  afterAll(async () => {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await client.end();
  });

  it('streams every row through a cursor in batches', async () => {
    const rows = await readAll({
      kind: 'sql',
      driver: 'postgres',
      url: PG_URL,
      query: `SELECT * FROM ${TABLE} ORDER BY id`,
      key: 'id',
      batchSize: 100,
    });
    expect(rows).toHaveLength(ROWS);
    expect(rows[0]).toEqual({
      position: 'id=1',
      data: { id: 1, email: 'u1@example.org', pw: '$2b$04$x', updated_at: '2024-01-01T00:01:00.000Z' },
    });
  });

  it('reads only rows changed at or after the cursor, oldest first, each with its own cursor', async () => {
    const config = {
      kind: 'sql',
      driver: 'postgres',
      url: PG_URL,
      query: `SELECT id, updated_at FROM ${TABLE}`,
      updatedAt: 'updated_at',
      key: 'id',
    };
    const all = await readAll(config);
    const cursor = all[ROWS - 3]?.cursor;
    expect(cursor).toBe('2024-01-02T17:38:00.000Z');
    const delta = await readAll(config, { since: cursor });
    expect(delta.map((r) => r.data.id)).toEqual([ROWS - 2, ROWS - 1, ROWS]);
  });
});

describe.skipIf(!(await serviceAvailable(SERVICES.mariadb)))('sql source on MariaDB', () => {
  let conn: mysql.Connection;
  const db = `src_test_${process.pid}`;
  beforeAll(async () => {
    conn = await mysql.createConnection({ uri: MY_URL, multipleStatements: true });
    await conn.query(
      `CREATE DATABASE ${db}; CREATE TABLE ${db}.users (id INT PRIMARY KEY, email VARCHAR(200), updated_at DATETIME(3) NOT NULL)`,
    );
    const values = Array.from(
      { length: ROWS },
      (_, i) => `(${i + 1}, 'u${i + 1}@example.org', TIMESTAMPADD(MINUTE, ${i + 1}, '2024-01-01 00:00:00'))`,
    );
    await conn.query(`INSERT INTO ${db}.users VALUES ${values.join(',')}`);
  });
  afterAll(async () => {
    await conn.query(`DROP DATABASE IF EXISTS ${db}`);
    await conn.end();
  });

  it('streams all rows and supports the incremental cursor', async () => {
    const config = {
      kind: 'sql',
      driver: 'mysql',
      url: `${MY_URL}${db}`,
      query: 'SELECT * FROM users',
      updatedAt: 'updated_at',
      key: 'id',
      batchSize: 100,
    };
    const all = await readAll(config);
    expect(all).toHaveLength(ROWS);
    expect(all[0]).toMatchObject({
      position: 'id=1',
      data: { email: 'u1@example.org', updated_at: '2024-01-01T00:01:00.000Z' },
    });
    const delta = await readAll(config, { since: all[ROWS - 2]?.cursor });
    expect(delta.map((r) => r.data.id)).toEqual([ROWS - 1, ROWS]);
  });
});
