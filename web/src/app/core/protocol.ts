/**
 * The console's one door to `@prophasis/protocol`: its browser-safe entry, which carries the
 * severity order, the shared schemas and the API's request/response shapes (TypeBox schemas are
 * plain JSON Schema objects, so forms read their limits from them). Features import protocol
 * names from here.
 */
export * from '@prophasis/protocol/browser';
