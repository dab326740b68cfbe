// Inventory plugin configs (a YAML file with `plugin: amazon.aws.aws_ec2`, `*.aws_ec2.yml`, ...)
// are resolved by Ansible itself: `ansible-inventory -i FILE --list`, whose JSON is then read like
// an inventory script's. Without ansible-inventory, or when Ansible cannot use the plugin, the
// error names the plugin.
import { execFile } from 'node:child_process';
import { inputError, type Location } from '../errors.js';

/** What ansible-inventory said about the auto plugin (its warnings wrap lines), else its last words. */
export function ansibleReason(stderr: string): string {
  const flat = stderr.replace(/\s*\n\s*/g, ' ');
  const auto = flat.split('[WARNING]:').find((w) => / with auto plugin: /.test(w));
  if (auto) return auto.split(' with auto plugin: ')[1]!.trim();
  return flat.split(/(?=ERROR!)|\[WARNING\]:/).map((s) => s.trim()).filter(Boolean).pop() ?? '';
}

export function resolvePluginConfig(file: string, plugin: string, at: Location = { file }): Promise<unknown> {
  const export_ = `or export the inventory where Ansible works: \`ansible-inventory -i ${file} --list > inventory.json\` and pass that file`;
  return new Promise((resolve, reject) => {
    execFile(
      'ansible-inventory',
      ['-i', file, '--list'],
      {
        maxBuffer: 256 << 20,
        encoding: 'utf8',
        // fail instead of printing an empty inventory when the plugin cannot parse the source
        env: { ...process.env, ANSIBLE_INVENTORY_UNPARSED_FAILED: 'True', ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: 'True', ANSIBLE_NOCOLOR: '1' },
      },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT')
          return reject(inputError(`inventory ${file} is a config for the inventory plugin "${plugin}", which kfleet runs through ansible-inventory, and ansible-inventory is not installed`, at, `install ansible-core (and the collection that provides ${plugin}), ${export_}`));
        if (err) {
          const why = ansibleReason(String(stderr));
          return reject(inputError(`ansible-inventory could not resolve ${file} with the inventory plugin "${plugin}": ${why || err.message}`, at, `check that the collection providing ${plugin} is installed (ansible-doc -t inventory ${plugin}) and its credentials, ${export_}`));
        }
        try {
          resolve(JSON.parse(stdout) as unknown);
        } catch (e) {
          reject(inputError(`ansible-inventory printed no JSON for ${file} (plugin "${plugin}"): ${(e as Error).message}`, { file }));
        }
      },
    );
  });
}
