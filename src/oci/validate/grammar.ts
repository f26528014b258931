/** String grammars the image-spec and runtime-spec refer to, written from the RFCs they cite. */

// RFC 6838 section 4.2 restricted-name: a letter or digit, then up to 126 of the allowed
// characters; a media type is type-name "/" subtype-name (image-spec/descriptor.md#properties).
const RESTRICTED_NAME = '[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}';
const MEDIA_TYPE = new RegExp(`^${RESTRICTED_NAME}/${RESTRICTED_NAME}$`);

export function isMediaType(value: string): boolean {
  return MEDIA_TYPE.test(value);
}

// RFC 3339 section 5.6 date-time: full-date "T" partial-time time-offset. The letters T and Z may
// be lower case (section 5.6, NOTE).
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

export function isRfc3339(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offH = m[9] === undefined ? 0 : Number(m[9]);
  const offM = m[10] === undefined ? 0 : Number(m[10]);
  // Section 5.7: days per month, leap years; second 60 only for leap seconds.
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const mdays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return (
    mdays !== undefined &&
    day >= 1 &&
    day <= mdays &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offH <= 23 &&
    offM <= 59
  );
}

// RFC 4648 section 4: the standard alphabet, padded to a multiple of four characters.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isBase64(value: string): boolean {
  return BASE64.test(value);
}

// image-spec/annotations.md#pre-defined-annotation-keys, org.opencontainers.image.ref.name:
// components of alphanumerics joined by one of -._:@+ or by "--", components joined by "/".
const REF_COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const REF_NAME = new RegExp(`^${REF_COMPONENT}(?:/${REF_COMPONENT})*$`);

export function isRefName(value: string): boolean {
  return REF_NAME.test(value);
}

/** `NAME=value` with a non-empty NAME (POSIX environ, as image-spec config Env and runtime-spec env use). */
export function isEnvEntry(value: string): boolean {
  return value.indexOf('=') > 0;
}

export function isAbsolutePath(value: string): boolean {
  return value.startsWith('/');
}

// Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH, no leading zeros in numeric identifiers, then
// optional -pre.release and +build identifiers.
const NUM = '(?:0|[1-9]\\d*)';
const PRE_ID = '(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)';
const SEMVER = new RegExp(
  `^(${NUM})\\.(${NUM})\\.(${NUM})(?:-${PRE_ID}(?:\\.${PRE_ID})*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`,
);

/** The major version of a SemVer 2.0.0 string, or undefined when it is not one. */
export function semverMajor(value: string): number | undefined {
  const m = SEMVER.exec(value);
  return m ? Number(m[1]) : undefined;
}

// runtime-spec/config-linux.md#cpu: "a comma-separated list, with dashes to represent ranges".
const CPU_LIST = /^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/;

/** A CPU or memory-node list such as `0-3,7`; empty means "not set". */
export function isCpuList(value: string): boolean {
  return value === '' || CPU_LIST.test(value);
}

/** RFC 3986 URI: a scheme followed by ':' and the rest; WHATWG URL parsing is the practical check. */
export function isUri(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
