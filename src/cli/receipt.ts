import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ActorchainError } from '../errors.js';
import { openLogSource } from '../verify/log-source.js';
import { checkReceipt, parseReceipt } from '../verify/receipt-check.js';
import { readTokenOption, useReadToken } from './options.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerReceipt(program: Command): void {
  const receipt = program.command('receipt').description("check the receipts POST / answers with (see 'receipt check')");
  receipt
    .command('check')
    .description(
      "check a receipt: its checkpoint's signature, and given the runtime's URL or data dir, the entry's inclusion and that the runtime's current checkpoint extends the receipt's (exit 1 with RECEIPT_INVALID or CHAIN_EQUIVOCATED otherwise)",
    )
    .argument('<receipt>', "a file holding the receipt, or the whole POST / answer that carries it ('-' for standard input)")
    .argument('[source]', 'the URL of the runtime (or of a mirror), or its data dir')
    .option('--key <verifier key>', "the chain's verifier key (default: the key its genesis records)")
    .option('--witness <verifier key>', "require a cosignature from this witness on a checkpoint at least as large as the receipt's; repeatable", collect, [])
    .addOption(readTokenOption())
    .action(async (file: string, source: string | undefined, raw: { key?: string; witness: string[]; token?: string }) => {
      useReadToken(raw.token);
      let text: string;
      try {
        text = await readFile(file === '-' ? '/dev/stdin' : file, 'utf8');
      } catch (err) {
        throw new ActorchainError('RECEIPT_INVALID', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
      }
      const report = await checkReceipt(parseReceipt(text, file), {
        source: source === undefined ? undefined : await openLogSource(source),
        key: raw.key,
        witnesses: raw.witness,
      });
      process.stdout.write(`${report.join('\n')}\nreceipt ok\n`);
    });
}
