#!/usr/bin/env node
/**
 * tinyops CLI. User mistakes (TinyopsError) print their message and exit 1, no stack;
 * anything else is a bug and prints its stack.
 */
// libtensorflow's C++ logging (CPU feature notices) would interleave with progress output.
process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { isTinyopsError } from '../errors';
import { createLogger, type LogFormat } from '../logging';
import { findProjectDir, stateDir } from '../project';
import { parseQueueList } from '../temporal/queues';
import { DEFAULT_TASK_QUEUE } from '../temporal/worker';
import { lineageCommand, runsCommand } from './commands/lineage';
import { modelsCommand } from './commands/models';
import { runCommand } from './commands/run';
import { scheduleAct, scheduleCreate, scheduleDescribe, scheduleList } from './commands/schedule';
import { serverCommand } from './commands/server';
import { validateCommand } from './commands/validate';
import { workerCommand } from './commands/worker';

// The AWS SDK warns on every start that its 2027 releases will need Node 22; that is not
// actionable for a tinyops user, so only that warning is dropped.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'NodeVersionSupportWarning' && !w.message.includes('NodeVersionSupportWarning'))
    process.stderr.write(`warning: ${w.name}: ${w.message}\n`);
});

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function buildProgram(onExit: (code: number) => void): Command {
  const program = new Command('tinyops')
    .description('Pipeline-as-code MLOps for TinyML: YAML pipelines run as durable Temporal workflows')
    .version(require('../../../package.json').version as string)
    .addOption(new Option('--log-format <format>', 'log output format').choices(['text', 'json']).default('text'))
    .option('--project <dir>', 'project directory (default: nearest ancestor with pipelines/ or .tinyops/)')
    .showHelpAfterError();

  const ctx = (): { log: ReturnType<typeof createLogger>; projectDir: string } => {
    const g = program.opts<{ logFormat: LogFormat; project?: string }>();
    return { log: createLogger(g.logFormat), projectDir: g.project ? path.resolve(g.project) : findProjectDir() };
  };

  program
    .command('run')
    .description('run a pipeline: unchanged stages are cache hits, the rest run as Temporal activities')
    .argument('<file>', 'pipeline YAML, e.g. pipelines/kws.yaml')
    .option('--set <path=value>', 'override a value, e.g. stages.data.with.perKeyword=20 (repeatable)', collect, [])
    .option('--json', 'print one JSON object with the run result on stdout when done')
    .option(
      '--store <spec>',
      'artifact store: a directory or s3://bucket/prefix (default $TINYOPS_STORE or .tinyops/store)',
    )
    .option(
      '--queue <name>',
      `Temporal task queue (default: a queue of this run's own with the in-process worker, "${DEFAULT_TASK_QUEUE}" with --no-worker)`,
    )
    .option('--no-worker', 'do not start an in-process worker (use `tinyops worker` processes)')
    .option('--heartbeat-timeout <seconds>', 'how fast a dead worker is detected (default 60)', (v) => Number(v))
    .option(
      '--queues-by-kind',
      "route stage work to task queues cpu, train and arm by stage kind (a stage's `queue:` always applies)",
    )
    .action(
      async (
        file: string,
        o: {
          set: string[];
          json?: boolean;
          store?: string;
          queue?: string;
          worker: boolean;
          heartbeatTimeout?: number;
          queuesByKind?: boolean;
        },
      ) => {
        const { log, projectDir } = ctx();
        onExit(
          await runCommand(
            file,
            {
              set: o.set,
              json: Boolean(o.json),
              store: o.store,
              queue: o.queue,
              worker: o.worker,
              projectDir,
              heartbeatTimeoutSec: o.heartbeatTimeout,
              queuesByKind: Boolean(o.queuesByKind),
            },
            log,
          ),
        );
      },
    );

  program
    .command('validate')
    .description('check a pipeline file; exit 0 if valid, 1 if not')
    .argument('<file>', 'pipeline YAML')
    .option('--set <path=value>', 'override a value (repeatable)', collect, [])
    .action((file: string, o: { set: string[] }) => {
      onExit(validateCommand(file, o.set));
    });

  program
    .command('worker')
    .description('run a standalone worker (workflows + stage activities) until interrupted')
    .option('--queue <names>', 'Temporal task queue(s) to serve, comma-separated, e.g. tinyops,cpu', DEFAULT_TASK_QUEUE)
    .action(async (o: { queue: string }) => {
      const { log, projectDir } = ctx();
      onExit(await workerCommand(parseQueueList(o.queue), projectDir, log));
    });

  program
    .command('lineage')
    .description('where a run or an artifact came from: stages, configs, inputs, git commit, tools (offline)')
    .argument('<run-id|sha256>', 'a run id, or an artifact digest (prefix of at least 8 hex digits)')
    .option('--store <spec>', 'artifact store (default $TINYOPS_STORE or .tinyops/store)')
    .action(async (what: string, o: { store?: string }) => {
      const { projectDir } = ctx();
      onExit(await lineageCommand(what, o.store, projectDir));
    });

  const schedule = program
    .command('schedule')
    .description(
      'scheduled retraining on Temporal Schedules: create | list | describe | pause | unpause | trigger | delete',
    );
  schedule
    .command('create')
    .description('create (or replace) a schedule that runs a pipeline; runs need `tinyops worker` on its task queue')
    .argument('<file>', 'pipeline YAML; its `schedule:` is used unless --cron or --every is given')
    .option('--cron <expr>', 'cron expression (UTC), e.g. "0 3 * * 1"')
    .option('--every <interval>', 'fixed interval: 30m, 6h, 1d')
    .option('--id <id>', 'schedule id (default tinyops-<pipeline name>)')
    .option('--set <path=value>', 'override a value (repeatable)', collect, [])
    .option('--store <spec>', 'artifact store of the runs (default $TINYOPS_STORE or .tinyops/store)')
    .option('--queue <name>', "task queue of the runs' workflows", DEFAULT_TASK_QUEUE)
    .option('--queues-by-kind', 'route stage work to cpu / train / arm queues')
    .option('--paused', 'create it paused')
    .action(
      async (
        file: string,
        o: {
          cron?: string;
          every?: string;
          id?: string;
          set: string[];
          store?: string;
          queue: string;
          queuesByKind?: boolean;
          paused?: boolean;
        },
      ) => {
        const { log, projectDir } = ctx();
        onExit(
          await scheduleCreate(
            file,
            { ...o, paused: Boolean(o.paused), queuesByKind: Boolean(o.queuesByKind), projectDir },
            log,
          ),
        );
      },
    );
  schedule
    .command('list')
    .description('tinyops schedules: spec, state, next and last run')
    .option('--json', 'one JSON array on stdout')
    .action(async (o: { json?: boolean }) => onExit(await scheduleList(ctx().projectDir, Boolean(o.json))));
  schedule
    .command('describe')
    .description('one schedule as JSON: spec, state, next runs, recent runs with their status')
    .argument('<id>')
    .action(async (id: string) => onExit(await scheduleDescribe(id, ctx().projectDir)));
  for (const action of ['pause', 'unpause', 'trigger', 'delete'] as const) {
    schedule
      .command(action)
      .description(
        {
          pause: 'stop starting runs',
          unpause: 'start runs again',
          trigger: 'start a run now',
          delete: 'remove the schedule (runs and artifacts stay)',
        }[action],
      )
      .argument('<id>')
      .option('--note <text>', 'why (shown in the Temporal UI)')
      .action(async (id: string, o: { note?: string }) => {
        const { log, projectDir } = ctx();
        onExit(await scheduleAct(action, id, projectDir, o.note, log));
      });
  }

  program
    .command('models')
    .description("a pipeline's champion model and its champion / challenger decisions (offline)")
    .argument('<pipeline>', 'pipeline name')
    .option('--store <spec>', 'artifact store (default $TINYOPS_STORE or .tinyops/store)')
    .option('--json', 'one JSON object on stdout')
    .action(async (pipeline: string, o: { store?: string; json?: boolean }) => {
      onExit(await modelsCommand(pipeline, o.store, Boolean(o.json), ctx().projectDir));
    });

  program
    .command('runs')
    .description('the runs recorded in the store, newest first (offline)')
    .option('--pipeline <name>', 'only runs of this pipeline')
    .option('--store <spec>', 'artifact store (default $TINYOPS_STORE or .tinyops/store)')
    .option('--json', 'one JSON array on stdout')
    .action(async (o: { pipeline?: string; store?: string; json?: boolean }) => {
      onExit(await runsCommand(o.pipeline, o.store, Boolean(o.json), ctx().projectDir));
    });

  program
    .command('server')
    .description('the embedded Temporal dev server: status | start | stop')
    .argument('[action]', 'status, start or stop', 'status')
    .action(async (action: string) => {
      const { log, projectDir } = ctx();
      onExit(await serverCommand(action, stateDir(projectDir), log));
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (isTinyopsError(e)) {
      process.stderr.write(`error: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(
      `tinyops: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return 70;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exit(70);
    },
  );
}
