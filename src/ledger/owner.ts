import os from 'node:os';

/** `host:pid:random` names the process that holds leases, so a successor can tell if it is gone. */
export function newOwnerId(): string {
  return `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

export function isOwnerAlive(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  // Another machine's process cannot be checked from here: assume it lives (its leases expire anyway).
  if (host !== os.hostname()) return true;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
