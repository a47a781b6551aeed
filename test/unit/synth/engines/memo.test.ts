import { memoUntilFailure, onceUntilFailure } from '../../../../src/synth/engines/memo';

/** Engine versions, voice lists and transcriptions: made once, made again after a failure. */

test('onceUntilFailure shares one promise and tries again after a rejection', async () => {
  let calls = 0;
  let fail = true;
  const get = onceUntilFailure(async () => {
    calls++;
    if (fail) throw new Error(`not installed (${calls})`);
    return `v${calls}`;
  });
  const [a, b] = [get(), get()];
  expect(a).toBe(b);
  await expect(a).rejects.toThrow('not installed (1)');
  fail = false;
  expect(await get()).toBe('v2');
  expect(await get()).toBe('v2');
  expect(calls).toBe(2);
});

test('memoUntilFailure keeps one promise per key and forgets only the failed key', async () => {
  const calls: string[] = [];
  const get = memoUntilFailure(
    (voice: string, text: string) => `${voice}|${text}`,
    async (voice: string, text: string) => {
      calls.push(`${voice}|${text}`);
      if (text === 'bad') throw new Error('no transcription');
      return `${voice}:${text}`;
    },
  );
  expect(await get('en', 'yes')).toBe('en:yes');
  expect(await get('en', 'yes')).toBe('en:yes');
  expect(await get('en-gb', 'yes')).toBe('en-gb:yes');
  await expect(get('en', 'bad')).rejects.toThrow('no transcription');
  await expect(get('en', 'bad')).rejects.toThrow('no transcription');
  expect(calls).toEqual(['en|yes', 'en-gb|yes', 'en|bad', 'en|bad']);
});
