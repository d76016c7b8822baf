import { DECORATORS } from '@nestjs/swagger';
import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';

/** The extension that tags an operation with the route it came from, during one scan. */
const MARKER = 'x-nest-oauth-server-route';

type Handler = (...args: unknown[]) => unknown;

/**
 * Runs a Swagger scan with every handler tagged by its index in `handlers`, and returns which
 * operations each handler became. @nestjs/swagger copies a handler's `@ApiExtension` values onto
 * each of its operations, whatever the path (global prefix, versions, module paths, aliases,
 * `@All`), so the mapping is the scanner's own. The tags are removed from the handlers and from
 * the document before this returns.
 */
export function scanWithMarkers(
  handlers: Handler[],
  scan: () => OpenAPIObject,
): { document: OpenAPIObject; operationsOf: (index: number) => OperationObject[] } {
  const saved = handlers.map((handler) => ({
    handler,
    own: Reflect.hasOwnMetadata(DECORATORS.API_EXTENSION, handler),
    value: Reflect.getOwnMetadata(DECORATORS.API_EXTENSION, handler) as object | undefined,
  }));
  handlers.forEach((handler, index) => {
    const extensions = Reflect.getMetadata(DECORATORS.API_EXTENSION, handler) as object;
    Reflect.defineMetadata(DECORATORS.API_EXTENSION, { ...extensions, [MARKER]: index }, handler);
  });
  let document: OpenAPIObject;
  try {
    document = scan();
  } finally {
    for (const { handler, own, value } of saved) {
      if (own) Reflect.defineMetadata(DECORATORS.API_EXTENSION, value, handler);
      else Reflect.deleteMetadata(DECORATORS.API_EXTENSION, handler);
    }
  }
  const byIndex = new Map<number, OperationObject[]>();
  for (const operation of operationsIn(document)) {
    const index = operation[MARKER] as number | undefined;
    if (index === undefined) continue;
    delete operation[MARKER];
    byIndex.set(index, [...(byIndex.get(index) ?? []), operation]);
  }
  return { document, operationsOf: (index) => byIndex.get(index) ?? [] };
}

/** Every operation of the document, whatever its method (`@All()` adds a non-standard SEARCH). */
function operationsIn(document: OpenAPIObject): (OperationObject & Record<string, unknown>)[] {
  return Object.values(document.paths ?? {}).flatMap((item) =>
    Object.values(item as Record<string, unknown>).filter(
      (value): value is OperationObject & Record<string, unknown> =>
        typeof value === 'object' && value !== null && !Array.isArray(value),
    ),
  );
}
