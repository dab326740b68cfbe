// One kernel log line with its transport prefixes removed: the printk timestamp of `dmesg`
// (`[  123.456789] `), the caller id of CONFIG_PRINTK_CALLER (`[    T42]`), a raw `<6>` level,
// `dmesg -x` facility/level columns, util-linux `dmesg -T` (`[Thu Dec  3 18:00:00 2026] `) and
// `dmesg --time-format iso` (`2026-12-03T18:00:00,123456+00:00 `) wall-clock stamps, and the journal's `DATE HOST kernel: ` (journalctl -k,
// short, short-iso or short-monotonic). What is left is the message exactly as printk wrote it,
// including the leading space of stack frames.

export interface LogLine {
  /** Boot-relative seconds from a `[ s.us]` stamp, null when the line has none. */
  ts: number | null;
  /** The message without any prefix (a stack frame keeps its leading space). */
  msg: string;
}

const LEVEL = /^<\d{1,3}>/;
const DMESG_X = /^[a-z]{2,8} *:[a-z]{3,6} *: /;
const MONO = /^\[ *(\d{1,10}\.\d{1,9})\]/;
const CALLER = /^\[ *[TC]\d{1,10}\]/;
/** util-linux dmesg -T (ctime) and --time-format iso (comma before the microseconds, no host). */
const DMESG_WALL = /^(?:\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\]|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{6}[+-]\d\d:\d\d)/;
const SYSLOG_DATE =
  /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) /;
const HOST_KERNEL = /^[\w.:-]{1,253} kernel: ?/;
const KERNEL = /^kernel: ?/;
/** netconsole extended format (Documentation/networking/netconsole.rst): level,seq,usec,flags;msg */
const NETCON_EXT = /^(\d{1,3}),(\d{1,20}),(\d{1,20}),[^;]{0,16};/;
const NETCON_DICT = /^ [A-Z][A-Z0-9_]{0,63}=/;
const RECEIVER_HOST = /^[\w.:-]{1,253} (?=\[ *\d{1,10}\.\d{1,9}\])/;

/** Split one raw line into its timestamp and message. Never throws. */
export function splitLogLine(raw: string): LogLine {
  let s = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  let ts: number | null = null;
  let journal = false;
  s = s.replace(DMESG_X, '');
  s = s.replace(LEVEL, '');
  const wall = DMESG_WALL.exec(s);
  if (wall) {
    s = s.slice(wall[0].length);
    if (s.startsWith(' ')) s = s.slice(1);
    const caller = CALLER.exec(s);
    if (caller) s = s.slice(caller[0].length).replace(/^ /, '');
    return { ts: null, msg: s };
  }
  const ext = NETCON_EXT.exec(s);
  if (ext) return { ts: Number(ext[3]) / 1e6, msg: s.slice(ext[0].length) };
  if (NETCON_DICT.test(s)) return { ts: null, msg: '' };
  let mono = MONO.exec(s);
  if (!mono) {
    // A syslog receiver of plain netconsole: `Dec  3 10:00:00 10.0.0.5 [  12.345678] msg`.
    const date = SYSLOG_DATE.exec(s);
    const rest = date ? s.slice(date[0].length) : '';
    const host = date ? RECEIVER_HOST.exec(rest) : null;
    if (date && host) {
      s = rest.slice(host[0].length);
      mono = MONO.exec(s);
    }
  }
  if (mono) {
    ts = Number(mono[1]);
    s = s.slice(mono[0].length);
    const caller = CALLER.exec(s);
    if (caller) s = s.slice(caller[0].length);
    if (s.startsWith(' ')) s = s.slice(1);
  } else {
    const date = SYSLOG_DATE.exec(s);
    if (date) {
      s = s.slice(date[0].length);
      journal = true;
    }
  }
  if (journal || ts !== null) {
    const hk = HOST_KERNEL.exec(s);
    if (hk) s = s.slice(hk[0].length);
    else if (journal) s = s.replace(KERNEL, '');
  } else {
    s = s.replace(KERNEL, '');
  }
  return { ts, msg: s };
}

/** Split a whole log into lines (LF or CRLF), dropping the empty tail after a final newline. */
export function splitLog(text: string): LogLine[] {
  const raw = text.split('\n');
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  return raw.map(splitLogLine);
}
