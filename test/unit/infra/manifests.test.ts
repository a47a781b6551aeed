import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../helpers/cli';

/**
 * infra/ (issue #15): the Kubernetes manifests validate against the Kubernetes 1.37 schemas
 * (PyPI kubernetes-validate, schemas inside the wheel, --strict: unknown fields are errors),
 * the compose file validates against the Compose Specification schema (inside PyPI's
 * docker-compose wheel; no Docker engine needed), every YAML file passes yamllint, and the
 * workers cover each task queue tinyops routes to.
 */
const bin = (tool: string) => join(repoRoot, '.tinyops', 'bin', tool);
const k8sDir = join(repoRoot, 'infra', 'k8s');
const manifests = readdirSync(k8sDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(k8sDir, f));

describe('infra/', () => {
  it('Kubernetes manifests are valid against the schemas, strictly', () => {
    const out = execFileSync(bin('kubernetes-validate'), ['--strict', '-k', '1.37.0', ...manifests], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).not.toMatch(/ERROR|WARN/);
    expect(out.match(/passed for resource/g)?.length).toBeGreaterThanOrEqual(4);
  });

  const validateCompose = (file: string) =>
    execFileSync(
      bin('python-ref'),
      [join(repoRoot, 'test', 'unit', 'infra', 'validate_compose.py'), bin('compose-spec.whl'), file],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );

  it('the compose file is valid against the Compose Specification schema; a broken one is reported by path', () => {
    const compose = join(repoRoot, 'infra', 'docker-compose.yml');
    expect(validateCompose(compose)).toBe('');
    const dir = mkdtempSync(join(tmpdir(), 'tinyops-compose-'));
    try {
      const broken = join(dir, 'docker-compose.yml');
      writeFileSync(
        broken,
        readFileSync(compose, 'utf8')
          .replace('image: postgres:16', 'imag: postgres:16')
          .replace('ports: ["7233:7233"]', 'ports: 7233'),
      );
      let out = '';
      try {
        validateCompose(broken);
      } catch (e) {
        out = String((e as { stdout?: string }).stdout);
      }
      expect(out).toContain(`${broken}: services.postgresql: 'imag' does not match`);
      expect(out).toContain(`${broken}: services.temporal.ports: 7233 is not of type 'array'`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every YAML file passes yamllint', () => {
    execFileSync(
      bin('yamllint'),
      ['-s', '-c', join(repoRoot, 'infra', '.yamllint'), ...manifests, join(repoRoot, 'infra', 'docker-compose.yml')],
      { stdio: 'pipe' },
    );
  });

  it('workers serve the run queue and the cpu, train and arm queues; credentials only by reference', () => {
    const docs = manifests.flatMap((f) =>
      parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as Record<string, any>),
    );
    const queues = docs
      .filter((d) => d?.kind === 'Deployment')
      .flatMap((d) =>
        (d.spec.template.spec.containers[0].args as string[])
          .join(' ')
          .match(/--queue (\S+)/)![1]!
          .split(','),
      );
    expect(new Set(queues)).toEqual(new Set(['tinyops', 'cpu', 'train', 'arm']));
    const text = manifests.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(text).not.toMatch(/AWS_SECRET_ACCESS_KEY:\s*\S/); // never a literal secret
    expect(text).toMatch(/secretKeyRef/);
  });
});
