import type { Metadata } from "next";
import { connection } from "next/server";
import { SiteHeader } from "@/components/site-header";
import { SupportEmailProvider } from "@/components/support-email";
import { supportEmail } from "@/lib/support";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Acme SaaS", template: "%s · Acme SaaS" },
  description: "Plans, billing and usage for Acme SaaS.",
  // Files in public/: browsers ask for /favicon.ico anyway, so it must exist.
  icons: {
    icon: [
      { url: "/favicon.ico", sizes: "16x16 32x32 48x48" },
      { url: "/icon.svg", type: "image/svg+xml" },
    ],
    apple: "/apple-touch-icon.png",
  },
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page is rendered per request so Next can put this response's CSP nonce (proxy.ts) on its scripts.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen">
        <SiteHeader />
        <main className="mx-auto max-w-6xl px-4 py-10">
          <SupportEmailProvider email={supportEmail()}>{children}</SupportEmailProvider>
        </main>
      </body>
    </html>
  );
}
