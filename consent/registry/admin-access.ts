// The admin API as an entrance of the access seam: a request is opened as an access when it arrives (onRequest,
// before its body is read: a caller who is no admin is refused without it), decided by the `client-registry` rule
// (consent/policy/rules.ts) and recorded in the audit trail just before its answer leaves (onSend), with the
// status it answers; a refusal is recorded by the seam itself.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessSeam, OpenAccess } from '../access/access-seam.js';

const OPEN = Symbol('admin access');
const FAILED = Symbol('admin access error');

type WithAccess = FastifyRequest & { [OPEN]?: OpenAccess; [FAILED]?: Error };

/** Opens the access of an admin API request (the admin routes' `authorize`). */
export async function openAdminAccess(seam: AccessSeam, request: FastifyRequest): Promise<void> {
  const [path, query] = request.url.split('?', 2);
  (request as WithAccess)[OPEN] = await seam.open(
    {
      entrance: 'admin',
      interaction: 'admin:clients',
      method: request.method,
      id: decodeURIComponent(path.split('/')[3] ?? '') || undefined,
      query,
      address: request.ip,
    },
    { authorization: request.headers.authorization },
    request.log,
  );
}

/** Records each opened access before its answer is sent: done with its status, or failed with its error. */
export function adminAccess(app: FastifyInstance): void {
  app.addHook('onError', async (request, _reply, error) => {
    (request as WithAccess)[FAILED] = error;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const open = (request as WithAccess)[OPEN];
    if (!open) return payload;
    (request as WithAccess)[OPEN] = undefined;
    const status = reply.statusCode;
    if (status >= 400) {
      await open.fail(
        (request as WithAccess)[FAILED] ?? Object.assign(new Error(`answered ${status}`), { statusCode: status }),
      );
    } else {
      await open.run(
        async () => undefined,
        () => status,
      );
    }
    return payload;
  });
}
