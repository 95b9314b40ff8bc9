"""Runs one call of a docs/integrations reward function for PythonIntegrationsTest, as its framework would.

Usage: python3 integrations_driver.py DIR < request.json, where DIR holds the grm4j_*.py files and the
request is {"op": ..., ...}. Prints one JSON object on stdout: what the call returned, or
{"error": class name, "message", "status"} when it raised. Each module is loaded by its file path, as
verl and OpenRLHF load theirs.
"""

import ast
import asyncio
import importlib.util
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

MODULES = ("grm4j_trl", "grm4j_verl", "grm4j_openrlhf")


def load(directory, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(directory, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(directory, request):
    """Each module parses as Python 3.9 and imports only the standard library."""
    stdlib = getattr(sys, "stdlib_module_names", None)
    found = {}
    for name in MODULES:
        with open(os.path.join(directory, name + ".py"), encoding="utf-8") as source:
            tree = ast.parse(source.read(), feature_version=(3, 9))
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
        outside = sorted(m for m in imported if m != "__future__" and stdlib is not None and m not in stdlib)
        found[name] = {"imports": sorted(imported), "non_stdlib": outside}
    return {"python": list(sys.version_info[:3]), "modules": found}


def trl(directory, request):
    module = load(directory, "grm4j_trl")
    reward = module.make_reward_func(**request.get("config", {}))
    metrics = {}
    columns = dict(request.get("columns", {}))
    columns["log_metric"] = lambda name, value: metrics.setdefault(name, []).append(value)
    rewards = asyncio.run(reward(prompts=request["prompts"], completions=request["completions"],
                                 completion_ids=[[] for _ in request["completions"]], **columns))
    return {"name": reward.__name__, "coroutine": asyncio.iscoroutinefunction(reward), "rewards": rewards,
            "metrics": metrics}


def trl_stub(directory, request):
    """The TRL function against a stand-in server that answers every group with request["answer"]."""
    bodies = []
    answer = json.dumps(request["answer"]).encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append({"path": self.path, "body": json.loads(self.rfile.read(int(self.headers["Content-Length"])))})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        request = dict(request, config={"url": "http://127.0.0.1:%d" % server.server_address[1], "retries": 0})
        result = trl(directory, request)
    finally:
        server.shutdown()
    result["requests"] = bodies
    return result


def verl(directory, request):
    module = load(directory, "grm4j_verl")
    return {"result": module.compute_score(**request["kwargs"])}


def openrlhf(directory, request):
    os.environ.update(request.get("env", {}))
    module = load(directory, "grm4j_openrlhf")
    args = request["args"]
    return {"result": module.reward_func(args["queries"], args["prompts"], args["labels"])}


def main():
    if sys.version_info < (3, 9):
        print(json.dumps({"error": "PythonTooOld", "message": "python3 is %s; the integrations need 3.9+"
                          % sys.version.split()[0]}))
        return
    directory = sys.argv[1]
    request = json.load(sys.stdin)
    ops = {"check": check, "trl": trl, "trl_stub": trl_stub, "verl": verl, "openrlhf": openrlhf}
    try:
        result = ops[request["op"]](directory, request)
    except Exception as e:  # the test asserts on what the framework would see raised
        result = {"error": type(e).__name__, "message": str(e), "status": getattr(e, "status", None)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
