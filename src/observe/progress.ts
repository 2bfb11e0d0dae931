/**
 * A one-line progress bar with rate and ETA on a terminal; periodic JSON log lines otherwise, so
 * CI logs and log shippers get structured records instead of carriage returns.
 */
import type { Logger } from './logger.ts';

export interface ProgressReporter {
  /** `total` is what is known so far (a streamed source's end is not known until it is read). */
  update(done: number, total: number, detail?: string): void;
  /** The final figures: a last bar line (terminal) or log line (otherwise). */
  done(): void;
}

export function createProgress(label: string, logger: Logger, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const started = Date.now();
  let last = 0;
  let lastLine = '';
  let latest: { done: number; total: number; detail?: string | undefined } | undefined;
  let shown = latest;
  const interactive = stream.isTTY === true && process.env.CI !== 'true';

  const show = (now: number): void => {
    if (latest === undefined) return;
    shown = latest;
    last = now;
    const { done, total, detail } = latest;
    const seconds = Math.max(0.001, (now - started) / 1000);
    const rate = done / seconds;
    const eta = rate > 0 && total > done ? Math.round((total - done) / rate) : 0;
    if (interactive) {
      const width = 30;
      const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
      lastLine = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${Math.round(rate)}/s ETA ${eta}s${detail ? ` ${detail}` : ''}`;
      stream.write(`\r${lastLine}\x1b[K`);
    } else {
      logger.info({ progress: label, done, total, ratePerSecond: Math.round(rate), etaSeconds: eta, detail });
    }
  };

  return {
    update(done, total, detail) {
      latest = { done, total, detail };
      // Throttled always: while delivery keeps up with staging, done equals the known total after
      // every call, and an unthrottled "finished" line per call floods logs (and costs CPU).
      const now = Date.now();
      if (now - last >= (interactive ? 100 : 5000)) show(now);
    },
    done() {
      if (latest !== shown) show(Date.now());
      if (interactive && lastLine) stream.write('\n');
    },
  };
}
