import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../../src/errors';
import { LocalStore } from '../../../src/store/local-store';
import { openStore, s3OptionsFromSpec } from '../../../src/store/open-store';
import { S3Store } from '../../../src/store/s3-store';

const project = resolve('/work/project');

describe('openStore', () => {
  it('defaults to <project>/.tinyops/store', () => {
    for (const spec of [undefined, '', '  ']) {
      const store = openStore(spec, project, {});
      expect(store).toBeInstanceOf(LocalStore);
      expect(store.location).toBe(join(project, '.tinyops', 'store'));
    }
  });

  it('opens a directory: absolute, relative to the project, or a file:// URL', () => {
    expect(openStore('/var/tinyops', project, {}).location).toBe('/var/tinyops');
    expect(openStore('shared/store', project, {}).location).toBe(join(project, 'shared', 'store'));
    expect(openStore(pathToFileURL('/srv/my store').href, project, {}).location).toBe('/srv/my store');
  });

  it('opens s3://bucket/prefix with endpoint and region from the environment', () => {
    const env = { TINYOPS_S3_ENDPOINT: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-1' };
    const store = openStore('s3://ml-artifacts/team/kws', project, env);
    expect(store).toBeInstanceOf(S3Store);
    expect(store.location).toBe('s3://ml-artifacts/team/kws');
    expect((store as S3Store).endpoint).toBe('http://127.0.0.1:9000');
    (store as S3Store).destroy();
    expect(s3OptionsFromSpec('s3://ml-artifacts/team/kws', env)).toEqual({
      bucket: 'ml-artifacts',
      prefix: 'team/kws',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
  });

  it('uses AWS itself (virtual-hosted, us-east-1) without an endpoint', () => {
    expect(s3OptionsFromSpec('s3://bucket-name', {})).toEqual({
      bucket: 'bucket-name',
      prefix: '',
      endpoint: undefined,
      region: 'us-east-1',
      forcePathStyle: false,
    });
    const store = openStore('s3://bucket-name/', project, {}) as S3Store;
    expect(store.location).toBe('s3://bucket-name');
    expect(store.endpoint).toBe('https://s3.us-east-1.amazonaws.com');
    store.destroy();
  });

  it.each([
    ['s3://', /expected s3:\/\/bucket\/prefix/],
    ['s3://Upper_Case/x', /invalid S3 bucket name "Upper_Case"/],
    ['s3://ok-bucket/a/../b', /invalid S3 key prefix/],
    ['gs://bucket/x', /unsupported store "gs:\/\/bucket\/x"/],
  ])('rejects %s with a ConfigError', (spec, message) => {
    expect(() => openStore(spec, project, {})).toThrow(ConfigError);
    expect(() => openStore(spec, project, {})).toThrow(message);
  });

  it('rejects an endpoint that is not an http(s) URL', () => {
    expect(() => openStore('s3://bucket/x', project, { TINYOPS_S3_ENDPOINT: '127.0.0.1:9000' })).toThrow(
      /TINYOPS_S3_ENDPOINT="127.0.0.1:9000" is not an http\(s\) URL/,
    );
  });
});
