import type { Resource } from '../domain/catalog';
import { postgresProvider } from './postgres';
import type { AccessProvider, ProviderKind } from './types';

/** The provider kinds this build knows, by the name the catalog uses. */
export const PROVIDER_KINDS: ReadonlyMap<string, ProviderKind> = new Map([postgresProvider].map((p) => [p.kind, p]));

export type ProviderFactory = (resource: Resource) => AccessProvider;

/** Builds the provider for a resource; the catalog has already validated its settings. */
export function createProviderFactory(env: NodeJS.ProcessEnv): ProviderFactory {
  return (resource) => {
    const kind = PROVIDER_KINDS.get(resource.provider.kind);
    if (!kind) throw new Error(`No provider of kind ${resource.provider.kind}`);
    return kind.create(resource.provider.settings, env);
  };
}
