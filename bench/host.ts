/** This machine, as the CLI's reports name it (a page cannot know it; CPU adapters' figures depend on it). */
import { cpus, release, type } from 'node:os';
import type { Host } from './report.js';

export function host(): Host {
  const c = cpus();
  return { cpu: c[0]?.model.trim() || 'unknown CPU', cores: c.length, os: `${type()} ${release()}` };
}
