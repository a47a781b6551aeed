import { renderWord } from '../../../src/synth/espeak';

/**
 * MBROLA's accented voices lack some English diphones and say so on stderr ("Warning: p-i
 * unknown, replaced with _-_") while writing a good file with exit 0. The default pipeline's
 * first run failed on that (mb-sw2-en "happy"); such notes must not fail a render.
 */
describe('espeak-ng with an MBROLA voice that lacks a diphone', () => {
  it('renders "happy" with mb-sw2-en to non-silent audio', async () => {
    const wav = await renderWord({ text: 'happy', voice: 'mb-sw2-en', pitch: 50, speed: 160 });
    expect(wav.samples.length).toBeGreaterThan(1000);
    expect(wav.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeGreaterThan(0.05);
  });
});
