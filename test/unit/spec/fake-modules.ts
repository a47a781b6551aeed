/**
 * A small stage registry for the spec tests, independent of the real stage modules: three
 * kinds with strict configs, defaults, nested objects, enums and lists.
 */
import { z } from 'zod';
import type { AnyStageModule } from '../../../src/stage/stage-module';

function fakeModule(kind: string, configSchema: z.ZodType<unknown>): AnyStageModule {
  return {
    kind,
    version: 1,
    description: `fake ${kind} stage`,
    configSchema,
    run: () => Promise.reject(new Error('fake stage modules are never run')),
  };
}

export const synthKwsConfig = z.strictObject({
  keywords: z.array(z.string()).min(1).default(['yes', 'no']),
  perKeyword: z.int().positive().default(300),
  noise: z
    .strictObject({
      color: z.enum(['white', 'pink', 'brown']).default('white'),
      snrDb: z.number().default(10),
    })
    .prefault({}),
});

export const featuresConfig = z.strictObject({
  type: z.enum(['mfcc', 'log-mel']).default('mfcc'),
  windowMs: z.number().positive().default(40),
  coefficients: z.int().positive().default(10),
});

export const trainConfig = z.strictObject({
  epochs: z.int().positive().default(30),
  quantization: z
    .strictObject({
      bits: z.array(z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)])).default([8]),
      regularizer: z.enum(['reg-1', 'reg-n']).default('reg-n'),
      lambda: z.number().min(0).default(0.01),
    })
    .prefault({}),
});

export const fakeModules: readonly AnyStageModule[] = [
  fakeModule('synth-kws', synthKwsConfig),
  fakeModule('features', featuresConfig),
  fakeModule('train', trainConfig),
];
