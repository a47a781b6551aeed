import { fanGenerator } from './fan';
import type { MachineGenerator } from './machine-generator';
import type { MachineType } from './machine-kinds';
import { pumpGenerator } from './pump';
import { sliderGenerator } from './slider';
import { valveGenerator } from './valve';

/**
 * The generator of each machine type (one module per type). The casts widen each
 * generator's own physics type to PhysicsNumbers: `render` is only ever called with the
 * physics that the same generator's `drawPhysics` made (synth-machine-dataset.ts).
 */
export const MACHINE_GENERATORS: Readonly<Record<MachineType, MachineGenerator>> = {
  slider: sliderGenerator as unknown as MachineGenerator,
  fan: fanGenerator as unknown as MachineGenerator,
  pump: pumpGenerator as unknown as MachineGenerator,
  valve: valveGenerator as unknown as MachineGenerator,
};
