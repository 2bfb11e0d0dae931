import type { RawRecord } from '../../model/raw-record.ts';

export function toRecord(position: string, value: unknown): RawRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { position, data: {}, error: 'the record is not a JSON object' };
  }
  return { position, data: value as Record<string, unknown> };
}
