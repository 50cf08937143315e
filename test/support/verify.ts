/**
 * Test support: `actorchain verify`'s whole check run in the test's process through the
 * package's API (verifyChain: components, every entry replayed, the signed checkpoint), for
 * tests whose subject is not the verify command: "and the chain verifies" as a last check.
 * The verify-* files, and every test of what verify prints, drive the CLI.
 *
 *   const { entries } = await verifies(dataDir, { component });
 *   await assert.rejects(verifies(dataDir, { component }), { code: 'CHAIN_CORRUPT', message: /^line 5 / });
 */
import { verifyChain, type VerifyOptions, type VerifyResult } from '../../src/index.js';

/** Verify `source` (a data dir, a chain file or a runtime's URL); rejects with verify's ActorchainError. */
export function verifies(source: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  return verifyChain(source, options);
}
