import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Emulator } from '../emulator';

export async function handlePage(_emu: Emulator, _req: IncomingMessage, res: ServerResponse, _url: URL): Promise<void> {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not found');
}
