/**
 * One part of the report. A builder returns `present` with its HTML when its inputs exist,
 * or `missing` with a one-line reason, so the page can still list it (a reader learns that
 * e.g. no deploy stage ran, rather than wondering where the board numbers went).
 */
export type RenderedSection =
  | { readonly kind: 'present'; readonly id: string; readonly title: string; readonly html: string }
  | { readonly kind: 'missing'; readonly id: string; readonly title: string; readonly reason: string };

export const NOT_RUN = 'not run in this pipeline';

export function present(id: string, title: string, html: string): RenderedSection {
  return { kind: 'present', id, title, html };
}

export function missing(id: string, title: string, reason: string = NOT_RUN): RenderedSection {
  return { kind: 'missing', id, title, reason };
}
