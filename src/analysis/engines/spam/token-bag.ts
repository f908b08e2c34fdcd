/**
 * The bounded set of token hashes one message yields. Tokens are hashed as
 * they are added (the text never leaves the worker), distinct hashes are kept
 * in order of first appearance, and once the cap is reached further tokens are
 * ignored: a message of a million distinct words costs the same as a normal one.
 */

// FNV-1a, 32 bits (http://www.isthe.com/chongo/tech/comp/fnv/). Not keyed: an attacker who
// finds a collision with a strong ham token gains no more than writing the ham word itself.
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * Stable token hash: FNV-1a over the UTF-16 code units (low byte, then high
 * byte), as 8 lower-case hex digits. The shipped model is keyed by these, so
 * changing this function means retraining (bench/spam-train.ts).
 */
export function hashToken(token: string): string {
  let hash = FNV_OFFSET;
  for (let i = 0; i < token.length; i++) {
    const unit = token.charCodeAt(i);
    hash = Math.imul(hash ^ (unit & 0xff), FNV_PRIME);
    hash = Math.imul(hash ^ (unit >>> 8), FNV_PRIME);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

export interface TokenBag {
  /** Adds one token (already prefixed and normalised); ignored once the bag is full. */
  add(token: string): void;
  /** True once `maxTokens` distinct hashes are held. */
  readonly full: boolean;
  /** The distinct hashes, in order of first appearance. */
  hashes(): string[];
}

/** An empty bag for one message, holding at most `maxTokens` distinct hashes. */
export function createTokenBag(maxTokens: number): TokenBag {
  const seen = new Set<string>();
  return {
    add(token) {
      if (seen.size >= maxTokens) return;
      seen.add(hashToken(token));
    },
    get full() {
      return seen.size >= maxTokens;
    },
    hashes: () => [...seen],
  };
}
