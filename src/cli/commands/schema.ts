// `kfleet schema [--out FILE]`: the JSON Schema of a playbook, generated from kfleet's own zod
// schema, for editors (yaml-language-server, VS Code's YAML extension, IntelliJ).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of a playbook (for editors: add "# yaml-language-server: $schema=PATH" to a playbook)')
    .option('-o, --out <file>', 'write it to this file instead of standard output')
    .action(async (o: { out?: string }) => {
      const { playbookJsonSchemaText } = await import('../../playbook/json-schema.js');
      const text = playbookJsonSchemaText();
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
}
