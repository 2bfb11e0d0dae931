import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { buildReport } from '../report/build.ts';
import { renderReportHtml } from '../report/html.ts';
import { openContext } from './context.ts';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('run report for people: counts, throughput, failures by reason, hash census, MFA loss (no secrets, no hashes)')
    .requiredOption('-c, --config <file>', 'migration config (YAML)')
    .option('--html <file>', 'write a self-contained HTML page')
    .option('--json <file>', 'write the report as JSON ("-" for stdout)')
    .option('--include-emails', 'list e-mail addresses of dead-lettered users (PII: off by default)')
    .action(async (opts: { config: string; html?: string; json?: string; includeEmails?: boolean }) => {
      const { config, ledger } = await openContext(opts.config, { offline: true });
      try {
        const report = await buildReport(config, ledger, { includeEmails: opts.includeEmails === true });
        if (opts.html) {
          await writeFile(opts.html, renderReportHtml(report));
          process.stdout.write(`wrote ${opts.html}\n`);
        }
        if (opts.json === '-' || (!opts.html && !opts.json)) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else if (opts.json) {
          await writeFile(opts.json, `${JSON.stringify(report, null, 2)}\n`);
          process.stdout.write(`wrote ${opts.json}\n`);
        }
      } finally {
        await ledger.close();
      }
    });
}
