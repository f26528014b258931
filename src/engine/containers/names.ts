/** docker-style random names (adjective_surname) and ids (64 hex digits). */
import { randomBytes, randomInt } from 'node:crypto';

const LEFT = [
  'admiring',
  'brave',
  'calm',
  'clever',
  'eager',
  'elated',
  'focused',
  'gallant',
  'happy',
  'jolly',
  'keen',
  'kind',
  'lucid',
  'modest',
  'nifty',
  'quirky',
  'serene',
  'sharp',
  'stoic',
  'vibrant',
];
const RIGHT = [
  'babbage',
  'curie',
  'darwin',
  'einstein',
  'fermi',
  'galois',
  'hopper',
  'kepler',
  'lamport',
  'lovelace',
  'meitner',
  'noether',
  'pascal',
  'ritchie',
  'shannon',
  'thompson',
  'torvalds',
  'turing',
  'wozniak',
  'yalow',
];

/**
 * 400 names run out quickly (50 containers collide with odds of ~95%), so a caller whose name
 * is taken asks again with `retry` > 0, which adds digits, as docker's GetRandomName(retry) does.
 */
export function randomName(retry = 0): string {
  const base = `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}`;
  return retry > 0 ? `${base}${randomInt(10 ** Math.min(retry, 6))}` : base;
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/** docker's grammar for container names. */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
