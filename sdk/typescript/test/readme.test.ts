/** The README's example compiles against the built package (tsc --noEmit, strict). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

test("README.md's TypeScript example type-checks", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(block, "README.md has a ```ts block");
  // inside the package, so "@skypanel/sdk" resolves to this package's dist/ (self-reference)
  const dir = mkdtempSync(join(root, "dist-test", "readme-"));
  try {
    const file = join(dir, "example.mts");
    writeFileSync(file, block[1]! + "\n");
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "--noEmit", "--strict", "--target", "ES2022", "--module", "NodeNext",
      "--moduleResolution", "NodeNext", "--types", "node", "--skipLibCheck", file], { cwd: root, encoding: "utf8" });
  } catch (e) {
    const out = (e as { stdout?: string }).stdout ?? "";
    assert.fail(`the README example does not compile:\n${out || String(e)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
