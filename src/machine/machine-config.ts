import { z } from 'zod';
import { ANOMALY_KINDS, MACHINE_TYPES } from './machine-kinds';

/**
 * Config of the `synth-machine` stage (`with:`). Defaults make a small MIMII-like set:
 * the four machine types, 4 IDs each, per ID 24 normal training clips, 4 normal
 * validation clips (for choosing an operating threshold) and 10 + 10 normal/anomalous
 * test clips of 10 s at 16 kHz (MicroNets §4.3 / MIMII clip format), factory background
 * at 6 dB SNR (one of MIMII's three SNR versions).
 */
const range = (lo: number, hi: number, dMin: number, dMax: number, what: string) =>
  z
    .strictObject({
      min: z.number().min(lo).max(hi).default(dMin).describe(`Lower end of the ${what} range.`),
      max: z
        .number()
        .min(lo)
        .max(hi)
        .default(dMax)
        .describe(`Upper end of the ${what} range (= min for a fixed value).`),
    })
    .prefault({})
    .refine((r) => r.min <= r.max, { message: 'min must be ≤ max' });

export const machineSpecSchema = z.strictObject({
  type: z.enum(MACHINE_TYPES),
  /** Machine IDs of this type (id_00, id_01, ...), each with its own physics. */
  ids: z
    .int()
    .min(1)
    .max(16)
    .default(4)
    .describe('Machine IDs of this type (id_00, id_01, ...), each with its own physics.'),
  /** Faults used for this type's anomalous clips (default: the type's usual faults). */
  anomalies: z
    .array(z.enum(ANOMALY_KINDS))
    .min(1)
    .optional()
    .describe("Faults used for this type's anomalous clips (default: the type's usual faults)."),
});

export const synthMachineConfigSchema = z
  .strictObject({
    machines: z
      .array(machineSpecSchema)
      .min(1)
      .default(MACHINE_TYPES.map((type) => ({ type, ids: 4 })))
      .describe(
        'Machine types to synthesise, each with its number of IDs and faults (default: all four MIMII types, 4 IDs each).',
      ),
    /** Clips per machine ID. Training and validation clips are normal only. */
    clips: z
      .strictObject({
        train: z.int().min(1).max(10000).default(24).describe('Normal training clips per machine ID.'),
        validation: z
          .int()
          .min(0)
          .max(10000)
          .default(4)
          .describe('Normal validation clips per machine ID (for choosing an operating threshold).'),
        testNormal: z.int().min(1).max(10000).default(10).describe('Normal test clips per machine ID.'),
        testAbnormal: z
          .int()
          .min(1)
          .max(10000)
          .default(10)
          .describe("Anomalous test clips per machine ID, cycling through the type's faults."),
        devNormal: z
          .int()
          .min(0)
          .max(10000)
          .default(0)
          .describe(
            'Normal dev clips per machine ID: separate recordings of the same machines, disjoint from test, for choosing detector settings without test labels (docs/anomaly-detection.md#dev-split).',
          ),
        devAbnormal: z
          .int()
          .min(0)
          .max(10000)
          .default(0)
          .describe(
            "Anomalous dev clips per machine ID (the type's faults in turn, own severities and realisations, disjoint from test).",
          ),
      })
      .prefault({})
      .refine((c) => c.devNormal > 0 === c.devAbnormal > 0, {
        message: 'devNormal and devAbnormal must both be 0 (no dev split) or both at least 1 (an AUC needs both)',
      }),
    clipMs: z
      .int()
      .min(500)
      .max(60000)
      .default(10000)
      .describe('Clip length, ms (MIMII clips, Purohit et al. 2019: 10 s).'),
    /**
     * How far the machine IDs of a type stray from the type's common design: 0 = identical
     * units, 1 = unrelated designs. Real fleets are units of few designs; IDs that differ
     * only in detail make the ID classifier model that detail, which faults disturb.
     */
    idSpread: z
      .number()
      .min(0)
      .max(1)
      .default(0.25)
      .describe(
        "How far the machine IDs of a type stray from the type's common design: 0 = identical units, 1 = unrelated designs. Real fleets are units of few designs; IDs that differ only in detail make the ID classifier model that detail, which faults disturb.",
      ),
    sampleRate: z.int().min(8000).max(48000).default(16000).describe('Sample rate of the clips, Hz (MIMII: 16 kHz).'),
    /** Machine-to-factory power ratio of every clip, dB (drawn uniformly per clip). */
    snrDb: range(-20, 40, 6, 6, 'SNR (dB)').describe(
      'Machine-to-factory power ratio of every clip, dB (drawn uniformly per clip).',
    ),
    /** Anomaly severity, drawn uniformly per anomalous clip (0 = inaudible, 1 = obvious). */
    severity: range(0, 1, 0.3, 1, 'severity').describe(
      'Anomaly severity, drawn uniformly per anomalous clip (0 = inaudible, 1 = obvious).',
    ),
    /** Recording-to-recording variation of a machine. */
    variation: z
      .strictObject({
        /** Standard deviation of the relative speed (0.01 = 1 %), clipped at ±2.5 sd. */
        speed: z
          .number()
          .min(0)
          .max(0.2)
          .default(0.01)
          .describe('Standard deviation of the relative speed (0.01 = 1 %), clipped at ±2.5 sd.'),
        /** Microphone gain varies uniformly in ±gainDb. */
        gainDb: z.number().min(0).max(20).default(3).describe('Microphone gain varies uniformly in ±gainDb.'),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    c.machines.forEach((m, i) => {
      if (c.machines.findIndex((o) => o.type === m.type) !== i) {
        ctx.addIssue({
          code: 'custom',
          path: ['machines', i, 'type'],
          message: `machine type "${m.type}" is listed twice`,
        });
      }
    });
  });

export type SynthMachineConfig = z.output<typeof synthMachineConfigSchema>;
