import { readChampion, readHistory } from '../../promotion/model-registry';
import { openStore } from '../../store/open-store';
import { resolveStoreSpec } from './prepare-run';

/**
 * `tinyops models <pipeline> [--json]`: the pipeline's champion model and every champion /
 * challenger decision, oldest first, with the run, the model's digests and each rule's outcome.
 */
export async function modelsCommand(
  pipeline: string,
  storeSpec: string | undefined,
  json: boolean,
  projectDir: string,
): Promise<number> {
  const store = openStore(resolveStoreSpec(storeSpec, projectDir), projectDir);
  const champion = await readChampion(store, pipeline);
  const history = await readHistory(store, pipeline);
  if (json) {
    process.stdout.write(JSON.stringify({ pipeline, champion: champion ?? null, history }) + '\n');
    return 0;
  }
  if (champion === undefined && history.length === 0) {
    process.stdout.write(
      `no models of pipeline ${pipeline} in ${store.location} (a pipeline needs a promotion: block)\n`,
    );
    return 0;
  }
  const model = (r: { model: { artifacts: ReadonlyArray<{ name: string; sha256: string }> } }) =>
    r.model.artifacts.map((a) => `${a.name} ${a.sha256.slice(0, 12)}`).join(', ');
  process.stdout.write(
    champion ? `champion: run ${champion.runId} (${champion.decidedAt}) ${model(champion)}\n` : 'champion: none\n',
  );
  for (const h of history) {
    process.stdout.write(
      `${h.decidedAt}  run ${h.runId}  ${h.promoted ? 'PROMOTED' : 'kept champion'}${h.previousChampion ? ` (vs ${h.previousChampion})` : ''}\n`,
    );
    for (const o of h.outcomes) process.stdout.write(`    ${o.passed ? 'pass' : 'FAIL'} ${o.rule}: ${o.detail}\n`);
    if (h.comparison) process.stdout.write(`    comparison with the champion: ${h.comparison.uri}\n`);
  }
  return 0;
}
