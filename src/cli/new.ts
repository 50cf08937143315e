import type { Command } from 'commander';
import { scaffold } from '../scaffold/scaffold.js';

export function registerNew(program: Command): void {
  program
    .command('new')
    .description('create an actor project: a typed actor, a test that runs it, build/start/test scripts')
    .argument('<dir>', 'the directory to create (must be new or empty)')
    .action(async (dir: string) => {
      const files = await scaffold(dir);
      process.stdout.write(
        `created ${dir}: ${files.join(', ')}\n\nnext:\n  cd ${dir}\n  npm install\n  npm test     # builds the actor, runs it, verifies its chain\n  npm start    # serves it on 127.0.0.1:8080\n`,
      );
    });
}
