/**
 * One cap on the connections a pull opens to its source
 * (`target.max_connections`): each file in flight holds one, and a file
 * downloaded in segments adds a stream only while a slot is free, so
 * `concurrency` files with `streams` each never exceed the cap together.
 */
export class ConnectionSlots {
  private free: number;

  constructor(cap: number) {
    this.free = cap;
  }

  /** Takes a slot if one is free. */
  tryTake(): boolean {
    if (this.free <= 0) return false;
    this.free--;
    return true;
  }

  release(): void {
    this.free++;
  }
}
