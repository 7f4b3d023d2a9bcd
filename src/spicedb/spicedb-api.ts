// The handful of SpiceDB v1 calls the store makes, as one interface both backends provide:
// embedded (FFI into the engine in this process) and server (gRPC with a preshared key).
import type { v1 } from '@authzed/authzed-node';

export interface SpiceDbApi {
  checkPermission(req: v1.CheckPermissionRequest): Promise<v1.CheckPermissionResponse>;
  checkBulkPermissions(req: v1.CheckBulkPermissionsRequest): Promise<v1.CheckBulkPermissionsResponse>;
  writeRelationships(req: v1.WriteRelationshipsRequest): Promise<v1.WriteRelationshipsResponse>;
  deleteRelationships(req: v1.DeleteRelationshipsRequest): Promise<v1.DeleteRelationshipsResponse>;
  /** streamed: the caller consumes relationships as they arrive; `signal` cancels the call */
  readRelationships(req: v1.ReadRelationshipsRequest, signal?: AbortSignal): AsyncIterable<v1.ReadRelationshipsResponse>;
  /** `signal` cancels the call */
  lookupResources(req: v1.LookupResourcesRequest, signal?: AbortSignal): AsyncIterable<v1.LookupResourcesResponse>;
  /** `signal` cancels the call */
  lookupSubjects(req: v1.LookupSubjectsRequest, signal?: AbortSignal): AsyncIterable<v1.LookupSubjectsResponse>;
  readSchema(): Promise<string>;
  writeSchema(schema: string): Promise<void>;
  /** lets go of the engine or the connection; never holds the event loop while it waits */
  close(): Promise<void>;
}
