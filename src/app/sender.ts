/**
 * Sender identities as policy and intel see them.
 */

/** The address inside a From: header value (`Name <a@b>` or a bare address). */
export function addressOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(header);
  if (angle?.[1] !== undefined) return angle[1];
  const bare = header.trim();
  return /^[^\s@]+@[^\s@]+$/.test(bare) ? bare : undefined;
}
