// Bytes of a file per upload chunk message, shared by the server's schema and the browser
// runtime (base64 makes a chunk 4/3 of this, well within the channel's 256 KiB frames).
export const uploadChunkBytes = 96 * 1024
