// Imports a user's module (a scenario or an adapter file) by URL. Reached only through a dynamic import at first use
// (src/scenario/load.ts, src/target/load-adapter.ts), never statically, so that it loads after the module hooks are
// registered: from dist/, bin/flashcrowd.js loads the command's module graph before it registers tsx's hooks, and tsx
// gives the module an import() came from a say in how a CommonJS .ts file is presented (an importer loaded before the
// hooks receives the file's exports wrapped once more, `{ default: { default: factory } }`). test/target/
// import-user-module.test.ts checks that nothing in src/ imports this file statically.

/** `import(url)` from a module loaded after flashcrowd's module hooks. */
export function importUserModule(url: string): Promise<Record<string, unknown>> {
  return import(url) as Promise<Record<string, unknown>>;
}
