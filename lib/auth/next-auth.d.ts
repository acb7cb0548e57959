import "next-auth";

declare module "next-auth" {
  interface Session {
    user: { id: string; email?: string | null; name?: string | null; image?: string | null };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    /** The user's session version when the token was issued; see lib/auth/sessions.ts. */
    sv?: number;
  }
}
