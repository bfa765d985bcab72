import type { Handler } from "./context";

/** One route: a method and a path pattern whose `:name` segments become params. */
export interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  pattern: string;
  handler: Handler;
}

/** The handler and params for a request, or undefined when no route matches. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { handler: Handler; params: Record<string, string> } | undefined {
  const segments = path.split("/").filter(Boolean);
  for (const route of routes) {
    if (route.method !== method) continue;
    const parts = route.pattern.split("/").filter(Boolean);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = parts.every((part, i) => {
      const segment = segments[i] ?? "";
      if (part.startsWith(":")) {
        params[part.slice(1)] = decodeURIComponent(segment);
        return true;
      }
      return part === segment;
    });
    if (ok) return { handler: route.handler, params };
  }
  return undefined;
}
