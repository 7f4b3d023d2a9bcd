// Instants at which a relationship this process wrote expires, earliest first: the decision
// cache and the engine's clock (engine-library.ts) both act when one is reached.
export class ExpiryList {
  private times: number[] = [];

  add(t: number): void {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    if (this.times[lo] !== t) this.times.splice(lo, 0, t);
  }

  /** the earliest instant still listed */
  first(): number | undefined {
    return this.times[0];
  }

  /** drops every instant before `t`; how many there were */
  dropBefore(t: number): number {
    let n = 0;
    while (n < this.times.length && this.times[n]! < t) n++;
    if (n > 0) this.times.splice(0, n);
    return n;
  }
}
