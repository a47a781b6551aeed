import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors';
import type { ArtifactStore } from './artifact-store';
import { LocalStore } from './local-store';
import { S3Store, type S3StoreOptions } from './s3-store';

/**
 * Pick the artifact store from a spec (docs/architecture.md#store-layout); the CLI passes
 * `process.env.TINYOPS_STORE ?? --store`.
 *
 *   undefined | ''         LocalStore at `<projectDir>/.tinyops/store` (embedded default)
 *   /abs/dir | rel/dir     LocalStore; a relative path is resolved against projectDir, so
 *   file:///abs/dir        the same setting names the same store from any working directory
 *   s3://bucket[/prefix]   S3Store; env: TINYOPS_S3_ENDPOINT (e.g. http://127.0.0.1:9000 for
 *                          MinIO; turns path-style URLs on), AWS_REGION (default us-east-1),
 *                          credentials from the standard AWS variables via the SDK
 *
 * `env` is a parameter so tests need not touch process.env.
 */
export function openStore(
  spec: string | undefined,
  projectDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ArtifactStore {
  if (spec === undefined || spec.trim() === '') return new LocalStore(join(resolve(projectDir), '.tinyops', 'store'));
  const s = spec.trim();
  if (s.startsWith('s3://')) return new S3Store(s3OptionsFromSpec(s, env));
  if (s.startsWith('file://')) return new LocalStore(fileURLToPath(s));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    throw new ConfigError(`unsupported store "${s}": use a directory path or s3://bucket/prefix`);
  }
  return new LocalStore(isAbsolute(s) ? s : resolve(projectDir, s));
}

/** The S3Store options an `s3://bucket/prefix` spec and the environment describe. */
export function s3OptionsFromSpec(
  spec: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): S3StoreOptions {
  // Parsed by hand: URL() would lowercase the host and hide a mistyped bucket name.
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(spec);
  if (m === null) throw new ConfigError(`invalid store "${spec}": expected s3://bucket/prefix`);
  const endpoint = nonEmpty(env['TINYOPS_S3_ENDPOINT']);
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new ConfigError(`TINYOPS_S3_ENDPOINT="${endpoint}" is not an http(s) URL, e.g. http://127.0.0.1:9000`);
  }
  return {
    bucket: m[1] ?? '',
    prefix: m[2] ?? '',
    endpoint,
    region: nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION']) ?? 'us-east-1',
    // A custom endpoint (MinIO, moto) rarely has wildcard DNS for virtual-hosted buckets.
    forcePathStyle: endpoint !== undefined,
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
