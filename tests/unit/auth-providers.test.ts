import { afterEach, describe, expect, it } from "vitest";
import { authOptions, oauthProviderIds } from "@/lib/auth/options";

const OAUTH_ENV = ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"];

describe("OAuth providers", () => {
  afterEach(() => {
    for (const key of OAUTH_ENV) delete process.env[key];
  });

  it("offers only email + password when no provider is configured", () => {
    expect(oauthProviderIds()).toEqual([]);
    expect(authOptions().providers.map((p) => p.id)).toEqual(["credentials"]);
  });

  it("enables GitHub and Google only when both their id and secret are set", () => {
    process.env.GITHUB_CLIENT_ID = "gh-id";
    process.env.GOOGLE_CLIENT_ID = "google-id";
    process.env.GOOGLE_CLIENT_SECRET = "google-secret";
    expect(oauthProviderIds()).toEqual(["google"]);
    process.env.GITHUB_CLIENT_SECRET = "gh-secret";
    expect(oauthProviderIds()).toEqual(["github", "google"]);
    expect(authOptions().providers.map((p) => p.id)).toEqual(["credentials", "github", "google"]);
  });
});
