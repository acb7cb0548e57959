#!/usr/bin/env node
// `npx stripe-emulator`: starts the emulator with the settings in the environment (see README.md).
// `npx stripe-emulator fixtures <file.json>`: runs a Stripe CLI fixture file against a running emulator.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the package is CommonJS; this is its entry point
require("../dist/main.js");
