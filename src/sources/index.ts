import { isAbsolute, resolve } from 'node:path';
import type { SourceConfig } from '../config/source.ts';
import { CsvSource } from './csv/index.ts';
import { JsonSource } from './json/index.ts';
import { LdapSource } from './ldap/index.ts';
import { LdifSource } from './ldif/index.ts';
import { NonEmptySource } from './guard.ts';
import type { Source } from './source.ts';
import { SqlSource } from './sql/index.ts';
import { Auth0Source } from './vendors/auth0.ts';
import { CloudentitySource } from './vendors/cloudentity.ts';
import { CognitoSource } from './vendors/cognito.ts';
import { DjangoSource } from './vendors/django.ts';
import { FirebaseSource } from './vendors/firebase.ts';
import { KeycloakSource } from './vendors/keycloak.ts';
import { KratosSource } from './vendors/kratos.ts';

export type { RawRecord } from '../model/raw-record.ts';
export type { ReadOptions, Source } from './source.ts';
export { SourceError } from './source-error.ts';

export interface CreateSourceOptions {
  /** Relative file paths in the config are resolved against this (the config file's directory). */
  baseDir?: string;
}

/**
 * The source for a config. Vendor kinds (auth0, keycloak, firebase, cognito, cloudentity) yield
 * records in the normalised shape and expose `defaultMapping`; pass it to `createMapper` as the
 * preset so `mapping` in the config only needs what differs.
 */
export function createSource(config: SourceConfig, options: CreateSourceOptions = {}): Source {
  const file = (path: string) =>
    isAbsolute(path) || options.baseDir === undefined ? path : resolve(options.baseDir, path);
  const source = createReader(config, file);
  // Every file source: no records at all is a fatal error, never a quiet "nothing to migrate".
  return 'path' in config ? new NonEmptySource(source, file(config.path)) : source;
}

function createReader(config: SourceConfig, file: (path: string) => string): Source {
  switch (config.kind) {
    case 'csv':
      return new CsvSource(config, { path: file(config.path) });
    case 'json':
    case 'ndjson':
      return new JsonSource(config, file(config.path));
    case 'auth0':
      return new Auth0Source(
        config,
        file(config.path),
        config.passwordHashes === undefined ? undefined : file(config.passwordHashes),
      );
    case 'keycloak':
      return new KeycloakSource(file(config.path), config.realm);
    case 'firebase':
      return new FirebaseSource(config, file(config.path));
    case 'cognito':
      return new CognitoSource(file(config.path));
    case 'cloudentity':
      return new CloudentitySource(file(config.path), config.poolId);
    case 'kratos':
      return new KratosSource(config, file(config.path));
    case 'django':
      return new DjangoSource(config, file(config.path));
    case 'ldif':
      return new LdifSource(config, file(config.path));
    case 'sql':
      return new SqlSource(config);
    case 'ldap':
      return new LdapSource(config);
  }
}
