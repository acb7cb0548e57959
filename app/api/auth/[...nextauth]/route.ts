import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

type Handler = (request: Request, context: { params: Promise<{ nextauth: string[] }> }) => Promise<Response>;

// Built per request so the options read the environment at run time, not at build time.
const handler: Handler = async (request, context) =>
  (NextAuth(authOptions()) as unknown as Handler)(request, context);

export { handler as GET, handler as POST };
