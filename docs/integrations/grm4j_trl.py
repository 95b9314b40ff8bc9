"""TRL GRPO reward function backed by ``grm serve`` (grm4j's generative reward server).

Pass it to ``GRPOTrainer(reward_funcs=[...])``::

    from grm4j_trl import make_reward_func
    trainer = GRPOTrainer(model=..., reward_funcs=[make_reward_func(url="http://reward-host:5000")], ...)

or, from TRL's CLI, ``--reward_funcs grm4j_trl.grm4j_reward`` (configured by the environment variables
below, read when the module is imported).

The contract (TRL's ``GRPOTrainer._calculate_rewards``): the trainer awaits
``reward_func(prompts=..., completions=..., completion_ids=..., **columns)`` and reads a list with one
entry per completion, a float or None; None means "no reward" and TRL masks the rollout (NaN, left out
of the group's baseline, advantage 0) instead of scoring it. ``prompts`` and ``completions`` are
strings (standard datasets) or lists of ``{"role", "content"}`` messages (conversational datasets).
The batch arrives grouped: the G completions of one prompt are consecutive.

What this function does with a batch: every run of consecutive completions with the same prompt (and
label) is one group, sent as one ``POST /v1/group-reward`` request, so the server judges the G
responses together, k samples for the whole group instead of k per rollout. Groups are sent
concurrently (one thread each from the event loop's default executor, which is bounded). The reward of
completion i is the server's ``scores[i]``, the mean vote mapped to 0..1 (the judge-scale reward is an
affine map of it, so GRPO's group-normalised advantages are the same). Where the server says
``valid[i]`` is false, or the group's request failed after every retry, the reward is None: a failed
judgement is masked, never replaced by a made-up number. A request the server refuses (400) raises
``Grm4jBadRequest`` with the server's message: it is a bug in the data or the setup, and retrying
cannot fix it.

The server judges at most ``--max-group`` responses (8 by default) together: a larger group is
split into balanced sub-groups, and a sub-group the judge could not vote on comes back with ``valid``
false for all its responses. With several training processes, TRL may split a group between two of
them; each process then sends its part as a group of its own.

Configuration (arguments of ``make_reward_func``, else these environment variables):

- ``GRM4J_URL``: the server's base URL, default ``http://127.0.0.1:5000``
- ``GRM4J_TIMEOUT``: seconds one HTTP request may take, default 180 (above ``grm serve``'s 150 s
  ``--deadline``, so that the server's own 503 and its reason arrive first)
- ``GRM4J_RETRIES``: retries of one request after a 429/502/503/504, a timeout or a connection error,
  default 3; each waits ``backoff * 2**n`` seconds (``GRM4J_BACKOFF``, default 1; at most 30), and never
  less than the server's ``Retry-After``
- ``GRM4J_LABEL_COLUMN``: a dataset column sent as each group's ``label`` (the judge's reference
  answer), default none

Standard library only; Python 3.9+. Requests go straight to the server, never through an HTTP proxy
set in the environment. Thread-safe.
"""

from __future__ import annotations

import asyncio
import email.utils
import http.client
import json
import logging
import os
import random
import time
import urllib.error
import urllib.request
from typing import Any, Callable, List, Optional

__all__ = ["Grm4jError", "Grm4jBadRequest", "Grm4jUnavailable", "make_reward_func", "grm4j_reward"]

_log = logging.getLogger("grm4j")


# --- HTTP: one POST with bounded retries. The same code is in grm4j_verl.py and grm4j_openrlhf.py: each
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


# --- TRL


def _text(content: Any) -> str:
    """A message's content as text: a string, or the text parts of a multimodal list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content
                       if isinstance(part, dict) and part.get("type", "text") == "text")
    return "" if content is None else str(content)


def _response(completion: Any) -> str:
    """A completion as the text the policy wrote: the string, or its assistant messages' contents."""
    if isinstance(completion, str):
        return completion
    messages = [m for m in completion if m.get("role") == "assistant"] or list(completion)
    return "\n".join(_text(m.get("content")) for m in messages)


def _prompt_field(prompt: Any) -> dict:
    if isinstance(prompt, str):
        return {"prompt": prompt}
    return {"conversation": [{"role": m.get("role"), "content": _text(m.get("content"))} for m in prompt]}


def _groups(prompts: List[Any], labels: Optional[List[Any]]) -> List[range]:
    """Runs of consecutive completions with the same prompt and label."""
    groups = []
    start = 0
    for i in range(1, len(prompts) + 1):
        if i == len(prompts) or prompts[i] != prompts[start] or (labels is not None and labels[i] != labels[start]):
            groups.append(range(start, i))
            start = i
    return groups


def make_reward_func(url: Optional[str] = None, timeout: Optional[float] = None, retries: Optional[int] = None,
                     backoff: Optional[float] = None, label_column: Optional[str] = None,
                     name: str = "grm4j") -> Callable[..., Any]:
    """An async TRL reward function that asks ``grm serve`` at ``url`` for one group reward per prompt.

    Arguments left as None are read from the environment (``GRM4J_URL``, ``GRM4J_TIMEOUT``,
    ``GRM4J_RETRIES``, ``GRM4J_BACKOFF``, ``GRM4J_LABEL_COLUMN``), then default as the module docstring
    says. ``name`` is the function's ``__name__``: TRL logs the rewards as ``rewards/<name>/mean``.

    The function returns ``list[float | None]``, one entry per completion, in order: the server's score
    in 0..1, or None where the judge gave no valid reward or the group's request failed after every
    retry (a warning is logged with the server's reason, and the share of completions left without a
    reward is logged to TRL as ``<name>/unrewarded``). It raises ``Grm4jBadRequest`` when the server
    refuses a group (400, with its message), ``Grm4jError`` on any other answer that is not a reward,
    and ``KeyError`` when ``label_column`` is not a column of the batch.

    :raises ValueError: a setting out of range, or an environment variable that is not a number
    """
    endpoint, timeout, retries, backoff = _config(url, timeout, retries, backoff)
    endpoint += "/v1/group-reward"
    label_column = _setting(label_column, "GRM4J_LABEL_COLUMN", None, str)

    def score_group(prompt: Any, responses: List[str], label: Any) -> List[Optional[float]]:
        body = _prompt_field(prompt)
        body["responses"] = responses
        if label is not None:
            body["label"] = label
        try:
            answer = _post(endpoint, body, timeout, retries, backoff)
        except Grm4jUnavailable as e:
            _log.warning("grm4j: %d completions left without a reward: %s", len(responses), e)
            return [None] * len(responses)
        scores = answer.get("scores") if isinstance(answer, dict) else None
        valid = answer.get("valid") if isinstance(answer, dict) else None
        if not isinstance(scores, list) or not isinstance(valid, list) \
                or len(scores) != len(responses) or len(valid) != len(responses):
            raise Grm4jError("%s answered %d scores and %d validity flags for %d responses: %.300s" % (
                endpoint, len(scores or []), len(valid or []), len(responses), json.dumps(answer)), 200, endpoint)
        rewards = [float(s) if ok is True and s is not None else None for s, ok in zip(scores, valid)]
        invalid = rewards.count(None)
        if invalid:
            _log.warning("grm4j: %d of %d completions of a group have no valid reward (the judge's vote had no "
                         "quorum for them)", invalid, len(responses))
        return rewards

    async def reward_func(prompts, completions, **kwargs):
        if len(prompts) != len(completions):
            raise ValueError("prompts has %d items but completions has %d" % (len(prompts), len(completions)))
        labels = None
        if label_column is not None:
            if label_column not in kwargs:
                raise KeyError("label column %r is not in the batch; its columns are %s" % (
                    label_column, sorted(k for k in kwargs if k not in ("trainer_state", "log_extra", "log_metric"))))
            labels = list(kwargs[label_column])
        groups = _groups(list(prompts), labels)
        answers = await asyncio.gather(*(asyncio.to_thread(
            score_group, prompts[g.start], [_response(completions[i]) for i in g],
            None if labels is None else labels[g.start]) for g in groups), return_exceptions=True)
        rewards: List[Optional[float]] = []
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            rewards.extend(answer)
        log_metric = kwargs.get("log_metric")
        if callable(log_metric) and rewards:
            log_metric(name + "/unrewarded", rewards.count(None) / len(rewards))
        return rewards

    reward_func.__name__ = name
    reward_func.__qualname__ = name
    return reward_func


grm4j_reward = make_reward_func()
"""The reward function configured by the environment, for ``--reward_funcs grm4j_trl.grm4j_reward``."""
