/**
 * A raw HTTP/1.1 exchange over a socket, for what fetch cannot do: send a request head and part
 * of its body, then stop sending (a trickling client), and see what the server answers and
 * whether it closes the connection.
 */
import { connect } from "node:net";

export interface StalledAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Sends `head` (request line and headers, without the blank line) and `sent` of the body, then
 * nothing more; resolves with the answer once the server has closed the connection.
 */
export function stallBody(url: string, head: string, sent: string): Promise<StalledAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true }, () => {
      socket.write(`${head}\r\n\r\n${sent}`);
    });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      socket.end();
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const [statusLine = "", ...lines] = text.slice(0, split).split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body: text.slice(split + 4) });
    });
  });
}
