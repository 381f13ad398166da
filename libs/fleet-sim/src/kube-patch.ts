import { kubeStatus } from './kube-objects';
import { KubeApiError } from './kube-cluster';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw invalid(`JSON pointer "${path}" must start with "/"`);
  return path.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function invalid(message: string): KubeApiError {
  return new KubeApiError(kubeStatus(422, 'Invalid', message));
}

/** RFC 6902 JSON patch (add, remove, replace, test), which a client sends when it names no patch type. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new KubeApiError(kubeStatus(400, 'BadRequest', 'a JSON patch must be an array of operations'));
  const document = structuredClone(target) as Record<string, unknown>;
  for (const raw of operations as JsonPatchOperation[]) {
    const parts = pointer(raw.path);
    const last = parts.pop();
    if (last === undefined) throw invalid('a JSON patch cannot replace the whole object');
    let parent: unknown = document;
    for (const part of parts) {
      parent = Array.isArray(parent) ? parent[Number(part)] : isObject(parent) ? parent[part] : undefined;
      if (parent === undefined) throw invalid(`path ${raw.path} does not exist`);
    }
    const container = parent as Record<string, unknown> | unknown[];
    switch (raw.op) {
      case 'add':
      case 'replace':
        if (Array.isArray(container)) {
          const index = last === '-' ? container.length : Number(last);
          if (raw.op === 'add') container.splice(index, 0, raw.value);
          else container[index] = raw.value;
        } else {
          if (raw.op === 'replace' && !(last in container)) throw invalid(`path ${raw.path} does not exist`);
          container[last] = raw.value;
        }
        break;
      case 'remove':
        if (Array.isArray(container)) container.splice(Number(last), 1);
        else if (last in container) delete container[last];
        else throw invalid(`path ${raw.path} does not exist`);
        break;
      case 'test': {
        const actual = Array.isArray(container) ? container[Number(last)] : container[last];
        if (JSON.stringify(actual) !== JSON.stringify(raw.value)) throw invalid(`test failed at ${raw.path}`);
        break;
      }
      default:
        throw invalid(`JSON patch operation "${raw.op}" is not supported by the simulator`);
    }
  }
  return document;
}

export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

/**
 * Applies a patch by its Content-Type. Strategic merge is served as a merge patch: the simulator's patchable
 * fields (spec.unschedulable, labels, annotations, taints replaced whole) behave the same under both.
 */
export function applyPatch<T>(target: T, contentType: string | undefined, patch: unknown): T {
  // The media type without its parameters ("; charset=utf-8").
  const [type = ''] = (contentType ?? '').split(';').map((part) => part.trim());
  if (type === PATCH_CONTENT_TYPES.json) return jsonPatch(target, patch) as T;
  if (type === PATCH_CONTENT_TYPES.merge || type === PATCH_CONTENT_TYPES.strategic) return mergePatch(target, patch) as T;
  throw new KubeApiError(kubeStatus(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.values(PATCH_CONTENT_TYPES).join(', ')}`));
}
