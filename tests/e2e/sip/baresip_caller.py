#!/usr/bin/env python3
"""A phone caller for the SIP end-to-end tests: drives baresip (Debian baresip-core) through its
ctrl_tcp module (netstring-framed JSON commands) and takes turns by following the worker's JSON
log ("turn state" lines of the call, see agent/sip/SipCall.cpp).

baresip starts with a long silent source; each time the agent has finished speaking (its state
went agent_speaking -> listening and stayed there for --settle seconds), the next caller line is
switched in with `ausrc aufile,<wav>`. Each line WAV carries a long silent tail, because baresip
ends the call when an aufile source reaches its end. After the last line the caller waits for the
call to end (the agent says goodbye and hangs up) and quits baresip so its recordings are closed.

Usage: baresip_caller.py --config DIR --ctrl-port N --worker-log FILE
                         (--uri SIP_URI | --answer) --turn WAV [--turn WAV ...] [--hangup]
--uri dials the worker; --answer waits for the worker to call (the account needs
;answermode=auto) — the outbound case. The first source is the config's audio_source (silence).
Exit 0 when every line was said and the call ended; 1 with the reason otherwise.
"""
import argparse
import json
import re
import socket
import subprocess
import sys
import time


def netstring(payload: bytes) -> bytes:
    return str(len(payload)).encode() + b":" + payload + b","


class Baresip:
    def __init__(self, config_dir, ctrl_port, log_path):
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(["baresip", "-f", config_dir], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.sock = None
        self.buf = b""
        self.events = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.sock = socket.create_connection(("127.0.0.1", ctrl_port), timeout=1)
                break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("baresip exited at start")
                time.sleep(0.1)
        if self.sock is None:
            raise RuntimeError("baresip ctrl_tcp did not listen")
        self.sock.setblocking(False)
        self.token = 0

    def command(self, line):
        """Sends a long command ("dial sip:...", "ausrc aufile,/x.wav", "quit")."""
        name, _, params = line.partition(" ")
        self.token += 1
        msg = {"command": name, "params": params, "token": str(self.token)}
        self.sock.sendall(netstring(json.dumps(msg).encode()))

    def poll(self):
        """Reads what baresip sent: responses and events (CALL_ESTABLISHED, CALL_CLOSED ...)."""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                self.buf += data
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            pass
        while b":" in self.buf:
            head, _, rest = self.buf.partition(b":")
            if not head.isdigit() or len(rest) < int(head) + 1:
                break
            n = int(head)
            try:
                self.events.append(json.loads(rest[:n]))
            except ValueError:
                pass
            self.buf = rest[n + 1:]

    def event_seen(self, kind):
        return any(e.get("event") and e.get("type") == kind for e in self.events)

    def quit(self):
        try:
            self.command("quit")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=5)


class WorkerLog:
    """Follows the worker's JSON log: state changes and transcript lines of SIP calls."""

    def __init__(self, path):
        self.path = path
        try:  # only what this caller's call writes (earlier calls are not ours)
            with open(path, "rb") as f:
                self.pos = f.seek(0, 2)
        except OSError:
            self.pos = 0
        self.states = []  # (monotonic time read, state)
        self.transcript = []
        self.agent_lines = []  # (monotonic time read, text)
        self.ended = False
        self.partial = b""

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
                self.pos += len(data)
        except OSError:
            return
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        now = time.monotonic()
        for raw in lines:
            try:
                j = json.loads(raw)
            except ValueError:
                continue
            msg = j.get("msg", "")
            if j.get("component") == "sip" and msg == "turn state":
                self.states.append((now, j.get("state")))
            elif j.get("component") == "sip" and msg == "transcript":
                self.transcript.append(f'{j.get("speaker")}: {j.get("text")}')
                if j.get("speaker") == "agent":
                    self.agent_lines.append((now, j.get("text", "")))
                print(f'  {self.transcript[-1]}', flush=True)
            elif j.get("component") == "session" and msg.startswith("call ended"):
                self.ended = True
                print(f"  [{msg}]", flush=True)

    def agent_done(self, since, settle):
        """The agent spoke after `since`, then went back to listening `settle` seconds ago."""
        spoke = any(t >= since and s == "agent_speaking" for t, s in self.states)
        if not spoke or not self.states:
            return False
        t, s = self.states[-1]
        return s == "listening" and time.monotonic() - t >= settle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--ctrl-port", type=int, required=True)
    ap.add_argument("--worker-log", required=True)
    ap.add_argument("--baresip-log", default="baresip.log")
    ap.add_argument("--uri")
    ap.add_argument("--answer", action="store_true")
    ap.add_argument("--answer-timeout", type=float, default=60)
    ap.add_argument("--turn", action="append", default=[])
    ap.add_argument("--expect", action="append", default=[],
                    help="per turn: a regex the agent's reply should match; if it does not (the "
                         "line was misheard), the caller says the line again, as people do")
    ap.add_argument("--retries", type=int, default=2)
    ap.add_argument("--settle", type=float, default=1.0)
    ap.add_argument("--turn-timeout", type=float, default=45)
    ap.add_argument("--hangup", action="store_true",
                    help="hang up after the agent's last reply instead of waiting for its BYE")
    a = ap.parse_args()

    log = WorkerLog(a.worker_log)
    phone = Baresip(a.config, a.ctrl_port, a.baresip_log)

    def wait(cond, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log.poll()
            phone.poll()
            if cond():
                return
            if phone.proc.poll() is not None:
                raise RuntimeError(f"baresip exited while waiting for {what}")
            time.sleep(0.05)
        raise RuntimeError(f"timed out ({timeout:.0f} s) waiting for {what}")

    started = time.monotonic()
    try:
        if a.answer:
            print("caller: waiting for the worker's call", flush=True)
            wait(lambda: phone.event_seen("CALL_ESTABLISHED"), a.answer_timeout, "an incoming call")
            started = time.monotonic()
        else:
            phone.command(f"dial {a.uri}")
        wait(lambda: log.agent_done(started, a.settle), a.turn_timeout, "the greeting")
        i, tries = 0, 0
        while i < len(a.turn):
            wav = a.turn[i]
            last = i == len(a.turn) - 1
            t = time.monotonic()
            print(f"turn {i + 1} at {t - started:.1f} s: {wav}", flush=True)
            phone.command(f"ausrc aufile,{wav}")
            if last and not a.hangup:
                # The agent says goodbye and hangs up; if it answered instead (it did not catch
                # the line: "are you still there?"), say it again.
                wait(lambda: log.ended or phone.event_seen("CALL_CLOSED") or
                     log.agent_done(t, a.settle), a.turn_timeout, "the agent to end the call")
                if not (log.ended or phone.event_seen("CALL_CLOSED")):
                    tries += 1
                    if tries > a.retries:
                        raise RuntimeError(f"the last line was not understood {tries} times")
                    print("caller: the agent did not end the call; saying it again", flush=True)
                    continue
            else:
                wait(lambda: log.agent_done(t, a.settle) or log.ended, a.turn_timeout,
                     f"the agent's reply to turn {i + 1}")
                if log.ended and not last:
                    raise RuntimeError(f"the call ended after turn {i + 1}")
                reply = " ".join(x for tt, x in log.agent_lines if tt >= t)
                if i < len(a.expect) and not re.search(a.expect[i], reply, re.I):
                    tries += 1
                    if tries > a.retries:
                        raise RuntimeError(f"turn {i + 1} misunderstood {tries} times")
                    print(f"caller: not understood ({reply!r}); saying it again", flush=True)
                    continue
            i, tries = i + 1, 0
        if a.hangup:
            phone.command("hangup")
            wait(lambda: log.ended, 10, "the call to end")
    except RuntimeError as e:
        print(f"caller: {e}", file=sys.stderr)
        phone.quit()
        return 1
    time.sleep(0.5)
    phone.quit()
    print(f"caller: done in {time.monotonic() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
