// A throw-away nginx serving a directory on 127.0.0.1, configured for static files the way a
// production file server would be (sendfile, keep-alive, no access log), one worker process so it
// has the same single core our Node server has.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitForHttp } from './http.ts';

export interface RunningNginx {
  url: string;
  stop(): Promise<void>;
}

export async function startNginx(
  binary: string,
  root: string,
  port: number,
  dir: string,
): Promise<RunningNginx> {
  await mkdir(join(dir, 'temp'), { recursive: true });
  const temp = (name: string) => `${name}_temp_path ${join(dir, 'temp', name)};`;
  const config = `
worker_processes 1;
daemon off;
master_process on;
user root;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/gzip;
  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { }
  }
}
`;
  const configPath = join(dir, 'nginx.conf');
  await writeFile(configPath, config);
  const child: ChildProcess = spawn(binary, ['-c', configPath, '-p', dir], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(url, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    async stop() {
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
