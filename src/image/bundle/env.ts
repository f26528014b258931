/**
 * process.env from the defaults and Config.Env (image-spec/conversion.md#verbatim-fields, note 1:
 * a converter MAY add entries but SHOULD NOT add entries whose names are in Config.Env, and an
 * implementation default SHOULD NOT change or remove one).
 */
import { HullError } from '../../errors.js';

/** Splits NAME=value; the name must be non-empty (config.md#properties `Env`: VARNAME=VARVALUE). */
export function splitEnv(entry: string, index: number): [string, string] {
  const i = entry.indexOf('=');
  if (i <= 0) {
    throw new HullError('IMAGE_CONFIG_INVALID', `Config.Env[${index}] ${JSON.stringify(entry)} is not NAME=VALUE`, {
      jsonPath: `$.config.Env[${index}]`,
      section: 'image-spec/config.md#properties',
    });
  }
  return [entry.slice(0, i), entry.slice(i + 1)];
}

/**
 * Image entries replace a default of the same name in place (so an image PATH keeps PATH first,
 * as umoci does) and are otherwise appended in image order; a repeated image name keeps the
 * last value (later entries win, as in a shell or Docker).
 */
export function mergeEnv(defaults: string[], imageEnv: string[] | null | undefined): string[] {
  const out = [...defaults];
  const indexOf = new Map<string, number>();
  out.forEach((e, i) => {
    const eq = e.indexOf('=');
    indexOf.set(eq < 0 ? e : e.slice(0, eq), i);
  });
  (imageEnv ?? []).forEach((entry, i) => {
    const [name] = splitEnv(entry, i);
    const at = indexOf.get(name);
    if (at === undefined) {
      indexOf.set(name, out.length);
      out.push(entry);
    } else {
      out[at] = entry;
    }
  });
  return out;
}

/** Adds NAME=value only if NAME is not set already (an added default never overrides). */
export function addEnvDefault(env: string[], name: string, value: string): string[] {
  return env.some((e) => e.startsWith(`${name}=`)) ? env : [...env, `${name}=${value}`];
}
