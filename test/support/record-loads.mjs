// `node --import ./test/support/record-loads.mjs ...` appends the URL of every module the process
// loads to the file named by KFLEET_RECORD_LOADS (one per line): the witness for lazy loading.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      'import{appendFileSync}from"node:fs";export async function load(u,c,n){appendFileSync(process.env.KFLEET_RECORD_LOADS,u+"\\n");return n(u,c)}',
    ),
);
