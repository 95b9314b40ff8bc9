"""verl custom reward function backed by ``grm serve`` (grm4j's generative reward server).

Point verl at this file::

    custom_reward_function.path=/path/to/grm4j_verl.py
    custom_reward_function.name=compute_score
    +custom_reward_function.reward_kwargs.url=http://reward-host:5000

The contract (verl's reward managers, ``verl/workers/reward_manager/naive.py`` and the Reward Loop's
``verl/experimental/reward_loop/reward_manager/naive.py``): each rollout is scored by
``compute_score(data_source=..., solution_str=..., ground_truth=..., extra_info=...)`` plus the
``reward_kwargs`` of the config; the answer is a float, or a dict whose ``"score"`` is the reward and
whose other keys are logged as reward extra info (the same keys for every rollout, numbers or
booleans). The batch manager (``reward_model.reward_manager=batch``) calls the same name once for the
batch with ``data_sources=, solution_strs=, ground_truths=, extra_infos=`` and reads a list; this
function answers both, and scores a batch's rollouts concurrently.

verl does not give ``compute_score`` the prompt: only the decoded response. So the dataset must carry
what the judge grades against, in ``extra_info``:

- ``extra_info["prompt"]``: the prompt as the policy saw it, a list of ``{"role", "content"}`` (the
  dataset's own ``prompt`` column, copied) or a string; else
- ``extra_info["question"]``: the user's question as plain text (verl's preprocessing scripts, e.g.
  ``examples/data_preprocess/gsm8k.py``, already write it).

``ground_truth`` (``reward_model.ground_truth``) is sent as the ``label``, the judge's reference answer;
an empty one is no reference.

Each rollout is one ``POST /v1/reward``. The answer is a dict: ``score`` the mean vote mapped to 0..1,
``reward`` the mean vote on the judge's scale, ``valid`` True, and the vote's figures
(``vote_variance``, ``valid_samples``, ``parse_failures``, ``empty_response``).

Failures. verl cannot mask a rollout: whatever ``compute_score`` returns is trained on. So a rollout
the server cannot reward (503 after every retry: no quorum, its deadline; or unreachable) raises
``Grm4jUnavailable`` by default, with the server's reason, and a refused request (400) raises
``Grm4jBadRequest`` with the server's message. verl's naive and batch managers stop the step on it; its
rate-limited manager (``limited``) catches it, logs it, and scores the rollout 0.0 with an ``error``
extra (verl's choice, not this function's). To keep training on instead, opt in to a fill value:
``reward_kwargs.fill=0.0`` (or ``GRM4J_FILL``) makes such a rollout ``{"score": 0.0, "valid": False,
...}`` with NaN figures, so that the filled rollouts stay countable in the logs (mean of ``valid``).
A 400 raises whatever the fill.

Configuration (``reward_kwargs``, else these environment variables): ``url`` / ``GRM4J_URL`` (the
server's base URL, default ``http://127.0.0.1:5000``), ``timeout`` / ``GRM4J_TIMEOUT`` (seconds per
HTTP request, default 180), ``retries`` / ``GRM4J_RETRIES`` (after 429/502/503/504, timeouts and
connection errors, default 3; waits ``backoff * 2**n`` s, ``GRM4J_BACKOFF`` default 1, at most 30, never
less than ``Retry-After``), ``fill`` / ``GRM4J_FILL`` (default none: raise), ``max_workers`` (the batch
form's concurrent requests, default 16).

Standard library only; Python 3.9+. Requests go straight to the server, never through an HTTP proxy
set in the environment. Thread-safe.
"""

from __future__ import annotations

import concurrent.futures
import email.utils
import http.client
import json
import logging
import math
import os
import random
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Optional

__all__ = ["Grm4jError", "Grm4jBadRequest", "Grm4jUnavailable", "compute_score"]

_log = logging.getLogger("grm4j")


# --- HTTP: one POST with bounded retries. The same code is in grm4j_trl.py and grm4j_openrlhf.py: each
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


# --- verl


def _plain(value: Any) -> Any:
    """A numpy scalar or array (as parquet columns come back) as the Python value JSON can write."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _prompt(extra_info: Any) -> Any:
    info = extra_info if isinstance(extra_info, dict) else {}
    prompt = _plain(info.get("prompt"))
    if prompt is None:
        prompt = _plain(info.get("question"))
    if prompt is None:
        raise Grm4jBadRequest("extra_info has no 'prompt' (the prompt's messages, or its text) and no 'question': "
                              "verl does not pass the prompt to compute_score, so the dataset must carry it in "
                              "extra_info; its keys are %s" % sorted(info))
    if isinstance(prompt, (list, tuple)):
        return [{"role": _plain(m.get("role")), "content": _plain(m.get("content"))} if isinstance(m, dict) else m
                for m in prompt]
    return prompt


def _failed(fill: float) -> Dict[str, Any]:
    return {"score": fill, "reward": math.nan, "valid": False, "vote_variance": math.nan, "valid_samples": 0,
            "parse_failures": math.nan, "empty_response": False}


def _score_one(solution_str: Any, ground_truth: Any, extra_info: Any, endpoint: str, timeout: float, retries: int,
               backoff: float, fill: Optional[float]) -> Dict[str, Any]:
    body = {"prompt": _prompt(extra_info), "response": solution_str}
    label = _plain(ground_truth)
    if label is not None:
        body["label"] = label
    try:
        answer = _post(endpoint, body, timeout, retries, backoff)
    except Grm4jUnavailable as e:
        if fill is None:
            raise
        _log.warning("grm4j: a rollout without a reward is scored %s (fill), valid=False: %s", fill, e)
        return _failed(fill)
    if not isinstance(answer, dict) or answer.get("valid") is not True or answer.get("score") is None:
        raise Grm4jError("%s answered 200 without a valid score: %.300s" % (endpoint, json.dumps(answer)), 200, endpoint)
    return {"score": float(answer["score"]), "reward": float(answer["reward"]), "valid": True,
            "vote_variance": float(answer.get("vote_variance", math.nan)),
            "valid_samples": int(answer.get("valid_samples", 0)),
            "parse_failures": int(answer.get("parse_failures", 0)),
            "empty_response": bool(answer.get("empty_response", False))}


def compute_score(data_source: Any = None, solution_str: Optional[str] = None, ground_truth: Any = None,
                  extra_info: Optional[dict] = None, *, url: Optional[str] = None, timeout: Optional[float] = None,
                  retries: Optional[int] = None, backoff: Optional[float] = None, fill: Optional[float] = None,
                  max_workers: int = 16, data_sources: Optional[List[Any]] = None,
                  solution_strs: Optional[List[str]] = None, ground_truths: Optional[List[Any]] = None,
                  extra_infos: Optional[List[dict]] = None, **kwargs: Any) -> Any:
    """The reward of one rollout (``solution_str``), or of a batch (``solution_strs``), from ``grm serve``.

    :return: one rollout: a dict with ``score`` (0..1), ``reward`` (the judge's scale), ``valid`` and the
             vote's figures; a batch: a list of such dicts, in order
    :raises Grm4jUnavailable: no reward after every retry, unless ``fill`` is set
    :raises Grm4jBadRequest: the server refused the rollout (its message says why), or ``extra_info``
                             has neither ``prompt`` nor ``question``
    :raises ValueError: a setting out of range
    """
    endpoint, timeout, retries, backoff = _config(url, timeout, retries, backoff)
    endpoint += "/v1/reward"
    fill = _setting(fill, "GRM4J_FILL", None, float)
    if fill is not None and not math.isfinite(float(fill)):
        raise ValueError("fill must be a finite number, was %r" % fill)
    if solution_strs is None:
        if solution_str is None:
            raise TypeError("compute_score needs solution_str (one rollout) or solution_strs (a batch)")
        return _score_one(solution_str, ground_truth, extra_info, endpoint, timeout, retries, backoff, fill)
    n = len(solution_strs)
    truths = list(ground_truths) if ground_truths is not None else [None] * n
    infos = list(extra_infos) if extra_infos is not None else [None] * n
    if len(truths) != n or len(infos) != n:
        raise ValueError("solution_strs has %d items but ground_truths has %d and extra_infos %d"
                         % (n, len(truths), len(infos)))
    if n == 0:
        return []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(int(max_workers), n))) as pool:
        futures = [pool.submit(_score_one, solution_strs[i], truths[i], infos[i], endpoint, timeout, retries,
                               backoff, fill) for i in range(n)]
        return [f.result() for f in futures]
