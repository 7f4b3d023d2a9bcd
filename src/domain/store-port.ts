// The port between the domain and the authorization engine. The domain speaks in these types;
// spicedb/ implements them (embedded or server). Keep it small: each method is one engine call.

export interface ObjectRef {
  type: string;
  id: string;
}

export interface SubjectRef extends ObjectRef {
  /** a subject relation (e.g. group#member); absent for a plain object */
  relation?: string;
}

export interface Relationship {
  resource: ObjectRef;
  relation: string;
  subject: SubjectRef;
  /** the engine stops counting the relationship after this instant */
  expiresAt?: Date;
}

export type Consistency =
  | { kind: 'minimizeLatency' }
  | { kind: 'atLeastAsFresh'; token: string }
  | { kind: 'fullyConsistent' }
  /** exactly the revision of the token (an export reads every type at one revision) */
  | { kind: 'atExactSnapshot'; token: string };

export interface CheckQuery {
  resource: ObjectRef;
  permission: string;
  subject: SubjectRef;
}

/** A check either answers or fails on its own (in a bulk, one bad item does not sink the rest). */
export type CheckOutcome = { allowed: boolean } | { error: Error };

export interface CheckAnswer {
  allowed: boolean;
  /** the revision the answer was computed at (a ZedToken) */
  checkedAt: string;
}

export interface BulkCheckAnswer {
  results: CheckOutcome[];
  checkedAt: string;
}

export interface RelationshipUpdate {
  operation: 'touch' | 'create' | 'delete';
  relationship: Relationship;
}

export interface RelationshipFilter {
  resourceType: string;
  resourceId?: string;
  relation?: string;
  subject?: { type: string; id?: string; relation?: string };
}

export interface Precondition {
  /** the write fails (ConflictError) unless a relationship matching the filter exists / does not */
  operation: 'mustMatch' | 'mustNotMatch';
  filter: RelationshipFilter;
}

export interface WriteOptions {
  preconditions?: Precondition[];
  /** recorded by the engine with the transaction (actor, request id); never personal information */
  metadata?: Record<string, string>;
}

export interface DeleteOptions {
  /** recorded by the engine with each page's transaction (actor, request id); never personal information */
  metadata?: Record<string, string>;
  /** each page is deleted only if these hold at its transaction (ConflictError otherwise) */
  preconditions?: Precondition[];
}

export interface LookupResourcesQuery {
  resourceType: string;
  permission: string;
  subject: SubjectRef;
  /** at most this many results from this call */
  limit?: number;
  /** resume after the result that carried this cursor */
  cursor?: string;
}

export interface LookupSubjectsQuery {
  resource: ObjectRef;
  permission: string;
  subjectType: string;
}

/** SpiceDB's own account of how it decided a check (its debug trace), in the port's terms */
export interface TraceNode {
  /** the objects evaluated: SpiceDB evaluates several of one type at once (a batched sub-problem) */
  resource: { type: string; ids: string[] };
  /** the relation or permission evaluated */
  name: string;
  kind: 'relation' | 'permission';
  result: 'has' | 'no' | 'conditional';
  children: TraceNode[];
  /** SpiceDB took this answer from its cache: it traced nothing under it (children is empty) */
  cached?: boolean;
}

export interface AuthzStore {
  /** which backend this is, for logs and /readyz */
  readonly kind: 'embedded' | 'server';
  check(query: CheckQuery, consistency: Consistency): Promise<CheckAnswer>;
  checkBulk(queries: CheckQuery[], consistency: Consistency): Promise<BulkCheckAnswer>;
  /** a check with SpiceDB's debug trace of how it was decided */
  checkWithTrace(query: CheckQuery, consistency: Consistency): Promise<CheckAnswer & { trace?: TraceNode }>;
  /** one atomic WriteRelationships; returns the new revision token */
  write(updates: RelationshipUpdate[], options?: WriteOptions): Promise<{ token: string }>;
  /**
   * deletes every relationship matching the filter, atomically (up to the engine's limit per
   * call); for clean-ups that no state rule depends on
   */
  deleteRelationships(filter: RelationshipFilter, options?: DeleteOptions): Promise<{ token: string }>;
  readRelationships(filter: RelationshipFilter, consistency: Consistency): AsyncIterable<Relationship>;
  /** the resources of a type the subject holds the permission on, streamed, each with a resume cursor */
  /** each result with the cursor after it and the revision it was looked up at (when SpiceDB says) */
  lookupResources(query: LookupResourcesQuery, consistency: Consistency): AsyncIterable<{ id: string; cursor: string; lookedUpAt?: string }>;
  /** the subjects of a type that hold the permission on the resource, streamed (concrete ids only) */
  lookupSubjects(query: LookupSubjectsQuery, consistency: Consistency): AsyncIterable<string>;
  readSchema(): Promise<string>;
  writeSchema(schema: string): Promise<void>;
  close(): Promise<void>;
}
