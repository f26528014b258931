/**
 * Parsers for /etc/passwd and /etc/group (passwd(5), group(5)), tolerant the way glibc's
 * nss_files is: blank lines and lines starting with '#' are skipped, and so is any line whose
 * numeric fields do not parse — one bad line never hides the entries after it.
 */

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** The largest id a runtime can use: ids are uint32 and (uid_t)-1 means "no change". */
export const MAX_ID = 0xfffffffe;

/** A decimal id in range, or undefined (glibc rejects ids that are not all digits). */
export function parseId(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= MAX_ID ? n : undefined;
}

function lines(text: string): string[][] {
  const out: string[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    out.push(line.split(':'));
  }
  return out;
}

/** name:password:uid:gid:gecos:home:shell — name, uid and gid are required. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of lines(text)) {
    const [name, , uidText, gidText, , home] = f;
    if (!name || uidText === undefined || gidText === undefined) continue;
    const uid = parseId(uidText);
    const gid = parseId(gidText);
    if (uid === undefined || gid === undefined) continue;
    out.push({ name, uid, gid, home: home ?? '' });
  }
  return out;
}

/** name:password:gid:member,member — name and gid are required, members optional. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of lines(text)) {
    const [name, , gidText, memberText] = f;
    if (!name || gidText === undefined) continue;
    const gid = parseId(gidText);
    if (gid === undefined) continue;
    const members = (memberText ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    out.push({ name, gid, members });
  }
  return out;
}
