/**
 * Champion / challenger (issue #15): a pipeline with `promotion:` — the first completed run
 * becomes the champion; a rerun that does not improve accuracy by the required margin is
 * recorded but not promoted; one under a laxer rule is. `tinyops models` lists them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRunJson, repoRoot, runCli } from '../helpers/cli';
import { useTemporalHome } from '../helpers/temporal-server';

jest.setTimeout(300_000);
const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws.yaml');
const rules = (by: number) =>
  `promotion={model: train, rules: [{metric: evaluate.accuracy, better: higher, by: ${by}}, {metric: train.epochs, equals: 2}]}`;

describe('champion / challenger', () => {
  const t = useTemporalHome('tinyops-promote-');

  it('promotes the first run, keeps the champion against a challenger that does not improve, records every decision', async () => {
    const { home, env } = t;
    const store = path.join(home, 'store');
    const run = async (by: number) => {
      const r = await runCli(['run', pipeline, '--json', '--store', store, '--set', rules(by)], env);
      expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' });
      return {
        json: parseRunJson(r.stdout) as ReturnType<typeof parseRunJson> & {
          promotion?: { promoted: boolean; previousChampion: string | null; outcomes: string[] };
        },
        stderr: r.stderr,
      };
    };
    const first = await run(0.01);
    expect(first.json.promotion).toMatchObject({ promoted: true, previousChampion: null });
    expect(first.stderr).toContain(`promotion: run ${first.json.run} is the new champion of tiny-kws`);

    // Same model (all stages cached, same accuracy): not better by 0.01.
    const second = await run(0.01);
    expect(second.json.promotion?.promoted).toBe(false);
    expect(second.json.promotion?.previousChampion).toBe(first.json.run);
    expect(second.json.promotion?.outcomes[0]).toMatch(
      /^FAIL evaluate\.accuracy ≥ champion \+ 0\.01: challenger .* vs champion .* \(\+0 better\)$/,
    );
    // The challenger's comparison page: every metric of both runs, the rules first.
    const page = path.join(home, 'state', 'reports', `${second.json.run}-vs-champion.html`);
    expect(second.stderr).toContain(`promotion: challenger vs champion at ${page}`);
    const html = fs.readFileSync(page, 'utf8');
    expect(html).toContain(`challenger ${second.json.run} vs champion ${first.json.run}`);
    expect(html).toMatch(/<td>evaluate\.accuracy<\/td><td>FAIL: evaluate\.accuracy ≥ champion \+ 0\.01<\/td>/);
    expect(html).toContain('<td>train.valAccuracy</td>');

    // Ties pass with by: 0.
    const third = await run(0);
    expect(third.json.promotion?.promoted).toBe(true);

    const models = await runCli(['models', 'tiny-kws', '--json', '--store', store], env);
    const listed = JSON.parse(models.stdout) as {
      champion: { runId: string; model: { artifacts: Array<{ name: string; sha256: string }> } };
      history: Array<{ runId: string; promoted: boolean }>;
    };
    expect(listed.champion.runId).toBe(third.json.run);
    expect(listed.champion.model.artifacts.find((a) => a.name === 'model')?.sha256).toBe(
      first.json.stages.train?.artifacts.find((a) => a.name === 'model')?.sha256,
    );
    expect(listed.history.map((h) => [h.runId, h.promoted])).toEqual([
      [first.json.run, true],
      [second.json.run, false],
      [third.json.run, true],
    ]);
    const text = await runCli(['models', 'tiny-kws', '--store', store], env);
    expect(text.stdout).toContain(`champion: run ${third.json.run}`);
    expect(text.stdout).toContain('kept champion');
    expect(text.stdout).toContain('comparison with the champion: ');

    // Two challengers finishing together decide in turn: the second compares with the first
    // (both tie, so both are promoted), never both with the old champion (last writer wins).
    const [a, b] = await Promise.all([run(0), run(0)]);
    const pair = [a.json, b.json].sort((x, y) =>
      x.promotion?.previousChampion === third.json.run ? -1 : y.promotion?.previousChampion === third.json.run ? 1 : 0,
    );
    expect(pair.map((j) => j.promotion?.previousChampion)).toEqual([third.json.run, pair[0]?.run]);
  });

  it('a promotion rule naming an unknown stage is a located validation error', async () => {
    const r = await runCli([
      'validate',
      pipeline,
      '--set',
      'promotion={model: trian, rules: [{metric: evaluat.accuracy, better: higher}]}',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('promotion.model: unknown stage "trian", did you mean "train"?');
    expect(r.stderr).toContain('promotion.rules.0.metric: unknown stage "evaluat", did you mean "evaluate"?');
  });
});
