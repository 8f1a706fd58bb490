/**
 * Timing and progress of a load: what `--stats` prints and what `serve` shows on
 * the page while a large input is read. Adapter code: it reads the clock.
 */

/** Milliseconds per named phase (read, parse, inventory, classes, evaluate, output). */
export class Stopwatch {
  readonly phases: Record<string, number> = {};
  private last = performance.now();
  lap(name: string): void {
    const now = performance.now();
    this.phases[name] = Math.round((this.phases[name] ?? 0) + now - this.last);
    this.last = now;
  }
}

export type { LoadProgress } from './types.js';
