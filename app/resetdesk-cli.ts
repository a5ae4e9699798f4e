#!/usr/bin/env node
import { Command } from 'commander';
import { formatReport, runDoctor } from './doctor.js';
import { readBuildInfo } from '../services/metrics/build-info.js';
import { errorMessage } from '../services/domain/errors.js';

/**
 * The `resetdesk` command (package.json "bin"). `resetdesk doctor` checks the configuration and every outside
 * system, prints one line per check, and exits 1 when a check failed (0 otherwise). The service itself starts
 * with `node dist/app/main.js` (npm start).
 */
const program = new Command()
  .name('resetdesk')
  .description('Manager-requested Microsoft 365 password and MFA resets from PSA tickets.')
  .version(readBuildInfo().version);

program
  .command('doctor')
  .description(
    'Check the configuration (as the service loads it) and every outside dependency: Redis, each customer tenant, each enabled PSA, the public URL. Exits 1 when a check fails.',
  )
  .action(async () => {
    const report = await runDoctor();
    process.stdout.write(`${formatReport(report).join('\n')}\n`);
    // Open keep-alive sockets to the checked systems would hold the process for a few seconds more.
    process.exit(report.failed > 0 ? 1 : 0);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`resetdesk: ${errorMessage(err)}`);
  process.exit(2);
});
