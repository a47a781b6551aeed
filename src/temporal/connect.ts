import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../errors';
import { ensureDevServer } from './dev-server';
import { allSearchAttributeKeys } from './search-attributes';

export interface TemporalTarget {
  readonly address: string;
  readonly namespace: string;
  /** Web UI base URL, if known (always for the embedded server). */
  readonly uiUrl?: string;
  /** True if the embedded dev server was started by this call. */
  readonly startedServer: boolean;
}

/**
 * Where to find Temporal: TEMPORAL_ADDRESS if set (a cluster, docs/architecture.md#components-embedded-and-scaled-out),
 * else the embedded dev server under `<state>/temporal`, started on first use.
 * Ports: TINYOPS_TEMPORAL_PORT (default 7233), UI on port + 1000.
 */
export async function resolveTemporal(state: string): Promise<TemporalTarget> {
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  if (process.env.TEMPORAL_ADDRESS) {
    return {
      address: process.env.TEMPORAL_ADDRESS,
      namespace,
      uiUrl: process.env.TINYOPS_TEMPORAL_UI,
      startedServer: false,
    };
  }
  const port = Number(process.env.TINYOPS_TEMPORAL_PORT ?? 7233);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ConfigError(`TINYOPS_TEMPORAL_PORT: expected a port number, got "${process.env.TINYOPS_TEMPORAL_PORT}"`);
  }
  const info = await ensureDevServer({ dir: path.join(state, 'temporal'), port });
  return { address: info.address, namespace, uiUrl: info.uiUrl, startedServer: info.started };
}

export async function connectTemporal(target: TemporalTarget): Promise<Connection> {
  try {
    return await Connection.connect({ address: target.address, connectTimeout: '10s' });
  } catch (e) {
    throw new ConfigError(
      `cannot connect to Temporal at ${target.address}: ${(e as Error).message}` +
        (process.env.TEMPORAL_ADDRESS ? ' (TEMPORAL_ADDRESS is set; unset it to use the embedded dev server)' : ''),
    );
  }
}

/**
 * Register tinyops' search attributes if missing. Returns false if the server refuses
 * (e.g. a cloud namespace without operator rights): runs then go without them.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<boolean> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const have = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing = allSearchAttributeKeys.filter((k) => !have.has(k.name));
    if (missing.length === 0) return true;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    return true;
  } catch {
    return false;
  }
}
