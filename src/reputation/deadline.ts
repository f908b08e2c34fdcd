/**
 * One deadline shared by every lookup of a stage: each lookup races the same
 * timer, so the stage ends on time however many lists are asked.
 */

export interface Deadline {
  /** `work`'s value, or `late()` when the deadline passes first. */
  race<T>(work: Promise<T>, late: () => T): Promise<T>;
  clear(): void;
}

/** Starts a deadline `ms` from now. */
export function startDeadline(ms: number): Deadline {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  return {
    async race(work, late) {
      const winner = await Promise.race([work.then((value) => ({ value })), expired]);
      return winner === 'late' ? late() : winner.value;
    },
    clear() {
      clearTimeout(timer);
    },
  };
}
