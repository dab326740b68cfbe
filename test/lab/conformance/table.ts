// Conformance tables: rows of shell snippets with the exact status, stdout and stderr a real
// kernel gives (login shell: bash, stderr a pipe as under sshd, hence "bash: line 1: ..."),
// straight from kfence-interface.md. A table is plain data so
// that the real-kernel tier (a QEMU VM) can run the same rows; nothing here depends on the lab.

export type Errno = 'EINVAL' | 'ERANGE' | 'EBUSY' | 'ENOMEM' | 'EACCES';

export const ERRNO_TEXT: Record<Errno, string> = {
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
  EBUSY: 'Device or resource busy',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
};

export interface Row {
  name: string;
  /** What the reference says (section), for the failure message. */
  ref: string;
  run: string;
  status: number;
  stdout?: string | RegExp;
  stderr?: string | RegExp;
}

export interface Table {
  profile: string;
  title: string;
  /** Extra kernel args the host must be booted with (applied with grubby --update-kernel=ALL --args). */
  bootArgs: string;
  /** Host memory, when the table depends on it. */
  memory?: { totalMiB: number; nodes: number };
  rows: Row[];
}

export const PARAMS = '/sys/module/kfence/parameters';
export const SLAB = '/sys/kernel/slab';

/** Write VALUE with `echo` (a trailing newline, as every guide does), print the status, read back. */
export function write(path: string, value: string, errno: Errno | null, readback: string, ref: string): Row {
  return {
    name: `echo ${JSON.stringify(value)} > ${path.replace(PARAMS + '/', '')} ${errno ? `-> ${errno}` : 'ok'}, reads ${readback}`,
    ref,
    run: `echo '${value}' > ${path}; echo "rc=$?"; cat ${path}`,
    status: 0,
    stdout: `rc=${errno ? 1 : 0}\n${readback}\n`,
    stderr: errno ? `bash: line 1: echo: write error: ${ERRNO_TEXT[errno]}\n` : '',
  };
}

/** A write the kernel refuses at open(2) (no write bits): bash reports the path, the command does not run. */
export function openDenied(path: string, value: string, readback: string, ref: string): Row {
  return {
    name: `echo ${value} > ${path.replace(PARAMS + '/', '')} -> EACCES at open`,
    ref,
    run: `echo '${value}' > ${path}; echo "rc=$?"; cat ${path}`,
    status: 0,
    stdout: `rc=1\n${readback}\n`,
    stderr: `bash: line 1: ${path}: Permission denied\n`,
  };
}

export function read(path: string, content: string | RegExp, ref: string): Row {
  return { name: `cat ${path}`, ref, run: `cat ${path}`, status: 0, stdout: content, stderr: '' };
}

export function exists(path: string, yes: boolean, ref: string): Row {
  return { name: `${path} ${yes ? 'exists' : 'is absent'}`, ref, run: `test -e ${path}`, status: yes ? 0 : 1, stdout: '', stderr: '' };
}

export function dmesgHas(pattern: RegExp, ref: string): Row {
  return { name: `dmesg matches ${pattern}`, ref, run: 'dmesg', status: 0, stdout: pattern };
}
