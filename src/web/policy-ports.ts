/**
 * What the organization and policy routes need (`app/` implements it over
 * the policy store and the configuration): the organizations with their
 * domains, the policy document in force, its history, and storing a new
 * revision after the same validation `moat policy import` applies.
 */

export interface OrganizationRecord {
  readonly id: number;
  readonly name: string;
  readonly country: string | null;
  /** The domains the configuration gives it. */
  readonly domains: readonly string[];
}

/** The three scopes of a policy document (docs/POLICY.md); each maps a name to its rules. */
export interface PolicyDocumentShape {
  readonly organizations: Readonly<Record<string, unknown>>;
  readonly domains: Readonly<Record<string, unknown>>;
  readonly recipients: Readonly<Record<string, unknown>>;
}

export interface PolicyRevisionRecord {
  readonly revision: number;
  readonly sha256: string;
  readonly source: string;
  readonly comment?: string;
  readonly createdAt: string;
}

/** A document refused by validation, with every problem named. */
export interface PolicyRefusal {
  readonly refused: true;
  readonly issues: readonly string[];
}

export interface PolicyPort {
  organizations(): Promise<readonly OrganizationRecord[]>;
  /** Why the policy cannot be changed here (say, a policy file owns it); undefined when it can. */
  readOnlyReason(): string | undefined;
  /** The newest stored revision (revision 0 and an empty document when none was imported). */
  current(): Promise<{ readonly revision: number; readonly document: PolicyDocumentShape }>;
  history(limit: number): Promise<readonly PolicyRevisionRecord[]>;
  /** Validates and stores `document` as a new revision; nodes apply it within seconds. */
  replace(document: PolicyDocumentShape, source: string, comment?: string): Promise<{ readonly revision: number; readonly created: boolean } | PolicyRefusal>;
}
