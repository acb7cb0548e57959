/**
 * `npm run emulator:schema`: regenerate src/schema/endpoints.generated.json from the installed `stripe`
 * package (run it after upgrading the SDK or adding an emulator route, and commit the result).
 */
import { writeFileSync } from "node:fs";
import { SCHEMA_FILE, routeKeys } from "../src/schema/load";
import { formatSchema, generateSchema } from "../src/schema/generate";

const schema = generateSchema(routeKeys());
writeFileSync(SCHEMA_FILE, formatSchema(schema));
console.log(
  `wrote ${SCHEMA_FILE}: ${Object.keys(schema.endpoints).length} endpoints, ${Object.keys(schema.params).length} parameter types`,
);
