/**
 * Async iteration over the panel's paged lists: `for await (const s of servers(client, {name: "mc-*"}))`
 * fetches page after page (`limit` per request) until `metadata.paging.total` items were seen.
 */
import type { components, paths } from "./schema.gen.js";
import type { SkyPanelClient } from "./client.js";
import { unwrap } from "./errors.js";

export type Server = components["schemas"]["Server"];
export type User = components["schemas"]["User"];
export type Paging = components["schemas"]["Paging"];

/** Filters of `GET /api/servers` (`name` and `username` take `*` as a wildcard), without `page`. */
export type ServerFilter = Omit<NonNullable<paths["/api/servers"]["get"]["parameters"]["query"]>, "page">;
/** Filters of `GET /api/users`, without `page`. */
export type UserFilter = Omit<NonNullable<paths["/api/users"]["get"]["parameters"]["query"]>, "page">;

/** One page: its items and paging. */
export interface Page<T> {
  items: T[];
  paging: Paging;
}

/**
 * Yields every item of a paged list, asking fetchPage for page 1, 2, … until a page comes back
 * short or the total is reached.
 */
export async function* paginate<T>(fetchPage: (page: number) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let seen = 0;
  for (let page = 1; ; page++) {
    const p = await fetchPage(page);
    yield* p.items;
    seen += p.items.length;
    if (p.items.length === 0 || p.items.length < p.paging.size || seen >= p.paging.total) {
      return;
    }
  }
}

/** Every server matching filter visible to the caller, in id order. Throws ApiError on failure. */
export function servers(client: SkyPanelClient, filter: ServerFilter = {}): AsyncGenerator<Server, void, undefined> {
  return paginate(async (page) => {
    const r = unwrap(await client.GET("/api/servers", { params: { query: { ...filter, page } } }));
    return { items: r.servers, paging: r.metadata.paging };
  });
}

/** Every user matching filter, in id order. Throws ApiError on failure. */
export function users(client: SkyPanelClient, filter: UserFilter = {}): AsyncGenerator<User, void, undefined> {
  return paginate(async (page) => {
    const r = unwrap(await client.GET("/api/users", { params: { query: { ...filter, page } } }));
    return { items: r.users, paging: r.metadata.paging };
  });
}
