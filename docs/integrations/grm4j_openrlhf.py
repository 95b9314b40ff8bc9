"""OpenRLHF reward function file backed by ``grm serve`` (grm4j's generative reward server).

Point OpenRLHF at this file instead of at the server::

    GRM4J_URL=http://reward-host:5000 ... --remote_rm_url /path/to/grm4j_openrlhf.py --label_key answer

The contract (OpenRLHF's ``SingleTurnAgentExecutor``, ``openrlhf/utils/agent.py``; the example is
``examples/python/reward_func.py``): a ``--remote_rm_url`` ending in ``.py`` is loaded by its path and
its ``reward_func(queries, prompts, labels, **kwargs)`` is called in a worker thread, today with one
rollout at a time and many at once. ``queries`` are the decoded prompt + response, special tokens kept;
``prompts`` the prompts as the policy saw them; ``labels`` the ``--label_key`` values ("" without one).
It returns ``{"rewards", "scores", "extra_logs"}``: ``rewards`` for the advantage, ``scores`` in 0..1 for
dynamic filtering, ``extra_logs`` a dict of per-rollout lists logged to wandb. Plain lists are what
OpenRLHF's own HTTP mode hands on (the server's JSON, decoded), so no torch is needed; 0.9's batched
call (``torch.as_tensor`` of each field, concatenated) reads them as well.

This function posts the batch to ``POST /get_reward`` and returns the server's answer: ``rewards``
the mean vote on the judge's scale, ``scores`` the same in 0..1, ``extra_logs`` with ``valid``,
``vote_variance``, ``valid_samples``, ``parse_failures`` and ``empty_response`` per rollout.

Why a file instead of ``--remote_rm_url http://reward-host:5000/get_reward``: OpenRLHF's own client
retries every failure 5 times, 1 s apart, ignoring ``Retry-After``, and a refused request (400) is
retried too. This one waits as the server asks and raises a 400 at once with the server's message.

Failures. ``/get_reward`` never makes a reward up: a rollout the judge answered but could not score
comes back masked (a null reward, ``extra_logs.valid`` 0, a ``failures`` entry with the reason), and
a batch where no rollout got a vote, or where a retry may help, is a 503. OpenRLHF cannot mask a
rollout (a None reward fails in ``torch.tensor``), so this function raises instead of returning a
mask: ``Grm4jError`` naming each masked rollout and why (not retried: the server seeds its votes, so
a retry would fail the same way), ``Grm4jUnavailable`` after every retry of a 503, and
``Grm4jBadRequest`` on a 400. OpenRLHF (v0.9.x and its main branch) logs the exception and leaves the
rollout without a reward; the step then fails when the rewards are gathered, instead of training on
a guess.

Configuration, by environment variables (OpenRLHF gives the file no arguments): ``GRM4J_URL`` (the
server's base URL, default ``http://127.0.0.1:5000``), ``GRM4J_TIMEOUT`` (seconds per HTTP request,
default 180), ``GRM4J_RETRIES`` (after 429/502/503/504, timeouts and connection errors, default 3),
``GRM4J_BACKOFF`` (seconds, doubled per retry, at most 30, never less than ``Retry-After``; default 1).
They are read at each call, so they must be set in the environment of OpenRLHF's workers (Ray's
``runtime_env`` ``env_vars``).

Standard library only; Python 3.9+. Requests go straight to the server, never through an HTTP proxy
set in the environment. Thread-safe.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import os
import random
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Optional

__all__ = ["Grm4jError", "Grm4jBadRequest", "Grm4jUnavailable", "reward_func"]

_log = logging.getLogger("grm4j")


# --- HTTP: one POST with bounded retries. The same code is in grm4j_trl.py and grm4j_verl.py: each
# --- file is loaded alone, by its path, so none of them may import another.

class Grm4jError(RuntimeError):
    """A reward request that did not give rewards. ``status`` is the HTTP status (None when no answer
    came), ``url`` the endpoint; the message carries the server's own words."""

    def __init__(self, message: str, status: Optional[int] = None, url: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.url = url


class Grm4jBadRequest(Grm4jError):
    """The server refused the request (a 4xx): the same request will be refused again."""


class Grm4jUnavailable(Grm4jError):
    """No answer after every retry: 503 (no quorum, the server's deadline), 429, 502, 504, a timeout or
    a connection error."""


_RETRIED = frozenset((429, 502, 503, 504))
_MAX_BACKOFF = 30.0
# No proxy: the reward server is on the trainer's own network, and an http_proxy meant for the internet
# would otherwise carry every reward request.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(url: str, body: Any, timeout: float, retries: int, backoff: float) -> Any:
    data = json.dumps(body, allow_nan=False).encode("utf-8")
    attempt = 0
    while True:
        request = urllib.request.Request(url, data=data, method="POST",
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
        wait = 0.0
        try:
            with _OPENER.open(request, timeout=timeout) as answer:
                text = answer.read().decode("utf-8")
            try:
                return json.loads(text)
            except ValueError:
                raise Grm4jError("%s answered 200 with a body that is not JSON: %r" % (url, text[:200]), 200, url) from None
        except urllib.error.HTTPError as e:
            message = "%s answered %d: %s" % (url, e.code, _server_message(e))
            if e.code not in _RETRIED:
                raise (Grm4jBadRequest if 400 <= e.code < 500 else Grm4jError)(message, e.code, url) from None
            failure = Grm4jUnavailable(message, e.code, url)
            wait = _retry_after(e.headers.get("Retry-After"))
        except (OSError, http.client.HTTPException) as e:  # refused, reset, timed out (URLError is an OSError)
            failure = Grm4jUnavailable("no answer from %s: %s" % (url, getattr(e, "reason", None) or e), None, url)
        if attempt >= retries:
            if attempt > 0:
                failure.args = ("%s (after %d retries)" % (failure.args[0], attempt),)
            raise failure
        pause = max(wait, min(_MAX_BACKOFF, backoff * 2 ** attempt))
        time.sleep(pause + random.uniform(0, pause / 10))
        attempt += 1


def _server_message(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read().decode("utf-8", "replace")
    except OSError:
        return error.reason or "no body"
    try:
        return str(json.loads(text)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return text[:500] or str(error.reason)


def _retry_after(value: Optional[str]) -> float:
    """Seconds a Retry-After header asks to wait: a number of seconds or an HTTP date; 0 when absent."""
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return 0.0


def _setting(value: Any, variable: str, default: Any, kind: Callable[[str], Any]) -> Any:
    if value is None:
        text = os.environ.get(variable, "").strip()
        if not text:
            return default
        try:
            value = kind(text)
        except ValueError:
            raise ValueError("%s must be a %s, was %r" % (variable, kind.__name__, text)) from None
    return value


def _config(url, timeout, retries, backoff):
    url = str(_setting(url, "GRM4J_URL", "http://127.0.0.1:5000", str)).rstrip("/")
    timeout = float(_setting(timeout, "GRM4J_TIMEOUT", 180.0, float))
    retries = int(_setting(retries, "GRM4J_RETRIES", 3, int))
    backoff = float(_setting(backoff, "GRM4J_BACKOFF", 1.0, float))
    if not url.startswith(("http://", "https://")):
        raise ValueError("the grm4j url must start with http:// or https://, was %r" % url)
    if not timeout > 0:
        raise ValueError("timeout must be > 0 seconds, was %r" % timeout)
    if retries < 0:
        raise ValueError("retries must be >= 0, was %r" % retries)
    if backoff < 0:
        raise ValueError("backoff must be >= 0 seconds, was %r" % backoff)
    return url, timeout, retries, backoff


# --- OpenRLHF


def _plain_list(values: Any) -> Optional[List[Any]]:
    if values is None:
        return None
    values = values.tolist() if hasattr(values, "tolist") else list(values)
    return [v.item() if hasattr(v, "item") else v for v in values]


def reward_func(queries: List[str], prompts: Optional[List[str]] = None, labels: Optional[List[Any]] = None,
                **kwargs: Any) -> Dict[str, Any]:
    """Rewards for OpenRLHF rollouts from ``grm serve``'s ``POST /get_reward``, one per query, in order.

    :return: ``{"rewards": [...], "scores": [...], "extra_logs": {name: [...]}}``, lists of floats
    :raises Grm4jError: the judge could not score some rollout (the server masked it; the reasons)
    :raises Grm4jUnavailable: no answer after every retry of a 503 (the server's reason)
    :raises Grm4jBadRequest: the server refused the batch (its message names the rollout and the field)
    :raises ValueError: a setting out of range
    """
    endpoint, timeout, retries, backoff = _config(None, None, None, None)
    endpoint += "/get_reward"
    queries = _plain_list(queries)
    body = {"query": queries}
    prompts = _plain_list(prompts)
    if prompts is not None:
        body["prompts"] = prompts
    labels = _plain_list(labels)
    if labels is not None:
        body["labels"] = labels
    answer = _post(endpoint, body, timeout, retries, backoff)
    rewards = answer.get("rewards") if isinstance(answer, dict) else None
    if not isinstance(rewards, list) or len(rewards) != len(queries):
        raise Grm4jError("%s answered %s rewards for %d queries: %.300s" % (
            endpoint, len(rewards) if isinstance(rewards, list) else "no", len(queries), json.dumps(answer)), 200, endpoint)
    masked = [i for i, r in enumerate(rewards) if r is None]
    if masked:
        reasons = [str(f.get("message")) for f in answer.get("failures") or [] if isinstance(f, dict)]
        raise Grm4jError("%s gave no reward for %d of %d rollouts (OpenRLHF cannot mask a rollout): %s" % (
            endpoint, len(masked), len(queries), "; ".join(reasons) or "queries %s" % masked), 200, endpoint)
    return {"rewards": rewards, "scores": answer.get("scores", rewards), "extra_logs": answer.get("extra_logs", {})}
