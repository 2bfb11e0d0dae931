/**
 * Requests a backend serves at once, up to a capacity; the others wait their turn in arrival order.
 * A freed turn passes straight to the oldest waiter, so a later arrival cannot overtake it.
 */
export class ServiceTurns {
  private serving = 0;
  private readonly waiting: Array<() => void> = [];

  /** Waits for a turn (none with a capacity of 0: unlimited); returns how to give it back, once. */
  async enter(capacity: number): Promise<() => void> {
    if (capacity <= 0) return () => undefined;
    if (this.serving < capacity) this.serving += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.serving -= 1;
    };
  }
}
