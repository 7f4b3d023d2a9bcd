// Builders from the port's plain types to SpiceDB v1 messages, shared by both backends.
import { v1 } from '@authzed/authzed-node';
import type {
  CheckQuery,
  Consistency,
  ObjectRef,
  Precondition,
  Relationship,
  RelationshipFilter,
  RelationshipUpdate,
  SubjectRef,
} from '../domain/store-port.js';

export function objectRef(o: ObjectRef): v1.ObjectReference {
  return { objectType: o.type, objectId: o.id };
}

export function subjectRef(s: SubjectRef): v1.SubjectReference {
  return { object: objectRef(s), optionalRelation: s.relation ?? '' };
}

export function consistency(c: Consistency): v1.Consistency {
  switch (c.kind) {
    case 'fullyConsistent':
      return { requirement: { oneofKind: 'fullyConsistent', fullyConsistent: true } };
    case 'atLeastAsFresh':
      return { requirement: { oneofKind: 'atLeastAsFresh', atLeastAsFresh: { token: c.token } } };
    case 'atExactSnapshot':
      return { requirement: { oneofKind: 'atExactSnapshot', atExactSnapshot: { token: c.token } } };
    default:
      return { requirement: { oneofKind: 'minimizeLatency', minimizeLatency: true } };
  }
}

export function checkRequest(q: CheckQuery, c: Consistency): v1.CheckPermissionRequest {
  return v1.CheckPermissionRequest.create({
    resource: objectRef(q.resource),
    permission: q.permission,
    subject: subjectRef(q.subject),
    consistency: consistency(c),
  });
}

export function bulkRequest(qs: CheckQuery[], c: Consistency): v1.CheckBulkPermissionsRequest {
  return v1.CheckBulkPermissionsRequest.create({
    consistency: consistency(c),
    items: qs.map((q) => ({
      resource: objectRef(q.resource),
      permission: q.permission,
      subject: subjectRef(q.subject),
    })),
  });
}

function timestamp(d: Date): { seconds: string; nanos: number } {
  const ms = d.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function relationship(r: Relationship): v1.Relationship {
  return v1.Relationship.create({
    resource: objectRef(r.resource),
    relation: r.relation,
    subject: subjectRef(r.subject),
    ...(r.expiresAt ? { optionalExpiresAt: timestamp(r.expiresAt) } : {}),
  });
}

const OPERATIONS = {
  touch: v1.RelationshipUpdate_Operation.TOUCH,
  create: v1.RelationshipUpdate_Operation.CREATE,
  delete: v1.RelationshipUpdate_Operation.DELETE,
} as const;

export function relationshipFilter(f: RelationshipFilter): v1.RelationshipFilter {
  return v1.RelationshipFilter.create({
    resourceType: f.resourceType,
    optionalResourceId: f.resourceId ?? '',
    optionalRelation: f.relation ?? '',
    ...(f.subject
      ? {
          optionalSubjectFilter: {
            subjectType: f.subject.type,
            optionalSubjectId: f.subject.id ?? '',
            ...(f.subject.relation !== undefined ? { optionalRelation: { relation: f.subject.relation } } : {}),
          },
        }
      : {}),
  });
}

export function writeRequest(
  updates: RelationshipUpdate[],
  preconditions: Precondition[] = [],
  metadata?: Record<string, string>,
): v1.WriteRelationshipsRequest {
  return v1.WriteRelationshipsRequest.create({
    // a delete names the relationship, not its expiry
    updates: updates.map((u) => ({
      operation: OPERATIONS[u.operation],
      relationship: relationship(u.operation === 'delete' ? { ...u.relationship, expiresAt: undefined } : u.relationship),
    })),
    optionalPreconditions: preconditionsOf(preconditions),
    ...transactionMetadata(metadata),
  });
}

export function preconditionsOf(preconditions: Precondition[] = []): v1.Precondition[] {
  return preconditions.map((p) => ({
    operation: p.operation === 'mustMatch' ? v1.Precondition_Operation.MUST_MATCH : v1.Precondition_Operation.MUST_NOT_MATCH,
    filter: relationshipFilter(p.filter),
  }));
}

/** a request's optional transaction metadata (none when there is nothing to record) */
export function transactionMetadata(metadata?: Record<string, string>): { optionalTransactionMetadata?: v1.PbStruct } {
  return metadata && Object.keys(metadata).length > 0 ? { optionalTransactionMetadata: v1.createStructFromObject(metadata) } : {};
}

/** Back from a v1 relationship to the port's type. */
export function fromRelationship(r: v1.Relationship): Relationship {
  const subject = r.subject!;
  const out: Relationship = {
    resource: { type: r.resource!.objectType, id: r.resource!.objectId },
    relation: r.relation,
    subject: {
      type: subject.object!.objectType,
      id: subject.object!.objectId,
      ...(subject.optionalRelation ? { relation: subject.optionalRelation } : {}),
    },
  };
  if (r.optionalExpiresAt) {
    out.expiresAt = new Date(Number(r.optionalExpiresAt.seconds) * 1000 + Math.floor(r.optionalExpiresAt.nanos / 1e6));
  }
  return out;
}
