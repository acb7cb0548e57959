import "server-only";
import { env } from "@/env";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import type { Provider } from "next-auth/providers/index";
import { logger } from "@/lib/logger";
import { safeCallbackUrl } from "./callback-url";
import { afterPasswordCheck } from "./sign-in-throttle";
import { authSecret } from "./secret";
import { revokeSessions } from "./sessions";
import { authenticate, findOrCreateOAuthUser, findUserById } from "./users";
import { claimAnonymousUsage } from "@/lib/billing/metering/anonymous";

/** The only error code a failed sign-in shows in its URL: never a message that could carry SQL or data. */
export const SIGN_IN_UNAVAILABLE = "unavailable";

function providers(context: AuthContext): Provider[] {
  const list: Provider[] = [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials) {
        if (!credentials?.email || !credentials.password) return null;
        try {
          const user = await authenticate(credentials.email, credentials.password);
          // Only a request that went through beforePasswordCheck (the auth route) has points to settle.
          if (context.clientIp) await afterPasswordCheck(credentials.email, context.clientIp, user !== null);
          return user ? { id: user.id, email: user.email, name: user.name } : null;
        } catch (error) {
          // next-auth would put this error's message (SQL text, the email…) into the redirect URL.
          logger.error({ err: error }, "sign-in failed");
          throw new Error(SIGN_IN_UNAVAILABLE);
        }
      },
    }),
  ];
  if (env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET) {
    list.push(GitHubProvider({ clientId: env.GITHUB_CLIENT_ID, clientSecret: env.GITHUB_CLIENT_SECRET }));
  }
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) {
    list.push(GoogleProvider({ clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET }));
  }
  return list;
}

export const oauthProviderIds = (): string[] =>
  [
    env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET ? "github" : null,
    env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET ? "google" : null,
  ].filter((id): id is string => id !== null);

/** Whether the OAuth provider says it verified the address (Google's `email_verified`; GitHub says nothing). */
const providerVerifiedEmail = (profile: unknown) =>
  Boolean(profile && typeof profile === "object" && (profile as { email_verified?: unknown }).email_verified === true);

export interface AuthContext {
  /**
   * The signed-out visitor's verified `anon_id` from the sign-in request; an OAuth sign-in that
   * creates the account takes over that visitor's usage, as an email sign-up does.
   */
  anonymousVisitorId?: string | null;
  /** The client's IP, on requests whose password sign-in passed `beforePasswordCheck`. */
  clientIp?: string;
}

export function authOptions(context: AuthContext = {}): NextAuthOptions {
  const visitorId = context.anonymousVisitorId;
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: providers(context),
    callbacks: {
      async signIn({ user, account, profile }) {
        if (account?.provider === "credentials") return true;
        if (!user.email) return false;
        // OAuth: an identity links to an existing account only with a provider-verified address.
        if (!account) return false;
        const dbUser = await findOrCreateOAuthUser(
          { provider: account.provider, providerAccountId: account.providerAccountId },
          user.email,
          user.name,
          providerVerifiedEmail(profile),
          visitorId ? (created) => claimAnonymousUsage(visitorId, created.id) : undefined,
        );
        if (!dbUser) return false;
        user.id = dbUser.id;
        return true;
      },
      async jwt({ token, user, account }) {
        if (user && account) {
          const dbUser = await findUserById(user.id);
          if (!dbUser) throw new Error(SIGN_IN_UNAVAILABLE);
          token.sub = dbUser.id;
          token.sv = dbUser.sessionVersion;
        }
        return token;
      },
      async session({ session, token }) {
        if (session.user && token.sub) session.user.id = token.sub;
        return session;
      },
      // Same-origin paths only, whatever next-auth was handed.
      async redirect({ url, baseUrl }) {
        return `${baseUrl}${safeCallbackUrl(url, "/billing", baseUrl)}`;
      },
    },
    events: {
      // Sign-out revokes the session for good, not only the cookie in this browser.
      async signOut({ token }) {
        if (token?.sub) await revokeSessions(token.sub);
      },
    },
  };
}
