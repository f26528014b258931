/**
 * Config.User → process.user (image-spec/conversion.md#configuser, config.md#properties `User`).
 *
 * Accepted forms: `user`, `uid`, `user:group`, `uid:gid`, `user:gid`, `uid:group`; empty means
 * uid 0. The rootfs's etc/passwd and etc/group are read inside the rootfs (rootfs-read.ts).
 *
 * Rules, matching libcontainer's GetExecUser (which umoci, runc and Docker use), so a bundle
 * resolves the same user under any of them:
 * - A numeric user is a uid, copied verbatim (conversion.md: "MUST be copied verbatim"), even
 *   when no passwd entry has it; a passwd entry with that uid still supplies the primary gid and
 *   home. With no entry, the gid is 0 (libcontainer's default).
 * - A user name must exist in etc/passwd, a group name in etc/group; otherwise USER_UNKNOWN
 *   (conversion.md: "If Config.User does not correspond to a user in the container's context,
 *   the converter MUST return an error").
 * - A numeric group is a gid, copied verbatim.
 * - additionalGids: when no group is given, the gids of every etc/group entry listing the
 *   matched passwd name as a member, in file order, without duplicates (config.md: "If group/gid
 *   is not specified, the default group and supplementary groups of the given user/uid ... are
 *   applied. If group/gid is specified, supplementary groups from the container are ignored").
 *   conversion.md#configuser says a converter SHOULD NOT set them for a numeric user; we follow
 *   config.md's definition of User and Docker/umoci instead, so `USER 1000` and `USER user`
 *   give the same process when passwd maps 1000 to user.
 */
import { HullError } from '../../errors.js';
import { type GroupEntry, type PasswdEntry, parseGroup, parseId, parsePasswd } from './etc-files.js';
import { readRootfsFile } from './rootfs-read.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** The passwd entry's home directory, when a passwd entry matched and names one. */
  home?: string;
}

const SECTION = 'image-spec/conversion.md#configuser';

/** Splits `user[:group]`. Only the first ':' separates (libcontainer does the same). */
export function parseUserSpec(spec: string): { user: string; group: string | undefined } {
  const i = spec.indexOf(':');
  return i < 0 ? { user: spec, group: undefined } : { user: spec.slice(0, i), group: spec.slice(i + 1) };
}

function numericOrThrow(text: string, what: 'uid' | 'gid', spec: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const id = parseId(text);
  if (id === undefined) {
    throw new HullError('USER_INVALID', `Config.User ${JSON.stringify(spec)}: ${what} ${text} is out of range`, {
      jsonPath: '$.config.User',
      section: SECTION,
    });
  }
  return id;
}

/** Resolves `Config.User` against the rootfs at rootfsDir. */
export function resolveUser(userSpec: string | undefined, rootfsDir: string): ResolvedUser {
  const spec = userSpec ?? '';
  const { user, group } = parseUserSpec(spec);
  const passwdFile = `${rootfsDir}/etc/passwd`;
  const groupFile = `${rootfsDir}/etc/group`;

  let passwd: PasswdEntry[] | undefined;
  const readPasswd = (): PasswdEntry[] => {
    passwd ??= parsePasswd(readRootfsFile(rootfsDir, 'etc/passwd') ?? '');
    return passwd;
  };
  let groups: GroupEntry[] | undefined;
  const readGroups = (): GroupEntry[] => {
    groups ??= parseGroup(readRootfsFile(rootfsDir, 'etc/group') ?? '');
    return groups;
  };

  // The user part: empty means uid 0 (the implementation-defined default for an absent User).
  const uidArg = user === '' ? 0 : numericOrThrow(user, 'uid', spec);
  let entry: PasswdEntry | undefined;
  let uid: number;
  let gid = 0;
  if (uidArg !== undefined) {
    uid = uidArg;
    entry = readPasswd().find((e) => e.uid === uidArg);
  } else {
    entry = readPasswd().find((e) => e.name === user);
    if (!entry) {
      throw new HullError('USER_UNKNOWN', `Config.User ${JSON.stringify(spec)}: no user "${user}" in ${passwdFile}`, {
        file: passwdFile,
        jsonPath: '$.config.User',
        section: SECTION,
      });
    }
    uid = entry.uid;
  }
  if (entry) gid = entry.gid;

  const result: ResolvedUser = { uid, gid, additionalGids: [] };
  if (entry?.home) result.home = entry.home;

  if (group !== undefined && group !== '') {
    const gidArg = numericOrThrow(group, 'gid', spec);
    if (gidArg !== undefined) {
      result.gid = gidArg;
    } else {
      const g = readGroups().find((e) => e.name === group);
      if (!g) {
        throw new HullError(
          'USER_UNKNOWN',
          `Config.User ${JSON.stringify(spec)}: no group "${group}" in ${groupFile}`,
          {
            file: groupFile,
            jsonPath: '$.config.User',
            section: SECTION,
          },
        );
      }
      result.gid = g.gid;
    }
    return result;
  }

  // Supplementary groups only when the group is implicit, and only for a named passwd entry
  // (membership lists name users, not uids).
  if (entry) {
    const name = entry.name;
    for (const g of readGroups()) {
      if (g.members.includes(name) && !result.additionalGids.includes(g.gid)) result.additionalGids.push(g.gid);
    }
  }
  return result;
}
