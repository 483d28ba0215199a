/** `npm pack` produces the package: the built ESM and declarations, nothing of the sources or tests. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

test("npm pack --dry-run lists dist/index.js and its declarations only", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" });
  const [pack] = JSON.parse(out) as { name: string; files: { path: string }[] }[];
  assert.equal(pack!.name, "@skypanel/sdk");
  const files = pack!.files.map((f) => f.path).sort();
  for (const want of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/client.js", "dist/console.js", "dist/schema.gen.d.ts"]) {
    assert.ok(files.includes(want), `${want} missing from ${files.join(", ")}`);
  }
  const stray = files.filter((f) => !/^(package\.json|README\.md|dist\/[\w.]+\.(js|d\.ts|js\.map))$/.test(f));
  assert.deepEqual(stray, []);
});
