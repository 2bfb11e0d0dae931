/**
 * A one-line progress bar with rate and ETA on a terminal; periodic JSON log lines otherwise, so
 * CI logs and log shippers get structured records instead of carriage returns.
 */
import type { Logger } from './logger.ts';

export interface ProgressReporter {
  update(done: number, total: number, detail?: string): void;
  done(): void;
}

export function createProgress(label: string, logger: Logger, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const started = Date.now();
  let last = 0;
  let lastLine = '';
  const interactive = stream.isTTY === true && process.env.CI !== 'true';

  return {
    update(done, total, detail) {
      const now = Date.now();
      if (now - last < (interactive ? 100 : 5000) && done < total) return;
      last = now;
      const seconds = Math.max(0.001, (now - started) / 1000);
      const rate = done / seconds;
      const eta = rate > 0 && total > done ? Math.round((total - done) / rate) : 0;
      if (interactive) {
        const width = 30;
        const filled = total > 0 ? Math.round((done / total) * width) : 0;
        lastLine = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${Math.round(rate)}/s ETA ${eta}s${detail ? ` ${detail}` : ''}`;
        stream.write(`\r${lastLine}\x1b[K`);
      } else {
        logger.info({ progress: label, done, total, ratePerSecond: Math.round(rate), etaSeconds: eta, detail });
      }
    },
    done() {
      if (interactive && lastLine) stream.write('\n');
    },
  };
}
