"""Drives the documentation's SkyPanelAPI class (skypanel_api.py, unchanged) against a panel.

Environment: BASE_URL, CLIENT_ID, CLIENT_SECRET, OWNER_ID, SERVER_ID, NAME. Prints one JSON
object with what each call returned; the Go test (docs_clients_test.go) judges it. Calls the
class has no method for (edit definition, read console, delete) use its get_headers().
"""
import importlib.util
import json
import os
import sys
import time

import requests

spec = importlib.util.spec_from_file_location(
    "skypanel_api", os.path.join(os.path.dirname(__file__), "skypanel_api.py"))
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)

env = os.environ
base = env["BASE_URL"]
api = mod.SkyPanelAPI(base_url=base, client_id=env["CLIENT_ID"], client_secret=env["CLIENT_SECRET"])
sid, name = env["SERVER_ID"], env["NAME"]
edit = json.loads(env["DOCS_EDIT"])
out = {}
out["token"] = bool(api.authenticate())
body = {"name": name, "ownerId": int(env["OWNER_ID"]), "environmentType": "standard",
        "startup": 'while read l; do echo "you said $l"; done', "limits": {"memory": 128}}
out["generated"] = api.create_server(dict(body))["id"]
out["chosen"] = api.create_server(dict(body, identifier=sid))["id"]
out["listed"] = sorted(s["id"] for s in api.list_servers(name=name + "*")["servers"])
out["got"] = api.get_server(sid)["id"]
out["started"] = api.start_server(sid)


def console(since, want):
    """Reads the console since `since` until want shows (60 s at most)."""
    deadline, logs = time.time() + 60, []
    while time.time() < deadline and want not in logs:
        r = requests.get(f"{base}/api/servers/{sid}/console", headers=api.get_headers(), params={"time": since})
        r.raise_for_status()
        logs = r.json()["logs"]
        time.sleep(0.1)
    return logs


api.send_command(sid, "say before")
console(0, "you said say before")
time.sleep(1.1)
since = int(time.time())  # the docs' "timestamp to get logs from", in seconds: after "before"
out["sent"] = api.send_command(sid, "say hello")
logs = console(since, "you said say hello")
out["console"] = logs
out["stopped"] = api.stop_server(sid)
r = requests.put(f"{base}/api/servers/{sid}/definition", headers=api.get_headers(), json=edit)
out["edit"] = r.status_code
out["editBody"] = r.json()["error"] if r.status_code >= 400 else None
out["unedited"] = api.get_server(sid)
plain = {k: v for k, v in edit.items() if k != "variables"}  # refused: the template has no `port`
r = requests.put(f"{base}/api/servers/{sid}/definition", headers=api.get_headers(), json=plain)
out["editPlain"] = r.status_code
out["edited"] = api.get_server(sid)
out["deleted"] = [requests.delete(f"{base}/api/servers/{i}", headers=api.get_headers()).status_code
                  for i in (out["generated"], sid)]
json.dump(out, sys.stdout)
