/**
 * A server's files as bytes: upload (`PUT …/file/{path}`, application/octet-stream) and download
 * (`GET …/file/{path}`). Paths are relative to the server's root and may contain slashes.
 */
import type { SkyPanelClient } from "./client.js";
import { ApiError, unwrap } from "./errors.js";
import type { components } from "./schema.gen.js";

export type FileList = components["schemas"]["FileList"];

/** What an upload may send. */
export type FileBody = Uint8Array | ArrayBuffer | Blob | string;

/** Writes data to path (parents are created; an existing file is replaced). Throws ApiError. */
export async function uploadFile(client: SkyPanelClient, serverId: string, path: string, data: FileBody): Promise<void> {
  unwrap(await client.PUT("/api/servers/{serverId}/file/{path}", {
    params: { path: { serverId, path } },
    // the spec types a binary body as string; send the bytes as they are
    body: data as unknown as string,
    bodySerializer: (b: unknown) => b as BodyInit,
    headers: { "Content-Type": "application/octet-stream" },
  }));
}

/** Reads the file at path. Throws ApiError (404 ErrFileNotFound, …), or when path is a folder. */
export async function downloadFile(client: SkyPanelClient, serverId: string, path: string): Promise<Uint8Array> {
  const r = await client.GET("/api/servers/{serverId}/file/{path}", {
    params: { path: { serverId, path } },
    parseAs: "arrayBuffer",
  });
  const data = unwrap(r) as unknown as ArrayBuffer | undefined;
  if (r.response.headers.get("Content-Type")?.startsWith("application/json")) {
    throw new ApiError(r.response.status, "ErrFieldInvalid", `${path} is a folder, not a file`, { path });
  }
  return new Uint8Array(data ?? new ArrayBuffer(0));
}

/** Lists the folder at path ("" or "." = the root). Throws ApiError. */
export async function listFolder(client: SkyPanelClient, serverId: string, path = ""): Promise<FileList> {
  if (path === "" || path === ".") {
    return unwrap(await client.GET("/api/servers/{serverId}/file/", { params: { path: { serverId } } }));
  }
  const r = await client.GET("/api/servers/{serverId}/file/{path}", { params: { path: { serverId, path } } });
  return unwrap(r) as FileList;
}
