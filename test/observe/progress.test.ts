import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/observe/logger.ts';
import { createProgress } from '../../src/observe/progress.ts';

function recordingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = { info: (o: Record<string, unknown>) => lines.push(o) } as unknown as Logger;
  return { logger, lines };
}

const notATerminal = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;

describe('progress off a terminal', () => {
  afterEach(() => vi.useRealTimers());

  it('logs at most one line per 5 s even when every update is "finished so far", and the final figures once', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { logger, lines } = recordingLogger();
    const p = createProgress('staging', logger, notATerminal);
    // A streamed source: the known total grows with what was read, so done === total on every chunk.
    for (let read = 200; read <= 200 * 1000; read += 200) {
      p.update(read, read);
      vi.advanceTimersByTime(10);
    }
    p.done();
    // 1000 updates over 10 s: the first, one per 5 s after it, and the final one.
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(lines.at(-1)).toMatchObject({ progress: 'staging', done: 200_000, total: 200_000 });
  });

  it('does not repeat the final line when the last update was already shown', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { logger, lines } = recordingLogger();
    const p = createProgress('sending', logger, notATerminal);
    p.update(10, 10);
    p.done();
    expect(lines).toHaveLength(1);
  });
});
