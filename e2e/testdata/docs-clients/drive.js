// Drives the documentation's SkyPanelAPI class (skypanel_api.js, unchanged: it has no export,
// so it is evaluated as the docs give it) against a panel. Environment and output as drive.py.
const fs = require('fs');
const path = require('path');

const src = fs.readFileSync(path.join(__dirname, 'skypanel_api.js'), 'utf8');
const SkyPanelAPI = new Function('require', `${src}\nreturn SkyPanelAPI;`)(require);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const env = process.env;
  const api = new SkyPanelAPI(env.BASE_URL, env.CLIENT_ID, env.CLIENT_SECRET);
  const sid = env.SERVER_ID;
  const name = env.NAME;
  const out = {};
  out.token = Boolean(await api.authenticate());
  const body = {
    name, ownerId: Number(env.OWNER_ID), environmentType: 'standard',
    startup: 'while read l; do echo "you said $l"; done', limits: { memory: 128 },
  };
  out.generated = (await api.createServer({ ...body })).id;
  out.chosen = (await api.createServer({ ...body, identifier: sid })).id;
  out.listed = (await api.listServers({ name: `${name}*` })).servers.map((s) => s.id).sort();
  out.got = (await api.getServer(sid)).id;
  out.started = await api.startServer(sid);
  const consoleSince = async (since, want) => { // reads until want shows (60 s at most)
    const deadline = Date.now() + 60000;
    let logs = [];
    while (Date.now() < deadline && !logs.includes(want)) {
      const r = await api.client.get(`/api/servers/${sid}/console`, { headers: api.getHeaders(), params: { time: since } });
      logs = r.data.logs;
      await sleep(100);
    }
    return logs;
  };
  await api.sendCommand(sid, 'say before');
  await consoleSince(0, 'you said say before');
  await sleep(50);
  const since = Date.now(); // the docs' "timestamp to get logs from", in milliseconds: after "before"
  out.sent = await api.sendCommand(sid, 'say hello');
  const logs = await consoleSince(since, 'you said say hello');
  out.console = logs;
  out.stopped = await api.stopServer(sid);
  const editBody = JSON.parse(env.DOCS_EDIT);
  const edit = await api.client.put(`/api/servers/${sid}/definition`, editBody,
    { headers: api.getHeaders(), validateStatus: () => true });
  out.edit = edit.status;
  out.editBody = edit.status >= 400 ? edit.data.error : null;
  out.unedited = await api.getServer(sid);
  const { variables, ...plain } = editBody; // refused: the template has no `port`
  out.editPlain = (await api.client.put(`/api/servers/${sid}/definition`, plain, { headers: api.getHeaders() })).status;
  out.edited = await api.getServer(sid);
  out.deleted = [];
  for (const id of [out.generated, sid]) {
    out.deleted.push((await api.client.delete(`/api/servers/${id}`, { headers: api.getHeaders() })).status);
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(e.response ? `${e.config.method} ${e.config.url}: ${e.response.status} ${JSON.stringify(e.response.data)}` : e);
  process.exit(1);
});
