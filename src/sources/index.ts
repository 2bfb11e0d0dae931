import { isAbsolute, resolve } from 'node:path';
import type { SourceConfig } from '../config/source.ts';
import { CsvSource } from './csv/index.ts';
import type { Source } from './source.ts';

export type { RawRecord, Source } from './source.ts';

export interface CreateSourceOptions {
  /** Relative file paths in the config are resolved against this (the config file's directory). */
  baseDir?: string;
}

export function createSource(config: SourceConfig, options: CreateSourceOptions = {}): Source {
  const file = (path: string) =>
    isAbsolute(path) || options.baseDir === undefined ? path : resolve(options.baseDir, path);
  switch (config.kind) {
    case 'csv':
      return new CsvSource(config, { path: file(config.path) });
  }
}
