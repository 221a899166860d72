import type { Reporter } from '../log.js';
import { formatBytes, formatDuration } from '../util/format.js';

/** Redraws at most this often on a terminal; logs a line this often otherwise (CI logs stay readable). */
const REDRAW_MS = 100;
const LOG_LINE_MS = 5000;

/** Objects, bytes, rate and ETA of a push or pull, as a bar on a terminal or a line every few seconds. */
export class TransferProgress {
  private objects = 0;
  private bytes = 0;
  private readonly started = performance.now();
  private last = 0;

  constructor(
    private readonly reporter: Reporter,
    private readonly verb: string,
    private readonly totalObjects: number,
    private readonly totalBytes: number,
  ) {}

  add(bytes: number): void {
    this.objects++;
    this.bytes += bytes;
    const now = performance.now();
    if (now - this.last < (this.reporter.interactive ? REDRAW_MS : LOG_LINE_MS)) return;
    this.last = now;
    if (this.reporter.interactive) this.reporter.progress(this.line(now));
    else this.reporter.info(this.line(now));
  }

  private line(now: number): string {
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? this.bytes / secs : 0;
    const left = this.totalBytes - this.bytes;
    const eta = rate > 0 && left > 0 ? `, ETA ${formatDuration((left / rate) * 1000)}` : '';
    const width = 20;
    const filled = this.totalObjects ? Math.round((this.objects / this.totalObjects) * width) : width;
    const bar = this.reporter.interactive ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    return `${bar}${this.verb} ${this.objects}/${this.totalObjects} objects, ${formatBytes(this.bytes)}/${formatBytes(this.totalBytes)}, ${formatBytes(rate)}/s${eta}`;
  }
}
