import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the parts of the GitHub API the Action uses: issue comments (paginated with
 * `Link` headers as GitHub does), a pull request's head, and GraphQL's `viewer`. nock and msw cannot be
 * used: @actions/github fetches through undici in the Action's own process.
 */
export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  html_url: string;
}

export const BOT_LOGIN = 'github-actions[bot]';

export interface FakeGitHub {
  url: string;
  comments: FakeComment[];
  /** Every request, as `METHOD /path?query`. */
  requests: string[];
  /** Answer this status to every comment listing and write: 403 is a fork's read-only token. */
  failStatus: number | undefined;
  /** The head commit GET /repos/{o}/{r}/pulls/{n} reports. */
  prHeadSha: string;
  writes(): string[];
  addComment(body: string, login?: string): FakeComment;
  close(): Promise<void>;
}

export async function fakeGitHub(): Promise<FakeGitHub> {
  let nextId = 1000;
  const state = {
    comments: [] as FakeComment[],
    requests: [] as string[],
    failStatus: undefined as number | undefined,
    prHeadSha: '',
  };
  let base = '';
  const addComment = (body: string, login = BOT_LOGIN): FakeComment => {
    const id = nextId++;
    const c = { id, body, user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' }, html_url: `https://github.test/o/r/pull/1#issuecomment-${id}` };
    state.comments.push(c);
    return c;
  };
  const json = (res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(data));
  };
  const readBody = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const refuse = (res: ServerResponse, status: number) =>
    json(res, status, { message: status === 403 ? 'Resource not accessible by integration' : 'Server Error', status: String(status) });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    state.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const body = await readBody(req);
    if (req.method === 'POST' && url.pathname === '/graphql') return json(res, 200, { data: { viewer: { login: 'github-actions' } } });
    let m = /^\/repos\/o\/r\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (m) {
      if (state.failStatus) return refuse(res, state.failStatus);
      if (req.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const last = Math.max(1, Math.ceil(state.comments.length / perPage));
        const link = (p: number) => `<${base}${url.pathname}?per_page=${perPage}&page=${p}>`;
        const links = page < last ? [`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`] : [];
        return json(res, 200, state.comments.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {});
      }
      if (req.method === 'POST') return json(res, 201, addComment(String(body.body)));
    }
    m = /^\/repos\/o\/r\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (m && req.method === 'PATCH') {
      if (state.failStatus) return refuse(res, state.failStatus);
      const c = state.comments.find((x) => x.id === Number(m![1]));
      if (!c) return json(res, 404, { message: 'Not Found' });
      c.body = String(body.body);
      return json(res, 200, c);
    }
    m = /^\/repos\/o\/r\/pulls\/(\d+)$/.exec(url.pathname);
    if (m && req.method === 'GET') return json(res, 200, { number: Number(m[1]), head: { sha: state.prHeadSha } });
    json(res, 404, { message: `no route for ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    get comments() {
      return state.comments;
    },
    get requests() {
      return state.requests;
    },
    get failStatus() {
      return state.failStatus;
    },
    set failStatus(v: number | undefined) {
      state.failStatus = v;
    },
    get prHeadSha() {
      return state.prHeadSha;
    },
    set prHeadSha(v: string) {
      state.prHeadSha = v;
    },
    writes: () => state.requests.filter((r) => /^(POST|PATCH|PUT|DELETE) \/repos\//.test(r)),
    addComment,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
