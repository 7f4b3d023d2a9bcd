// Exits 0 once a SpiceDB server at argv[2] (preshared key argv[3]) answers a ReadSchema call,
// even with "no schema yet" (NOT_FOUND): any status from SpiceDB itself means it is serving.
import { v1 } from '@authzed/authzed-node';

const [endpoint, token] = process.argv.slice(2);
const client = v1.NewClient(token, endpoint, v1.ClientSecurity.INSECURE_PLAINTEXT_CREDENTIALS);
try {
  await client.promises.readSchema(v1.ReadSchemaRequest.create({}), { deadline: Date.now() + 1000 });
  process.exitCode = 0;
} catch (err) {
  process.exitCode = err && (err.code === 5 || err.code === 9) ? 0 : 1;
} finally {
  client.close();
}
