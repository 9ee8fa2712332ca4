import { handleApiRequest } from '~/server/api/http';

export const dynamic = 'force-dynamic';

const handler = (req: Request) => handleApiRequest(req);
export { handler as GET, handler as POST };
