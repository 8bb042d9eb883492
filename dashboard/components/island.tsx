/**
 * Island placeholders: the server renders a `div` with the island's name and JSON props, and
 * `islands/main.ts` mounts the matching client code on it.
 * @module
 */
import type { ComponentChildren } from "preact";

/** Props of {@link Island}. */
export interface IslandProps<P> {
  /** Island name, a key of `islands/main.ts`'s table. */
  name: string;
  /** Props serialised into `data-props`. */
  props: P;
  /** Extra CSS class. */
  class?: string;
  /** Server-rendered content (shown before, or without, JavaScript). */
  children?: ComponentChildren;
}

/** A placeholder the client code mounts on. */
export function Island<P>({ name, props, class: cls, children }: IslandProps<P>) {
  return (
    <div class={`island ${cls ?? ""}`.trim()} data-island={name} data-props={JSON.stringify(props)}>
      {children}
    </div>
  );
}
