-- rac-authz's tuning of SpiceDB's Postgres datastore: run after every `spicedb datastore migrate`
-- (scripts/spicedb-server.sh does; docker-compose.yml has a one-shot service for it). Idempotent.
--
-- Why: SpiceDB's reverse lookups (LookupResources: "which authorization records point to these
-- 100 subjects?") filter relation_tuple on four equalities (namespace, relation,
-- userset_namespace, userset_relation) and an IN list of subject ids. Once a connection has
-- prepared such a query (default_query_exec_mode=cache_statement) Postgres plans it once for any
-- parameters (a generic plan), and estimates the four equalities as independent: about 60 rows,
-- where one combination (e.g. individual_client#business_level_1 -> authorization) holds tens of
-- thousands. It then scans that whole combination through ix_relation_tuple_by_subject_relation
-- instead of looking the 100 subjects up in ix_relation_tuple_by_subject: 15 ms a query instead of
-- 0.2, and a lookup of a senior administrator's 3,000 individual clients slowed from ~0.5 s to
-- ~1.2 s to first result after a few runs, and stayed there.
-- The four columns are functionally dependent (a relation belongs to one namespace, and so on):
-- telling the planner so keeps the generic plan on the subject index.
CREATE STATISTICS IF NOT EXISTS racauthz_relation_tuple_shape (dependencies)
  ON namespace, relation, userset_namespace, userset_relation FROM relation_tuple;
ANALYZE relation_tuple;
